#include "collectors/patroni/dynamic_config_parse.h"

#include <cctype>
#include <charconv>
#include <cstdint>
#include <map>
#include <set>
#include <type_traits>

#include "collectors/json_util.h"

namespace patroni_exporter {
namespace {

using nlohmann::json;

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// utils.py parse_bool: str(value).lower() against two fixed lists. So JSON 1 and 0 count (str(1) is "1"), 1.0
// does not ("1.0"), and there is no trimming or prefix matching (" on" and "tr" are neither).
std::optional<bool> PatroniBool(const json& value) {
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_number_integer()) {
    if (value == 1) return true;
    if (value == 0) return false;
    return std::nullopt;
  }
  if (!value.is_string()) return std::nullopt;
  const std::string text = Lower(value.get<std::string>());
  if (text == "on" || text == "true" || text == "yes" || text == "1") return true;
  if (text == "off" || text == "false" || text == "no" || text == "0") return false;
  return std::nullopt;
}

// Patroni reads these with int() (config.py: ttl, loop_wait, retry_timeout) or parse_int() (global_config.py:
// the others). Both accept a JSON integer and decimal text; they disagree on floats (int(30.5) is 30, parse_int
// gives None and so the default), on "030" (30 vs. octal 24) and on units, so those are treated as unreadable
// rather than guessed.
std::optional<double> PatroniInt(const json& value) {
  if (value.is_number_integer()) return value.get<double>();
  if (!value.is_string()) return std::nullopt;
  const std::string& text = value.get_ref<const std::string&>();
  std::size_t begin = 0;
  std::size_t end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  std::size_t digits = begin;
  if (digits < end && (text[digits] == '+' || text[digits] == '-')) ++digits;
  if (end - digits == 0 || end - digits > 18) return std::nullopt;
  if (text[digits] == '0' && end - digits > 1) return std::nullopt;
  for (std::size_t i = digits; i < end; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
  }
  std::int64_t number = 0;
  std::from_chars(text.data() + digits, text.data() + end, number);
  return static_cast<double>(text[begin] == '-' ? -number : number);
}

// Python truthiness of a JSON value, as in `config.get('host') or ...`.
bool Truthy(const json& value) {
  if (value.is_null()) return false;
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_number()) return value.get<double>() != 0;
  if (value.is_string()) return !value.get_ref<const std::string&>().empty();
  return !value.empty();
}

class Reader {
 public:
  explicit Reader(std::vector<std::string>* warnings) : warnings_(warnings) {}

  void Int(const json& object, const char* key, const std::string& path, ConfigSetting<double>* out) {
    const json* value = FindPresent(object, key);
    if (!value) return;
    out->value = PatroniInt(*value);
    if (!out->value) Unreadable(path + key, "an integer", *value, &out->unreadable);
  }

  void Bool(const json& object, const char* key, const std::string& path, ConfigSetting<bool>* out) {
    const json* value = FindPresent(object, key);
    if (!value) return;
    out->value = PatroniBool(*value);
    if (!out->value) Unreadable(path + key, "a boolean", *value, &out->unreadable);
  }

  // global_config.py: is_quorum_commit_mode is str(value).lower() == 'quorum' (4.0+); anything else goes through
  // parse_bool. Before 4.0 "quorum" reads as off; a /config that says quorum was written for 4.0+, so it is
  // reported as quorum.
  void SyncMode(const json& object, ConfigSetting<SynchronousModeSetting>* out) {
    const json* value = FindPresent(object, "synchronous_mode");
    if (!value) return;
    if (value->is_string() && Lower(value->get<std::string>()) == "quorum") {
      out->value = SynchronousModeSetting::kQuorum;
      return;
    }
    if (const std::optional<bool> on = PatroniBool(*value)) {
      out->value = *on ? SynchronousModeSetting::kOn : SynchronousModeSetting::kOff;
      return;
    }
    Unreadable("synchronous_mode", "a boolean or \"quorum\"", *value, &out->unreadable);
  }

  // global_config.py is_standby_cluster: a dict with a truthy host, port or restore_command. An empty section
  // (or one with empty strings, as __DEFAULT_CONFIG has) is not a standby cluster.
  void StandbyCluster(const json& object, ConfigSetting<bool>* out) {
    const json* value = FindPresent(object, "standby_cluster");
    if (!value) return;
    if (!value->is_object()) {
      Unreadable("standby_cluster", "an object", *value, &out->unreadable);
      return;
    }
    bool configured = false;
    for (const char* key : {"host", "port", "restore_command"}) {
      const auto it = value->find(key);
      if (it != value->end() && Truthy(*it)) configured = true;
    }
    out->value = configured;
  }

