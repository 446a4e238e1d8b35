#!/usr/bin/env python3
"""Writes the Grafana dashboards of this folder (patroni-*.json) from the definitions below.

The JSON files are committed and importable as they are; this script is how they are made, so that every panel
gets the same datasource reference, units, ids and layout. Edit here, run `python3 dashboards/build_dashboards.py`,
and commit both; tests/dashboards/check_dashboards.py fails when the JSON differs from what this script writes
(`--out DIR` writes them elsewhere).

Conventions (checked by tests/dashboards/check_dashboards.py):
  - a `datasource` variable of type datasource; every panel, target, variable and annotation uses `${datasource}`;
  - `scope` and `member` variables; a fixed uid per dashboard; a unit on every panel; unique panel ids;
  - a panel that may legitimately show nothing on a healthy cluster says so in its description with the words
    "May be empty" (the live check then only requires its queries to be valid).
"""
import json
import os
import sys

DS = {"type": "prometheus", "uid": "${datasource}"}
HERE = os.path.dirname(os.path.abspath(__file__))

STATE_NAMES = ["initializing new cluster", "initdb failed", "running custom bootstrap script",
               "custom bootstrap failed", "creating replica", "running", "starting",
               "starting after custom bootstrap", "start failed", "restarting", "restart failed", "stopping",
               "stopped", "stop failed", "crashed"]
STATE_COLORS = {5: "green", 6: "yellow", 9: "yellow", 11: "yellow", 12: "orange", 4: "blue", 0: "blue", 2: "blue",
                7: "blue"}


def state_mappings():
    options = {str(i): {"text": name, "color": STATE_COLORS.get(i, "red"), "index": i}
               for i, name in enumerate(STATE_NAMES)}
    options["-1"] = {"text": "unknown", "color": "purple", "index": 15}
    return [{"type": "value", "options": options}]


def bool_mappings(zero, one, one_color="red", zero_color="green"):
    return [{"type": "value", "options": {"0": {"text": zero, "color": zero_color, "index": 0},
                                          "1": {"text": one, "color": one_color, "index": 1}}}]


def threshold_line(value):
    """Timeseries field config drawing an alert's threshold as a dashed red line."""
    return {"custom": {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 0, "spanNulls": False,
                       "showPoints": "never", "thresholdsStyle": {"mode": "dashed"}},
            "color": {"mode": "palette-classic"},
            "thresholds": {"mode": "absolute", "steps": [{"color": "transparent", "value": None},
                                                         {"color": "red", "value": value}]}}


def target(expr, legend="", ref="A", instant=False, fmt="time_series"):
    t = {"datasource": DS, "refId": ref, "expr": expr, "legendFormat": legend or "__auto", "range": not instant,
         "instant": instant, "format": fmt, "editorMode": "code"}
    return t


