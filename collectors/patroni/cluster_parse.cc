#include "collectors/patroni/cluster_parse.h"

#include <cmath>
#include <set>

#include "collectors/json_util.h"
#include "collectors/patroni/tags.h"
#include "collectors/patroni/timestamp.h"

namespace patroni_exporter {
namespace {

using nlohmann::json;

// Bad text is echoed into warnings, which end up in logs; a hostile or broken body must not flood them.
std::string Quote(const std::string& text) {
  constexpr std::size_t kMaxShown = 64;
  if (text.size() <= kMaxShown) return "\"" + text + "\"";
  return "\"" + text.substr(0, kMaxShown) + "...\"";
}

std::optional<double> Timestamp(const std::optional<std::string>& text, const std::string& field,
                                std::vector<std::string>* warnings) {
  if (!text) return std::nullopt;
  std::optional<double> value = ParsePatroniTimestamp(*text);
  if (!value) warnings->push_back("field \"" + field + "\" ignored: unrecognised timestamp " + Quote(*text));
  return value;
}

// Patroni writes the string "unknown" (never 0) for a member that published no WAL position: PostgreSQL stopped,
// crashed, or Patroni busy. Keeping it apart from a number lets translate say "unknown" instead of inventing a lag.
constexpr const char* kUnknown = "unknown";

// `lag`, `receive_lag`, `replay_lag`: bytes as a number, or "unknown". (One lookup, and the warning's text built
// only for a warning: six of these a member, a thousand members a scrape.)
ClusterWalValue Lag(const json& m, const char* key, const std::string& path, std::vector<std::string>* w) {
  ClusterWalValue out;
  const json* value = FindPresent(m, key);
  if (value == nullptr) return out;
  const auto ignored = [&] { return "field \"" + path + key + "\" ignored: "; };
  if (value->is_string() && value->get_ref<const std::string&>() == kUnknown) {
    out.unknown = true;
  } else if (value->is_number()) {
    // Only a guard: nlohmann already rejects literals beyond the double range as invalid JSON.
    const double bytes = value->get<double>();
    if (std::isfinite(bytes)) {
      out.bytes = bytes;
    } else {
      w->push_back(ignored() + "not a finite number");
    }
  } else {
    w->push_back(ignored() + "expected number or \"unknown\", got " +
                 (value->is_string() ? Quote(value->get_ref<const std::string&>()) : TypeName(*value)));
  }
  return out;
}

// `lsn`, `receive_lsn`, `replay_lsn` (4.1.0+): position text as format_lsn prints it, or "unknown".
ClusterWalValue Lsn(const json& m, const char* key, const std::string& path, std::vector<std::string>* w) {
  ClusterWalValue out;
  const json* value = FindPresent(m, key);
  if (value == nullptr) return out;
  const auto ignored = [&] { return "field \"" + path + key + "\" ignored: "; };
  if (!value->is_string()) {
    w->push_back(ignored() + "expected LSN text or \"unknown\", got " + TypeName(*value));
    return out;
  }
  const std::string& text = value->get_ref<const std::string&>();
  if (text == kUnknown) {
    out.unknown = true;
  } else {
    out.bytes = ParseLsn(text);
    if (!out.bytes) w->push_back(ignored() + "not an LSN: " + Quote(text));
  }
  return out;
}

ClusterMember ParseMember(const json& m, std::string name, std::vector<std::string>* w) {
  ClusterMember member;
  member.name = std::move(name);
  const std::string path = "members[" + member.name + "].";
  member.role = ReadString(m, "role", path, w).value_or("");
  member.state = ReadString(m, "state", path, w).value_or("");
  member.api_url = ReadString(m, "api_url", path, w);
  member.host = ReadString(m, "host", path, w);
  member.port = ReadNumber(m, "port", path, w);
  member.timeline = ReadNumber(m, "timeline", path, w);

  member.lag = Lag(m, "lag", path, w);
  member.receive_lag = Lag(m, "receive_lag", path, w);
  member.replay_lag = Lag(m, "replay_lag", path, w);
  member.lsn = Lsn(m, "lsn", path, w);
  member.receive_lsn = Lsn(m, "receive_lsn", path, w);
  member.replay_lsn = Lsn(m, "replay_lsn", path, w);

  member.pending_restart = ReadBool(m, "pending_restart", path, w);

  // The DCS record of a scheduled restart: {schedule (ISO 8601), postmaster_start_time, and the request's filters}.
  CheckType(m, "scheduled_restart", &json::is_object, "object", path, w);
  if (const json* restart = GetObject(m, "scheduled_restart")) {
    member.scheduled_restart_text = ReadString(*restart, "schedule", path + "scheduled_restart.", w);
    member.scheduled_restart = Timestamp(member.scheduled_restart_text, path + "scheduled_restart.schedule", w);
  }

  CheckType(m, "tags", &json::is_object, "object", path, w);
  if (const json* tags = GetObject(m, "tags")) {
    const std::string tag_path = path + "tags.";
    member.tags = ReadTags(*tags, tag_path, w);
  }
  return member;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// One half of an LSN: 1 to 8 hexadecimal digits, nothing else.
std::optional<double> HexWord(std::string_view text) {
  if (text.empty() || text.size() > 8) return std::nullopt;
  double value = 0;
  for (const char c : text) {
    const int digit = HexDigit(c);
    if (digit < 0) return std::nullopt;
    value = value * 16 + digit;
  }
  return value;
}

}  // namespace

std::optional<double> ParseLsn(std::string_view text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::optional<double> high = HexWord(text.substr(0, slash));
  const std::optional<double> low = HexWord(text.substr(slash + 1));
  if (!high || !low) return std::nullopt;
  return *high * 4294967296.0 + *low;
}

ClusterParseResult ParseCluster(std::string_view body) {
  ClusterParseResult result;
  std::optional<json> doc = ParseJsonObject(body, &result.error);
  if (!doc) return result;
  const json& o = *doc;
  const json* members = GetArray(o, "members");
  if (members == nullptr) {
    result.error = "not a Patroni cluster: missing or non-array \"members\"";
    return result;
  }
  auto* w = &result.warnings;
  ClusterView view;

  std::set<std::string> seen;
  for (const json& m : *members) {
    if (!m.is_object()) {
      w->push_back("a \"members\" entry ignored: expected object, got " + TypeName(m));
      continue;
    }
    std::optional<std::string> name = GetString(m, "name");
    if (!name) {
      w->push_back("a \"members\" entry ignored: missing or non-string \"name\"");
      continue;
    }
    // Patroni builds the list from DCS keys named after the member, so a repeat is a broken body; keeping the first
    // keeps every member's series unique.
    if (!seen.insert(*name).second) {
      w->push_back("a \"members\" entry ignored: duplicate name " + Quote(*name));
      continue;
    }
    view.members.push_back(ParseMember(m, std::move(*name), w));
  }

  view.scope = ReadString(o, "scope", "", w);
  view.pause = ReadBool(o, "pause", "", w);
  CheckType(o, "scheduled_switchover", &json::is_object, "object", "", w);
  if (const json* switchover = GetObject(o, "scheduled_switchover")) {
    view.scheduled_switchover_at_text = ReadString(*switchover, "at", "scheduled_switchover.", w);
    view.scheduled_switchover_at = Timestamp(view.scheduled_switchover_at_text, "scheduled_switchover.at", w);
    view.scheduled_switchover_from = ReadString(*switchover, "from", "scheduled_switchover.", w);
    view.scheduled_switchover_to = ReadString(*switchover, "to", "scheduled_switchover.", w);
  }

  result.value = std::move(view);
  return result;
}

}  // namespace patroni_exporter
