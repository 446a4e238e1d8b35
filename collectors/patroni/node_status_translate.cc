#include "collectors/patroni/node_status_translate.h"

#include "collectors/exposition.h"
#include "collectors/patroni/postgres_state.h"

namespace patroni_exporter {
namespace {

double Flag(const std::optional<bool>& value) { return value.value_or(false) ? 1 : 0; }

bool VersionAtLeast(const NodeStatus& s, int major, int minor, int patch) {
  return s.patroni_version && s.patroni_version->AtLeast(major, minor, patch);
}

}  // namespace

void TranslateNodeStatus(const NodeStatus& s, const std::string& member_name, const NodeTranslateOptions& options,
                         MetricSet* out) {
  const Labels labels = {{"scope", s.scope}, {"name", member_name}};
  const bool is_primary = s.role == "master" || s.role == "primary";
  // Native /metrics prints 0 for a field Patroni did not send; a field it sent that we could not read is
  // unknown, and its sample stays out (never a made-up 0).
  const auto known = [&s](const char* field) { return !s.Unreadable(field); };
  const bool xlog_known = known("xlog");

  if (s.patroni_version) {
    out->AddGauge("patroni_version", "Patroni semver without periods.", labels, s.patroni_version->AsNumber());
  }
  out->AddGauge("patroni_postgres_running", "Value is 1 if Postgres is running, 0 otherwise.", labels,
                s.state == "running" ? 1 : 0);
  // Native: 0 when Patroni did not send the field (PostgreSQL down). A field we cannot read stays absent.
  if (s.postmaster_start_time || (!s.postmaster_start_time_text && known("postmaster_start_time"))) {
    out->AddGauge("patroni_postmaster_start_time", "Epoch seconds since Postgres started.", labels,
                  s.postmaster_start_time.value_or(0));
  }
  if (options.legacy_master) {
    out->AddGauge("patroni_master", "Value is 1 if this node is the leader, 0 otherwise.", labels, is_primary ? 1 : 0);
  }
  out->AddGauge("patroni_primary", "Value is 1 if this node is the leader, 0 otherwise.", labels, is_primary ? 1 : 0);
  if (xlog_known && known("xlog.location")) {
    out->AddGauge("patroni_xlog_location",
                  "Current location of the Postgres transaction log, 0 if this node is not the leader.", labels,
                  s.xlog_location.value_or(0));
  }
  out->AddGauge("patroni_standby_leader", "Value is 1 if this node is the standby_leader, 0 otherwise.", labels,
                s.role == "standby_leader" ? 1 : 0);
  out->AddGauge("patroni_replica", "Value is 1 if this node is a replica, 0 otherwise.", labels,
                s.role == "replica" ? 1 : 0);
  // Patroni sends sync_standby from 3.0.2 on; an older member that is a sync standby would wrongly read 0.
  if (VersionAtLeast(s, 3, 0, 2) && known("sync_standby")) {
    out->AddGauge("patroni_sync_standby", "Value is 1 if this node is a sync standby, 0 otherwise.", labels,
                  Flag(s.sync_standby));
  }
  if (known("quorum_standby")) {
    out->AddGauge("patroni_quorum_standby", "Value is 1 if this node is a quorum standby, 0 otherwise.", labels,
                  Flag(s.quorum_standby));
  }
  if (xlog_known && known("xlog.received_location")) {
    out->AddGauge("patroni_xlog_received_location",
                  "Current location of the received Postgres transaction log, 0 if this node is not a replica.", labels,
                  s.xlog_received_location.value_or(0));
  }
  if (xlog_known && known("xlog.replayed_location")) {
    out->AddGauge("patroni_xlog_replayed_location",
                  "Current location of the replayed Postgres transaction log, 0 if this node is not a replica.", labels,
                  s.xlog_replayed_location.value_or(0));
  }
  if (s.xlog_replayed_timestamp ||
      (!s.xlog_replayed_timestamp_text && xlog_known && known("xlog.replayed_timestamp"))) {
    out->AddGauge("patroni_xlog_replayed_timestamp",
                  "Current timestamp of the replayed Postgres transaction log, 0 if null.", labels,
                  s.xlog_replayed_timestamp.value_or(0));
  }
  if (xlog_known && known("xlog.paused")) {
    out->AddGauge("patroni_xlog_paused", "Value is 1 if the Postgres xlog is paused, 0 otherwise.", labels,
                  Flag(s.xlog_paused));
  }
  // Patroni sends replication_state from 3.0.4 on; before that, 0 would be a guess. Native also requires a
  // PostgreSQL that can report it (9.6+), and a server_version, which only a running PostgreSQL gives.
  if (VersionAtLeast(s, 3, 0, 4) && s.server_version.value_or(0) >= 90600 && known("replication_state")) {
    out->AddGauge("patroni_postgres_streaming", "Value is 1 if Postgres is streaming, 0 otherwise.", labels,
                  s.replication_state == "streaming" ? 1 : 0);
    out->AddGauge("patroni_postgres_in_archive_recovery",
                  "Value is 1 if Postgres is replicating from archive, 0 otherwise.", labels,
                  s.replication_state == "in archive recovery" ? 1 : 0);
  }
  if (known("server_version")) {
    out->AddGauge("patroni_postgres_server_version", "Version of Postgres (if running), 0 otherwise.", labels,
                  s.server_version.value_or(0));
  }
  if (known("cluster_unlocked")) {
    out->AddGauge("patroni_cluster_unlocked", "Value is 1 if the cluster is unlocked, 0 if locked.", labels,
                  Flag(s.cluster_unlocked));
  }
  if (known("failsafe_mode_is_active")) {
    out->AddGauge("patroni_failsafe_mode_is_active", "Value is 1 if failsafe mode is active, 0 if inactive.", labels,
                  Flag(s.failsafe_mode_is_active));
  }
  if (known("timeline")) {
    out->AddGauge("patroni_postgres_timeline", "Postgres timeline of this node (if running), 0 otherwise.", labels,
                  s.timeline.value_or(0));
  }
  if (s.dcs_last_seen) {
    out->AddGauge("patroni_dcs_last_seen", "Epoch timestamp when DCS was last contacted successfully by Patroni.",
                  labels, *s.dcs_last_seen);
  }
  if (known("pending_restart")) {
    out->AddGauge("patroni_pending_restart", "Value is 1 if the node needs a restart, 0 otherwise.", labels,
                  Flag(s.pending_restart));
  }
  if (known("pause")) {
    out->AddGauge("patroni_is_paused", "Value is 1 if auto failover is disabled, 0 otherwise.", labels, Flag(s.pause));
  }
  out->AddGauge("patroni_postgres_state", PostgresStateHelp(), labels, PostgresStateNumber(s.state));
  // Native from Patroni's main branch after 4.1.4 (Tags.failover_priority): 0 with nofailover set, else the
  // failover_priority tag, 1 when not set. The tag exists from 3.2.0; before, priorities do not exist at all.
  if (VersionAtLeast(s, 3, 2, 0) && known("tags") && known("tags.nofailover") && known("tags.failover_priority")) {
    out->AddGauge("patroni_failover_priority",
                  "Failover priority of this node: 0 if it may never become leader (nofailover), else its "
                  "failover_priority tag (1 when not set).",
                  labels, s.tags.nofailover.value_or(false) ? 0 : s.tags.failover_priority.value_or(1));
  }

  // Extras the native endpoint lacks.
  if (known("watchdog_failed")) {
    out->AddGauge("patroni_watchdog_failed", "1 if Patroni reports its watchdog device unhealthy, 0 otherwise.", labels,
                  Flag(s.watchdog_failed));
  }
  if (s.scheduled_restart) {
    out->AddGauge("patroni_scheduled_restart_timestamp_seconds", "When a scheduled restart of this member is due.",
                  labels, *s.scheduled_restart);
  }
  // Bounded: a restart after a big configuration change must not explode into thousands of series.
  constexpr std::size_t kMaxReasons = 20;
  constexpr std::size_t kMaxValue = 64;
  const std::string reason_help =
      "A parameter waiting for a restart, with its current and pending value (Patroni 3.3+; at most " +
      std::to_string(kMaxReasons) + ").";
  for (std::size_t i = 0; i < s.pending_restart_reason.size() && i < kMaxReasons; ++i) {
    const auto& r = s.pending_restart_reason[i];
    out->AddInfo("patroni_pending_restart_reason_info", reason_help,
                 {{"scope", s.scope},
                  {"name", member_name},
                  {"parameter", TruncateUtf8(r.parameter, kMaxValue)},
                  {"old_value", TruncateUtf8(r.old_value, kMaxValue)},
                  {"new_value", TruncateUtf8(r.new_value, kMaxValue)}});
  }
  Labels tag_labels = labels;
  AppendTagLabels(s.tags, &tag_labels);
  out->AddInfo("patroni_node_tags_info",
               "Tags of the member as its own GET /patroni reports them: true or false where set, empty where not.",
               tag_labels);

  out->AddInfo("patroni_node_info",
               "Identity of a Patroni member: its Patroni version and PostgreSQL system identifier.",
               {{"scope", s.scope},
                {"name", member_name},
                {"version", s.patroni_version_text},
                {"database_system_identifier", s.database_system_identifier.value_or("")}});
}

}  // namespace patroni_exporter
