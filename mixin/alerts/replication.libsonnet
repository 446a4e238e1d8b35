// Patroni alerts: replicas that fall behind, stop streaming, diverge, and synchronous mode without a standby.
//
// Built on Patroni's own view (GET /cluster and GET /patroni, label source="patroni" where both views alert under
// one name) and, where the exporter runs with --postgres.dsn-template, on PostgreSQL's own (patroni_pg_*, label
// source="postgres"): pg_stat_replication on the leader names each standby by application_name, which Patroni sets
// to the member name, so it is relabelled `member` like the node families' `name`. Deployment modes and
// deduplication: see the header of patroni-availability.yml. Thresholds: rules/README.md.
//
// Source of rules/patroni-replication.yml (mixin/render.py writes it). Expressions are templates:
// %(scope)s, %(member)s and %(name)s are the configured group labels followed by `scope`, `scope, member` or
// `scope, name`; %(prefix)s the group labels alone; other %(...)s are _config.thresholds. In annotations,
// [[gm]]/[[ga]] put the group labels into a printf'ed query, [[for]] is the rule's `for:` in words
// (lib/utils.libsonnet).
local u = import '../lib/utils.libsonnet';

{
  prometheusAlerts+:: {
    local c = $._config,
    local f = c['for'],
    local t = c.thresholds,
    local text = {
      replayLagSeconds: u.humanDuration('%ds' % t.replayLagSeconds),
      failoverWindow: u.humanDuration(t.failoverWindow),
      configChangeWindow: u.humanDuration(t.configChangeWindow),
    },
    groups+: [{
      name: 'patroni-replication',
      header:: |||
        Patroni alerts: replicas that fall behind, stop streaming, diverge, and synchronous mode without a standby.

        Built on Patroni's own view (GET /cluster and GET /patroni, label source="patroni" where both views alert under
        one name) and, where the exporter runs with --postgres.dsn-template, on PostgreSQL's own (patroni_pg_*, label
        source="postgres"): pg_stat_replication on the leader names each standby by application_name, which Patroni sets
        to the member name, so it is relabelled `member` like the node families' `name`. Deployment modes and
        deduplication: see the header of patroni-availability.yml. Thresholds: rules/README.md.
      |||,
      rules: [u.alertRule(c, r, text) for r in [
      {
        comment:: |||
          Lag from the cluster view (the leader's position last written to the DCS minus the replica's position
          last written to its member key: two samples taken at different moments, each once per loop_wait),
          against maximum_lag_on_failover of the same scope as exported from GET /config: above it, Patroni will
          not promote this replica. Where a live view of the replica exists (the recording rule above) it must
          agree: the cluster view alone can overstate a healthy streaming replica by the WAL written between the
          two samples (docs/alerting.md, "Replication lag: the cluster view against live positions"). Members
          tagged nofailover are never candidates, so they only get the warning. Without a /config view Patroni's
          default, 1 MiB, applies. From Patroni 4.1 the cluster view also has replay_lag (WAL not replayed yet):
          a replica whose replay is stuck, which `lag` (received WAL) does not show, fires too, vetoed likewise by
          the live replay view; it is the only view of it without --postgres.dsn-template.
        |||,
        alert: "PatroniReplicationLagHigh",
        expr: |||
          (
            (
              (
                max by (%(member)s) (patroni_cluster_member_lag_bytes)
                  > on (%(scope)s) group_left ()
                max by (%(scope)s) (patroni_config_maximum_lag_on_failover_bytes)
                or
                max by (%(member)s) (patroni_cluster_member_lag_bytes) > %(defaultMaxLagOnFailoverBytes)s
                  unless on (%(scope)s) patroni_config_maximum_lag_on_failover_bytes
              )
              unless on (%(member)s) (
                scope_member:patroni_replica_live_lag_bytes:min
                  <= on (%(scope)s) group_left () max by (%(scope)s) (patroni_config_maximum_lag_on_failover_bytes)
                or
                scope_member:patroni_replica_live_lag_bytes:min <= %(defaultMaxLagOnFailoverBytes)s
                  unless on (%(scope)s) patroni_config_maximum_lag_on_failover_bytes
              )
            )
            or
            (
              (
                max by (%(member)s) (patroni_cluster_member_replay_lag_bytes)
                  > on (%(scope)s) group_left ()
                max by (%(scope)s) (patroni_config_maximum_lag_on_failover_bytes)
                or
                max by (%(member)s) (patroni_cluster_member_replay_lag_bytes) > %(defaultMaxLagOnFailoverBytes)s
                  unless on (%(scope)s) patroni_config_maximum_lag_on_failover_bytes
              )
              unless on (%(member)s) (
                scope_member:patroni_replica_live_replay_lag_bytes:min
                  <= on (%(scope)s) group_left () max by (%(scope)s) (patroni_config_maximum_lag_on_failover_bytes)
                or
                scope_member:patroni_replica_live_replay_lag_bytes:min <= %(defaultMaxLagOnFailoverBytes)s
                  unless on (%(scope)s) patroni_config_maximum_lag_on_failover_bytes
              )
            )
          )
          unless on (%(member)s) patroni_cluster_member_tags_info{nofailover="true"}
        |||,
        'for': f.lagCritical,
        labels: {'severity': 'critical', 'source': 'patroni'},
        annotations: {
          summary: "Replica {{ $labels.member }} ({{ $labels.scope }}) is too far behind to be promoted",
          description: |||
            Replica {{ $labels.member }} of scope {{ $labels.scope }} has been {{ $value | humanize1024 }}B
            behind the leader for [[for]] (Patroni's lag; from Patroni 4.1 also its replay lag), more than
            maximum_lag_on_failover
            ({{ with printf "max(patroni_config_maximum_lag_on_failover_bytes{[[gm]]scope=%q})" [[ga]]$labels.scope | query }}{{ . | first | value | humanize1024 }}B{{ else }}1MiB, the default{{ end }}):
            Patroni will not promote it if the leader fails, or a failover to it waits for that replay.
          |||,
        },
      },
      {
        comment:: |||
          Early warning: above half of maximum_lag_on_failover (half of 1 MiB without a /config view), in the
          cluster view and, where one exists, in the live view; `lag`, or from 4.1 replay_lag, as above.
        |||,
        alert: "PatroniReplicationLagHigh",
        expr: |||
          (
            (
              max by (%(member)s) (patroni_cluster_member_lag_bytes)
                > on (%(scope)s) group_left ()
              %(lagWarningRatio)s * max by (%(scope)s) (patroni_config_maximum_lag_on_failover_bytes)
              or
              max by (%(member)s) (patroni_cluster_member_lag_bytes) > %(lagWarningDefaultBytes)s
                unless on (%(scope)s) patroni_config_maximum_lag_on_failover_bytes
            )
            unless on (%(member)s) (
              scope_member:patroni_replica_live_lag_bytes:min
                <= on (%(scope)s) group_left () %(lagWarningRatio)s * max by (%(scope)s) (patroni_config_maximum_lag_on_failover_bytes)
              or
              scope_member:patroni_replica_live_lag_bytes:min <= %(lagWarningDefaultBytes)s
                unless on (%(scope)s) patroni_config_maximum_lag_on_failover_bytes
            )
          )
          or
          (
            (
              max by (%(member)s) (patroni_cluster_member_replay_lag_bytes)
                > on (%(scope)s) group_left ()
              %(lagWarningRatio)s * max by (%(scope)s) (patroni_config_maximum_lag_on_failover_bytes)
              or
              max by (%(member)s) (patroni_cluster_member_replay_lag_bytes) > %(lagWarningDefaultBytes)s
                unless on (%(scope)s) patroni_config_maximum_lag_on_failover_bytes
            )
            unless on (%(member)s) (
              scope_member:patroni_replica_live_replay_lag_bytes:min
                <= on (%(scope)s) group_left () %(lagWarningRatio)s * max by (%(scope)s) (patroni_config_maximum_lag_on_failover_bytes)
              or
              scope_member:patroni_replica_live_replay_lag_bytes:min <= %(lagWarningDefaultBytes)s
                unless on (%(scope)s) patroni_config_maximum_lag_on_failover_bytes
            )
          )
        |||,
        'for': f.lagWarning,
        labels: {'severity': 'warning', 'source': 'patroni'},
        annotations: {
          summary: "Replica {{ $labels.member }} ({{ $labels.scope }}) is lagging",
          description: |||
            Replica {{ $labels.member }} of scope {{ $labels.scope }} has been {{ $value | humanize1024 }}B
            behind the leader for [[for]], more than half of maximum_lag_on_failover
            ({{ with printf "max(patroni_config_maximum_lag_on_failover_bytes{[[gm]]scope=%q})" [[ga]]$labels.scope | query }}{{ . | first | value | humanize1024 }}B{{ else }}1MiB, the default{{ end }}).
          |||,
        },
      },
      {
        comment:: |||
          PostgreSQL's view of the same (the leader's pg_stat_replication, --postgres.dsn-template): WAL the standby
          has not replayed, in bytes, against maximum_lag_on_failover of the scope (1 MiB without a /config view).
          Unlike Patroni's lag (received WAL before 4.1) it sees a replica whose replay is stuck: promoting it
          means waiting for that replay, or losing what it has not received. Only members of the scope (cluster
          view or node view) count, so a logical subscriber or pg_receivewal is never called a replica; members
          tagged nofailover get the warning below only if they lag in time.
        |||,
        alert: "PatroniReplicationLagHigh",
        expr: |||
          (
            max by (%(member)s) (label_replace(patroni_pg_replication_replay_lag_bytes, "member", "$1", "application_name", "(.+)"))
              > on (%(scope)s) group_left ()
            max by (%(scope)s) (patroni_config_maximum_lag_on_failover_bytes)
            or
            max by (%(member)s) (label_replace(patroni_pg_replication_replay_lag_bytes, "member", "$1", "application_name", "(.+)")) > %(defaultMaxLagOnFailoverBytes)s
              unless on (%(scope)s) patroni_config_maximum_lag_on_failover_bytes
          )
          and on (%(member)s) (patroni_cluster_member_info or label_replace(patroni_node_info, "member", "$1", "name", "(.+)"))
          unless on (%(member)s) patroni_cluster_member_tags_info{nofailover="true"}
        |||,
        'for': f.replayLagBytesCritical,
        labels: {'severity': 'critical', 'source': 'postgres'},
        annotations: {
          summary: "Replica {{ $labels.member }} ({{ $labels.scope }}) has not replayed {{ $value | humanize1024 }}B of WAL",
          description: |||
            PostgreSQL on the leader of scope {{ $labels.scope }} has reported replica {{ $labels.member }}
            {{ $value | humanize1024 }}B behind in replay for [[for]] (pg_stat_replication), more than
            maximum_lag_on_failover
            ({{ with printf "max(patroni_config_maximum_lag_on_failover_bytes{[[gm]]scope=%q})" [[ga]]$labels.scope | query }}{{ . | first | value | humanize1024 }}B{{ else }}1MiB, the default{{ end }}):
            a failover to it now waits for that replay, or loses what it has not received.
          |||,
        },
      },
      {
        comment:: |||
          Lag in time, from PostgreSQL: the leader's replay_lag of each standby (absent, not 0, while the primary is
          idle and the standby caught up), or the standby's own replay delay (0 when everything received is
          replayed, so an idle primary does not look like lag; else the age of the last replayed transaction: it
          also covers a standby leader, whose upstream is outside the scope). Above 60 s, twice
          max_standby_streaming_delay's default: a standby query holds replay up to 30 s by design.
        |||,
        alert: "PatroniReplicationLagHigh",
        expr: |||
          (
            max by (%(member)s) (label_replace(patroni_pg_replication_replay_lag_seconds, "member", "$1", "application_name", "(.+)")) > %(replayLagSeconds)s
            and on (%(member)s) (patroni_cluster_member_info or label_replace(patroni_node_info, "member", "$1", "name", "(.+)"))
          )
          or
          max by (%(member)s) (label_replace(patroni_pg_replay_delay_seconds, "member", "$1", "name", "(.+)")) > %(replayLagSeconds)s
        |||,
        'for': f.replayLagSecondsWarning,
        labels: {'severity': 'warning', 'source': 'postgres'},
        annotations: {
          summary: "Replica {{ $labels.member }} ({{ $labels.scope }}) replays {{ $value | humanizeDuration }} behind",
          description: |||
            Replica {{ $labels.member }} of scope {{ $labels.scope }} has replayed WAL more than [[replayLagSeconds]]
            behind the leader for [[for]] (now {{ $value | humanizeDuration }}; PostgreSQL's replay_lag on the
            leader, or the replica's own replay delay): reads from it are stale, and a failover to it would wait
            for the replay.
          |||,
        },
      },
      {
        comment:: |||
          A running replica whose WAL receiver is not streaming. Node view (Patroni 3.0.4+): its own GET /patroni
          says replication_state is not "streaming" (archive recovery, or no WAL source at all). PostgreSQL's view
          (--postgres.dsn-template; every Patroni version, so also 3.0.2, which has no replication_state): the
          standby's pg_stat_wal_receiver has no streaming receiver, for a member that is a replica in its own
          GET /patroni or in the cluster view. Cluster view, for members no exporter polls directly: the DCS lists
          a replica "in archive recovery". The standby leader of a standby cluster is excluded (it may
          legitimately replay from an archive).
        |||,
        alert: "PatroniReplicaNotStreaming",
        expr: |||
          max by (%(member)s) (label_replace(
            patroni_postgres_streaming == 0
              and on (%(name)s) (patroni_replica == 1)
              and on (%(name)s) (patroni_postgres_running == 1),
            "member", "$1", "name", "(.+)"))
          or
          (
            max by (%(member)s) (label_replace(patroni_pg_wal_receiver_streaming, "member", "$1", "name", "(.+)")) == 0
            and on (%(member)s) (
              max by (%(member)s) (label_replace(patroni_replica, "member", "$1", "name", "(.+)")) == 1
              or
              max by (%(member)s) (patroni_cluster_member_role{role=~"replica|sync_standby|quorum_standby"}) == 1
            )
          )
          or
          (
            max by (%(member)s) (
              patroni_cluster_member_state{state="in archive recovery"} == 1
                and on (%(member)s) (patroni_cluster_member_role{role=~"replica|sync_standby|quorum_standby"} == 1)
            )
            unless on (%(member)s) label_replace(patroni_postgres_streaming, "member", "$1", "name", "(.+)")
          )
        |||,
        'for': f.replicaNotStreaming,
        labels: {'severity': 'warning'},
        annotations: {
          summary: "Replica {{ $labels.member }} ({{ $labels.scope }}) is not streaming",
          description: |||
            PostgreSQL on replica {{ $labels.member }} of scope {{ $labels.scope }} runs but has not streamed WAL
            from its upstream for [[for]] (no WAL receiver; at best it replays from the archive), so its lag
            grows with every write.
          |||,
        },
      },
      {
        comment:: |||
          WAL replay paused (pg_wal_replay_pause(), or a recovery target with recovery_target_action pause) on a
          member, from its own GET /patroni: it keeps receiving WAL but applies none, so its data gets older and a
          failover to it waits for the replay. Patroni 3.0.2 on PostgreSQL 14+ resumes a paused replay within a
          loop unless the cluster is in maintenance mode (docs/lab.md, pitfall 11); a pause that lasts is one
          Patroni let stand. 30 minutes: a deliberate pause (to read a consistent snapshot, to stop a bad change
          from being applied) is short, or should be silenced.
        |||,
        alert: "PatroniReplayPaused",
        expr: |||
          max by (%(member)s) (label_replace(patroni_xlog_paused, "member", "$1", "name", "(.+)")) == 1
        |||,
        'for': f.replayPaused,
        labels: {'severity': 'warning'},
        annotations: {
          summary: "WAL replay is paused on {{ $labels.member }} ({{ $labels.scope }})",
          description: |||
            PostgreSQL on member {{ $labels.member }} of scope {{ $labels.scope }} has had WAL replay paused for
            [[for]] (pg_is_wal_replay_paused): it receives WAL but applies none, its reads grow stale and a
            failover to it would first replay everything received since.
          |||,
        },
      },
      {
        comment:: |||
          A running replica (the cluster view lists a timeline only while PostgreSQL runs) on another timeline than
          the leader of its scope: it did not follow a failover and replicates nothing.
        |||,
        alert: "PatroniReplicaTimelineMismatch",
        expr: |||
          max by (%(member)s) (
            patroni_cluster_member_timeline
              and on (%(member)s) (patroni_cluster_member_role{role=~"replica|sync_standby|quorum_standby"} == 1)
          )
            != on (%(scope)s) group_left ()
          max by (%(scope)s) (
            patroni_cluster_member_timeline
              and on (%(member)s) (patroni_cluster_member_role{role=~"leader|standby_leader"} == 1)
          )
        |||,
        'for': f.timelineMismatch,
        labels: {'severity': 'warning'},
        annotations: {
          summary: "Replica {{ $labels.member }} ({{ $labels.scope }}) is on another timeline than the leader",
          description: |||
            Replica {{ $labels.member }} of scope {{ $labels.scope }} has been on timeline {{ $value }} for
            [[for]] while the leader is on timeline
            {{ with printf "max(patroni_cluster_member_timeline{[[gm]]scope=%q} and on (scope, member) (patroni_cluster_member_role{[[gm]]scope=%q,role=~\"leader|standby_leader\"} == 1))" [[ga]]$labels.scope [[ga]]$labels.scope | query }}{{ . | first | value }}{{ end }}:
            it has not followed the last failover and receives no WAL.
          |||,
        },
      },
      {
        comment:: |||
          synchronous_mode_strict without a sync standby: the primary waits for a standby that isn't there, so
          writes hang. A sync standby seen in the cluster view or in any member's own /patroni counts.
        |||,
        alert: "PatroniSyncStandbyMissing",
        expr: |||
          max by (%(scope)s) (patroni_config_synchronous_mode{mode="strict"}) == 1
          unless on (%(scope)s) (max by (%(scope)s) (patroni_cluster_member_role{role="sync_standby"}) == 1)
          unless on (%(scope)s) (max by (%(scope)s) (patroni_sync_standby) == 1)
        |||,
        'for': f.syncStandbyMissingStrict,
        labels: {'severity': 'critical'},
        annotations: {
          summary: "Patroni cluster {{ $labels.scope }} has no synchronous standby (strict mode: writes wait)",
          description: |||
            Scope {{ $labels.scope }} runs synchronous_mode strict, yet no member has been a sync standby for
            [[for]]: commits on the primary wait until one appears.
          |||,
        },
      },
      {
        comment:: |||
          synchronous_mode on (non-strict) without a sync standby: Patroni replicates asynchronously meanwhile,
          so a failover may lose committed transactions. Quorum mode (4.0+) without a quorum standby likewise.
        |||,
        alert: "PatroniSyncStandbyMissing",
        expr: |||
          (
            max by (%(scope)s) (patroni_config_synchronous_mode{mode="on"}) == 1
            unless on (%(scope)s) (max by (%(scope)s) (patroni_cluster_member_role{role="sync_standby"}) == 1)
            unless on (%(scope)s) (max by (%(scope)s) (patroni_sync_standby) == 1)
          )
          or
          (
            max by (%(scope)s) (patroni_config_synchronous_mode{mode="quorum"}) == 1
            unless on (%(scope)s) (max by (%(scope)s) (patroni_cluster_member_role{role="quorum_standby"}) == 1)
            unless on (%(scope)s) (max by (%(scope)s) (patroni_quorum_standby) == 1)
          )
        |||,
        'for': f.syncStandbyMissing,
        labels: {'severity': 'warning'},
        annotations: {
          summary: "Patroni cluster {{ $labels.scope }} has no synchronous standby",
          description: |||
            Scope {{ $labels.scope }} runs synchronous replication (synchronous_mode on or quorum), yet no
            member has been a synchronous standby for [[for]]: the primary commits asynchronously, and a
            failover now may lose committed transactions.
          |||,
        },
      },
      {
        comment:: |||
          A replication slot without a consumer keeps WAL on its server until the disk fills (PostgreSQL's
          pg_replication_slots, --postgres.dsn-template). Patroni drops the slot of a member that left the DCS, so
          what stays inactive is a member that is down but registered, a permanent slot (`slots:`), or a slot
          Patroni does not manage (a logical subscriber, pg_receivewal). Above 1 GiB (max_wal_size's default: more
          than the server keeps for itself) for 15 minutes: a switchover leaves the new leader's slot for the old
          leader inactive for seconds, a replica restart for a minute or two. Labels: `member` is the server holding
          the slot.
        |||,
        alert: "PatroniReplicationSlotInactive",
        expr: |||
          max by (%(member)s, slot_name, slot_type) (label_replace(
            patroni_pg_replication_slot_retained_bytes
              and on (%(name)s, slot_name) (patroni_pg_replication_slot_active == 0),
            "member", "$1", "name", "(.+)"))
          > %(slotRetainedBytes)s
        |||,
        'for': f.slotInactive,
        labels: {'severity': 'warning'},
        annotations: {
          summary: "Inactive replication slot {{ $labels.slot_name }} on {{ $labels.member }} ({{ $labels.scope }}) retains {{ $value | humanize1024 }}B of WAL",
          description: |||
            Replication slot {{ $labels.slot_name }} ({{ $labels.slot_type }}) on member {{ $labels.member }} of
            scope {{ $labels.scope }} has had no consumer for [[for]] and keeps
            {{ $value | humanize1024 }}B of WAL from being removed; it grows with every write until the disk
            of {{ $labels.member }} fills.
          |||,
        },
      },
      {
        comment:: |||
          The same slot past max_slot_wal_keep_size (PostgreSQL 13+): wal_status "unreserved" (the next checkpoint
          removes WAL it needs) or "lost" (removed: its consumer cannot resume from it). Pages: the replica behind
          it needs the archive or a rebuild. 2 minutes: a consumer that reconnects within that saves it.
        |||,
        alert: "PatroniReplicationSlotInactive",
        expr: |||
          max by (%(member)s, slot_name, slot_type) (label_replace(
            patroni_pg_replication_slot_wal_status{wal_status=~"unreserved|lost"} == 1
              and on (%(name)s, slot_name) (patroni_pg_replication_slot_active == 0),
            "member", "$1", "name", "(.+)"))
        |||,
        'for': f.slotLosingWal,
        labels: {'severity': 'critical'},
        annotations: {
          summary: "Inactive replication slot {{ $labels.slot_name }} on {{ $labels.member }} ({{ $labels.scope }}) is losing WAL",
          description: |||
            Replication slot {{ $labels.slot_name }} ({{ $labels.slot_type }}) on member {{ $labels.member }} of
            scope {{ $labels.scope }} has had no consumer for [[for]] and its WAL is
            {{ with printf "max by (wal_status) (patroni_pg_replication_slot_wal_status{[[gm]]scope=%q,name=%q,slot_name=%q} == 1)" [[ga]]$labels.scope $labels.member $labels.slot_name | query }}{{ with first . }}{{ .Labels.wal_status }}{{ end }}{{ end }}
            (beyond max_slot_wal_keep_size: "unreserved" is removed at the next checkpoint, "lost" is gone): its
            consumer cannot resume streaming from this slot.
          |||,
        },
      },
      ]],
    }],
  },
}
