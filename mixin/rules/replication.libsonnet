// Recording rules of rules/patroni-replication.yml, in a group of their own (patroni-replication.rules) that the rendered file
// puts before the alerts of patroni-replication. Templates as in alerts/replication.libsonnet.
local u = import '../lib/utils.libsonnet';

{
  prometheusRules+:: {
    local c = $._config,
    groups+: [{
      name: 'patroni-replication.rules',
      rules: [u.recordRule(c, r) for r in [
      {
        comment:: |||
          How far each replica is behind, read live: what Patroni's failover check compares with
          maximum_lag_on_failover is the candidate's position at that moment (max of received and replayed WAL,
          ha.py is_lagging / _is_healthiest_node), not the one in the DCS. Two views read positions live: the
          members' own GET /patroni (the leader's xlog location minus the replica's received or replayed location,
          both queried by Patroni at request time) and the leader's pg_stat_replication (flush_lsn, one snapshot).
          The smaller one counts: either says how little the replica would be refused for. Absent for a member
          neither view covers (no exporter polls it; no --postgres.dsn-template; not connected to the leader).
        |||,
        record: "scope_member:patroni_replica_live_lag_bytes:min",
        expr: |||
          min by (%(member)s) (
            label_replace(
              max by (%(scope)s) (patroni_xlog_location and on (%(name)s) (patroni_primary == 1))
                - on (%(scope)s) group_right ()
              max by (%(name)s) (
                (patroni_xlog_received_location > patroni_xlog_replayed_location or patroni_xlog_replayed_location)
                  and on (%(name)s) (patroni_replica == 1)
              ),
              "member", "$1", "name", "(.+)")
            or
            label_replace(
              patroni_pg_replication_flush_lag_bytes
                and on (%(name)s) (patroni_primary == 1 or label_replace(patroni_cluster_member_role{role="leader"} == 1, "name", "$1", "member", "(.+)")),
              "member", "$1", "application_name", "(.+)")
          )
        |||,
      },
      {
        comment:: |||
          The same, for replay: how much WAL each replica has not replayed yet, read live (the leader's xlog
          location minus the replica's replayed location, both from the members' own GET /patroni; or the leader's
          pg_stat_replication replay lag in bytes). The veto of Patroni 4.1's replay_lag below, as the one above is
          for `lag`. Absent for a member neither view covers.
        |||,
        record: "scope_member:patroni_replica_live_replay_lag_bytes:min",
        expr: |||
          min by (%(member)s) (
            label_replace(
              max by (%(scope)s) (patroni_xlog_location and on (%(name)s) (patroni_primary == 1))
                - on (%(scope)s) group_right ()
              max by (%(name)s) (patroni_xlog_replayed_location and on (%(name)s) (patroni_replica == 1)),
              "member", "$1", "name", "(.+)")
            or
            label_replace(
              patroni_pg_replication_replay_lag_bytes
                and on (%(name)s) (patroni_primary == 1 or label_replace(patroni_cluster_member_role{role="leader"} == 1, "name", "$1", "member", "(.+)")),
              "member", "$1", "application_name", "(.+)")
          )
        |||,
      },
      ]],
    }],
  },
}
