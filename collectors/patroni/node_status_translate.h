// TranslateNodeStatus: NodeStatus -> the native Patroni `/metrics` families, plus patroni_node_info.
//
// Pure: no I/O, no clock, never throws. Labels are {scope, name} on every family, in that order, like Patroni
// 3.2+ (older Patroni printed only scope; `name` is what the caller resolved, see member_naming.h).
//
// Values follow Patroni's own do_GET_metrics (api.py), version by version, so dashboards and rules built on the
// native endpoint read the same numbers, including its zeros: a replica's patroni_xlog_location is 0, a stopped
// PostgreSQL gives patroni_postgres_server_version 0. Deliberate differences (README, "Differences"):
// - A sample is absent, not 0, where the member's Patroni version does not send the field at all
//   (dcs_last_seen before 2.1.2; sync_standby before 3.0.2; replication_state before 3.0.4, so
//   patroni_postgres_streaming and patroni_postgres_in_archive_recovery), or where a timestamp cannot be read.
// - A sample is absent, not 0, where Patroni sent its field with a type we cannot read (NodeStatus::unreadable:
//   `"timeline": "5"`, `"pause": "true"`, `"xlog": []` drops every xlog family): unknown is never a made-up 0.
//   Flags for features a version did not have are a true 0 (quorum_standby before 4.0, failsafe before 3.0).
// - patroni_postgres_state is computed from `state` for every version (native only from 4.1.0).
// - xlog positions and the timeline are gauges (native typed them counters; they can go backwards after a
//   failover, and promtool rejects counters without _total). PromQL treats both alike.
// - patroni_master (dropped by Patroni 4.0) only when legacy_master is set.
#pragma once

#include <string>

#include "collectors/metric_set.h"
#include "collectors/patroni/node_status.h"

namespace patroni_exporter {

struct NodeTranslateOptions {
  bool legacy_master = false;
};

void TranslateNodeStatus(const NodeStatus& status, const std::string& member_name, const NodeTranslateOptions& options,
                         MetricSet* out);

}  // namespace patroni_exporter
