// Fuzz target: the text-value parsers of PostgreSQL rows (collectors/postgres/pg_rows.h: PgNumber, PgBool). The
// input is one value, as libpq would return it (a C string: no NUL). Seeds: hand-made (seeds/pg_values/).
// Properties: never crashes; a number is finite and was written in PostgreSQL's numeric form only (an optional
// '-', digits, optionally '.' and digits); NULL and missing columns are never a value.
#include <cmath>
#include <string>

#include "collectors/postgres/pg_rows.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace patroni_exporter;
  std::string input(fuzz::AsView(data, size));
  input = input.substr(0, input.find('\0'));

  const PgRow row = {{"v", input}, {"null", std::nullopt}};
  if (const std::optional<double> n = PgNumber(row, "v")) {
    FUZZ_CHECK(std::isfinite(*n));
    FUZZ_CHECK(input.find_first_not_of("-.0123456789") == std::string::npos);
    FUZZ_CHECK(input.find('-', 1) == std::string::npos && input.find('.') == input.rfind('.'));
  }
  if (const std::optional<bool> b = PgBool(row, "v")) {
    FUZZ_CHECK(input == "t" || input == "true" || input == "f" || input == "false");
  }
  FUZZ_CHECK(!PgNumber(row, "null") && !PgBool(row, "null") && !PgNumber(row, "missing"));
  return 0;
}
