// Fuzz target: the --config.file YAML (exporter/config.h LoadConfigText: what LoadConfigFile runs on the file's
// text): yaml-cpp, the strict key checks, seed URLs, discovery modes, TLS files and probe.allowed_targets
// expressions. Seeds: tests/testdata/config/*.yml (targets.txt). Properties: never throws or crashes; success
// gives at least one cluster, each with a seed; failure gives one error line naming the file.
#include <string>

#include "exporter/config.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace patroni_exporter;
  const std::string text(fuzz::AsView(data, size));
  Config config;
  std::string error;
  if (LoadConfigText(text, "fuzz.yml", TlsClientOptions{}, &config, &error)) {
    FUZZ_CHECK(!config.clusters.empty());
    for (const ClusterTarget& cluster : config.clusters) FUZZ_CHECK(!cluster.seeds.empty());
  } else {
    FUZZ_CHECK(error.rfind("fuzz.yml: ", 0) == 0);
    FUZZ_CHECK(error.find('\n') == std::string::npos);
  }
  return 0;
}
