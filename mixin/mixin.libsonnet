// The patroni_exporter monitoring mixin: alerts, recording rules and Grafana dashboards for Patroni clusters
// watched by patroni_exporter, in the layout kube-prometheus and jsonnet-bundler expect:
//   prometheusAlerts, prometheusRules  rule-file objects ({groups: [...]})
//   grafanaDashboards                  {'<file>.json': dashboard}
//   _config                            selector, group labels, thresholds, runbook URL (config.libsonnet)
// Render with `python3 mixin/render.py` (README.md, "Monitoring mixin").
(import 'config.libsonnet') +
(import 'alerts/alerts.libsonnet') +
(import 'rules/rules.libsonnet') +
(import 'dashboards/dashboards.libsonnet')
