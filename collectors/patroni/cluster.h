// ClusterView: what one member's `GET /cluster` says about the whole cluster, as plain values, for every Patroni
// version that has the endpoint (1.6.1 to 4.x).
//
// Anything a version may leave out is std::optional: an empty optional means "not sent" (or sent in a shape we
// could not read, see the parse warnings), never "zero". Filled by ParseCluster (cluster_parse.h), read by
// TranslateCluster (cluster_translate.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "collectors/patroni/tags.h"

namespace patroni_exporter {

// A WAL lag (bytes behind the leader's last position known to the DCS) or a WAL position, as Patroni reports it:
// a number or position text, or the string "unknown" when the member published no position. At most one of
// `bytes` and `unknown` is set; neither means the field was not sent (a leader, or a version without it).
struct ClusterWalValue {
  std::optional<double> bytes;
  bool unknown = false;

  bool sent() const { return bytes.has_value() || unknown; }
};

struct ClusterMember {
  // Always sent by every version (a member without a string `name` is dropped by the parser). `role`: leader,
  // standby_leader, sync_standby, quorum_standby (4.0+) or replica, never master/primary. `state`: the
  // PostgreSQL state; from 3.0.4 on, every member but the leader shows its replication state instead when it has
  // one ("streaming", "in archive recovery"). Either is "" when not sent.
  std::string name;
  std::string role;
  std::string state;

  std::optional<std::string> api_url;
  std::optional<std::string> host;  // PostgreSQL connect address (always sent before 2.0; optional since)
  std::optional<double> port;
  std::optional<double> timeline;  // absent while PostgreSQL is not running

  // Non-leaders only. `lag` in every version; the others from 4.1.0 on. Positions are parsed from "X/Y" text.
  ClusterWalValue lag;
  ClusterWalValue receive_lag;
  ClusterWalValue replay_lag;
  ClusterWalValue lsn;
  ClusterWalValue receive_lsn;
  ClusterWalValue replay_lsn;

  std::optional<bool> pending_restart;  // sent only when true

  // scheduled_restart.schedule: ISO 8601 text and epoch seconds (empty if absent or unreadable).
  std::optional<std::string> scheduled_restart_text;
  std::optional<double> scheduled_restart;

  PatroniTags tags;
};

struct ClusterView {
  std::optional<std::string> scope;    // 3.2.0+
  std::vector<ClusterMember> members;  // Patroni's order (sorted by name); names are unique
  std::optional<bool> pause;           // sent only when true

  // scheduled_switchover {at, from, to}: `at` as ISO 8601 text and epoch seconds (empty if unreadable).
  std::optional<std::string> scheduled_switchover_at_text;
  std::optional<double> scheduled_switchover_at;
  std::optional<std::string> scheduled_switchover_from;
  std::optional<std::string> scheduled_switchover_to;
};

}  // namespace patroni_exporter
