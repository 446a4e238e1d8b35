// The dashboard dashboards/patroni-replication.json (uid patroni-replication); building blocks in lib.libsonnet.
local g = import 'lib.libsonnet';
local target = g.target, bool_mappings = g.bool_mappings, state_mappings = g.state_mappings, threshold_line = g.threshold_line;
local S = 'scope="$scope"';
local C = 'scope="$scope", member=~"$member"';
local N = 'scope="$scope", name=~"$member"';
local A = 'scope="$scope", application_name=~"$member"';
local PG = " Needs the exporter's --postgres.dsn-template.";

function(c)
g.board(c, "patroni-replication", "Patroni / Replication",
              ("Replicas of one Patroni cluster: lag in bytes from Patroni's cluster view, replay state and WAL " +
              "receiver from each replica's own GET /patroni, and PostgreSQL's own view (pg_stat_replication, " +
              "pg_replication_slots, pg_stat_wal_receiver; exporter run with --postgres.dsn-template). Data: " +
              "patroni_exporter."), member_multi=true, panels=[
    g.row("Lag (Patroni's view)"),
    g.timeseries("Lag per standby", ("Bytes each replica is behind the leader's last position in the DCS " +
                 "(GET /cluster `lag`, refreshed every loop_wait), with maximum_lag_on_failover: above it Patroni " +
                 "will not promote the replica. Receive and replay lag: Patroni 4.1+."),
                 [target("max by (member) (patroni_cluster_member_lag_bytes{%s})" % C, "{{member}}"),
                  target("max by (member) (patroni_cluster_member_receive_lag_bytes{%s})" % C,
                         "{{member}} receive"),
                  target("max by (member) (patroni_cluster_member_replay_lag_bytes{%s})" % C, "{{member}} replay"),
                  target("max(patroni_config_maximum_lag_on_failover_bytes{%s})" % S, "maximum_lag_on_failover")],
                 "bytes", 0, w=16,
                 overrides=[{"matcher": {"id": "byName", "options": "maximum_lag_on_failover"},
                             "properties": [{"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [10, 10]}},
                                            {"id": "color", "value": {"mode": "fixed", "fixedColor": "red"}}]}]),
    g.state_timeline("Lag unknown", ("1 while Patroni reports a member's lag as \"unknown\" (no WAL position " +
                     "published, e.g. PostgreSQL stopped)."),
                     [target("max by (member, kind) (patroni_cluster_member_lag_unknown{%s})" % C,
                             "{{member}} {{kind}}")], 16, w=8,
                     mappings=bool_mappings("known", "unknown", one_color="orange", zero_color="transparent")),
    g.row("Replicas"),
    g.timeseries("Replay behind receive", ("Bytes each replica received but has not replayed yet (node view); " +
                 "grows while replay is paused or slow."),
                 [target(("max by (name) (patroni_xlog_received_location{%s} - patroni_xlog_replayed_location{%s} " +
                         "and on (scope, name) patroni_replica == 1)") % [N, N], "{{name}}")], "bytes", 0),
    g.timeseries("Last replayed transaction age", ("Seconds since the commit time of the last transaction each " +
                 "replica replayed (xlog.replayed_timestamp). An idle primary makes it grow too. May be empty: " +
                 "Patroni reports no timestamp until the replica replays a transaction."),
                 [target("time() - max by (name) (patroni_xlog_replayed_timestamp{%s} > 0)" % N, "{{name}}")],
                 "s", 12),
    g.state_timeline("Replication state", ("State of each non-leader in the cluster view (streaming and in " +
                     "archive recovery from Patroni 3.0.4; running before), and the replica's own " +
                     "replication_state (3.0.4+)."),
                     [target(('max by (member, state) (patroni_cluster_member_state{%s, state=~"running|streaming|' +
                             'in archive recovery|starting|stopped|crashed|unknown"} == 1 and on (scope, member) ' +
                             'patroni_cluster_member_role{role!~"leader|standby_leader"} == 1)') % C,
                             "{{member}}: {{state}}"),
                      target(("max by (name) (patroni_postgres_streaming{%s} and on (scope, name) " +
                             "patroni_replica == 1)") % N, "{{name}} streaming (own view)")], 0,
                     mappings=bool_mappings("no", "yes", one_color="green", zero_color="red")),
    g.state_timeline("Replay paused", "1 while WAL replay is paused on the replica (pg_wal_replay_pause).",
                     [target("max by (name) (patroni_xlog_paused{%s} and on (scope, name) patroni_replica == 1)"
                             % N, "{{name}}")], 12,
                     mappings=bool_mappings("replaying", "PAUSED", one_color="orange", zero_color="transparent")),
    g.row("Synchronous replication"),
    g.stat("Synchronous mode", "synchronous_mode from the dynamic configuration (GET /config).",
           "max by (mode) (patroni_config_synchronous_mode{%s}) == 1" % S, "none", 0, w=6, legend="{{mode}}",
           text_mode="name"),
    g.stat("Synchronous standbys wanted", "synchronous_node_count from the dynamic configuration.",
           "max(patroni_config_synchronous_nodes{%s})" % S, "none", 6, w=6),
    g.state_timeline("Standby roles", ("Role of each non-leader in the cluster view: replica, sync_standby or " +
                     "quorum_standby (4.0+)."),
                     [target(('max by (member, role) (patroni_cluster_member_role{%s, role=~"replica|sync_standby|' +
                             'quorum_standby"} == 1)') % C, "{{member}}: {{role}}")], 12,
                     mappings=bool_mappings("", "yes", one_color="green", zero_color="transparent")),

    # PostgreSQL's own view (--postgres.dsn-template). A standby is the leader's pg_stat_replication row named by
    # application_name, which Patroni sets to the member name; slots and the WAL receiver belong to the server
    # (`name`) that holds them.
    g.row("Lag (PostgreSQL's view)"),
    g.timeseries("Lag per standby in bytes (PostgreSQL)", ("WAL each standby has not yet written, flushed and " +
                 "replayed, as the leader's pg_stat_replication reports it (the leader's current position minus the " +
                 "standby's), with maximum_lag_on_failover: replay lag above it pages (PatroniReplicationLagHigh, " +
                 "source postgres).") + PG,
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
                                            {"id": "color", "value": {"mode": "fixed", "fixedColor": "red"}}]}]),
    g.timeseries("Lag per standby in seconds (PostgreSQL)", ("PostgreSQL's write_lag, flush_lag and replay_lag of " +
                 "each standby (pg_stat_replication on the leader); the dashed line is the 60 s of " +
                 "PatroniReplicationLagHigh (warning, source postgres). May be empty: PostgreSQL reports no lag " +
                 "time (NULL) once a standby has caught up with an idle primary.") + PG,
                 [target("max by (application_name) (patroni_pg_replication_write_lag_seconds{%s})" % A,
                         "{{application_name}} write"),
                  target("max by (application_name) (patroni_pg_replication_flush_lag_seconds{%s})" % A,
                         "{{application_name}} flush"),
                  target("max by (application_name) (patroni_pg_replication_replay_lag_seconds{%s})" % A,
                         "{{application_name}} replay")],
                 "s", 12, field=threshold_line(60)),
    g.timeseries("Replay delay (standby's own view)", ("On each standby: 0 while everything it received is " +
                 "replayed (so an idle primary does not look like lag), else the age of the last transaction it " +
                 "replayed, which grows while replay stands still (pg_last_xact_replay_timestamp).") + PG,
                 [target("max by (name) (patroni_pg_replay_delay_seconds{%s})" % N, "{{name}}")], "s", 0,
                 field=threshold_line(60)),
    g.timeseries("Received but not replayed (standby's own view)", ("Bytes each standby received but has not " +
                 "replayed (pg_last_wal_receive_lsn - pg_last_wal_replay_lsn).") + PG,
                 [target("max by (name) (patroni_pg_replay_lag_bytes{%s})" % N, "{{name}}")], "bytes", 12),
    g.row("WAL receiver (PostgreSQL's view)"),
    g.state_timeline("WAL receiver streaming", ("1 while the standby's WAL receiver streams from its upstream " +
                     "(pg_stat_wal_receiver status streaming); 0 means no WAL receiver, or another status.") + PG,
                     [target("max by (name) (patroni_pg_wal_receiver_streaming{%s})" % N, "{{name}}")], 0,
                     mappings=bool_mappings("NOT STREAMING", "streaming", one_color="green", zero_color="red")),
    g.timeseries("WAL receiver last message age", ("Seconds since each standby's WAL receiver last heard from " +
                 "its upstream (now() - last_msg_receipt_time); the primary sends a keepalive at least every " +
                 "wal_sender_timeout / 2.") + PG,
                 [target("max by (name) (patroni_pg_wal_receiver_last_message_age_seconds{%s})" % N, "{{name}}")],
                 "s", 12),
    g.table("WAL receiver upstream", ("Each standby's WAL receiver: status, the upstream it streams from and the " +
            "slot it uses (pg_stat_wal_receiver).") + PG,
            [target(("max by (name, status, sender_host, sender_port, slot_name) " +
                    "(patroni_pg_wal_receiver_info{%s})") % N, instant=true, fmt="table")],
            "none", 0, h=6,
            transformations=[{"id": "organize", "options": {
                "excludeByName": {"Time": true, "Value": true},
                "renameByName": {"name": "Standby", "status": "Status", "sender_host": "Upstream host",
                                 "sender_port": "Upstream port", "slot_name": "Slot"}}}]),
    g.row("Replication slots (PostgreSQL's view)"),
    g.table("Replication slots", ("Every replication slot on the selected members (normally the leader: Patroni " +
            "keeps one per replica with use_slots), whether a consumer is connected, the WAL it keeps from being " +
            "removed, and its wal_status (PostgreSQL 13+: reserved, extended, unreserved, lost). Inactive and " +
            "retaining over 1 GiB for 15 minutes, or unreserved/lost: PatroniReplicationSlotInactive.") + PG,
            [target("max by (name, slot_name, slot_type) (patroni_pg_replication_slot_active{%s})" % N,
                    instant=true, fmt="table"),
             target("max by (name, slot_name, slot_type) (patroni_pg_replication_slot_retained_bytes{%s})" % N,
                    instant=true, fmt="table"),
             target(("max by (name, slot_name, slot_type, wal_status) " +
                    "(patroni_pg_replication_slot_wal_status{%s} == 1)") % N, instant=true, fmt="table")],
            "none", 0, h=7,
            transformations=[
                {"id": "merge", "options": {}},
                {"id": "organize", "options": {
                    "excludeByName": {"Time": true, "Value #C": true},
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
                                {"id": "custom.cellOptions", "value": {"type": "color-text"}}]}]),
    g.timeseries("Retained WAL per slot", ("Bytes of WAL each slot keeps from being removed (the server's current " +
                 "position minus the slot's restart_lsn); the dashed line is the 1 GiB of " +
                 "PatroniReplicationSlotInactive for an inactive slot.") + PG,
                 [target("max by (name, slot_name) (patroni_pg_replication_slot_retained_bytes{%s})" % N,
                         "{{name}}: {{slot_name}}")], "bytes", 0, field=threshold_line(1073741824)),
    g.state_timeline("Slot active", ("1 while a consumer (a replica's WAL receiver, a logical subscriber) is " +
                     "connected to the slot.") + PG,
                     [target("max by (name, slot_name) (patroni_pg_replication_slot_active{%s})" % N,
                             "{{name}}: {{slot_name}}")], 12,
                     mappings=bool_mappings("INACTIVE", "active", one_color="green", zero_color="orange")),
    g.row("Exporter's access to PostgreSQL"),
    g.table("PostgreSQL queried by the exporter", ("Per exporter and member: whether the member's PostgreSQL " +
            "answered (patroni_pg_up; 0 while Patroni says it runs: PatroniExporterTargetDown, endpoint postgres), " +
            "whether the exporter's role may read replication data (pg_monitor; 0: " +
            "PatroniExporterMissingPrivileges), the WAL senders PostgreSQL hid from it, and whether the server is an " +
            "orphaned primary (writable without the leader lock or without its Patroni: PatroniOrphanedPrimary).") + PG,
            [target("max by (instance, name) (patroni_pg_up{%s})" % N, instant=true, fmt="table"),
             target("max by (instance, name) (patroni_pg_monitor_privilege{%s})" % N, instant=true, fmt="table"),
             target("max by (instance, name) (patroni_pg_replication_hidden_rows{%s})" % N, instant=true,
                    fmt="table"),
             target("max by (instance, name) (patroni_pg_orphaned_primary{%s})" % N, instant=true, fmt="table")],
            "none", 0, h=6,
            transformations=[{"id": "merge", "options": {}},
                             {"id": "organize", "options": {
                                 "excludeByName": {"Time": true},
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
                                       {"id": "custom.cellOptions", "value": {"type": "color-text"}}]}]),
])
