// Recording rules of rules/patroni-availability.yml, in a group of their own (patroni-availability.rules) that the rendered file
// puts before the alerts of patroni-availability. Templates as in alerts/availability.libsonnet.
local u = import '../lib/utils.libsonnet';

{
  prometheusRules+:: {
    local c = $._config,
    groups+: [{
      name: 'patroni-availability.rules',
      rules: [u.recordRule(c, r) for r in [
      {
        comment:: |||
          The PostgreSQL state of each member as one number (patroni_postgres_state's numbering): the member's own
          GET /patroni where an exporter polls it, else the DCS's view from GET /cluster.
        |||,
        record: "scope_member:patroni_postgres_state:max",
        expr: |||
          max by (%(member)s) (label_replace(patroni_postgres_state, "member", "$1", "name", "(.+)"))
          or
          max by (%(member)s) (patroni_cluster_member_postgres_state)
        |||,
      },
      ]],
    }],
  },
}
