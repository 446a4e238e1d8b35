// Fuzz target: ParseBaseUrl (collectors/url.h: --patroni.url, config seeds, /probe targets, discovered api_url).
// Seeds: hand-made (seeds/base_url/). Properties: never crashes; an accepted URL has scheme http or https, a
// host, a port in 1..65535, a path without a trailing "/", and came from text without NUL or control bytes
// (libcurl reads a C string: anything after a NUL would be silently dropped); a refusal always says why.
#include <string>

#include "collectors/url.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace patroni_exporter;
  const std::string text(fuzz::AsView(data, size));
  std::string error;
  const std::optional<BaseUrl> url = ParseBaseUrl(text, &error);
  if (!url) {
    FUZZ_CHECK(!error.empty());
    return 0;
  }
  FUZZ_CHECK(url->scheme == "http" || url->scheme == "https");
  FUZZ_CHECK(!url->host.empty());
  FUZZ_CHECK(url->port >= 1 && url->port <= 65535);
  FUZZ_CHECK(url->path.empty() || url->path.back() != '/');
  for (const char c : text) FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
  const std::string joined = url->Join("/patroni");
  FUZZ_CHECK(joined.rfind(url->scheme + "://", 0) == 0);
  FUZZ_CHECK(url->HostPort().find(':') != std::string::npos);
  return 0;
}
