// What a user of the mixin may change: override any of it with `(import 'mixin.libsonnet') + { _config+:: {...} }`
// (README.md, "Monitoring mixin"). The rendered rules/*.yml, dashboards/*.json and
// deploy/kubernetes/prometheusrule.yaml are this default.
{
  _config+:: {
    // Label matchers added to every patroni_* series the rules and dashboards read, e.g. 'job=~".*patroni.*"'.
    // Empty by default: every metric of the exporter starts with patroni_, so nothing else can match, and a
    // selector on a job name would silently drop the alerts of a Prometheus that names its job otherwise.
    patroniSelector: '',

    // Labels that tell environments apart: every aggregation and vector match groups by them before `scope`
    // (and `member`), so two environments that both run a cluster named `main` never merge, and every alert
    // carries them. `job` splits the environments of a classic Prometheus (one scrape job per environment)
    // and of the Prometheus Operator's PodMonitor (job = namespace/name); `namespace` those of a ServiceMonitor
    // (job = the Service's name, the same in every namespace a kustomization deploys it to). A label a series
    // does not carry groups as empty, so both cost nothing where they do not apply. Both deployment modes (one
    // exporter per cluster, one next to each member) work as long as the exporters of one cluster share the
    // job; running both modes at once under two jobs gives each alert once per job. Thanos/Mimir rulers over
    // several Prometheus servers: add the external label that names them, e.g. ['cluster', 'namespace'].
    groupLabels: ['job', 'namespace'],

    // The runbook of an alert: %s is the alert name in lower case (GitHub's anchor of its `## AlertName`
    // section in docs/runbooks.md). Point it at a fork or a wiki mirror here.
    runbookURLPattern: 'https://github.com/patroni-exporter/patroni_exporter/blob/main/docs/runbooks.md#%s',

    // `for:` of every alert (rules/README.md, "Thresholds", says why each is what it is). Descriptions quote them.
    'for': {
      clusterUnlocked: '1m',
      multiplePrimaries: '1m',
      orphanedPrimary: '30s',
      postgresFailed: '1m',  // PatroniPostgresNotRunning, critical: failed states
      postgresNotRunning: '5m',  // PatroniPostgresNotRunning, warning: any state but running, failed ones too
      dcsUnreachable: '30s',
      failsafeActive: '1m',
      redundancyLost: '5m',
      memberDisappeared: '1m',
      watchdogFailed: '5m',
      systemIdentifierMismatch: '5m',
      exporterTargetDown: '2m',  // endpoints /patroni and /cluster
      exporterPostgresDown: '2m',  // endpoint postgres
      missingPrivileges: '10m',
      lagCritical: '2m',  // PatroniReplicationLagHigh, critical, source patroni
      lagWarning: '5m',  // warning, source patroni
      replayLagBytesCritical: '2m',  // critical, source postgres
      replayLagSecondsWarning: '5m',  // warning, source postgres
      replicaNotStreaming: '2m',
      replayPaused: '30m',
      timelineMismatch: '5m',
      syncStandbyMissingStrict: '2m',  // PatroniSyncStandbyMissing, critical: synchronous_mode strict
      syncStandbyMissing: '2m',  // warning: on, quorum
      slotInactive: '15m',  // PatroniReplicationSlotInactive, warning: retained WAL
      slotLosingWal: '2m',  // critical: wal_status unreserved or lost
      pendingRestart: '1h',
      paused: '1h',
      failoverOccurred: '0s',  // info: fires at once, resolves failoverWindow after the switch
      failoverFlapping: '0s',  // fires at once: flappingSwitches switches within flappingWindow
      configChanged: '0s',  // info: fires at once, resolves configChangeWindow after the change
    },

    // Numeric thresholds and windows of the expressions.
    thresholds: {
      // Leader TTL when a scope was never seen with a GET /config (Patroni's default ttl), and how long the
      // last seen ttl is remembered while /config is unreadable (the DCS away).
      defaultTtlSeconds: 30,
      ttlLookback: '1h',
      // maximum_lag_on_failover when a scope has no GET /config view (Patroni's default, 1 MiB), and the
      // fraction of it at which PatroniReplicationLagHigh warns.
      defaultMaxLagOnFailoverBytes: 1048576,
      lagWarningRatio: 0.5,
      lagWarningDefaultBytes: std.floor(self.defaultMaxLagOnFailoverBytes * self.lagWarningRatio),
      // Replay lag in time (PostgreSQL's view) above which a replica is lagging: twice
      // max_standby_streaming_delay's default.
      replayLagSeconds: 60,
      // WAL an inactive slot may retain before PatroniReplicationSlotInactive warns (max_wal_size's default).
      slotRetainedBytes: 1073741824,
      // How long PatroniFailoverOccurred and PatroniConfigChanged (info) stay after the event.
      failoverWindow: '15m',
      failoverWindowSeconds: 900,
      configChangeWindow: '15m',
      // PatroniFailoverFlapping: this many timeline switches within this window.
      flappingSwitches: 3,
      flappingWindow: '1h',
      // PatroniPostgresNotRunning, critical: a member that fell into a failed state at least twice within this
      // window and was never running in it (Patroni retrying a start that fails, state flapping between
      // "start failed" and "starting") fails as surely as one that stays in a failed state.
      postgresFlapWindow: '2m',
      postgresFlapFailures: 2,
      // How long PatroniMemberDisappeared remembers a member that left the cluster view.
      memberMemory: '6h',
    },

    // Dashboards: tags, refresh, and the Grafana version the JSON needs (dashboards/README.md).
    dashboardTags: ['patroni', 'postgresql', 'patroni_exporter'],
    dashboardRefresh: '30s',
    grafanaMinVersion: '10.4.0',
  },
}
