// ParseDynamicConfig: the body of Patroni's `GET /config` -> DynamicConfig. Pure: no I/O, no clock, never throws.
//
// Handles every version 1.6 to 4.x: the key names and value spellings of each (see dynamic_config.h).
// Fails (value empty, error set) only when the body is not a JSON object. Every key is optional, so `{}` is a
// valid configuration (a cluster bootstrapped without `bootstrap.dcs`). A key that Patroni could not read either
// (wrong type, "30s", "maybe") is marked unreadable and adds a line to `warnings`; unknown keys are ignored.
#pragma once

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

}  // namespace patroni_exporter
