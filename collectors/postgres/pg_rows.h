// Rows of a PostgreSQL query as text, the way libpq returns them: column name -> value, NULL as an empty
// optional. The pure translate layers of this folder read them; pg_session.h produces them; tests build them
// from recorded rows (tests/testdata/postgres/).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace patroni_exporter {

using PgRow = std::map<std::string, std::optional<std::string>>;
using PgRows = std::vector<PgRow>;

// Typed reads of one column. Each is empty when the column is missing, NULL, or not of that form. Never throws.
std::optional<std::string> PgText(const PgRow& row, const std::string& column);
std::optional<double> PgNumber(const PgRow& row, const std::string& column);
std::optional<bool> PgBool(const PgRow& row, const std::string& column);  // "t"/"true"/"f"/"false"
// An LSN ("16/B374D848") as a byte position.
std::optional<double> PgLsn(const PgRow& row, const std::string& column);
// An interval's text ("00:00:13.100099", "1 day 02:00:00", "3 days 00:00:01.5") in seconds.
std::optional<double> PgIntervalSeconds(const PgRow& row, const std::string& column);

// Bytes from `to` back to `from` (to - from), when both are known; exact for LSNs below 2^64 (difference
// computed on integers, so large positions lose no precision).
std::optional<double> LsnDiff(const std::optional<std::string>& to, const std::optional<std::string>& from);

}  // namespace patroni_exporter
