// ParseHistory: the body of Patroni's `GET /history` -> History. Pure: no I/O, no clock, never throws.
//
// Handles every row shape of 1.6 to 4.x (history.h). Fails (value empty, error set) only when the body is not a
// JSON array; `[]` (a cluster still on timeline 1) is a valid, empty history. A row that is not an array of at
// least 3 elements starting with an integer timeline (1 to 4294967295), a non-negative integer LSN and a string
// reason is kept as an empty entry and adds a warning. A mistyped or unreadable timestamp, or a mistyped
// new_leader, is left empty with a warning and the row is kept. Elements after the fifth are ignored (room for
// future versions).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/patroni/history.h"

namespace patroni_exporter {

struct HistoryParseResult {
  std::optional<History> value;
  std::string error;                  // set when value is empty
  std::vector<std::string> warnings;  // rows and elements ignored
};

HistoryParseResult ParseHistory(std::string_view body);

}  // namespace patroni_exporter
