// ParseNodeStatus: the body of Patroni's `GET /patroni` -> NodeStatus. Pure: no I/O, no clock, never throws.
//
// Handles every version 1.6 to 4.x (see docs/patroni-api.md and tests/testdata/patroni/README.md).
// Fails (value empty, error set) only when the body is not a JSON object, or lacks what every version sends and
// the metrics cannot do without: string `state`, string `role`, and `patroni.scope`. Any other field that is
// absent, null or of an unexpected type is left empty, and a wrong type adds a line to `warnings`.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/patroni/node_status.h"

namespace patroni_exporter {

struct NodeStatusParseResult {
  std::optional<NodeStatus> value;
  std::string error;                  // set when value is empty
  std::vector<std::string> warnings;  // fields ignored for their type
};

NodeStatusParseResult ParseNodeStatus(std::string_view body);

}  // namespace patroni_exporter
