// Patroni alerts about operations: restarts waiting to apply configuration, maintenance mode left on, and the
// record of failovers, switchovers and dynamic configuration changes. Deployment modes and deduplication: see the header of
// patroni-availability.yml. Thresholds: rules/README.md.
//
// Source of rules/patroni-operations.yml (mixin/render.py writes it). Expressions are templates:
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
      name: 'patroni-operations',
      header:: |||
        Patroni alerts about operations: restarts waiting to apply configuration, maintenance mode left on, and the
        record of failovers, switchovers and dynamic configuration changes. Deployment modes and deduplication: see the header of
        patroni-availability.yml. Thresholds: rules/README.md.
      |||,
      rules: [u.alertRule(c, r, text) for r in [
      {
        comment:: |||
          A member needs a restart to apply changed parameters, from the cluster view or its own GET /patroni,
          and no restart is scheduled for it (patronictl restart --scheduled).
        |||,
        alert: "PatroniPendingRestart",
        expr: |||
          (
            max by (%(member)s) (patroni_cluster_member_pending_restart) == 1
            or
            max by (%(member)s) (label_replace(patroni_pending_restart, "member", "$1", "name", "(.+)")) == 1
          )
          unless on (%(member)s) patroni_cluster_member_scheduled_restart_timestamp_seconds
          unless on (%(member)s) label_replace(patroni_scheduled_restart_timestamp_seconds, "member", "$1", "name", "(.+)")
        |||,
        'for': f.pendingRestart,
        labels: {'severity': 'warning'},
        annotations: {
          summary: "{{ $labels.member }} ({{ $labels.scope }}) needs a restart to apply its configuration",
          description: |||
            PostgreSQL on member {{ $labels.member }} of scope {{ $labels.scope }} has waited for a restart for
            over [[for]]: changed parameters
            {{- range printf "max by (parameter) (patroni_pending_restart_reason_info{[[gm]]scope=%q,name=%q})" [[ga]]$labels.scope $labels.member | query | sortByLabel "parameter" }} {{ .Labels.parameter }}{{ end }}
            are not in effect yet, and no restart is scheduled.
          |||,
        },
      },
      {
        comment:: |||
          Maintenance mode (patronictl pause) left on: Patroni neither fails over nor restarts PostgreSQL.
        |||,
        alert: "PatroniPaused",
        expr: |||
          max by (%(scope)s) (patroni_cluster_paused) == 1
          or
          max by (%(scope)s) (patroni_is_paused) == 1
        |||,
        'for': f.paused,
        labels: {'severity': 'warning'},
        annotations: {
          summary: "Patroni cluster {{ $labels.scope }} has been in maintenance mode for over [[for]]",
          description: |||
            Scope {{ $labels.scope }} has been paused (patronictl pause) for over [[for]]: automatic failover is
            off, so a failed primary stays failed until someone acts.
          |||,
        },
      },
      {
        comment:: |||
          A failover or switchover (a new timeline) within the last 15 minutes. Info only: it tells the story of an
          incident next to the pages. GET /history records each switch with its time; where no history is
          exported (--no-collector.history, the DCS away) the scope's highest timeline now (the leader's) against
          its lowest over the last 15 minutes, from the cluster view, else from members' own GET /patroni (0 =
          PostgreSQL down, ignored).
        |||,
        alert: "PatroniFailoverOccurred",
        expr: |||
          time() - max by (%(scope)s) (patroni_history_last_switch_timestamp_seconds) < %(failoverWindowSeconds)s
          or
          max by (%(scope)s) (patroni_cluster_member_timeline)
            > on (%(scope)s)
          min_over_time(max by (%(scope)s) (patroni_cluster_member_timeline)[%(failoverWindow)s:15s])
          or
          max by (%(scope)s) (patroni_postgres_timeline)
            > on (%(scope)s)
          min_over_time(max by (%(scope)s) (patroni_postgres_timeline > 0)[%(failoverWindow)s:15s])
        |||,
        'for': f.failoverOccurred,
        labels: {'severity': 'info'},
        annotations: {
          summary: "Patroni cluster {{ $labels.scope }} changed leader",
          description: |||
            Scope {{ $labels.scope }} switched to a new timeline
            {{- with printf "max(patroni_cluster_member_timeline{[[gm]]scope=%q}) or max(patroni_postgres_timeline{[[gm]]scope=%q})" [[ga]]$labels.scope [[ga]]$labels.scope | query }}
            ({{ . | first | value }}){{ end }} within the last [[failoverWindow]]: a failover or switchover happened.
            {{- with printf "patroni_history_last_switch_info{[[gm]]scope=%q}" [[ga]]$labels.scope | query }}{{ with first . }}
            New leader: {{ .Labels.new_leader }}; reason: {{ .Labels.reason }}.{{ end }}{{ end }}
          |||,
        },
      },
      {
        comment:: |||
          Failovers flapping: the leader changed 3 times or more within the last hour (three new timelines). A
          planned switchover, or a rolling restart or upgrade with a switchover or two, stays below. GET /history's
          last timeline (not its row count, which max_timelines_history trims) against its lowest of the hour,
          or the scope's highest timeline in the cluster view against its lowest of the hour: a cluster's first
          switch creates its history, so the history of a fresh cluster that switched three times shows two
          (seen on the lab); without either view, members' own GET /patroni (0 = PostgreSQL down, ignored).
          Fires at once, resolves an hour after the third switch.
        |||,
        alert: "PatroniFailoverFlapping",
        expr: |||
          max by (%(scope)s) (patroni_history_last_switch_timeline)
            - on (%(scope)s)
          min by (%(scope)s) (min_over_time(patroni_history_last_switch_timeline[%(flappingWindow)s]))
          >= %(flappingSwitches)s
          or
          (
            max by (%(scope)s) (patroni_cluster_member_timeline)
              - on (%(scope)s)
            min_over_time(max by (%(scope)s) (patroni_cluster_member_timeline)[%(flappingWindow)s:15s])
            >= %(flappingSwitches)s
          )
          or
          (
            max by (%(scope)s) (patroni_postgres_timeline)
              - on (%(scope)s)
            min_over_time(max by (%(scope)s) (patroni_postgres_timeline > 0)[%(flappingWindow)s:15s])
            >= %(flappingSwitches)s
            unless on (%(scope)s) (patroni_history_last_switch_timeline or patroni_cluster_member_timeline)
          )
        |||,
        'for': f.failoverFlapping,
        labels: {'severity': 'critical'},
        annotations: {
          summary: "Patroni cluster {{ $labels.scope }} changed leader {{ $value }} times within an hour",
          description: |||
            Scope {{ $labels.scope }} has switched timelines {{ $value }} times within the last hour: failovers
            are flapping (each one drops every client connection and may lose recent transactions).
            {{- with printf "patroni_history_last_switch_info{[[gm]]scope=%q}" [[ga]]$labels.scope | query }}{{ with first . }}
            Last new leader: {{ .Labels.new_leader }}; reason: {{ .Labels.reason }}.{{ end }}{{ end }}
          |||,
        },
      },
      {
        comment:: |||
          The dynamic configuration (GET /config) changed within the last 15 minutes: patronictl edit-config,
          PATCH /config, patronictl pause/resume (they set and delete `pause` there). Info only, like
          PatroniFailoverOccurred: the record next to what it may explain (PatroniPendingRestart, a new lag
          threshold). patroni_config_hash fingerprints the whole body, so an edit of a key no other family shows
          (archive_command, restore_command, slots, ...) counts too. changes() counts value changes between the
          samples a series has in the window and ignores the gaps between them: an exporter restart, a scrape
          missed or /config unreadable for a while (the DCS away) change nothing when the value comes back the same,
          and a new series (a new exporter) starts without a change. An edit made during such a gap is seen when
          the series returns, if its last sample before the gap is still in the window.
        |||,
        alert: "PatroniConfigChanged",
        expr: |||
          max by (%(scope)s) (changes(patroni_config_hash[%(configChangeWindow)s])) > 0
        |||,
        'for': f.configChanged,
        labels: {'severity': 'info'},
        annotations: {
          summary: "Patroni cluster {{ $labels.scope }} changed its dynamic configuration",
          description: |||
            The dynamic configuration of scope {{ $labels.scope }} (GET /config, patronictl show-config) changed
            within the last [[configChangeWindow]]: an edit-config, a PATCH /config, or a pause or resume.
          |||,
        },
      },
      ]],
    }],
  },
}
