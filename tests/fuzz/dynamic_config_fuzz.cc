// Fuzz target: ParseDynamicConfig (GET /config) -> TranslateDynamicConfig -> SerializeText.
// Seeds: tests/testdata/patroni/config_*.json (targets.txt). Properties: parse never throws or crashes; what it
// accepts translates, and the exposition is valid UTF-8 (parameter values become label values).
#include "collectors/exposition.h"
#include "collectors/metric_set.h"
#include "collectors/patroni/dynamic_config_parse.h"
#include "collectors/patroni/dynamic_config_translate.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace patroni_exporter;
  const DynamicConfigParseResult result = ParseDynamicConfig(fuzz::AsView(data, size));
  FUZZ_CHECK(result.value.has_value() == result.error.empty());
  if (!result.value) return 0;
  MetricSet set;
  TranslateDynamicConfig(*result.value, "fuzz-scope", &set);
  FUZZ_CHECK(fuzz::ValidUtf8(SerializeText(set)));
  return 0;
}
