#include "collectors/patroni/node_status_parse.h"

#include <cctype>

#include "collectors/json_util.h"
#include "collectors/patroni/tags.h"
#include "collectors/patroni/timestamp.h"

namespace patroni_exporter {
namespace {

using nlohmann::json;

std::optional<double> Timestamp(const std::optional<std::string>& text, const char* key,
                                std::vector<std::string>* warnings) {
  if (!text) return std::nullopt;
  std::optional<double> value = ParsePatroniTimestamp(*text);
  if (!value)
    warnings->push_back(std::string("field \"") + key + "\" ignored: unrecognised timestamp \"" + *text + "\"");
  return value;
}

}  // namespace

bool PatroniVersion::AtLeast(int ma, int mi, int pa) const {
  if (major != ma) return major > ma;
  if (minor != mi) return minor > mi;
  return patch >= pa;
}

std::optional<PatroniVersion> ParsePatroniVersion(const std::string& text) {
  PatroniVersion version;
  int* parts[] = {&version.major, &version.minor, &version.patch};
  std::size_t pos = 0;
  for (int i = 0; i < 3; ++i) {
    if (i > 0) {
      // "4.0" has no patch number; treat it as 4.0.0. Anything after the numbers ("rc1", ".dev0") is ignored.
      if (pos >= text.size() || text[pos] != '.') return i >= 2 ? std::optional(version) : std::nullopt;
      ++pos;
    }
    const std::size_t start = pos;
    int value = 0;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])) && pos - start < 4) {
      value = value * 10 + (text[pos] - '0');
      ++pos;
    }
    if (pos == start) return std::nullopt;
    *parts[i] = value;
  }
  return version;
}

NodeStatusParseResult ParseNodeStatus(std::string_view body) {
  NodeStatusParseResult result;
  std::optional<json> doc = ParseJsonObject(body, &result.error);
  if (!doc) return result;
  const json& o = *doc;
  auto* w = &result.warnings;
  NodeStatus s;

  const std::optional<std::string> state = GetString(o, "state");
  const std::optional<std::string> role = GetString(o, "role");
  const json* patroni = GetObject(o, "patroni");
  const std::optional<std::string> scope = patroni ? GetString(*patroni, "scope") : std::nullopt;
  if (!state || !role || !scope) {
    result.error = std::string("not a Patroni status: missing or non-string ") + (!state  ? "\"state\""
                                                                                  : !role ? "\"role\""
                                                                                          : "\"patroni.scope\"");
    return result;
  }
  s.state = *state;
  s.role = *role;
  s.scope = *scope;
  s.patroni_version_text = ReadString(*patroni, "version", "patroni.", w).value_or("");
  s.patroni_version = ParsePatroniVersion(s.patroni_version_text);
  if (!s.patroni_version && !s.patroni_version_text.empty()) {
    w->push_back("field \"patroni.version\" ignored: not a version: \"" + s.patroni_version_text + "\"");
  }
  s.name = ReadString(*patroni, "name", "patroni.", w);

  s.postmaster_start_time_text = ReadString(o, "postmaster_start_time", "", w);
  s.postmaster_start_time = Timestamp(s.postmaster_start_time_text, "postmaster_start_time", w);
  s.server_version = ReadNumber(o, "server_version", "", w);
  s.timeline = ReadNumber(o, "timeline", "", w);

  CheckType(o, "xlog", &json::is_object, "object", "", w);
  if (const json* xlog = GetObject(o, "xlog")) {
    s.xlog_location = ReadNumber(*xlog, "location", "xlog.", w);
    s.xlog_received_location = ReadNumber(*xlog, "received_location", "xlog.", w);
    s.xlog_replayed_location = ReadNumber(*xlog, "replayed_location", "xlog.", w);
    s.xlog_replayed_timestamp_text = ReadString(*xlog, "replayed_timestamp", "xlog.", w);
    s.xlog_replayed_timestamp = Timestamp(s.xlog_replayed_timestamp_text, "xlog.replayed_timestamp", w);
    s.xlog_paused = ReadBool(*xlog, "paused", "xlog.", w);
  }
  s.replication_state = ReadString(o, "replication_state", "", w);

  CheckType(o, "replication", &json::is_array, "array", "", w);
  if (const json* replication = GetArray(o, "replication")) {
    for (const json& row : *replication) {
      if (!row.is_object()) {
        w->push_back("a \"replication\" entry ignored: expected object, got " + TypeName(row));
        continue;
      }
      ReplicationEntry e;
      e.usename = ReadString(row, "usename", "replication[].", w);
      e.application_name = ReadString(row, "application_name", "replication[].", w);
      e.client_addr = ReadString(row, "client_addr", "replication[].", w);
      e.state = ReadString(row, "state", "replication[].", w);
      e.sync_state = ReadString(row, "sync_state", "replication[].", w);
      e.sync_priority = ReadNumber(row, "sync_priority", "replication[].", w);
      s.replication.push_back(std::move(e));
    }
  }

  s.dcs_last_seen = ReadNumber(o, "dcs_last_seen", "", w);
  s.database_system_identifier = ReadString(o, "database_system_identifier", "", w);
  s.cluster_unlocked = ReadBool(o, "cluster_unlocked", "", w);
  s.pause = ReadBool(o, "pause", "", w);
  s.pending_restart = ReadBool(o, "pending_restart", "", w);
  s.sync_standby = ReadBool(o, "sync_standby", "", w);
  s.quorum_standby = ReadBool(o, "quorum_standby", "", w);
  s.failsafe_mode_is_active = ReadBool(o, "failsafe_mode_is_active", "", w);
  s.watchdog_failed = ReadBool(o, "watchdog_failed", "", w);

  CheckType(o, "tags", &json::is_object, "object", "", w);
  if (const json* tags = GetObject(o, "tags")) s.tags = ReadTags(*tags, "tags.", w);

  CheckType(o, "pending_restart_reason", &json::is_object, "object", "", w);
  if (const json* reasons = GetObject(o, "pending_restart_reason")) {
    // {"max_connections": {"old_value": "100", "new_value": "200"}}; values as Patroni printed them.
    for (const auto& item : reasons->items()) {
      // Not a structured binding: clang before 16 cannot capture one in a lambda (the fuzz build uses clang 14).
      const json& change = item.value();
      NodeStatus::RestartReason reason;
      reason.parameter = item.key();
      const auto text = [&change](const char* key) -> std::string {
        if (!change.is_object() || !change.contains(key)) return "";
        const json& v = change.at(key);
        return v.is_string() ? v.get<std::string>() : ShownValue(v);
      };
      reason.old_value = text("old_value");
      reason.new_value = text("new_value");
      s.pending_restart_reason.push_back(std::move(reason));
    }
  }

  CheckType(o, "scheduled_restart", &json::is_object, "object", "", w);
  if (const json* scheduled = GetObject(o, "scheduled_restart")) {
    s.scheduled_restart_text = ReadString(*scheduled, "schedule", "scheduled_restart.", w);
    s.scheduled_restart = Timestamp(s.scheduled_restart_text, "scheduled_restart.schedule", w);
  }

  result.value = std::move(s);
  return result;
}

}  // namespace patroni_exporter
