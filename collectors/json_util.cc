#include "collectors/json_util.h"

#include <cmath>

namespace patroni_exporter {
namespace {

bool DepthExceeds(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > max_depth) return true;
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return false;
}

}  // namespace

std::optional<nlohmann::json> ParseJson(std::string_view text, std::string* error, std::size_t max_depth) {
  if (DepthExceeds(text, max_depth)) {
    *error = "invalid JSON: nested deeper than " + std::to_string(max_depth) + " levels";
    return std::nullopt;
  }
  nlohmann::json value = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    // Without exceptions nlohmann gives no message; say what is cheap to say.
    if (text.empty()) {
      *error = "invalid JSON: empty body";
    } else {
      const std::size_t shown = std::min<std::size_t>(text.size(), 32);
      std::string start(text.substr(0, shown));
      for (char& ch : start) {
        if (static_cast<unsigned char>(ch) < 0x20 || static_cast<unsigned char>(ch) >= 0x7f) ch = '.';
      }
      *error = "invalid JSON (body starts with \"" + start + "\")";
    }
    return std::nullopt;
  }
  return value;
}

namespace {

std::optional<nlohmann::json> ParseJsonOf(std::string_view text, bool object, std::string* error) {
  std::optional<nlohmann::json> doc = ParseJson(text, error);
  if (doc && (object ? !doc->is_object() : !doc->is_array())) {
    *error = std::string("expected a JSON ") + (object ? "object" : "array") + ", got " + TypeName(*doc);
    return std::nullopt;
  }
  return doc;
}

}  // namespace

std::optional<nlohmann::json> ParseJsonObject(std::string_view text, std::string* error) {
  return ParseJsonOf(text, true, error);
}

std::optional<nlohmann::json> ParseJsonArray(std::string_view text, std::string* error) {
  return ParseJsonOf(text, false, error);
}

std::optional<std::string> GetString(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return std::nullopt;
  const auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<double> GetNumber(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return std::nullopt;
  const auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return std::nullopt;
  const double value = it->get<double>();
  if (!std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<bool> GetBool(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return std::nullopt;
  const auto it = object.find(key);
  if (it == object.end() || !it->is_boolean()) return std::nullopt;
  return it->get<bool>();
}

const nlohmann::json* GetObject(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  if (it == object.end() || !it->is_object()) return nullptr;
  return &*it;
}

const nlohmann::json* GetArray(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  if (it == object.end() || !it->is_array()) return nullptr;
  return &*it;
}

std::string TypeName(const nlohmann::json& value) { return value.type_name(); }

std::string ShownValue(const nlohmann::json& value) {
  if (value.is_structured()) return TypeName(value);
  std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > 40) {
    std::size_t cut = 40;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text = text.substr(0, cut) + "...";
  }
  return text;
}

void CheckType(const nlohmann::json& object, const char* key, bool (nlohmann::json::*is_expected)() const noexcept,
               const char* expected, const std::string& path, std::vector<std::string>* warnings) {
  if (!object.is_object()) return;
  const auto it = object.find(key);
  if (it == object.end() || it->is_null() || ((*it).*is_expected)()) return;
  warnings->push_back("field \"" + path + key + "\" ignored: expected " + expected + ", got " + TypeName(*it));
}

std::optional<std::string> ReadString(const nlohmann::json& object, const char* key, const std::string& path,
                                      std::vector<std::string>* warnings) {
  CheckType(object, key, &nlohmann::json::is_string, "string", path, warnings);
  return GetString(object, key);
}

std::optional<double> ReadNumber(const nlohmann::json& object, const char* key, const std::string& path,
                                 std::vector<std::string>* warnings) {
  CheckType(object, key, &nlohmann::json::is_number, "number", path, warnings);
  return GetNumber(object, key);
}

std::optional<bool> ReadBool(const nlohmann::json& object, const char* key, const std::string& path,
                             std::vector<std::string>* warnings) {
  CheckType(object, key, &nlohmann::json::is_boolean, "boolean", path, warnings);
  return GetBool(object, key);
}

}  // namespace patroni_exporter
