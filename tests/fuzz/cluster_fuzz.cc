// Fuzz target: ParseCluster (GET /cluster) -> TranslateCluster -> SerializeText.
// Seeds: tests/testdata/patroni/cluster_*.json (targets.txt). Properties: parse never throws or crashes; what it
// accepts translates to one patroni_cluster_members sample per kept member, and the exposition is valid UTF-8.
#include "collectors/exposition.h"
#include "collectors/metric_set.h"
#include "collectors/patroni/cluster_parse.h"
#include "collectors/patroni/cluster_translate.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace patroni_exporter;
  const ClusterParseResult result = ParseCluster(fuzz::AsView(data, size));
  FUZZ_CHECK(result.value.has_value() == result.error.empty());
  if (!result.value) return 0;
  MetricSet set;
  TranslateCluster(*result.value, "fuzz-scope", &set);
  FUZZ_CHECK(!set.empty());
  FUZZ_CHECK(fuzz::ValidUtf8(SerializeText(set)));
  return 0;
}
