// Patroni alerts: who leads, is PostgreSQL up, can members reach the DCS, can the exporter reach Patroni and
// PostgreSQL (and read what it needs there).
//
// Every expression works in both deployment modes (rules/README.md, "Deployment modes"): one exporter per cluster
// (each family once) and one exporter next to each node (the cluster view, /config and /history repeated once
// per exporter, told apart only by `instance`). Cluster-wide series are therefore always aggregated by the group
// labels and `scope` (or `scope, member`) before they are compared, and node series are relabelled
// `name` -> `member`, so every alert carries the same `scope` and `member` labels whichever exporter reported it.
// Thresholds and `for:` durations: rules/README.md. Runbooks: docs/runbooks.md.
//
// Source of rules/patroni-availability.yml (mixin/render.py writes it). Expressions are templates:
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
    local failedStates = std.join('\n  or ', [
      'scope_member:patroni_postgres_state:max == %d' % n for n in [1, 3, 8, 10, 13, 14]
    ]),
    local stateName = std.join('', [
      '{{ $s := printf "%.0f" $value }}',
      '{{ if eq $s "-1" }}"unknown" (Patroni\'s status query failed)',
      '{{ else if eq $s "0" }}"initializing new cluster"{{ else if eq $s "1" }}"initdb failed"',
      '{{ else if eq $s "2" }}"running custom bootstrap script"{{ else if eq $s "3" }}"custom bootstrap failed"',
      '{{ else if eq $s "4" }}"creating replica"{{ else if eq $s "6" }}"starting"',
      '{{ else if eq $s "7" }}"starting after custom bootstrap"{{ else if eq $s "8" }}"start failed"',
      '{{ else if eq $s "9" }}"restarting"{{ else if eq $s "10" }}"restart failed"{{ else if eq $s "11" }}"stopping"',
      '{{ else if eq $s "12" }}"stopped"{{ else if eq $s "13" }}"stop failed"{{ else if eq $s "14" }}"crashed"',
      '{{ else }}{{ $s }}{{ end }} (patroni_postgres_state {{ $s }})',
    ]),
    local text = {
      postgresFlapWindow: u.humanDuration(t.postgresFlapWindow),
      replayLagSeconds: u.humanDuration('%ds' % t.replayLagSeconds),
      failoverWindow: u.humanDuration(t.failoverWindow),
      configChangeWindow: u.humanDuration(t.configChangeWindow),
    },
    groups+: [{
      name: 'patroni-availability',
      header:: |||
        Patroni alerts: who leads, is PostgreSQL up, can members reach the DCS, can the exporter reach Patroni and
        PostgreSQL (and read what it needs there).

        Every expression works in both deployment modes (rules/README.md, "Deployment modes"): one exporter per cluster
        (each family once) and one exporter next to each node (the cluster view, /config and /history repeated once
        per exporter, told apart only by `instance`). Cluster-wide series are therefore always aggregated by the group
        labels (_config.groupLabels: environments never merge) and `scope` (or `scope, member`) before they are
        compared, and node series are relabelled `name` -> `member`, so every alert carries the same `scope` and
        `member` labels whichever exporter reported it.
        Thresholds and `for:` durations: rules/README.md. Runbooks: docs/runbooks.md.
      |||,
      rules: [u.alertRule(c, r, text) for r in [
      {
        comment:: |||
          No member holds the leader lock. Cluster view: no exporter's GET /cluster shows a leader (`max` over
          exporters: one node's view never pages while another exporter sees a leader). Node view, only for scopes
          without any cluster view (--no-collector.cluster, or the DCS is away and /cluster hangs): every member
          that answers says cluster_unlocked, and failsafe mode is not keeping the primary up (PatroniFailsafeActive
          and PatroniDcsUnreachable tell that story).
        |||,
        alert: "PatroniClusterUnlocked",
        expr: |||
          max by (%(scope)s) (patroni_cluster_leader_members) == 0
          or
          (
            min by (%(scope)s) (patroni_cluster_unlocked) == 1
            unless on (%(scope)s) (max by (%(scope)s) (patroni_failsafe_mode_is_active) == 1)
            unless on (%(scope)s) patroni_cluster_leader_members
          )
        |||,
        'for': f.clusterUnlocked,
        labels: {'severity': 'critical'},
        annotations: {
          summary: "Patroni cluster {{ $labels.scope }} has no leader",
          description: |||
            No member of scope {{ $labels.scope }} has held the leader lock for [[for]] (GET /cluster lists no
            leader or standby_leader, or every member reports cluster_unlocked): no member accepts writes and
            Patroni has not promoted a replica.
          |||,
        },
      },
      {
        comment:: |||
          Split brain: more than one member whose own GET /patroni says primary with PostgreSQL running.
          patroni_cluster_running_primaries counts within one scrape (one exporter per cluster); the second form
          counts distinct members over all exporters (one exporter per node), deduplicated by (scope, name).
          `for` exceeds a scrape interval: next-to-node exporters are scraped at different moments, so right
          after a switchover the old primary's last sample can still say primary for up to one interval.
          The third form is PostgreSQL's own view (--postgres.dsn-template): servers not in recovery, deduplicated
          by (scope, name) over all exporters. It counts a primary whose Patroni died, which Patroni's views forget.
        |||,
        alert: "PatroniMultiplePrimaries",
        expr: |||
          max by (%(scope)s) (patroni_cluster_running_primaries) > 1
          or
          count by (%(scope)s) (
            max by (%(name)s) (patroni_primary == 1 and on (%(name)s) patroni_postgres_running == 1)
          ) > 1
          or
          count by (%(scope)s) (min by (%(name)s) (patroni_pg_in_recovery) == 0) > 1
        |||,
        'for': f.multiplePrimaries,
        labels: {'severity': 'critical'},
        annotations: {
          summary: "Patroni cluster {{ $labels.scope }} has {{ $value }} writable primaries (split brain)",
          description: |||
            {{ $value }} members of scope {{ $labels.scope }} have reported themselves as a running primary
            for [[for]]
            ({{ range $i, $p := printf "max by (name) (patroni_primary{[[gm]]scope=%q} == 1 or patroni_pg_in_recovery{[[gm]]scope=%q} == 0)" [[ga]]$labels.scope [[ga]]$labels.scope | query | sortByLabel "name" }}{{ if $i }}, {{ end }}{{ $p.Labels.name }}{{ end }}):
            clients may be writing to diverging databases.
          |||,
        },
      },
      {
        comment:: |||
          An orphaned primary: a member's PostgreSQL accepts writes while that member does not hold the leader lock
          or its Patroni does not answer (PostgreSQL's own view, --postgres.dsn-template; the exporter remembers a
          member after /cluster forgets it). The classic case: the leader's Patroni died (OOM kill, no watchdog)
          and the postmaster kept running; once the lock expires another member is promoted and clients of the old
          one write to a diverging database. The exporter compares PostgreSQL's answer with what Patroni said
          before it, so a switchover (demote first, then release the lock) never shows one; `for` rides over a
          Patroni restart on the leader (seconds).
        |||,
        alert: "PatroniOrphanedPrimary",
        expr: |||
          max by (%(member)s) (label_replace(patroni_pg_orphaned_primary, "member", "$1", "name", "(.+)")) == 1
        |||,
        'for': f.orphanedPrimary,
        labels: {'severity': 'critical'},
        annotations: {
          summary: "Patroni member {{ $labels.member }} ({{ $labels.scope }}) is a writable primary without the leader lock",
          description: |||
            PostgreSQL of member {{ $labels.member }} in scope {{ $labels.scope }} has accepted writes for [[for]]
            while that member does not hold Patroni's leader lock or its Patroni does not answer. Patroni can no
            longer demote it: if another member is (or becomes) leader, clients of this one write to a diverging
            database (split brain).
          |||,
        },
      },
      {
        comment:: |||
          A failed PostgreSQL that Patroni will not bring back by itself: initdb failed (1), custom bootstrap
          failed (3), start failed (8), restart failed (10), stop failed (13), crashed (14; transient while
          Patroni restarts it, lasting only in maintenance mode or when the restart fails), held for `for:`.
          Or a member that fell into one of them repeatedly within the flap window and was not running at any
          point in it: Patroni retrying a start that keeps failing (a broken parameter) flaps between "start
          failed" and "starting" (or "stopped"), which no single state holds for `for:`. A crash that Patroni
          repairs within the window shows "running" again, and a planned switchover or restart passes through
          no failed state.
        |||,
        alert: "PatroniPostgresNotRunning",
        expr: |||
          %(failedStates)s
          or
          (
            scope_member:patroni_postgres_state:max
            and count_over_time((%(failedStates)s)[%%(postgresFlapWindow)s:]) >= %%(postgresFlapFailures)s
            unless max_over_time((scope_member:patroni_postgres_state:max == 5)[%%(postgresFlapWindow)s:])
          )
        ||| % {failedStates: failedStates},
        'for': f.postgresFailed,
        labels: {'severity': 'critical'},
        annotations: {
          summary: "PostgreSQL of {{ $labels.member }} ({{ $labels.scope }}) has failed",
          description: |||
            PostgreSQL on member {{ $labels.member }} of scope {{ $labels.scope }} has failed: it has been in a
            failed state for [[for]], or has fallen back into one repeatedly without running for
            [[postgresFlapWindow]] (now %(stateName)s); Patroni does not recover from this by itself.
          ||| % {stateName: stateName},
        },
      },
      {
        comment:: |||
          Any other state than running (5) for longer: stopped, starting, stopping, restarting, creating replica,
          bootstrapping, unknown (-1), and the failed states too, so that a member flapping between a failed state
          and another one (a start retried and failing) is not running for the whole `for:` either way; the
          critical silences this warning by the inhibition rule of docs/alerting.md. A planned switchover or
          restart passes through these for seconds.
        |||,
        alert: "PatroniPostgresNotRunning",
        expr: |||
          scope_member:patroni_postgres_state:max != 5
        |||,
        'for': f.postgresNotRunning,
        labels: {'severity': 'warning'},
        annotations: {
          summary: "PostgreSQL of {{ $labels.member }} ({{ $labels.scope }}) is not running",
          description: |||
            PostgreSQL on member {{ $labels.member }} of scope {{ $labels.scope }} has not been running for
            [[for]]: now %(stateName)s.
          ||| % {stateName: stateName},
        },
      },
      {
        comment:: |||
          A member's last successful DCS contact is older than the leader TTL of its scope. The TTL comes from
          GET /config, which the exporter cannot read while the DCS is away: last_over_time keeps the value seen
          during the last hour; a scope never seen with a /config falls back to Patroni's default ttl, 30 s.
        |||,
        alert: "PatroniDcsUnreachable",
        expr: |||
          (time() - max by (%(member)s) (label_replace(patroni_dcs_last_seen, "member", "$1", "name", "(.+)")))
            > on (%(scope)s) group_left ()
          max by (%(scope)s) (last_over_time(patroni_config_ttl_seconds[%(ttlLookback)s]))
          or
          (time() - max by (%(member)s) (label_replace(patroni_dcs_last_seen, "member", "$1", "name", "(.+)")) > %(defaultTtlSeconds)s)
            unless on (%(scope)s) last_over_time(patroni_config_ttl_seconds[%(ttlLookback)s])
        |||,
        'for': f.dcsUnreachable,
        labels: {'severity': 'critical'},
        annotations: {
          summary: "Patroni on {{ $labels.member }} ({{ $labels.scope }}) cannot reach the DCS",
          description: |||
            Patroni on member {{ $labels.member }} of scope {{ $labels.scope }} last reached its DCS
            {{ $value | humanizeDuration }} ago, longer than the leader TTL. Without failsafe mode a leader
            that cannot renew its lock demotes itself; no failover can happen while the DCS is away.
          |||,
        },
      },
      {
        comment:: |||
          Failsafe mode is in effect: the DCS is away and the leader keeps running because every member answered
          its POST /failsafe.
        |||,
        alert: "PatroniFailsafeActive",
        expr: |||
          max by (%(member)s) (label_replace(patroni_failsafe_mode_is_active, "member", "$1", "name", "(.+)")) == 1
        |||,
        'for': f.failsafeActive,
        labels: {'severity': 'warning'},
        annotations: {
          summary: "Failsafe mode is in effect on {{ $labels.member }} ({{ $labels.scope }})",
          description: |||
            Patroni on member {{ $labels.member }} of scope {{ $labels.scope }} has run in failsafe mode for
            [[for]]: the DCS is unreachable and the primary stays up only because all members confirm it.
            No failover is possible until the DCS is back.
          |||,
        },
      },
      {
        comment:: |||
          Redundancy lost: the cluster has a leader and at least two members, yet no member could take over if the
          leader failed now. A failover candidate (Patroni's own checks, ha.py) is a replica in the cluster view
          that runs (3.0.4+: streaming; 3.0.2 says running), whose lag is known and within
          maximum_lag_on_failover of its scope (1 MiB, Patroni's default, without a /config view), that is not
          tagged nofailover (nor failover_priority 0 without a nofailover tag), and, in synchronous or quorum mode,
          holds the sync_standby or quorum_standby role (plain replicas are not promoted there). A cluster of one
          member has no candidate by design: it fires only when it has two members or more, or when members it
          listed within 6 hours vanished without a clean stop (PatroniMemberDisappeared's test): replicas whose
          hosts died leave the cluster view after `ttl`, and a cluster shrunk that way must still page, while a
          planned scale-in to one member (Patroni stopped cleanly) does not. 5 minutes: a switchover in a
          2-member cluster leaves the old leader without a lag for seconds while it rejoins.
        |||,
        alert: "PatroniRedundancyLost",
        expr: |||
          (
            max by (%(scope)s) (patroni_cluster_leader_members) >= 1
            and on (%(scope)s) (
              max by (%(scope)s) (patroni_cluster_members) >= 2
              or
              count by (%(scope)s) (
                max by (%(member)s) (last_over_time(patroni_cluster_member_info[%(memberMemory)s]))
                unless on (%(member)s) patroni_cluster_member_info
                unless on (%(member)s) (
                  max by (%(member)s) (last_over_time(patroni_cluster_member_state{state="stopped"}[%(memberMemory)s])) == 1
                )
              )
            )
          )
          unless on (%(scope)s)
          count by (%(scope)s) (
            (
              max by (%(member)s) (patroni_cluster_member_role{role=~"replica|sync_standby|quorum_standby"}) == 1
              and on (%(member)s) max by (%(member)s) (patroni_cluster_member_state{state=~"running|streaming"}) == 1
              and on (%(member)s) (
                max by (%(member)s) (patroni_cluster_member_lag_bytes)
                  <= on (%(scope)s) group_left ()
                (
                  max by (%(scope)s) (patroni_config_maximum_lag_on_failover_bytes)
                  or
                  max by (%(scope)s) (patroni_cluster_members) * 0 + %(defaultMaxLagOnFailoverBytes)s
                )
              )
            )
            unless on (%(member)s) patroni_cluster_member_tags_info{nofailover="true"}
            unless on (%(member)s) patroni_cluster_member_tags_info{nofailover="",failover_priority="0"}
            unless on (%(member)s) (
              max by (%(member)s) (patroni_cluster_member_role{role="replica"}) == 1
              and on (%(scope)s) (max by (%(scope)s) (patroni_config_synchronous_mode{mode=~"on|strict|quorum"}) == 1)
            )
          )
        |||,
        'for': f.redundancyLost,
        labels: {'severity': 'critical'},
        annotations: {
          summary: "Patroni cluster {{ $labels.scope }} has no failover candidate",
          description: |||
            Scope {{ $labels.scope }} has a leader but for [[for]] no member that Patroni could promote if it
            failed: no replica is running (streaming), within maximum_lag_on_failover, without nofailover and,
            in synchronous mode, synchronous. One more failure is an outage without automatic failover.
          |||,
        },
      },
      {
        comment:: |||
          A member the cluster view listed within the last 6 hours is gone from it, and it did not leave cleanly.
          Patroni forgets a member whose Patroni died once its key expires (ttl), and the exporter then drops its
          patroni_up sample (so that a scale-in pages nobody): without this alert a dead host just vanishes. A
          planned scale-in stops Patroni first (systemctl stop patroni): Patroni then publishes the state
          "stopped" until its key expires (a ttl: 20 s seen on the lab), and a member whose last listed state was
          "stopped" is not alerted on. Only while some exporter has a cluster view of the scope (the DCS away
          removes every member at once). Resolves when the member is back, or 6 hours after it vanished.
        |||,
        alert: "PatroniMemberDisappeared",
        expr: |||
          (
            max by (%(member)s) (last_over_time(patroni_cluster_member_info[%(memberMemory)s]))
            unless on (%(member)s) patroni_cluster_member_info
          )
          and on (%(scope)s) max by (%(scope)s) (patroni_cluster_members)
          unless on (%(member)s) (
            max by (%(member)s) (last_over_time(patroni_cluster_member_state{state="stopped"}[%(memberMemory)s])) == 1
          )
        |||,
        'for': f.memberDisappeared,
        labels: {'severity': 'warning'},
        annotations: {
          summary: "Patroni member {{ $labels.member }} ({{ $labels.scope }}) has disappeared",
          description: |||
            Member {{ $labels.member }} of scope {{ $labels.scope }} has not been listed by GET /cluster for over
            a minute, and its last listed state was not "stopped": its Patroni died or its host is gone (a clean
            stop, as for a planned scale-in, shows "stopped" first). The cluster has
            {{ with printf "max(patroni_cluster_members{[[gm]]scope=%q})" [[ga]]$labels.scope | query }}{{ . | first | value }}{{ end }}
            members now.
          |||,
        },
      },
      {
        comment:: |||
          Patroni says its watchdog is unhealthy (watchdog_failed in GET /patroni, sent only then: mode required
          and the device cannot be used). A leader with a required but failed watchdog is not fenced against its
          own hang, and Patroni will not let this member take the leader lock.
        |||,
        alert: "PatroniWatchdogFailed",
        expr: |||
          max by (%(member)s) (label_replace(patroni_watchdog_failed, "member", "$1", "name", "(.+)")) == 1
        |||,
        'for': f.watchdogFailed,
        labels: {'severity': 'warning'},
        annotations: {
          summary: "Patroni's watchdog has failed on {{ $labels.member }} ({{ $labels.scope }})",
          description: |||
            Patroni on member {{ $labels.member }} of scope {{ $labels.scope }} has reported its watchdog device
            unhealthy for [[for]] (watchdog mode required): this member cannot become leader, and if it is the
            leader nothing resets it should Patroni hang.
          |||,
        },
      },
      {
        comment:: |||
          Members of one scope whose PostgreSQL system identifiers differ (patroni_node_info, from each member's own
          GET /patroni): a member cloned or bootstrapped from another cluster, or two clusters sharing a scope in
          the DCS. A member without one yet (being created) does not count.
        |||,
        alert: "PatroniSystemIdentifierMismatch",
        expr: |||
          count by (%(scope)s) (
            count by (%(scope)s, database_system_identifier) (patroni_node_info{database_system_identifier!=""})
          ) > 1
        |||,
        'for': f.systemIdentifierMismatch,
        labels: {'severity': 'warning'},
        annotations: {
          summary: "Members of {{ $labels.scope }} run {{ $value }} different databases",
          description: |||
            For [[for]] the members of scope {{ $labels.scope }} have reported {{ $value }} different PostgreSQL
            system identifiers
            ({{ range $i, $p := printf "max by (name, database_system_identifier) (patroni_node_info{[[gm]]scope=%q,database_system_identifier!=\"\"})" [[ga]]$labels.scope | query | sortByLabel "name" }}{{ if $i }}, {{ end }}{{ $p.Labels.name }}: {{ $p.Labels.database_system_identifier }}{{ end }}):
            a member was cloned from another cluster, or two clusters share this scope. Such a member can
            neither replicate from nor take over for the leader.
          |||,
        },
      },
      {
        comment:: |||
          The exporter got no valid answer from a target: GET /patroni (Patroni down, network, TLS, timeout), or
          GET /cluster while /patroni of the same target works (typically the DCS is away: Patroni then hangs on
          /cluster, and the cluster view, /config and /history are missing). Labels stay those of the exporter
          (instance, target, plus endpoint, and `scope` where the exporter knows it: up gauges carry the scope the
          target last answered with) so the alert keeps its identity while the member's keys expire from the DCS;
          the description names the member from the cluster view of the last hour.
        |||,
        alert: "PatroniExporterTargetDown",
        expr: |||
          label_replace(patroni_up == 0, "endpoint", "/patroni", "", "")
          or
          label_replace(patroni_cluster_up == 0 unless on (%(prefix)sinstance, target) (patroni_up == 0), "endpoint", "/cluster", "", "")
        |||,
        'for': f.exporterTargetDown,
        labels: {'severity': 'warning'},
        annotations: {
          summary: "Exporter {{ $labels.instance }} cannot read GET {{ $labels.endpoint }} from {{ $labels.target }}",
          description: |||
            Exporter {{ $labels.instance }} has got no valid GET {{ $labels.endpoint }} from {{ $labels.target }}
            {{- with printf "last_over_time(patroni_cluster_member_info{api_url=%q}[1h])" (printf "%s/patroni" $labels.target) | query }}{{ with first . }}
            (member {{ .Labels.member }} of scope {{ .Labels.scope }}){{ end }}{{ end }} for [[for]].
            {{ if eq $labels.endpoint "/patroni" }}That member's Patroni is down or unreachable: its node metrics
            are missing.{{ else }}Its GET /patroni answers, so the DCS is probably unreachable: the cluster view,
            configuration and history of that cluster are missing.{{ end }}
          |||,
        },
      },
      {
        comment:: |||
          The exporter cannot query a member's PostgreSQL (--postgres.dsn-template: connection refused, pg_hba,
          password, max_connections, a query failing) while Patroni says it runs (state running, node view else
          cluster view): PostgreSQL's view of that member is missing, so its lag and slot alerts cannot fire. A
          PostgreSQL that is down is PatroniPostgresNotRunning's business. Per exporter (`instance`), like the
          endpoints above; `member` and `scope` name the server.
        |||,
        alert: "PatroniExporterTargetDown",
        expr: |||
          max without (name) (label_replace(patroni_pg_up == 0, "member", "$1", "name", "(.+)"))
          and on (%(member)s) (scope_member:patroni_postgres_state:max == 5)
        |||,
        'for': f.exporterPostgresDown,
        labels: {'severity': 'warning', 'endpoint': 'postgres'},
        annotations: {
          summary: "Exporter {{ $labels.instance }} cannot query PostgreSQL of {{ $labels.member }} ({{ $labels.scope }})",
          description: |||
            Exporter {{ $labels.instance }} has not been able to connect to or query PostgreSQL on member
            {{ $labels.member }} of scope {{ $labels.scope }} for [[for]], while Patroni reports it running:
            PostgreSQL's view of that member (replication lag in seconds, slots, WAL receiver) is missing. The
            exporter's log says why (connection, authentication, timeout).
          |||,
        },
      },
      {
        comment:: |||
          The exporter's PostgreSQL role lacks pg_monitor (or pg_read_all_stats): PostgreSQL hides other sessions'
          replication positions from it, so the lag alerts from PostgreSQL's view cannot fire. A role is global to
          the PostgreSQL cluster and one GRANT on the primary fixes every member, hence one alert per scope; `min`
          over exporters, so one exporter with a weaker role is not hidden by another.
        |||,
        alert: "PatroniExporterMissingPrivileges",
        expr: |||
          min by (%(scope)s) (patroni_pg_monitor_privilege) == 0
        |||,
        'for': f.missingPrivileges,
        labels: {'severity': 'warning'},
        annotations: {
          summary: "The exporter's PostgreSQL role lacks pg_monitor in {{ $labels.scope }}",
          description: |||
            For [[for]] the exporter
            {{- range $i, $p := printf "max by (instance) (patroni_pg_monitor_privilege{[[gm]]scope=%q} == 0)" [[ga]]$labels.scope | query | sortByLabel "instance" }}{{ if $i }},{{ end }} {{ $p.Labels.instance }}{{ end }}
            has connected to PostgreSQL of scope {{ $labels.scope }} (members
            {{- range $i, $p := printf "max by (name) (patroni_pg_monitor_privilege{[[gm]]scope=%q} == 0)" [[ga]]$labels.scope | query | sortByLabel "name" }}{{ if $i }},{{ end }} {{ $p.Labels.name }}{{ end }})
            with a role that is neither superuser nor member of pg_monitor: PostgreSQL hides the standbys'
            positions and lag from it, so replication lag from PostgreSQL's view is missing. On the primary, run
            GRANT pg_monitor TO the user of --postgres.dsn-template (e.g. GRANT pg_monitor TO patroni_exporter;).
          |||,
        },
      },
      ]],
    }],
  },
}
