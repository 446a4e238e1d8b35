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

// Records `path + key` in *unreadable when `object` has the key with a non-null value that `read` left empty.
template <typename T>
std::optional<T> Noted(std::optional<T> read, const json& object, const char* key, const std::string& path,
                       std::vector<std::string>* unreadable) {
  if (!read && FindPresent(object, key) != nullptr) unreadable->push_back(path + key);
  return read;
}

// The same for a container: present, not null, and not of the `expected` type.
void NoteContainer(const json& object, const char* key, bool (json::*is_expected)() const noexcept,
                   std::vector<std::string>* unreadable) {
  const json* value = FindPresent(object, key);
  if (value != nullptr && !(value->*is_expected)()) unreadable->push_back(key);
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
  auto* u = &s.unreadable;
  // Typed reads that also remember a field sent with a type they cannot read (NodeStatus::unreadable).
  const auto read_string = [w, u](const json& object, const char* key, const char* path) {
    return Noted(ReadString(object, key, path, w), object, key, path, u);
  };
  const auto read_number = [w, u](const json& object, const char* key, const char* path) {
    return Noted(ReadNumber(object, key, path, w), object, key, path, u);
  };
  const auto read_bool = [w, u](const json& object, const char* key, const char* path) {
    return Noted(ReadBool(object, key, path, w), object, key, path, u);
  };

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
  s.patroni_version_text = read_string(*patroni, "version", "patroni.").value_or("");
  s.patroni_version = ParsePatroniVersion(s.patroni_version_text);
  if (!s.patroni_version && !s.patroni_version_text.empty()) {
    w->push_back("field \"patroni.version\" ignored: not a version: \"" + s.patroni_version_text + "\"");
  }
  s.name = read_string(*patroni, "name", "patroni.");

  s.postmaster_start_time_text = read_string(o, "postmaster_start_time", "");
  s.postmaster_start_time = Timestamp(s.postmaster_start_time_text, "postmaster_start_time", w);
  s.server_version = read_number(o, "server_version", "");
  s.timeline = read_number(o, "timeline", "");

  NoteContainer(o, "xlog", &json::is_object, u);
  CheckType(o, "xlog", &json::is_object, "object", "", w);
  if (const json* xlog = GetObject(o, "xlog")) {
    s.xlog_location = read_number(*xlog, "location", "xlog.");
    s.xlog_received_location = read_number(*xlog, "received_location", "xlog.");
    s.xlog_replayed_location = read_number(*xlog, "replayed_location", "xlog.");
    s.xlog_replayed_timestamp_text = read_string(*xlog, "replayed_timestamp", "xlog.");
    s.xlog_replayed_timestamp = Timestamp(s.xlog_replayed_timestamp_text, "xlog.replayed_timestamp", w);
    s.xlog_paused = read_bool(*xlog, "paused", "xlog.");
  }
  s.replication_state = read_string(o, "replication_state", "");

  // The primary's "replication" rows feed no family (node_status.h), so they are not kept; their types are still
  // checked, so a body that changed shape says so in the debug log like any other field.
  CheckType(o, "replication", &json::is_array, "array", "", w);
  if (const json* replication = GetArray(o, "replication")) {
    for (const json& row : *replication) {
      if (!row.is_object()) {
        w->push_back("a \"replication\" entry ignored: expected object, got " + TypeName(row));
        continue;
      }
      for (const char* key : {"usename", "application_name", "client_addr", "state", "sync_state"}) {
        CheckType(row, key, &json::is_string, "string", "replication[].", w);
      }
      CheckType(row, "sync_priority", &json::is_number, "number", "replication[].", w);
    }
  }

  s.dcs_last_seen = read_number(o, "dcs_last_seen", "");
  s.database_system_identifier = read_string(o, "database_system_identifier", "");
  s.cluster_unlocked = read_bool(o, "cluster_unlocked", "");
  s.pause = read_bool(o, "pause", "");
  s.pending_restart = read_bool(o, "pending_restart", "");
  s.sync_standby = read_bool(o, "sync_standby", "");
  s.quorum_standby = read_bool(o, "quorum_standby", "");
  s.failsafe_mode_is_active = read_bool(o, "failsafe_mode_is_active", "");
  s.watchdog_failed = read_bool(o, "watchdog_failed", "");

  NoteContainer(o, "tags", &json::is_object, u);
  CheckType(o, "tags", &json::is_object, "object", "", w);
  if (const json* tags = GetObject(o, "tags")) {
    s.tags = ReadTags(*tags, "tags.", w);
    // The two tags patroni_failover_priority is computed from: sent but unreadable, it is unknown.
    Noted(s.tags.nofailover, *tags, "nofailover", "tags.", u);
    Noted(s.tags.failover_priority, *tags, "failover_priority", "tags.", u);
  }

  NoteContainer(o, "pending_restart_reason", &json::is_object, u);
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

  NoteContainer(o, "scheduled_restart", &json::is_object, u);
  CheckType(o, "scheduled_restart", &json::is_object, "object", "", w);
  if (const json* scheduled = GetObject(o, "scheduled_restart")) {
    s.scheduled_restart_text = read_string(*scheduled, "schedule", "scheduled_restart.");
    s.scheduled_restart = Timestamp(s.scheduled_restart_text, "scheduled_restart.schedule", w);
  }

  result.value = std::move(s);
  return result;
}

}  // namespace patroni_exporter
