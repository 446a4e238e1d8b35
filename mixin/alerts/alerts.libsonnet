// prometheusAlerts: one group per rules/*.yml file. A new alert is one object in the group it belongs to (its
// `for:` in config.libsonnet), plus a row in rules/README.md, a runbook section and promtool test cases.
(import 'availability.libsonnet') +
(import 'replication.libsonnet') +
(import 'operations.libsonnet')
