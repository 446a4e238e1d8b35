// grafanaDashboards: file name -> dashboard, as mixin/render.py writes them into dashboards/. Each is a function of
// _config; the overview also lists the mixin's alerts (runbook links of its alerts table).
{
  local c = $._config,
  local alerts = [r for g in $.prometheusAlerts.groups for r in g.rules],
  grafanaDashboards+:: {
    'patroni-cluster-overview.json': (import 'cluster-overview.libsonnet')(c, alerts),
    'patroni-member-detail.json': (import 'member-detail.libsonnet')(c),
    'patroni-replication.json': (import 'replication.libsonnet')(c),
  },
}
