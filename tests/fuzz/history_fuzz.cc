// Fuzz target: ParseHistory (GET /history) -> TranslateHistory -> SerializeText.
// Seeds: tests/testdata/patroni/history_*.json (targets.txt). Properties: parse never throws or crashes; what it
// accepts translates, and the exposition is valid UTF-8 (the reason is cut on a character boundary).
#include "collectors/exposition.h"
#include "collectors/metric_set.h"
#include "collectors/patroni/history_parse.h"
#include "collectors/patroni/history_translate.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace patroni_exporter;
  const HistoryParseResult result = ParseHistory(fuzz::AsView(data, size));
  FUZZ_CHECK(result.value.has_value() == result.error.empty());
  if (!result.value) return 0;
  MetricSet set;
  TranslateHistory(*result.value, "fuzz-scope", &set);
  FUZZ_CHECK(!set.empty());
  FUZZ_CHECK(fuzz::ValidUtf8(SerializeText(set)));
  return 0;
}