class Board:
    def __init__(self, uid, title, description, member_multi):
        self.uid, self.title, self.description = uid, title, description
        self.member_multi = member_multi
        self.panels = []
        self.next_id = 1
        self.y = 0

    def row(self, title):
        self.panels.append({"type": "row", "id": self.next_id, "title": title, "collapsed": False,
                            "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y}, "panels": []})
        self.next_id += 1
        self.y += 1

    def add(self, panel_type, title, description, targets, unit, w, h, x, options=None, field=None,
            overrides=None, transformations=None, new_line=False):
        defaults = {"unit": unit}
        defaults.update(field or {})
        panel = {"type": panel_type, "id": self.next_id, "title": title, "description": description,
                 "datasource": DS, "gridPos": {"h": h, "w": w, "x": x, "y": self.y},
                 "targets": [dict(t, refId=t.get("refId") if len(targets) == 1 else chr(ord("A") + i))
                             for i, t in enumerate(targets)],
                 "fieldConfig": {"defaults": defaults, "overrides": overrides or []},
                 "options": options or {}}
        if transformations:
            panel["transformations"] = transformations
        self.panels.append(panel)
        self.next_id += 1
        if x + w >= 24 or new_line:
            self.y += h
        return panel

    def stat(self, title, description, expr, unit, x, w=4, h=4, legend="", mappings=None, text_mode="value",
             thresholds=None):
        field = {"mappings": mappings or [], "color": {"mode": "thresholds"},
                 "thresholds": thresholds or {"mode": "absolute", "steps": [{"color": "green", "value": None}]}}
        return self.add("stat", title, description, [target(expr, legend, instant=True)], unit, w, h, x,
                        options={"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                                 "textMode": text_mode, "colorMode": "value", "graphMode": "none",
                                 "justifyMode": "auto", "orientation": "auto"},
                        field=field)

    def timeseries(self, title, description, targets, unit, x, w=12, h=8, field=None, overrides=None):
        f = {"custom": {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 0, "spanNulls": False,
                        "showPoints": "never"}}
        f.update(field or {})
        return self.add("timeseries", title, description, targets, unit, w, h, x,
                        options={"legend": {"displayMode": "table", "placement": "bottom",
                                            "calcs": ["lastNotNull", "max"]},
                                 "tooltip": {"mode": "multi", "sort": "desc"}},
                        field=f, overrides=overrides)

    def state_timeline(self, title, description, targets, x, w=12, h=8, mappings=None):
        return self.add("state-timeline", title, description, targets, "none", w, h, x,
                        options={"showValue": "auto", "mergeValues": True, "rowHeight": 0.9,
                                 "legend": {"displayMode": "list", "placement": "bottom", "showLegend": False},
                                 "tooltip": {"mode": "single", "sort": "none"}},
                        field={"mappings": mappings or [], "color": {"mode": "thresholds"},
                               "thresholds": {"mode": "absolute", "steps": [{"color": "green", "value": None}]},
                               "custom": {"fillOpacity": 80, "lineWidth": 0}})

    def table(self, title, description, targets, unit, x, w=24, h=8, overrides=None, transformations=None):
        return self.add("table", title, description, targets, unit, w, h, x,
                        options={"showHeader": True, "cellHeight": "sm", "footer": {"show": False}},
                        field={"custom": {"align": "auto", "cellOptions": {"type": "auto"}},
                               "mappings": [], "thresholds": {"mode": "absolute",
                                                              "steps": [{"color": "green", "value": None}]}},
                        overrides=overrides, transformations=transformations)

    def json(self):
        member_query = 'label_values(patroni_node_info{scope=~"$scope"}, name)'
        templating = [
            {"type": "datasource", "name": "datasource", "label": "Data source", "query": "prometheus",
             "current": {}, "hide": 0, "refresh": 1, "regex": "", "options": []},
            {"type": "query", "name": "scope", "label": "Scope", "datasource": DS,
             "query": {"query": "label_values(patroni_node_info, scope)", "refId": "scope"},
             "definition": "label_values(patroni_node_info, scope)", "refresh": 2, "sort": 1,
             "multi": False, "includeAll": False, "current": {}, "hide": 0, "options": [], "regex": ""},
            {"type": "query", "name": "member", "label": "Member", "datasource": DS,
             "query": {"query": member_query, "refId": "member"}, "definition": member_query, "refresh": 2,
             "sort": 1, "multi": self.member_multi, "includeAll": self.member_multi,
             "current": {}, "hide": 0, "options": [], "regex": ""},
        ]
        if self.member_multi:
            templating[2]["allValue"] = ".*"
        return {
            "uid": self.uid, "title": self.title, "description": self.description,
            "tags": ["patroni", "postgresql", "patroni_exporter"], "editable": True, "graphTooltip": 1,
            "schemaVersion": 39, "version": 1, "time": {"from": "now-1h", "to": "now"}, "refresh": "30s",
            "timezone": "", "fiscalYearStartMonth": 0, "liveNow": False, "weekStart": "",
            "timepicker": {},
            "links": [{"type": "dashboards", "tags": ["patroni_exporter"], "asDropdown": True,
                       "title": "Patroni dashboards", "includeVars": True, "keepTime": True}],
            "annotations": {"list": [{
                "name": "Timeline changes", "datasource": DS, "enable": True, "iconColor": "orange",
                "expr": 'changes(max(patroni_cluster_member_timeline{scope="$scope"})[2m:15s]) > 0',
                "step": "1m", "titleFormat": "Timeline changed (failover or switchover)", "textFormat": ""}, {
                # On every dashboard: each shows something GET /config sets (synchronous mode; ttl against the DCS
                # contact age and parameters waiting for a restart; maximum_lag_on_failover against the lag).
                # Per series first, like PatroniConfigChanged, so exporters seeing the edit a scrape apart mark
                # it once and a gap in a series (exporter restart) marks nothing.
                "name": "Dynamic configuration changed", "datasource": DS, "enable": True, "iconColor": "purple",
                "expr": 'max(changes(patroni_config_hash{scope="$scope"}[2m])) > 0',
                "step": "1m", "titleFormat": "Dynamic configuration changed (GET /config)", "textFormat": ""}]},
            "templating": {"list": templating},
            "panels": self.panels,
        }


def overview():
    b = Board("patroni-cluster-overview", "Patroni / Cluster overview",
              "One Patroni cluster (scope) at a glance: members as `patronictl list` shows them, leader and "
              "failover history, and the Patroni alerts firing. Data: patroni_exporter.", member_multi=True)
    S = 'scope="$scope"'
    b.row("Cluster")
    b.stat("Leader", "Member holding the leader lock (cluster view, GET /cluster).",
           'max by (member) (patroni_cluster_member_role{%s, role=~"leader|standby_leader"} == 1)' % S,
           "none", 0, legend="{{member}}", text_mode="name")
    b.stat("Members", "Members listed by GET /cluster.", "max(patroni_cluster_members{%s})" % S, "none", 4)
    b.stat("Writable primaries", "Members whose own GET /patroni says primary with PostgreSQL running, or whose "
           "PostgreSQL is not in recovery (PostgreSQL's view, --postgres.dsn-template: it also counts a primary "
           "whose Patroni died): 1 is healthy, 2 or more is split brain.",
           "count(max by (name) ((patroni_primary{%s} == 1 and on (scope, name) patroni_postgres_running == 1)"
           " or patroni_pg_in_recovery{%s} == 0)) or vector(0)" % (S, S), "none", 8,
           thresholds={"mode": "absolute", "steps": [{"color": "red", "value": None}, {"color": "green", "value": 1},
                                                     {"color": "red", "value": 2}]})
    b.stat("Maintenance mode", "1 while the cluster is paused (patronictl pause): no automatic failover.",
           "max(patroni_cluster_paused{%s})" % S, "none", 12,
           mappings=bool_mappings("off", "PAUSED", one_color="orange"))
    b.stat("Timeline", "Highest PostgreSQL timeline among the members: it increases with every failover or "
           "switchover.", "max(patroni_cluster_member_timeline{%s})" % S, "none", 16)
    b.stat("Synchronous mode", "synchronous_mode from the dynamic configuration (GET /config).",
           "max by (mode) (patroni_config_synchronous_mode{%s}) == 1" % S, "none", 20, legend="{{mode}}",
           text_mode="name")
    b.row("Members (patronictl list)")
    sel = 'scope="$scope", member=~"$member"'
    b.table(
        "Members", "One row per member, like `patronictl list`: the cluster view from GET /cluster. Lag is bytes "
        "behind the leader's last position in the DCS (empty for the leader and when Patroni reports it unknown).",
        [target("max by (member, host, port) (patroni_cluster_member_info{%s})" % sel, instant=True, fmt="table"),
         target("max by (member, role) (patroni_cluster_member_role{%s} == 1)" % sel, instant=True, fmt="table"),
         target("max by (member, state) (patroni_cluster_member_state{%s} == 1)" % sel, instant=True, fmt="table"),
         target("max by (member) (patroni_cluster_member_timeline{%s})" % sel, instant=True, fmt="table"),
         target("max by (member) (patroni_cluster_member_lag_bytes{%s})" % sel, instant=True, fmt="table"),
         target("max by (member) (patroni_cluster_member_pending_restart{%s})" % sel, instant=True, fmt="table"),
         target("max by (member, nofailover, noloadbalance, clonefrom, nosync, failover_priority) "
                "(patroni_cluster_member_tags_info{%s})" % sel, instant=True, fmt="table")],
        "none", 0, h=7,
        transformations=[
            {"id": "merge", "options": {}},
            {"id": "organize", "options": {
                "excludeByName": {"Time": True, "Value #A": True, "Value #B": True, "Value #C": True,
                                  "Value #G": True},
                "indexByName": {"member": 0, "host": 1, "port": 2, "role": 3, "state": 4, "Value #D": 5,
                                "Value #E": 6, "Value #F": 7, "nofailover": 8, "noloadbalance": 9, "nosync": 10,
                                "clonefrom": 11, "failover_priority": 12},
                "renameByName": {"member": "Member", "host": "Host", "port": "Port", "role": "Role",
                                 "state": "State", "Value #D": "TL", "Value #E": "Lag",
                                 "Value #F": "Pending restart"}}}],
        overrides=[
            {"matcher": {"id": "byName", "options": "Lag"}, "properties": [{"id": "unit", "value": "bytes"}]},
            {"matcher": {"id": "byName", "options": "Pending restart"},
             "properties": [{"id": "mappings", "value": bool_mappings("", "*", one_color="orange")},
                            {"id": "custom.cellOptions", "value": {"type": "color-text"}}]},
            {"matcher": {"id": "byName", "options": "Member"},
             "properties": [{"id": "links", "value": [{
                 "title": "Member detail",
                 "url": "/d/patroni-member-detail?var-scope=${scope}&var-member=${__value.raw}&"
                        "${datasource:queryparam}"}]}]}])
    b.row("Leader and failover history")
    b.state_timeline("Leader over time", "Which member held the leader lock (cluster view).",
                     [target('max by (member) (patroni_cluster_member_role{%s, role=~"leader|standby_leader"})' % S,
                             "{{member}}")], 0,
                     mappings=bool_mappings("", "leader", one_color="green", zero_color="transparent"))
    b.timeseries("Timeline", "PostgreSQL timeline per member; the leader's is the cluster's.",
                 [target("max by (member) (patroni_cluster_member_timeline{%s})" % S, "{{member}}")], "none", 12,
                 field={"decimals": 0})
    b.stat("Timeline switches recorded", "Rows in GET /history: failovers and switchovers since the cluster was "
           "created.", "max(patroni_history_timeline_switches{%s})" % S, "none", 0, w=6)
    b.stat("Last switch", "When the newest failover or switchover in GET /history happened. May be empty: "
           "a cluster that never switched has no history row.",
           "max(patroni_history_last_switch_timestamp_seconds{%s}) * 1000" % S, "dateTimeFromNow", 6, w=6)
    b.table("Last switch: new leader and reason", "The newest row of GET /history (patronictl history). May be "
            "empty: a cluster that never switched has no history row.",
            [target("max by (new_leader, reason) (patroni_history_last_switch_info{%s})" % S, instant=True,
                    fmt="table"),
             target("max(patroni_history_last_switch_timeline{%s})" % S, instant=True, fmt="table")],
            "none", 12, w=12, h=4,
            transformations=[{"id": "merge", "options": {}},
                             {"id": "organize", "options": {
                                 "excludeByName": {"Time": True, "Value #A": True},
                                 "renameByName": {"new_leader": "New leader", "reason": "Reason",
                                                  "Value #B": "Timeline"}}}])
    b.row("Alerts")
    b.table("Patroni alerts firing", "Alerts of rules/ firing for this scope (and the exporter's target alerts, "
            "which carry no scope). May be empty: nothing fires on a healthy cluster.",
            [target('max by (alertname, severity, member, instance, target, endpoint) '
                    '(ALERTS{alertstate="firing", alertname=~"Patroni.+", scope=~"$scope|"})',
                    instant=True, fmt="table")],
            "none", 0, h=6,
            transformations=[{"id": "organize", "options": {"excludeByName": {"Time": True, "Value": True}}}])
    b.table("Exporter targets", "Whether each exporter got a valid GET /patroni (patroni_up) and GET /cluster "
            "(patroni_cluster_up) from each Patroni REST API it polls (all scopes: these carry only the target).",
            [target("max by (instance, target) (patroni_up)", instant=True, fmt="table"),
             target("max by (instance, target) (patroni_cluster_up)", instant=True, fmt="table")],
            "none", 0, h=6,
            transformations=[{"id": "merge", "options": {}},
                             {"id": "organize", "options": {
                                 "excludeByName": {"Time": True},
                                 "renameByName": {"instance": "Exporter", "target": "Patroni REST API",
                                                  "Value #A": "GET /patroni ok", "Value #B": "GET /cluster ok"}}}],
            overrides=[{"matcher": {"id": "byRegexp", "options": "GET .*"},
                        "properties": [{"id": "mappings", "value": bool_mappings("no", "yes", one_color="green",
                                                                                 zero_color="red")},
                                       {"id": "custom.cellOptions", "value": {"type": "color-text"}}]}])
    return b


def member_detail():
    b = Board("patroni-member-detail", "Patroni / Member detail",
              "One member of a Patroni cluster: its PostgreSQL state over time, WAL positions and rates, DCS "
              "contact and uptime, from the member's own GET /patroni. Data: patroni_exporter.", member_multi=False)
    M = 'scope="$scope", name="$member"'
    b.row("Now")
    b.stat("PostgreSQL state", "patroni_postgres_state of the member.", "max(patroni_postgres_state{%s})" % M,
           "none", 0, mappings=state_mappings())
    b.stat("Role", "The member's role in the cluster view (GET /cluster).",
           'max by (role) (patroni_cluster_member_role{scope="$scope", member="$member"} == 1)', "none", 4,
           legend="{{role}}", text_mode="name")
    b.stat("PostgreSQL uptime", "Time since the postmaster started (postmaster_start_time).",
           "time() - max(patroni_postmaster_start_time{%s} > 0)" % M, "s", 8)
    b.stat("Last DCS contact", "Seconds since Patroni on this member last reached the DCS (dcs_last_seen); "
           "above the leader TTL a leader demotes itself.", "time() - max(patroni_dcs_last_seen{%s})" % M, "s", 12,
           thresholds={"mode": "absolute", "steps": [{"color": "green", "value": None},
                                                     {"color": "orange", "value": 15}, {"color": "red", "value": 30}]})
    b.stat("Pending restart", "1 if PostgreSQL needs a restart to apply changed parameters.",
           "max(patroni_pending_restart{%s})" % M, "none", 16,
           mappings=bool_mappings("no", "pending", one_color="orange"))
    b.stat("Versions", "Patroni version of the member (patroni_node_info).",
           "max by (version) (patroni_node_info{%s})" % M, "none", 20, legend="Patroni {{version}}",
           text_mode="name")
    b.row("PostgreSQL")
    b.state_timeline("PostgreSQL state over time", "patroni_postgres_state: running, starting, stopped, crashed, "
                     "...", [target("max(patroni_postgres_state{%s})" % M, "state")], 0, mappings=state_mappings())
    b.state_timeline("Role over time", "The member's own view of its role (GET /patroni).",
                     [target("max(patroni_primary{%s})" % M, "primary"),
                      target("max(patroni_replica{%s})" % M, "replica"),
                      target("max(patroni_standby_leader{%s})" % M, "standby leader"),
                      target("max(patroni_sync_standby{%s})" % M, "sync standby")], 12,
                     mappings=bool_mappings("no", "yes", one_color="green", zero_color="transparent"))
    b.timeseries("PostgreSQL uptime", "Time since the postmaster started; drops to 0 at each restart.",
                 [target("time() - max(patroni_postmaster_start_time{%s} > 0)" % M, "uptime")], "s", 0)
    b.timeseries("Timeline", "PostgreSQL timeline of the member (0 while PostgreSQL is down).",
                 [target("max(patroni_postgres_timeline{%s})" % M, "timeline")], "none", 12, field={"decimals": 0})
    b.row("WAL")
    b.timeseries("WAL positions", "WAL written (primary), received and replayed (replica), as byte positions.",
                 [target("max(patroni_xlog_location{%s}) > 0" % M, "written (primary)"),
                  target("max(patroni_xlog_received_location{%s}) > 0" % M, "received"),
                  target("max(patroni_xlog_replayed_location{%s}) > 0" % M, "replayed")], "bytes", 0)
    b.timeseries("WAL rates", "Bytes of WAL written (primary), received and replayed (replica) per second.",
                 [target("rate(patroni_xlog_location{%s}[$__rate_interval]) and on () max(patroni_primary{%s}) == 1"
                         % (M, M), "written"),
                  target("rate(patroni_xlog_received_location{%s}[$__rate_interval]) and on () "
                         "max(patroni_replica{%s}) == 1" % (M, M), "received"),
                  target("rate(patroni_xlog_replayed_location{%s}[$__rate_interval]) and on () "
                         "max(patroni_replica{%s}) == 1" % (M, M), "replayed")], "Bps", 12)
    b.timeseries("Replay behind receive", "Bytes the replica has received but not yet replayed; grows while replay "
                 "is paused or slow (replicas only).",
                 [target("max(patroni_xlog_received_location{%s}) - max(patroni_xlog_replayed_location{%s}) "
                         "and on () max(patroni_replica{%s}) == 1" % (M, M, M), "received - replayed")], "bytes", 0)
    b.state_timeline("Replication flags", "Replay paused (xlog.paused), streaming and in archive recovery "
                     "(replication_state, Patroni 3.0.4+).",
                     [target("max(patroni_xlog_paused{%s})" % M, "replay paused"),
                      target("max(patroni_postgres_streaming{%s})" % M, "streaming"),
                      target("max(patroni_postgres_in_archive_recovery{%s})" % M, "in archive recovery")], 12,
                     mappings=bool_mappings("no", "yes", one_color="blue", zero_color="transparent"))
    b.row("Patroni and DCS")
    b.timeseries("DCS contact age", "Seconds since this member's Patroni last reached the DCS, and the leader "
                 "TTL: above it, PatroniDcsUnreachable fires.",
                 [target("time() - max(patroni_dcs_last_seen{%s})" % M, "since last DCS contact"),
                  target('max(patroni_config_ttl_seconds{scope="$scope"})', "leader TTL")], "s", 0)
    b.state_timeline("Patroni flags", "Cluster unlocked (no leader lock), failsafe mode active, maintenance mode, "
                     "pending restart and watchdog failure, as the member reports them.",
                     [target("max(patroni_cluster_unlocked{%s})" % M, "cluster unlocked"),
                      target("max(patroni_failsafe_mode_is_active{%s})" % M, "failsafe active"),
                      target("max(patroni_is_paused{%s})" % M, "paused"),
                      target("max(patroni_pending_restart{%s})" % M, "pending restart"),
                      target("max(patroni_watchdog_failed{%s})" % M, "watchdog failed")], 12,
                     mappings=bool_mappings("no", "yes", one_color="orange", zero_color="transparent"))
    b.table("Parameters waiting for a restart", "pending_restart_reason (Patroni 3.3+). May be empty: nothing "
            "waits for a restart.",
            [target("max by (parameter, old_value, new_value) (patroni_pending_restart_reason_info{%s})" % M,
                    instant=True, fmt="table")], "none", 0, h=6,
            transformations=[{"id": "organize", "options": {"excludeByName": {"Time": True, "Value": True}}}])
    return b


def replication():
    b = Board("patroni-replication", "Patroni / Replication",
              "Replicas of one Patroni cluster: lag in bytes from Patroni's cluster view, replay state and WAL "
              "receiver from each replica's own GET /patroni, and PostgreSQL's own view (pg_stat_replication, "
              "pg_replication_slots, pg_stat_wal_receiver; exporter run with --postgres.dsn-template). Data: "
              "patroni_exporter.", member_multi=True)
    S = 'scope="$scope"'
    C = 'scope="$scope", member=~"$member"'
    N = 'scope="$scope", name=~"$member"'
    b.row("Lag (Patroni's view)")
    b.timeseries("Lag per standby", "Bytes each replica is behind the leader's last position in the DCS "
                 "(GET /cluster `lag`, refreshed every loop_wait), with maximum_lag_on_failover: above it Patroni "
                 "will not promote the replica. Receive and replay lag: Patroni 4.1+.",
                 [target("max by (member) (patroni_cluster_member_lag_bytes{%s})" % C, "{{member}}"),
                  target("max by (member) (patroni_cluster_member_receive_lag_bytes{%s})" % C,
                         "{{member}} receive"),
                  target("max by (member) (patroni_cluster_member_replay_lag_bytes{%s})" % C, "{{member}} replay"),
                  target("max(patroni_config_maximum_lag_on_failover_bytes{%s})" % S, "maximum_lag_on_failover")],
                 "bytes", 0, w=16,
                 overrides=[{"matcher": {"id": "byName", "options": "maximum_lag_on_failover"},
                             "properties": [{"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [10, 10]}},
                                            {"id": "color", "value": {"mode": "fixed", "fixedColor": "red"}}]}])
    b.state_timeline("Lag unknown", "1 while Patroni reports a member's lag as \"unknown\" (no WAL position "
                     "published, e.g. PostgreSQL stopped).",
                     [target("max by (member, kind) (patroni_cluster_member_lag_unknown{%s})" % C,
                             "{{member}} {{kind}}")], 16, w=8,
                     mappings=bool_mappings("known", "unknown", one_color="orange", zero_color="transparent"))
    b.row("Replicas")
    b.timeseries("Replay behind receive", "Bytes each replica received but has not replayed yet (node view); "
                 "grows while replay is paused or slow.",
                 [target("max by (name) (patroni_xlog_received_location{%s} - patroni_xlog_replayed_location{%s} "
                         "and on (scope, name) patroni_replica == 1)" % (N, N), "{{name}}")], "bytes", 0)
    b.timeseries("Last replayed transaction age", "Seconds since the commit time of the last transaction each "
                 "replica replayed (xlog.replayed_timestamp). An idle primary makes it grow too. May be empty: "
                 "Patroni reports no timestamp until the replica replays a transaction.",
                 [target("time() - max by (name) (patroni_xlog_replayed_timestamp{%s} > 0)" % N, "{{name}}")],
                 "s", 12)
    b.state_timeline("Replication state", "State of each non-leader in the cluster view (streaming and in "
                     "archive recovery from Patroni 3.0.4; running before), and the replica's own "
                     "replication_state (3.0.4+).",
                     [target('max by (member, state) (patroni_cluster_member_state{%s, state=~"running|streaming|'
                             'in archive recovery|starting|stopped|crashed|unknown"} == 1 and on (scope, member) '
                             'patroni_cluster_member_role{role!~"leader|standby_leader"} == 1)' % C,
                             "{{member}}: {{state}}"),
                      target("max by (name) (patroni_postgres_streaming{%s} and on (scope, name) "
                             "patroni_replica == 1)" % N, "{{name}} streaming (own view)")], 0,
                     mappings=bool_mappings("no", "yes", one_color="green", zero_color="red"))
    b.state_timeline("Replay paused", "1 while WAL replay is paused on the replica (pg_wal_replay_pause).",
                     [target("max by (name) (patroni_xlog_paused{%s} and on (scope, name) patroni_replica == 1)"
                             % N, "{{name}}")], 12,
                     mappings=bool_mappings("replaying", "PAUSED", one_color="orange", zero_color="transparent"))
    b.row("Synchronous replication")
    b.stat("Synchronous mode", "synchronous_mode from the dynamic configuration (GET /config).",
           "max by (mode) (patroni_config_synchronous_mode{%s}) == 1" % S, "none", 0, w=6, legend="{{mode}}",
           text_mode="name")
    b.stat("Synchronous standbys wanted", "synchronous_node_count from the dynamic configuration.",
           "max(patroni_config_synchronous_nodes{%s})" % S, "none", 6, w=6)
    b.state_timeline("Standby roles", "Role of each non-leader in the cluster view: replica, sync_standby or "
                     "quorum_standby (4.0+).",
                     [target('max by (member, role) (patroni_cluster_member_role{%s, role=~"replica|sync_standby|'
                             'quorum_standby"} == 1)' % C, "{{member}}: {{role}}")], 12,
                     mappings=bool_mappings("", "yes", one_color="green", zero_color="transparent"))

    # PostgreSQL's own view (--postgres.dsn-template). A standby is the leader's pg_stat_replication row named by
    # application_name, which Patroni sets to the member name; slots and the WAL receiver belong to the server
    # (`name`) that holds them.
    A = 'scope="$scope", application_name=~"$member"'
    PG = " Needs the exporter's --postgres.dsn-template."
    b.row("Lag (PostgreSQL's view)")
    b.timeseries("Lag per standby in bytes (PostgreSQL)", "WAL each standby has not yet written, flushed and "
                 "replayed, as the leader's pg_stat_replication reports it (the leader's current position minus the "
                 "standby's), with maximum_lag_on_failover: replay lag above it pages (PatroniReplicationLagHigh, "
                 "source postgres)." + PG,
                 [target("max by (application_name) (patroni_pg_replication_write_lag_bytes{%s})" % A,
                         "{{application_name}} write"),
                  target("max by (application_name) (patroni_pg_replication_flush_lag_bytes{%s})" % A,
                         "{{application_name}} flush"),
                  target("max by (application_name) (patroni_pg_replication_replay_lag_bytes{%s})" % A,
                         "{{application_name}} replay"),
                  target("max(patroni_config_maximum_lag_on_failover_bytes{%s})" % S, "maximum_lag_on_failover")],
                 "bytes", 0,
                 overrides=[{"matcher": {"id": "byName", "options": "maximum_lag_on_failover"},
                             "properties": [{"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [10, 10]}},
                                            {"id": "color", "value": {"mode": "fixed", "fixedColor": "red"}}]}])
    b.timeseries("Lag per standby in seconds (PostgreSQL)", "PostgreSQL's write_lag, flush_lag and replay_lag of "
                 "each standby (pg_stat_replication on the leader); the dashed line is the 60 s of "
                 "PatroniReplicationLagHigh (warning, source postgres). May be empty: PostgreSQL reports no lag "
                 "time (NULL) once a standby has caught up with an idle primary." + PG,
                 [target("max by (application_name) (patroni_pg_replication_write_lag_seconds{%s})" % A,
                         "{{application_name}} write"),
                  target("max by (application_name) (patroni_pg_replication_flush_lag_seconds{%s})" % A,
                         "{{application_name}} flush"),
                  target("max by (application_name) (patroni_pg_replication_replay_lag_seconds{%s})" % A,
                         "{{application_name}} replay")],
                 "s", 12, field=threshold_line(60))
    b.timeseries("Replay delay (standby's own view)", "On each standby: 0 while everything it received is "
                 "replayed (so an idle primary does not look like lag), else the age of the last transaction it "
                 "replayed, which grows while replay stands still (pg_last_xact_replay_timestamp)." + PG,
                 [target("max by (name) (patroni_pg_replay_delay_seconds{%s})" % N, "{{name}}")], "s", 0,
                 field=threshold_line(60))
    b.timeseries("Received but not replayed (standby's own view)", "Bytes each standby received but has not "
                 "replayed (pg_last_wal_receive_lsn - pg_last_wal_replay_lsn)." + PG,
                 [target("max by (name) (patroni_pg_replay_lag_bytes{%s})" % N, "{{name}}")], "bytes", 12)
    b.row("WAL receiver (PostgreSQL's view)")
    b.state_timeline("WAL receiver streaming", "1 while the standby's WAL receiver streams from its upstream "
                     "(pg_stat_wal_receiver status streaming); 0 means no WAL receiver, or another status." + PG,
                     [target("max by (name) (patroni_pg_wal_receiver_streaming{%s})" % N, "{{name}}")], 0,
                     mappings=bool_mappings("NOT STREAMING", "streaming", one_color="green", zero_color="red"))
    b.timeseries("WAL receiver last message age", "Seconds since each standby's WAL receiver last heard from "
                 "its upstream (now() - last_msg_receipt_time); the primary sends a keepalive at least every "
                 "wal_sender_timeout / 2." + PG,
                 [target("max by (name) (patroni_pg_wal_receiver_last_message_age_seconds{%s})" % N, "{{name}}")],
                 "s", 12)
    b.table("WAL receiver upstream", "Each standby's WAL receiver: status, the upstream it streams from and the "
            "slot it uses (pg_stat_wal_receiver)." + PG,
            [target("max by (name, status, sender_host, sender_port, slot_name) "
                    "(patroni_pg_wal_receiver_info{%s})" % N, instant=True, fmt="table")],
            "none", 0, h=6,
            transformations=[{"id": "organize", "options": {
                "excludeByName": {"Time": True, "Value": True},
                "renameByName": {"name": "Standby", "status": "Status", "sender_host": "Upstream host",
                                 "sender_port": "Upstream port", "slot_name": "Slot"}}}])
    b.row("Replication slots (PostgreSQL's view)")
    b.table("Replication slots", "Every replication slot on the selected members (normally the leader: Patroni "
            "keeps one per replica with use_slots), whether a consumer is connected, the WAL it keeps from being "
            "removed, and its wal_status (PostgreSQL 13+: reserved, extended, unreserved, lost). Inactive and "
            "retaining over 1 GiB for 15 minutes, or unreserved/lost: PatroniReplicationSlotInactive." + PG,
            [target("max by (name, slot_name, slot_type) (patroni_pg_replication_slot_active{%s})" % N,
                    instant=True, fmt="table"),
             target("max by (name, slot_name, slot_type) (patroni_pg_replication_slot_retained_bytes{%s})" % N,
                    instant=True, fmt="table"),
             target("max by (name, slot_name, slot_type, wal_status) "
                    "(patroni_pg_replication_slot_wal_status{%s} == 1)" % N, instant=True, fmt="table")],
            "none", 0, h=7,
            transformations=[
                {"id": "merge", "options": {}},
                {"id": "organize", "options": {
                    "excludeByName": {"Time": True, "Value #C": True},
                    "indexByName": {"name": 0, "slot_name": 1, "slot_type": 2, "Value #A": 3, "Value #B": 4,
                                    "wal_status": 5},
                    "renameByName": {"name": "Server", "slot_name": "Slot", "slot_type": "Type",
                                     "Value #A": "Active", "Value #B": "Retained WAL", "wal_status": "WAL status"}}}],
            overrides=[
                {"matcher": {"id": "byName", "options": "Retained WAL"},
                 "properties": [{"id": "unit", "value": "bytes"}]},
                {"matcher": {"id": "byName", "options": "Active"},
                 "properties": [{"id": "mappings", "value": bool_mappings("INACTIVE", "active", one_color="green",
                                                                          zero_color="orange")},
                                {"id": "custom.cellOptions", "value": {"type": "color-text"}}]}])
    b.timeseries("Retained WAL per slot", "Bytes of WAL each slot keeps from being removed (the server's current "
                 "position minus the slot's restart_lsn); the dashed line is the 1 GiB of "
                 "PatroniReplicationSlotInactive for an inactive slot." + PG,
                 [target("max by (name, slot_name) (patroni_pg_replication_slot_retained_bytes{%s})" % N,
                         "{{name}}: {{slot_name}}")], "bytes", 0, field=threshold_line(1073741824))
    b.state_timeline("Slot active", "1 while a consumer (a replica's WAL receiver, a logical subscriber) is "
                     "connected to the slot." + PG,
                     [target("max by (name, slot_name) (patroni_pg_replication_slot_active{%s})" % N,
                             "{{name}}: {{slot_name}}")], 12,
                     mappings=bool_mappings("INACTIVE", "active", one_color="green", zero_color="orange"))
    b.row("Exporter's access to PostgreSQL")
    b.table("PostgreSQL queried by the exporter", "Per exporter and member: whether the member's PostgreSQL "
            "answered (patroni_pg_up; 0 while Patroni says it runs: PatroniExporterTargetDown, endpoint postgres), "
            "whether the exporter's role may read replication data (pg_monitor; 0: "
            "PatroniExporterMissingPrivileges), the WAL senders PostgreSQL hid from it, and whether the server is an "
            "orphaned primary (writable without the leader lock or without its Patroni: PatroniOrphanedPrimary)." + PG,
            [target("max by (instance, name) (patroni_pg_up{%s})" % N, instant=True, fmt="table"),
             target("max by (instance, name) (patroni_pg_monitor_privilege{%s})" % N, instant=True, fmt="table"),
             target("max by (instance, name) (patroni_pg_replication_hidden_rows{%s})" % N, instant=True,
                    fmt="table"),
             target("max by (instance, name) (patroni_pg_orphaned_primary{%s})" % N, instant=True, fmt="table")],
            "none", 0, h=6,
            transformations=[{"id": "merge", "options": {}},
                             {"id": "organize", "options": {
                                 "excludeByName": {"Time": True},
                                 "renameByName": {"instance": "Exporter", "name": "Member",
                                                  "Value #A": "PostgreSQL answers", "Value #B": "pg_monitor",
                                                  "Value #C": "Hidden senders", "Value #D": "Orphaned primary"}}}],
            overrides=[{"matcher": {"id": "byRegexp", "options": "PostgreSQL answers|pg_monitor"},
                        "properties": [{"id": "mappings", "value": bool_mappings("no", "yes", one_color="green",
                                                                                 zero_color="red")},
                                       {"id": "custom.cellOptions", "value": {"type": "color-text"}}]},
                       {"matcher": {"id": "byName", "options": "Orphaned primary"},
                        "properties": [{"id": "mappings", "value": bool_mappings("no", "YES", one_color="red",
                                                                                 zero_color="green")},
                                       {"id": "custom.cellOptions", "value": {"type": "color-text"}}]}])
    return b


def main():
    out = sys.argv[2] if len(sys.argv) == 3 and sys.argv[1] == "--out" else HERE
    for board in (overview(), member_detail(), replication()):
        path = os.path.join(out, board.uid + ".json")
        with open(path, "w") as f:
            json.dump(board.json(), f, indent=2, sort_keys=False)
            f.write("\n")
        print("wrote " + os.path.relpath(path))


if __name__ == "__main__":
    main()
