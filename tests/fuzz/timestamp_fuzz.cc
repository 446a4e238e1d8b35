// Fuzz target: ParsePatroniTimestamp (collectors/patroni/timestamp.h: postmaster_start_time, replayed_timestamp,
// /cluster and /history timestamps). Seeds: hand-made (seeds/timestamp/), one per accepted form. Properties:
// never crashes; a value, when given, is finite.
#include <cmath>

#include "collectors/patroni/timestamp.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace patroni_exporter;
  const std::optional<double> value = ParsePatroniTimestamp(fuzz::AsView(data, size));
  if (value) FUZZ_CHECK(std::isfinite(*value));
  return 0;
}
