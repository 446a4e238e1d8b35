#include "collectors/json_util.h"

#include <array>
#include <cmath>

namespace patroni_exporter {
namespace {

// What DepthExceeds must look at: outside strings the brackets and the quote, inside them the quote and the
// backslash. Every other byte is skipped by one table lookup (a body is mostly names and values).
enum ByteClass : unsigned char { kPlain = 0, kOpen, kClose, kQuote, kBackslash };

constexpr std::array<unsigned char, 256> kByteClass = [] {
  std::array<unsigned char, 256> table{};
  table['['] = table['{'] = kOpen;
  table[']'] = table['}'] = kClose;
  table['"'] = kQuote;
  table['\\'] = kBackslash;
  return table;
}();

bool DepthExceeds(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false;
  const auto* byte = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = byte + text.size();
  while (byte < end) {
    const unsigned char kind = kByteClass[*byte++];
    if (kind == kPlain) continue;
    if (in_string) {
      if (kind == kBackslash) {
        if (byte < end) ++byte;  // the escaped byte, whatever it is
      } else if (kind == kQuote) {
        in_string = false;
      }
      continue;
    }
    if (kind == kQuote) {
      in_string = true;
    } else if (kind == kOpen) {
      if (++depth > max_depth) return true;
    } else if (kind == kClose) {
      if (depth > 0) --depth;
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

const nlohmann::json* FindPresent(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(std::string_view(key));  // a string_view: no strlen at each step of the tree
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

std::optional<std::string> GetString(const nlohmann::json& object, const char* key) {
  const nlohmann::json* value = FindPresent(object, key);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return value->get<std::string>();
}

std::optional<double> GetNumber(const nlohmann::json& object, const char* key) {
  const nlohmann::json* value = FindPresent(object, key);
  if (value == nullptr || !value->is_number()) return std::nullopt;
  const double number = value->get<double>();
  if (!std::isfinite(number)) return std::nullopt;
  return number;
}

std::optional<bool> GetBool(const nlohmann::json& object, const char* key) {
  const nlohmann::json* value = FindPresent(object, key);
  if (value == nullptr || !value->is_boolean()) return std::nullopt;
  return value->get<bool>();
}

const nlohmann::json* GetObject(const nlohmann::json& object, const char* key) {
  const nlohmann::json* value = FindPresent(object, key);
  return value != nullptr && value->is_object() ? value : nullptr;
}

const nlohmann::json* GetArray(const nlohmann::json& object, const char* key) {
  const nlohmann::json* value = FindPresent(object, key);
  return value != nullptr && value->is_array() ? value : nullptr;
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

namespace {

void WrongType(const nlohmann::json& value, const char* key, const char* expected, const std::string& path,
               std::vector<std::string>* warnings) {
  warnings->push_back("field \"" + path + key + "\" ignored: expected " + expected + ", got " + TypeName(value));
}

}  // namespace

void CheckType(const nlohmann::json& object, const char* key, bool (nlohmann::json::*is_expected)() const noexcept,
               const char* expected, const std::string& path, std::vector<std::string>* warnings) {
  const nlohmann::json* value = FindPresent(object, key);
  if (value == nullptr || (value->*is_expected)()) return;
  WrongType(*value, key, expected, path, warnings);
}

// One lookup a field (a Patroni status is read field by field, a thousand members a scrape): the same answers as
// CheckType followed by GetString, GetNumber or GetBool, which would look the key up twice.
std::optional<std::string> ReadString(const nlohmann::json& object, const char* key, const std::string& path,
                                      std::vector<std::string>* warnings) {
  const nlohmann::json* value = FindPresent(object, key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) {
    WrongType(*value, key, "string", path, warnings);
    return std::nullopt;
  }
  return value->get<std::string>();
}

std::optional<double> ReadNumber(const nlohmann::json& object, const char* key, const std::string& path,
                                 std::vector<std::string>* warnings) {
  const nlohmann::json* value = FindPresent(object, key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_number()) {
    WrongType(*value, key, "number", path, warnings);
    return std::nullopt;
  }
  const double number = value->get<double>();
  if (!std::isfinite(number)) return std::nullopt;
  return number;
}

std::optional<bool> ReadBool(const nlohmann::json& object, const char* key, const std::string& path,
                             std::vector<std::string>* warnings) {
  const nlohmann::json* value = FindPresent(object, key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_boolean()) {
    WrongType(*value, key, "boolean", path, warnings);
    return std::nullopt;
  }
  return value->get<bool>();
}

}  // namespace patroni_exporter
