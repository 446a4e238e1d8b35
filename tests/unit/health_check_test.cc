#include "exporter/health_check.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/testdata.h"

namespace patroni_exporter {
namespace {

using testing::TestdataPath;

// The Config ParseFlags makes of these flags, as the health check gets it from the serving process.
Config Configured(std::vector<std::string> flags) {
  flags.insert(flags.begin(), "patroni_exporter");
  std::vector<const char*> argv;
  for (const std::string& flag : flags) argv.push_back(flag.c_str());
  const FlagsResult result = ParseFlags(static_cast<int>(argv.size()), argv.data());
  EXPECT_TRUE(result.config) << result.output;
  return result.config.value_or(Config{});
}

std::string WebConfig(const std::string& name) { return TestdataPath("web_config/valid/" + name); }

TEST(HealthCheckTest, DefaultListenAddressIsAskedOnLoopback) {
  const HealthCheckTarget target = HealthCheckTargetFor(Configured({}));
  EXPECT_EQ(target.url, "http://127.0.0.1:9547/-/healthy");
  EXPECT_TRUE(target.client_cert_file.empty());
}

TEST(HealthCheckTest, FollowsTheListenAddress) {
  EXPECT_EQ(HealthCheckTargetFor(Configured({"--web.listen-address", ":19100"})).url,
            "http://127.0.0.1:19100/-/healthy");
  EXPECT_EQ(HealthCheckTargetFor(Configured({"--web.listen-address", "0.0.0.0:9100"})).url,
            "http://127.0.0.1:9100/-/healthy");
  EXPECT_EQ(HealthCheckTargetFor(Configured({"--web.listen-address", "localhost:9200"})).url,
            "http://127.0.0.1:9200/-/healthy");
  // An address of one interface is the only one it answers on.
  EXPECT_EQ(HealthCheckTargetFor(Configured({"--web.listen-address", "192.0.2.7:9547"})).url,
            "http://192.0.2.7:9547/-/healthy");
}

TEST(HealthCheckTest, HttpsWhenTheWebConfigHasTls) {
  const HealthCheckTarget target = HealthCheckTargetFor(Configured({"--web.config.file", WebConfig("tls.yml")}));
  EXPECT_EQ(target.url, "https://127.0.0.1:9547/-/healthy");
  EXPECT_TRUE(target.client_cert_file.empty()) << "no client certificate is asked for";
}

TEST(HealthCheckTest, PlainHttpWithBasicAuthOnly) {
  // /-/healthy needs no credentials, and the web config without tls_server_config serves plain HTTP.
  const HealthCheckTarget target = HealthCheckTargetFor(Configured({"--web.config.file", WebConfig("basic_auth.yml")}));
  EXPECT_EQ(target.url, "http://127.0.0.1:9547/-/healthy");
}

TEST(HealthCheckTest, PresentsTheServerKeyPairWhenAClientCertificateIsRequired) {
  for (const char* name : {"tls_require_any.yml", "tls_require_and_verify.yml"}) {
    const HealthCheckTarget target = HealthCheckTargetFor(Configured({"--web.config.file", WebConfig(name)}));
    EXPECT_EQ(target.url, "https://127.0.0.1:9547/-/healthy") << name;
    // The web config's relative names, resolved against its directory.
    EXPECT_EQ(target.client_cert_file, TestdataPath("web_config/valid") + "/../certs/server.pem") << name;
    EXPECT_EQ(target.client_key_file, TestdataPath("web_config/valid") + "/../certs/server.key") << name;
  }
  // Asked for but not required: none is sent.
  for (const char* name : {"tls_request_client_cert.yml", "tls_verify_if_given.yml"}) {
    EXPECT_TRUE(HealthCheckTargetFor(Configured({"--web.config.file", WebConfig(name)})).client_cert_file.empty())
        << name;
  }
}

TEST(HealthCheckTest, SplitsProcCmdline) {
  const std::string bytes("/usr/bin/patroni_exporter\0--patroni.url\0http://x:8008\0--log.level\0\0", 67);
  EXPECT_EQ(SplitCmdline(bytes), (std::vector<std::string>{"/usr/bin/patroni_exporter", "--patroni.url",
                                                           "http://x:8008", "--log.level", ""}));
  EXPECT_EQ(SplitCmdline(std::string("a\0b", 3)), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(SplitCmdline("").empty());
}

TEST(HealthCheckTest, RecognisesItsOwnCommandLine) {
  EXPECT_TRUE(IsHealthCheckCommand({"/usr/bin/patroni_exporter", "healthcheck"}));
  EXPECT_TRUE(IsHealthCheckCommand({"patroni_exporter", "healthcheck", "7"}));
  EXPECT_FALSE(IsHealthCheckCommand({"/usr/bin/patroni_exporter"}));
  EXPECT_FALSE(IsHealthCheckCommand({"/usr/bin/patroni_exporter", "--patroni.url", "healthcheck"}));
}

}  // namespace
}  // namespace patroni_exporter
