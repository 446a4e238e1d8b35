// Timestamps as Patroni prints them, to epoch seconds.
//
// Patroni formats PostgreSQL timestamps (postmaster_start_time, xlog.replayed_timestamp) with Python's str():
//   2.1.0+: "2024-08-28 19:39:26.352526+00:00" (ISO 8601 with a numeric offset)
//   < 2.1.0: PostgreSQL's own text in the server's TimeZone, e.g. "2019-09-24 09:22:32.555 CEST"
// Also accepted: a "T" separator, "Z", offsets "+02", "+0200", "+02:00", and the zone abbreviations in
// timestamp.cc's table. An abbreviation outside the table, or anything else malformed, gives an empty optional
// (an absent sample), never a guessed value. Pure; never throws.
#pragma once

#include <optional>
#include <string_view>

namespace patroni_exporter {

std::optional<double> ParsePatroniTimestamp(std::string_view text);

}  // namespace patroni_exporter
