// Fuzz target: PostgreSQL rows through the pure layers of collectors/postgres/: ParseServerState, then
// TranslateServerState, TranslateStatReplication, TranslateReplicationSlots and TranslateWalReceiver, then
// SerializeText. The input is a JSON array of rows (objects; null is SQL NULL, other scalars are their text,
// booleans t/f, as libpq gives them): the first row is the server-state row, the rest the view's rows. When the
// first row is not a server state, the rows go through with a default primary and a default standby state.
// Seeds: tests/testdata/postgres/*.json (targets.txt) and seeds/pg_rows/ (state and rows together).
// Properties: never crashes; the exposition is valid UTF-8 (row text becomes label values).
#include <string>
#include <vector>

#include "collectors/exposition.h"
#include "collectors/json_util.h"
#include "collectors/metric_set.h"
#include "collectors/postgres/pg_rows.h"
#include "collectors/postgres/replication_slots.h"
#include "collectors/postgres/server_state.h"
#include "collectors/postgres/stat_replication.h"
#include "collectors/postgres/wal_receiver.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using namespace patroni_exporter;

PgRow ToRow(const nlohmann::json& object) {
  PgRow row;
  if (!object.is_object()) return row;
  for (const auto& [key, value] : object.items()) {
    if (value.is_null()) {
      row[key] = std::nullopt;
    } else if (value.is_string()) {
      // libpq hands over C strings: a value never holds a NUL.
      const std::string text = value.get<std::string>();
      row[key] = text.substr(0, text.find('\0'));
    } else if (value.is_boolean()) {
      row[key] = std::string(value.get<bool>() ? "t" : "f");  // not a char*: GCC 12 warns (-Wrestrict)
    } else {
      row[key] = value.dump();
    }
  }
  return row;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string error;
  const std::optional<nlohmann::json> json = ParseJson(fuzz::AsView(data, size), &error);
  if (!json) return 0;
  PgRows rows;
  if (json->is_array()) {
    for (const nlohmann::json& r : *json) rows.push_back(ToRow(r));
  } else {
    rows.push_back(ToRow(*json));
  }
  std::vector<ServerState> states;
  if (!rows.empty()) {
    if (const std::optional<ServerState> state = ParseServerState({rows.front()})) {
      states.push_back(*state);
      rows.erase(rows.begin());
    }
  }
  if (states.empty()) {
    states.push_back(ServerState{});
    states.push_back(
        ServerState{.in_recovery = true, .replay_lag_bytes = 16777216, .replay_timestamp_age_seconds = 1.5});
  }
  const Labels labels = {{"scope", "fuzz-scope"}, {"name", "fuzz-member"}};
  for (const ServerState& state : states) {
    MetricSet set;
    TranslateServerState(state, labels, &set);
    TranslateStatReplication(rows, state, labels, &set);
    TranslateReplicationSlots(rows, state, labels, &set);
    TranslateWalReceiver(rows, state, labels, &set);
    FUZZ_CHECK(fuzz::ValidUtf8(SerializeText(set)));
  }
  return 0;
}
