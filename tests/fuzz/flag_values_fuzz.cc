// Fuzz target: the value parsers of flags and request headers: ParseDuration (--patroni.timeout and other
// durations), ToCivetwebPorts (--web.listen-address) and ScrapeDeadline (X-Prometheus-Scrape-Timeout-Seconds).
// Seeds: hand-made (seeds/flag_values/). Properties: never crashes; a duration is never negative, comes without
// an error and reads back from its formatted form, a refused one has a reason; listen
// addresses are refused with a reason or give a non-empty port spec; a deadline is not before `now` and at most an
// hour later, whatever the header says.
#include <chrono>
#include <string>

#include "exporter/config.h"
#include "exporter/http_server.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace patroni_exporter;
  const std::string text(fuzz::AsView(data, size));

  std::string reason;
  const std::optional<std::chrono::milliseconds> duration = ParseDuration(text, &reason);
  if (duration) {
    FUZZ_CHECK(duration->count() >= 0);
    FUZZ_CHECK(reason.empty());
    FUZZ_CHECK(ParseDuration(FormatDuration(*duration)) == duration);
  } else {
    FUZZ_CHECK(!reason.empty());
  }

  std::string error;
  const std::optional<std::string> ports = ToCivetwebPorts(text, &error);
  FUZZ_CHECK(ports ? !ports->empty() : !error.empty());

  // The header as CivetWeb hands it over: a C string (so cut at the first NUL).
  const auto now = std::chrono::steady_clock::now();
  const auto deadline = ScrapeDeadline(now, text.c_str(), std::chrono::milliseconds(10000));
  FUZZ_CHECK(deadline >= now);
  FUZZ_CHECK(deadline <= now + std::chrono::seconds(3600));
  return 0;
}
