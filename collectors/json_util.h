// Small, pure helpers for reading untrusted JSON with nlohmann::json. Never throw.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace patroni_exporter {

// Parses `text` as JSON without exceptions. Rejects nesting deeper than `max_depth` before parsing (a few KB of
// "[[[[..." could otherwise cost a deep recursion), and invalid UTF-8 (nlohmann's lexer checks it).
// On failure returns an empty optional and sets *error to a one-line reason.
std::optional<nlohmann::json> ParseJson(std::string_view text, std::string* error, std::size_t max_depth = 64);

// Typed, non-throwing field access on an object. Each returns an empty optional when `object` is not an object,
// the key is absent, or the value has another type (`"lag": "unknown"` is not a number). Numbers must be finite.
std::optional<std::string> GetString(const nlohmann::json& object, const char* key);
std::optional<double> GetNumber(const nlohmann::json& object, const char* key);
std::optional<bool> GetBool(const nlohmann::json& object, const char* key);
const nlohmann::json* GetObject(const nlohmann::json& object, const char* key);
const nlohmann::json* GetArray(const nlohmann::json& object, const char* key);

// True when `object` has `key` with any value, including null.
bool Has(const nlohmann::json& object, const char* key);

// A short, printable rendering of a JSON value's type for error messages: "string", "number", "null", ...
std::string TypeName(const nlohmann::json& value);

}  // namespace patroni_exporter
