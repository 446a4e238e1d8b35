// History: what `GET /history` says: the cluster's timeline switches (failovers, switchovers, manual promotions),
// oldest first, for every Patroni version 1.6 to 4.x.
//
// Patroni builds each row from the new primary's PostgreSQL timeline history file (postgresql/misc.py
// parse_history: `parent timeline, switch LSN, reason`), and ha.py update_cluster_history stores the rows in
// the DCS, which /history returns as is (api.py do_GET_history):
//   [timeline, lsn, reason]                                 a row Patroni has no time for (see below)
//   [timeline, lsn, reason, timestamp]                      before 2.1.1
//   [timeline, lsn, reason, timestamp, new_leader]          2.1.1+ (release notes 2.1.1, "Enrich history with
//                                                           the new leader")
// `timeline` is the PARENT timeline: the one the cluster switched away from. The switch created the next one;
// Patroni itself assumes it is timeline + 1 (ha.py compares the last row with the primary's timeline - 1).
// `lsn` is where the parent timeline ended, in bytes. `timestamp` is the history file's modification time as
// Python's isoformat() in the primary's local zone ("2024-08-28T19:39:26.352526+00:00"; 1.x read it through
// pg_stat_file, without fraction). Only the newest row gets a timestamp and new_leader from the file; older rows
// keep them only if they were already in the DCS, so after a DCS wipe, or for switches made before Patroni ran
// the cluster, older rows have 3 elements.
//
// Filled by ParseHistory (history_parse.h), read by TranslateHistory (history_translate.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace patroni_exporter {

struct HistoryRow {
  std::int64_t timeline = 0;  // parent timeline, 1 to 4294967295
  std::uint64_t lsn = 0;
  std::string reason;
  std::optional<std::string> timestamp_text;  // absent in 3-element rows, or null
  std::optional<double> timestamp;            // epoch seconds; empty if absent, null or unparseable
  std::optional<std::string> new_leader;      // 2.1.1+
};

struct History {
  // One entry per row of /history, in order; an empty optional for a row of the wrong shape (the parse result
  // has a warning), so the count of switches stays right and a broken newest row is never mistaken for an older.
  std::vector<std::optional<HistoryRow>> rows;
};

}  // namespace patroni_exporter
