// prometheusRules: the recording rules the alerts build on, one group per rules/*.yml file that has any.
(import 'availability.libsonnet') +
(import 'replication.libsonnet')
