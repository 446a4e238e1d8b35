// ParseDynamicConfig: the body of Patroni's `GET /config` -> DynamicConfig. Pure: no I/O, no clock, never throws.
//
// Handles every version 1.6 to 4.x: the key names and value spellings of each (see dynamic_config.h).
// Fails (value empty, error set) only when the body is not a JSON object. Every key is optional, so `{}` is a
// valid configuration (a cluster bootstrapped without `bootstrap.dcs`). A key that Patroni could not read either
// (wrong type, "30s", "maybe") is marked unreadable and adds a line to `warnings`; unknown keys are ignored.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/patroni/dynamic_config.h"

namespace patroni_exporter {

struct DynamicConfigParseResult {
  std::optional<DynamicConfig> value;
  std::string error;                  // set when value is empty
  std::vector<std::string> warnings;  // keys ignored for their type or value
};

DynamicConfigParseResult ParseDynamicConfig(std::string_view body);

// The fingerprint of a parsed /config (DynamicConfig::fingerprint): the same for the same configuration whatever
// the key order, whitespace or string escapes of the body, and the same on every machine, compiler, exporter
// version and run (no std::hash, no pointer or seed):
//   text = value.dump(): nlohmann::json's objects are a std::map ordered by byte-wise key comparison, so dump()
//          writes every object's keys sorted, no whitespace, strings in UTF-8 with only the escapes JSON
//          requires, numbers in one fixed form (30 stays 30, 30.0 stays 30.0: they are different JSON);
//   h    = 64-bit FNV-1a of text (offset basis 14695981039346656037, prime 1099511628211);
//   result = (h >> 52) ^ (h & (2^52 - 1)): xor-folded to 52 bits, the FNV authors' way to a width that is not a
//          power of two, so every bit of h counts.
// Below 2^52, the result is an integer a double holds exactly and prints in at most 16 digits, so the sample in
// the exposition (%.16g) and in Prometheus is the exact value. Never throws (invalid UTF-8 cannot reach it:
// ParseJson rejects it, and dump() would replace it rather than throw).
std::uint64_t ConfigFingerprint(const nlohmann::json& value);

}  // namespace patroni_exporter
