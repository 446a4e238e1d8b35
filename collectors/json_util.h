// Small, pure helpers for reading untrusted JSON with nlohmann::json. Never throw.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace patroni_exporter {

// Parses `text` as JSON without exceptions. Rejects nesting deeper than `max_depth` before parsing (a few KB of
// "[[[[..." could otherwise cost a deep recursion), and invalid UTF-8 (nlohmann's lexer checks it).
// On failure returns an empty optional and sets *error to a one-line reason.
std::optional<nlohmann::json> ParseJson(std::string_view text, std::string* error, std::size_t max_depth = 64);

// ParseJson, then requires an object (or an array): "expected a JSON object, got array" otherwise.
std::optional<nlohmann::json> ParseJsonObject(std::string_view text, std::string* error);
std::optional<nlohmann::json> ParseJsonArray(std::string_view text, std::string* error);

// The value of `key` in `object`, or null when `object` is not an object or the key is absent or JSON null: Patroni
// sends null on purpose (replayed_timestamp, a member's api_url) and deletes a key PATCHed to null, so a null
// never says more than "not set". Every typed read below looks its key up through this.
const nlohmann::json* FindPresent(const nlohmann::json& object, const char* key);

// Typed, non-throwing field access on an object. Each returns an empty optional when `object` is not an object,
// the key is absent, or the value has another type (`"lag": "unknown"` is not a number). Numbers must be finite.
std::optional<std::string> GetString(const nlohmann::json& object, const char* key);
std::optional<double> GetNumber(const nlohmann::json& object, const char* key);
std::optional<bool> GetBool(const nlohmann::json& object, const char* key);
const nlohmann::json* GetObject(const nlohmann::json& object, const char* key);
const nlohmann::json* GetArray(const nlohmann::json& object, const char* key);

// A short, printable rendering of a JSON value's type for error messages: "string", "number", "null", ...
std::string TypeName(const nlohmann::json& value);

// A value for a warning: scalars as JSON text (cut at 40 bytes, on a UTF-8 boundary), containers by type.
std::string ShownValue(const nlohmann::json& value);

// Typed reads for the parse layers, which keep what they can and say what they dropped: each returns what
// GetString/GetNumber/GetBool return, and adds `field "<path><key>" ignored: expected T, got U` to *warnings
// when the key is present with another type. Null counts as absent, without a warning: Patroni sends null on
// purpose (replayed_timestamp, timeline in 4.0.0-4.0.1, api_url of a member without one).
std::optional<std::string> ReadString(const nlohmann::json& object, const char* key, const std::string& path,
                                      std::vector<std::string>* warnings);
std::optional<double> ReadNumber(const nlohmann::json& object, const char* key, const std::string& path,
                                 std::vector<std::string>* warnings);
std::optional<bool> ReadBool(const nlohmann::json& object, const char* key, const std::string& path,
                             std::vector<std::string>* warnings);
// The type check alone, for containers: `expected` names the type in the warning ("object", "array").
void CheckType(const nlohmann::json& object, const char* key, bool (nlohmann::json::*is_expected)() const noexcept,
               const char* expected, const std::string& path, std::vector<std::string>* warnings);

}  // namespace patroni_exporter
