// The dashboard dashboards/patroni-member-detail.json (uid patroni-member-detail); building blocks in lib.libsonnet.
local g = import 'lib.libsonnet';
local target = g.target, bool_mappings = g.bool_mappings, state_mappings = g.state_mappings, threshold_line = g.threshold_line;
local M = 'scope="$scope", name="$member"';

function(c)
g.board(c, "patroni-member-detail", "Patroni / Member detail",
              ("One member of a Patroni cluster: its PostgreSQL state over time, WAL positions and rates, DCS " +
              "contact and uptime, from the member's own GET /patroni. Data: patroni_exporter."), member_multi=false, panels=[
    g.row("Now"),
    g.stat("PostgreSQL state", "patroni_postgres_state of the member.", "max(patroni_postgres_state{%s})" % M,
           "none", 0, mappings=state_mappings()),
    g.stat("Role", "The member's role in the cluster view (GET /cluster).",
           'max by (role) (patroni_cluster_member_role{scope="$scope", member="$member"} == 1)', "none", 4,
           legend="{{role}}", text_mode="name"),
    g.stat("PostgreSQL uptime", "Time since the postmaster started (postmaster_start_time).",
           "time() - max(patroni_postmaster_start_time{%s} > 0)" % M, "s", 8),
    g.stat("Last DCS contact", ("Seconds since Patroni on this member last reached the DCS (dcs_last_seen); " +
           "above the leader TTL a leader demotes itself."), "time() - max(patroni_dcs_last_seen{%s})" % M, "s", 12,
           thresholds={"mode": "absolute", "steps": [{"color": "green", "value": null},
                                                     {"color": "orange", "value": 15}, {"color": "red", "value": 30}]}),
    g.stat("Pending restart", "1 if PostgreSQL needs a restart to apply changed parameters.",
           "max(patroni_pending_restart{%s})" % M, "none", 16,
           mappings=bool_mappings("no", "pending", one_color="orange")),
    g.stat("Versions", "Patroni version of the member (patroni_node_info).",
           "max by (version) (patroni_node_info{%s})" % M, "none", 20, legend="Patroni {{version}}",
           text_mode="name"),
    g.row("PostgreSQL"),
    g.state_timeline("PostgreSQL state over time", ("patroni_postgres_state: running, starting, stopped, crashed, " +
                     "..."), [target("max(patroni_postgres_state{%s})" % M, "state")], 0, mappings=state_mappings()),
    g.state_timeline("Role over time", "The member's own view of its role (GET /patroni).",
                     [target("max(patroni_primary{%s})" % M, "primary"),
                      target("max(patroni_replica{%s})" % M, "replica"),
                      target("max(patroni_standby_leader{%s})" % M, "standby leader"),
                      target("max(patroni_sync_standby{%s})" % M, "sync standby")], 12,
                     mappings=bool_mappings("no", "yes", one_color="green", zero_color="transparent")),
    g.timeseries("PostgreSQL uptime", "Time since the postmaster started; drops to 0 at each restart.",
                 [target("time() - max(patroni_postmaster_start_time{%s} > 0)" % M, "uptime")], "s", 0),
    g.timeseries("Timeline", "PostgreSQL timeline of the member (0 while PostgreSQL is down).",
                 [target("max(patroni_postgres_timeline{%s})" % M, "timeline")], "none", 12, field={"decimals": 0}),
    g.row("WAL"),
    g.timeseries("WAL positions", "WAL written (primary), received and replayed (replica), as byte positions.",
                 [target("max(patroni_xlog_location{%s}) > 0" % M, "written (primary)"),
                  target("max(patroni_xlog_received_location{%s}) > 0" % M, "received"),
                  target("max(patroni_xlog_replayed_location{%s}) > 0" % M, "replayed")], "bytes", 0),
    g.timeseries("WAL rates", "Bytes of WAL written (primary), received and replayed (replica) per second.",
                 [target("rate(patroni_xlog_location{%s}[$__rate_interval]) and on () max(patroni_primary{%s}) == 1"
                         % [M, M], "written"),
                  target(("rate(patroni_xlog_received_location{%s}[$__rate_interval]) and on () " +
                         "max(patroni_replica{%s}) == 1") % [M, M], "received"),
                  target(("rate(patroni_xlog_replayed_location{%s}[$__rate_interval]) and on () " +
                         "max(patroni_replica{%s}) == 1") % [M, M], "replayed")], "Bps", 12),
    g.timeseries("Replay behind receive", ("Bytes the replica has received but not yet replayed; grows while replay " +
                 "is paused or slow (replicas only)."),
                 [target(("max(patroni_xlog_received_location{%s}) - max(patroni_xlog_replayed_location{%s}) " +
                         "and on () max(patroni_replica{%s}) == 1") % [M, M, M], "received - replayed")], "bytes", 0),
    g.state_timeline("Replication flags", ("Replay paused (xlog.paused), streaming and in archive recovery " +
                     "(replication_state, Patroni 3.0.4+)."),
                     [target("max(patroni_xlog_paused{%s})" % M, "replay paused"),
                      target("max(patroni_postgres_streaming{%s})" % M, "streaming"),
                      target("max(patroni_postgres_in_archive_recovery{%s})" % M, "in archive recovery")], 12,
                     mappings=bool_mappings("no", "yes", one_color="blue", zero_color="transparent")),
    g.row("Patroni and DCS"),
    g.timeseries("DCS contact age", ("Seconds since this member's Patroni last reached the DCS, and the leader " +
                 "TTL: above it, PatroniDcsUnreachable fires."),
                 [target("time() - max(patroni_dcs_last_seen{%s})" % M, "since last DCS contact"),
                  target('max(patroni_config_ttl_seconds{scope="$scope"})', "leader TTL")], "s", 0),
    g.state_timeline("Patroni flags", ("Cluster unlocked (no leader lock), failsafe mode active, maintenance mode, " +
                     "pending restart and watchdog failure, as the member reports them."),
                     [target("max(patroni_cluster_unlocked{%s})" % M, "cluster unlocked"),
                      target("max(patroni_failsafe_mode_is_active{%s})" % M, "failsafe active"),
                      target("max(patroni_is_paused{%s})" % M, "paused"),
                      target("max(patroni_pending_restart{%s})" % M, "pending restart"),
                      target("max(patroni_watchdog_failed{%s})" % M, "watchdog failed")], 12,
                     mappings=bool_mappings("no", "yes", one_color="orange", zero_color="transparent")),
    g.table("Parameters waiting for a restart", ("pending_restart_reason (Patroni 3.3+). May be empty: nothing " +
            "waits for a restart."),
            [target("max by (parameter, old_value, new_value) (patroni_pending_restart_reason_info{%s})" % M,
                    instant=true, fmt="table")], "none", 0, h=6,
            transformations=[{"id": "organize", "options": {"excludeByName": {"Time": true, "Value": true}}}]),
])
