// Fuzz target: the /probe query string (exporter/probe.h): QueryParameter, then Prober::Probe, which decodes
// target= and discovery=, parses the target with ParseBaseUrl and checks the allow-list. Nothing is configured
// or allowed: the one expression can only match port 0, which ParseBaseUrl refuses, so no input can make a
// request and every answer must be a refusal, 400 or 403. The expression repeats a group, which std::regex
// matches recursively per character: long hosts test the stack. Seeds: hand-made (seeds/probe_query/).
#include <string>

#include "collectors/log.h"
#include "exporter/probe.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace patroni_exporter;
  // Refusals log a warning each; at fuzzing speed that is only noise.
  static const bool quiet = (ConfigureLogging(LogLevel::kError, LogFormat::kLogfmt), true);
  (void)quiet;
  static Prober prober(ProberOptions{.allowed_targets = {"([a-z0-9.-])*:0"}}, nullptr, nullptr);

  const std::string query(fuzz::AsView(data, size));
  const std::string target = QueryParameter(query, "target");
  FUZZ_CHECK(target.size() <= query.size());
  const ProbeResponse response = prober.Probe(query, ScrapeContext{});
  FUZZ_CHECK(response.status == 400 || response.status == 403);
  FUZZ_CHECK(!response.body.empty());
  return 0;
}
