// Fuzz target: ParseNodeStatus (GET /patroni) -> TranslateNodeStatus (both master modes) -> SerializeText.
// Seeds: tests/testdata/patroni/patroni_*.json (targets.txt). Properties: parse never throws or crashes; what it
// accepts translates, and the exposition is valid UTF-8.
#include "collectors/exposition.h"
#include "collectors/metric_set.h"
#include "collectors/patroni/node_status_parse.h"
#include "collectors/patroni/node_status_translate.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace patroni_exporter;
  const NodeStatusParseResult result = ParseNodeStatus(fuzz::AsView(data, size));
  FUZZ_CHECK(result.value.has_value() == result.error.empty());
  if (!result.value) return 0;
  for (const bool legacy_master : {false, true}) {
    MetricSet set;
    TranslateNodeStatus(*result.value, "fuzz-member", NodeTranslateOptions{.legacy_master = legacy_master}, &set);
    FUZZ_CHECK(!set.empty());
    FUZZ_CHECK(fuzz::ValidUtf8(SerializeText(set)));
  }
  return 0;
}
