// Fuzz target: the text-value parsers of PostgreSQL rows (collectors/postgres/pg_rows.h: PgNumber, PgBool, PgLsn,
// PgIntervalSeconds, LsnDiff) and Patroni's LSN text (collectors/patroni/cluster_parse.h ParseLsn). The input is
// one or two values separated by a newline, as libpq would return them (C strings: no NUL). Seeds: hand-made
// (seeds/pg_values/). Properties: never crashes; numbers and intervals are finite, intervals never negative;
// the two LSN parsers agree where both accept; LsnDiff is antisymmetric and 0 from a position to itself.
#include <cmath>
#include <string>

#include "collectors/patroni/cluster_parse.h"
#include "collectors/postgres/pg_rows.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace patroni_exporter;
  std::string input(fuzz::AsView(data, size));
  input = input.substr(0, input.find('\0'));
  const std::size_t newline = input.find('\n');
  const std::string a = input.substr(0, newline);
  const std::string b = newline == std::string::npos ? a : input.substr(newline + 1);

  const PgRow row = {{"v", a}, {"null", std::nullopt}};
  if (const std::optional<double> n = PgNumber(row, "v")) FUZZ_CHECK(std::isfinite(*n));
  (void)PgBool(row, "v");
  if (const std::optional<double> s = PgIntervalSeconds(row, "v")) FUZZ_CHECK(std::isfinite(*s) && *s >= 0);
  const std::optional<double> pg_lsn = PgLsn(row, "v");
  if (pg_lsn) FUZZ_CHECK(*pg_lsn >= 0);
  const std::optional<double> patroni_lsn = ParseLsn(a);
  if (pg_lsn && patroni_lsn) FUZZ_CHECK(*pg_lsn == *patroni_lsn);
  FUZZ_CHECK(!PgNumber(row, "null") && !PgLsn(row, "null") && !PgIntervalSeconds(row, "null"));

  const std::optional<double> ab = LsnDiff(a, b);
  const std::optional<double> ba = LsnDiff(b, a);
  FUZZ_CHECK(ab.has_value() == ba.has_value());
  if (ab) FUZZ_CHECK(*ab == -*ba);
  if (pg_lsn) FUZZ_CHECK(LsnDiff(a, a) == 0.0);
  return 0;
}