  void Parameters(const json& parameters, std::map<std::string, std::string>* out) {
    std::set<std::string> ambiguous;  // lower-case names given in more than one spelling
    for (const auto& [name, value] : parameters.items()) {
      const std::string path = "postgresql.parameters." + name;
      std::string text;
      if (value.is_null()) continue;
      if (value.is_string()) {
        text = value.get<std::string>();
      } else if (value.is_primitive()) {
        text = value.dump();
      } else {
        warnings_->push_back("field \"" + path + "\" ignored: expected a string, number or boolean, got " +
                             TypeName(value));
        continue;
      }
      const std::string lower = Lower(name);
      if (ambiguous.count(lower)) continue;
      if (out->count(lower)) {
        // Patroni keeps them in a CaseInsensitiveDict where the later key wins, but the order of keys is lost by
        // the time they reach us (nlohmann sorts object keys): drop the parameter rather than pick one.
        warnings_->push_back("parameter \"" + lower + "\" ignored: given more than once in different cases");
        out->erase(lower);
        ambiguous.insert(lower);
        continue;
      }
      out->emplace(lower, std::move(text));
    }
  }

  void Unreadable(const std::string& path, const char* expected, const json& value, bool* flag) {
    *flag = true;
    warnings_->push_back("field \"" + path + "\" ignored: expected " + expected + ", got " + ShownValue(value));
  }

 private:
  std::vector<std::string>* warnings_;
};

// dump() is canonical only because objects are kept sorted, by std::less on std::string (char_traits<char>
// compares bytes as unsigned char, so the order is the same on every platform). nlohmann::ordered_json
// (insertion order) or another object_t would make the fingerprint depend on the body's key order.
static_assert(std::is_same_v<json::object_t, std::map<json::string_t, json, json::default_object_comparator_t>>,
              "ConfigFingerprint needs nlohmann::json objects to be a sorted std::map");

}  // namespace

std::uint64_t ConfigFingerprint(const json& value) {
  const std::string text = value.dump(-1, ' ', /*ensure_ascii=*/false, json::error_handler_t::replace);
  std::uint64_t hash = 14695981039346656037ULL;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  constexpr std::uint64_t kMask52 = (std::uint64_t{1} << 52) - 1;
  return (hash >> 52) ^ (hash & kMask52);
}

DynamicConfigParseResult ParseDynamicConfig(std::string_view body) {
  DynamicConfigParseResult result;
  std::optional<json> doc = ParseJsonObject(body, &result.error);
  if (!doc) return result;
  const json& o = *doc;
  Reader r(&result.warnings);
  DynamicConfig c;
  c.fingerprint = ConfigFingerprint(o);

  r.Int(o, "ttl", "", &c.ttl);
  r.Int(o, "loop_wait", "", &c.loop_wait);
  r.Int(o, "retry_timeout", "", &c.retry_timeout);
  r.Int(o, "primary_start_timeout", "", &c.primary_start_timeout);
  r.Int(o, "master_start_timeout", "", &c.master_start_timeout);
  r.Int(o, "maximum_lag_on_failover", "", &c.maximum_lag_on_failover);
  r.Int(o, "synchronous_node_count", "", &c.synchronous_node_count);
  r.SyncMode(o, &c.synchronous_mode);
  r.Bool(o, "synchronous_mode_strict", "", &c.synchronous_mode_strict);
  r.Bool(o, "failsafe_mode", "", &c.failsafe_mode);
  r.Bool(o, "pause", "", &c.pause);
  r.StandbyCluster(o, &c.standby_cluster);

  if (const json* postgresql = FindPresent(o, "postgresql")) {
    if (!postgresql->is_object()) {
      // Nothing under it can be read, so use_slots is not "absent" (which would mean Patroni's default).
      bool unused = false;
      r.Unreadable("postgresql", "an object", *postgresql, &unused);
      c.use_slots.unreadable = true;
      c.use_pg_rewind.unreadable = true;
    } else {
      r.Bool(*postgresql, "use_slots", "postgresql.", &c.use_slots);
      r.Bool(*postgresql, "use_pg_rewind", "postgresql.", &c.use_pg_rewind);
      if (const json* parameters = FindPresent(*postgresql, "parameters")) {
        if (parameters->is_object()) {
          r.Parameters(*parameters, &c.postgresql_parameters);
        } else {
          bool unused = false;
          r.Unreadable("postgresql.parameters", "an object", *parameters, &unused);
        }
      }
    }
  }

  result.value = std::move(c);
  return result;
}

}  // namespace patroni_exporter
