// Fuzz target: the --web.config.file YAML (exporter/web_config.h ParseWebConfig: the pure parse, no file read)
// and, on the same bytes, the Authorization header parse of basic auth (exporter/basic_auth.h) and Go's bcrypt
// hash acceptance (CheckBcryptHash). Seeds: tests/testdata/web_config/{valid,invalid}/*.yml (targets.txt).
// Properties: never throws or crashes; a failure is one non-empty line; every user of an accepted file has a
// hash CheckBcryptHash accepts; a parsed Authorization header splits at the first colon, so the user has none.
#include <string>

#include "exporter/basic_auth.h"
#include "exporter/web_config.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace patroni_exporter;
  const std::string text(fuzz::AsView(data, size));
  WebConfig config;
  std::string error;
  if (ParseWebConfig(text, "/nonexistent", &config, &error)) {
    for (const auto& [user, hash] : config.users) FUZZ_CHECK(CheckBcryptHash(hash).empty());
  } else {
    FUZZ_CHECK(!error.empty());
    FUZZ_CHECK(error.find('\n') == std::string::npos);
  }
  (void)CheckBcryptHash(text);
  std::string user, password;
  if (ParseBasicAuthorization(text.c_str(), &user, &password)) FUZZ_CHECK(user.find(':') == std::string::npos);
  return 0;
}
