// The dashboard dashboards/patroni-cluster-overview.json (uid patroni-cluster-overview); building blocks in lib.libsonnet.
local g = import 'lib.libsonnet';
local target = g.target, bool_mappings = g.bool_mappings, state_mappings = g.state_mappings, threshold_line = g.threshold_line;
local S = 'scope="$scope"';
local sel = 'scope="$scope", member=~"$member"';

function(c, alerts)
g.board(c, "patroni-cluster-overview", "Patroni / Cluster overview",
              ("One Patroni cluster (scope) at a glance: members as `patronictl list` shows them, leader and " +
              "failover history, and the Patroni alerts firing. Data: patroni_exporter."), member_multi=true, panels=[
    g.row("Cluster"),
    g.stat("Leader", "Member holding the leader lock (cluster view, GET /cluster).",
           'max by (member) (patroni_cluster_member_role{%s, role=~"leader|standby_leader"} == 1)' % S,
           "none", 0, legend="{{member}}", text_mode="name"),
    g.stat("Members", "Members listed by GET /cluster.", "max(patroni_cluster_members{%s})" % S, "none", 4),
    g.stat("Writable primaries", ("Members whose own GET /patroni says primary with PostgreSQL running, or whose " +
           "PostgreSQL is not in recovery (PostgreSQL's view, --postgres.dsn-template: it also counts a primary " +
           "whose Patroni died): 1 is healthy, 2 or more is split brain."),
           ("count(max by (name) ((patroni_primary{%s} == 1 and on (scope, name) patroni_postgres_running == 1)" +
           " or patroni_pg_in_recovery{%s} == 0)) or vector(0)") % [S, S], "none", 8,
           thresholds={"mode": "absolute", "steps": [{"color": "red", "value": null}, {"color": "green", "value": 1},
                                                     {"color": "red", "value": 2}]}),
    g.stat("Maintenance mode", "1 while the cluster is paused (patronictl pause): no automatic failover.",
           "max(patroni_cluster_paused{%s})" % S, "none", 12,
           mappings=bool_mappings("off", "PAUSED", one_color="orange")),
    g.stat("Timeline", ("Highest PostgreSQL timeline among the members: it increases with every failover or " +
           "switchover."), "max(patroni_cluster_member_timeline{%s})" % S, "none", 16),
    g.stat("Synchronous mode", "synchronous_mode from the dynamic configuration (GET /config).",
           "max by (mode) (patroni_config_synchronous_mode{%s}) == 1" % S, "none", 20, legend="{{mode}}",
           text_mode="name"),
    g.row("Members (patronictl list)"),
    g.table(
        "Members", ("One row per member, like `patronictl list`: the cluster view from GET /cluster. Lag is bytes " +
        "behind the leader's last position in the DCS (empty for the leader and when Patroni reports it unknown)."),
        [target("max by (member, host, port) (patroni_cluster_member_info{%s})" % sel, instant=true, fmt="table"),
         target("max by (member, role) (patroni_cluster_member_role{%s} == 1)" % sel, instant=true, fmt="table"),
         target("max by (member, state) (patroni_cluster_member_state{%s} == 1)" % sel, instant=true, fmt="table"),
         target("max by (member) (patroni_cluster_member_timeline{%s})" % sel, instant=true, fmt="table"),
         target("max by (member) (patroni_cluster_member_lag_bytes{%s})" % sel, instant=true, fmt="table"),
         target("max by (member) (patroni_cluster_member_pending_restart{%s})" % sel, instant=true, fmt="table"),
         target(("max by (member, nofailover, noloadbalance, clonefrom, nosync, failover_priority) " +
                "(patroni_cluster_member_tags_info{%s})") % sel, instant=true, fmt="table")],
        "none", 0, h=7,
        transformations=[
            {"id": "merge", "options": {}},
            {"id": "organize", "options": {
                "excludeByName": {"Time": true, "Value #A": true, "Value #B": true, "Value #C": true,
                                  "Value #G": true},
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
                 "url": ("/d/patroni-member-detail?var-scope=${scope}&var-member=${__value.raw}&" +
                        "${datasource:queryparam}" + g.varsQueryparams(c))}]}]}]),
    g.row("Leader and failover history"),
    g.state_timeline("Leader over time", "Which member held the leader lock (cluster view).",
                     [target('max by (member) (patroni_cluster_member_role{%s, role=~"leader|standby_leader"})' % S,
                             "{{member}}")], 0,
                     mappings=bool_mappings("", "leader", one_color="green", zero_color="transparent")),
    g.timeseries("Timeline", "PostgreSQL timeline per member; the leader's is the cluster's.",
                 [target("max by (member) (patroni_cluster_member_timeline{%s})" % S, "{{member}}")], "none", 12,
                 field={"decimals": 0}),
    g.stat("Timeline switches recorded", ("Rows in GET /history: failovers and switchovers since the cluster was " +
           "created."), "max(patroni_history_timeline_switches{%s})" % S, "none", 0, w=6),
    g.stat("Last switch", ("When the newest failover or switchover in GET /history happened. May be empty: " +
           "a cluster that never switched has no history row."),
           "max(patroni_history_last_switch_timestamp_seconds{%s}) * 1000" % S, "dateTimeFromNow", 6, w=6),
    g.table("Last switch: new leader and reason", ("The newest row of GET /history (patronictl history). May be " +
            "empty: a cluster that never switched has no history row."),
            [target("max by (new_leader, reason) (patroni_history_last_switch_info{%s})" % S, instant=true,
                    fmt="table"),
             target("max(patroni_history_last_switch_timeline{%s})" % S, instant=true, fmt="table")],
            "none", 12, w=12, h=4,
            transformations=[{"id": "merge", "options": {}},
                             {"id": "organize", "options": {
                                 "excludeByName": {"Time": true, "Value #A": true},
                                 "renameByName": {"new_leader": "New leader", "reason": "Reason",
                                                  "Value #B": "Timeline"}}}]),
    g.row("Alerts"),
    g.alertsTable(c, alerts, "Patroni alerts firing", ("Alerts of the mixin firing for this scope (and the " +
                  "exporter's target alerts, which carry no scope), with a link to each one's runbook. May be " +
                  "empty: nothing fires on a healthy cluster."), 0, h=6),
    g.table("Exporter targets", ("Whether each exporter got a valid GET /patroni (patroni_up) and GET /cluster " +
            "(patroni_cluster_up) from each Patroni REST API it polls (all scopes: these carry only the target)."),
            [target("max by (instance, target) (patroni_up)", instant=true, fmt="table"),
             target("max by (instance, target) (patroni_cluster_up)", instant=true, fmt="table")],
            "none", 0, h=6,
            transformations=[{"id": "merge", "options": {}},
                             {"id": "organize", "options": {
                                 "excludeByName": {"Time": true},
                                 "renameByName": {"instance": "Exporter", "target": "Patroni REST API",
                                                  "Value #A": "GET /patroni ok", "Value #B": "GET /cluster ok"}}}],
            overrides=[{"matcher": {"id": "byRegexp", "options": "GET .*"},
                        "properties": [{"id": "mappings", "value": bool_mappings("no", "yes", one_color="green",
                                                                                 zero_color="red")},
                                       {"id": "custom.cellOptions", "value": {"type": "color-text"}}]}]),
])
