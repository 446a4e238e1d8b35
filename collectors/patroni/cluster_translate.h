// TranslateCluster: ClusterView (one member's `GET /cluster`) -> the patroni_cluster_* families.
//
// Pure: no I/O, no clock, never throws. All families are gauges. `scope` is the caller's: /cluster has no scope
// before Patroni 3.2.0 (the collector knows it from /patroni); a body's own `scope` is not used here. Labels, in
// this order:
//
//   {scope}:  patroni_cluster_members, patroni_cluster_leader_members (role leader or standby_leader: 1 when healthy,
//             0 while unlocked), patroni_cluster_paused, patroni_cluster_scheduled_switchover_timestamp_seconds.
//   {scope, member} (+ one more label where named):
//             patroni_cluster_member_role{role}: state set over leader, standby_leader, sync_standby, quorum_standby,
//               replica, other; exactly one is 1.
//             patroni_cluster_member_state{state}: state set over the 15 PostgreSQL states (postgres_state.h),
//               streaming, in archive recovery, unknown, other; exactly one is 1.
//             patroni_cluster_member_postgres_state: the number of patroni_postgres_state; streaming and in archive
//               recovery give 5 (running).
//             patroni_cluster_member_timeline, patroni_cluster_member_{,receive_,replay_}lag_bytes,
//             patroni_cluster_member_{,receive_,replay_}lsn_bytes (positions in bytes),
//             patroni_cluster_member_lag_unknown{kind}: kind lag, receive_lag, replay_lag; 1 when Patroni said
//               "unknown", 0 when it sent a number.
//             patroni_cluster_member_pending_restart, patroni_cluster_member_scheduled_restart_timestamp_seconds,
//             patroni_cluster_member_tags_info{nofailover, noloadbalance, clonefrom, nosync, failover_priority} 1,
//             patroni_cluster_member_info{host, port, api_url} 1.
//
// No value is invented: a sample is absent when Patroni did not send the field, sent "unknown", or sent something
// unreadable (timeline of a stopped member, lag of the leader, lsn/receive_*/replay_* before 4.1.0, an unknown
// state's number). The 0s that are emitted are Patroni's own meaning of "not sent": `pause` and `pending_restart`
// appear only when true in every version with /cluster. Info labels are "" when not sent.
#pragma once

#include <string>

#include "collectors/metric_set.h"
#include "collectors/patroni/cluster.h"

namespace patroni_exporter {

void TranslateCluster(const ClusterView& view, const std::string& scope, MetricSet* out);

}  // namespace patroni_exporter
