// Rows of a PostgreSQL query as text, the way libpq returns them: column name -> value, NULL as an empty
// optional. The pure translate layers of this folder read them; pg_session.h produces them; tests build them
// from recorded rows (tests/testdata/postgres/).
//
// The queries of this folder compute every number in SQL (seconds with EXTRACT(EPOCH FROM ...)::numeric, bytes
// with pg_wal_lsn_diff()) and return it as numeric or integer text, whose form no session setting changes
// (IntervalStyle, DateStyle, TimeZone and extra_float_digits shape only interval, date and float text). So the
// reads below accept exactly that form and nothing else.
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
// numeric, integer or bigint text as PostgreSQL prints it: an optional '-', digits, optionally '.' and digits
// ("7279712", "-16", "13.100099"). No sign '+', exponent, spaces, NaN or Infinity; finite as a double.
std::optional<double> PgNumber(const PgRow& row, const std::string& column);
std::optional<bool> PgBool(const PgRow& row, const std::string& column);  // "t"/"true"/"f"/"false"

}  // namespace patroni_exporter
