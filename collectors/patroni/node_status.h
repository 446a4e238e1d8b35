// NodeStatus: what one member's `GET /patroni` says, as plain values, for every Patroni version 1.6 to 4.x.
//
// Anything a version may leave out is std::optional: an empty optional means "not sent", never "zero".
// Filled by ParseNodeStatus (node_status_parse.h), read by TranslateNodeStatus (node_status_translate.h).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/patroni/tags.h"

namespace patroni_exporter {

// A Patroni version such as 3.0.2 (also "4.0.0rc1": trailing text after the numbers is ignored).
struct PatroniVersion {
  int major = 0;
  int minor = 0;
  int patch = 0;

  // 3.0.2 -> 30002, the value of the native patroni_version gauge.
  double AsNumber() const { return major * 10000.0 + minor * 100.0 + patch; }
  bool AtLeast(int ma, int mi, int pa) const;
};

std::optional<PatroniVersion> ParsePatroniVersion(const std::string& text);

struct NodeStatus {
  // Always sent by every version.
  std::string state;  // PostgreSQL state: "running", "stopped", "crashed", "unknown", ...
  std::string role;   // "master" (< 4.0), "primary" (4.0+), "replica", "standby_leader", "demoted", ...

  // patroni.{version, scope, name}
  std::string patroni_version_text;
  std::optional<PatroniVersion> patroni_version;  // empty when the text is not a version
  std::string scope;
  std::optional<std::string> name;  // 3.2.0+

  // Only while PostgreSQL runs.
  std::optional<std::string> postmaster_start_time_text;
  std::optional<double> postmaster_start_time;  // epoch seconds; empty if absent or unparseable
  std::optional<double> server_version;
  std::optional<double> timeline;  // also empty for `"timeline": null` (4.0.0-4.0.1 replicas)
  // xlog: a primary sends {location}; a replica {received_location, replayed_location, replayed_timestamp, paused}.
  std::optional<double> xlog_location;
  std::optional<double> xlog_received_location;
  std::optional<double> xlog_replayed_location;
  std::optional<std::string> xlog_replayed_timestamp_text;
  std::optional<double> xlog_replayed_timestamp;  // epoch seconds; empty if null, absent or unparseable
  std::optional<bool> xlog_paused;
  std::optional<std::string> replication_state;  // 3.0.4+ replicas: "streaming" or "in archive recovery"
  // Not kept: a primary's "replication" rows (pg_stat_replication as Patroni reports it). No family reads them
  // (the replication view comes from /cluster and from PostgreSQL); the parse only checks their types.

  std::optional<double> dcs_last_seen;  // 2.1.2+
  std::optional<std::string> database_system_identifier;

  // Flags that newer versions send only when true (cluster_unlocked up to 2.1.1 also as false).
  std::optional<bool> cluster_unlocked;
  std::optional<bool> pause;
  std::optional<bool> pending_restart;
  std::optional<bool> sync_standby;
  std::optional<bool> quorum_standby;
  std::optional<bool> failsafe_mode_is_active;
  std::optional<bool> watchdog_failed;

  // Extras of _write_status_response (not in the native /metrics).
  PatroniTags tags;
  // pending_restart_reason (3.3+): parameter -> old and new value, as text.
  struct RestartReason {
    std::string parameter;
    std::string old_value;
    std::string new_value;
  };
  std::vector<RestartReason> pending_restart_reason;
  std::optional<std::string> scheduled_restart_text;  // scheduled_restart.schedule
  std::optional<double> scheduled_restart;            // the same in epoch seconds, empty if unreadable

  // Fields Patroni sent (not null) with a type the exporter cannot read, by path as in the parse warnings:
  // "timeline", "xlog", "xlog.location". Their optionals above are empty like those of fields not sent, but
  // where Patroni's native /metrics prints 0 for "not sent", an unreadable field is unknown: its sample is left
  // out, never a made-up 0.
  std::vector<std::string> unreadable;
  bool Unreadable(std::string_view field) const {
    return std::find(unreadable.begin(), unreadable.end(), field) != unreadable.end();
  }
};

}  // namespace patroni_exporter
