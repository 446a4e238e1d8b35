// --config.file: every tests/testdata/config/invalid-*.yml paired with its exact error, and the valid ones read
// back (node_exporter / exporter-toolkit style).
#include <gtest/gtest.h>

#include <vector>

#include "exporter/config.h"
#include "tests/support/testdata.h"

namespace patroni_exporter {
namespace {

using patroni_exporter::testing::TestdataPath;

FlagsResult ParseWithFile(const std::string& name) {
  const std::string flag = "--config.file=" + TestdataPath("config/" + name);
  std::vector<const char*> args = {"patroni_exporter", flag.c_str()};
  return ParseFlags(static_cast<int>(args.size()), args.data());
}

TEST(ConfigFileTest, TwoClustersWithTheirOwnTls) {
  const FlagsResult r = ParseWithFile("valid-two-clusters.yml");
  ASSERT_TRUE(r.config) << r.output;
  ASSERT_EQ(r.config->clusters.size(), 2u);
  EXPECT_EQ(r.config->clusters[0].name, "orders");
  EXPECT_EQ(r.config->clusters[0].seeds.size(), 2u);
  EXPECT_TRUE(r.config->clusters[0].discovery);  // auto, two seeds
  EXPECT_EQ(r.config->clusters[0].tls.ca_file, "");
  EXPECT_EQ(r.config->clusters[1].seeds[0].ToString(), "https://10.1.0.1:8008");
  EXPECT_TRUE(r.config->clusters[1].discovery);
  EXPECT_EQ(r.config->clusters[1].tls.ca_file, "/etc/hostname");
  ASSERT_EQ(r.config->probe_allowed_targets.size(), 1u);
  EXPECT_EQ(r.config->probe_allowed_targets[0], "10\\.2\\.[0-9]+\\.[0-9]+:8008");
}

TEST(ConfigFileTest, MinimalCluster) {
  const FlagsResult r = ParseWithFile("valid-minimal.yml");
  ASSERT_TRUE(r.config) << r.output;
  EXPECT_EQ(r.config->clusters[0].name, "cluster1");
  EXPECT_FALSE(r.config->clusters[0].discovery);
}

struct InvalidFile {
  std::string file;
  std::string error;  // after "<path>: "
};

class ConfigFileInvalidTest : public ::testing::TestWithParam<InvalidFile> {};

TEST_P(ConfigFileInvalidTest, RefusedWithItsError) {
  const FlagsResult r = ParseWithFile(GetParam().file);
  EXPECT_FALSE(r.config);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.output, "patroni_exporter: error: " + TestdataPath("config/" + GetParam().file) + ": " +
                          GetParam().error + "\nRun 'patroni_exporter --help' for usage.\n");
}

INSTANTIATE_TEST_SUITE_P(
    Table, ConfigFileInvalidTest,
    ::testing::Values(
        InvalidFile{"invalid-empty-clusters.yml", "\"clusters\" must be a non-empty list"},
        InvalidFile{"invalid-unknown-key.yml", "unknown key \"seed\" in clusters[0] (line 3)"},
        InvalidFile{"invalid-seed-no-scheme.yml",
                    "clusters[0]: URL \"a:8008\" has no scheme: write http://HOST:PORT or https://HOST:PORT (line 3)"},
        InvalidFile{"invalid-duplicate-name.yml", "cluster name \"x\" is used twice"},
        InvalidFile{"invalid-discovery.yml", "clusters[0]: discovery must be auto, on or off, not \"sometimes\""},
        InvalidFile{"invalid-cert-without-key.yml", "clusters[0].tls: cert_file and key_file go together"},
        InvalidFile{"invalid-bool.yml", "invalid value: yaml-cpp: error at line 5, column 29: bad conversion"},
        InvalidFile{"invalid-regex.yml",
                    "probe.allowed_targets: invalid regular expression \"(unclosed\": Mismatched '(' and ')' in "
                    "regular expression"},
        InvalidFile{"invalid-yaml-syntax.yml",
                    "invalid YAML: yaml-cpp: error at line 4, column 1: end of sequence flow not found"}),
    [](const auto& param_info) {
      std::string name = param_info.param.file.substr(8, param_info.param.file.size() - 12);
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return name;
    });

TEST(ConfigFileTest, TheSameSeedInTwoClustersIsRefused) {
  const FlagsResult r = ParseWithFile("invalid-duplicate-seed.yml");
  EXPECT_FALSE(r.config);
  EXPECT_EQ(r.output,
            "patroni_exporter: error: seed http://a:8008 is given twice\nRun 'patroni_exporter --help' for usage.\n");
}

// 20000 nested groups overflowed the stack in std::regex's compiler (tests/fuzz/regressions/config_file/).
TEST(ConfigFileTest, OverlongRegexIsRefusedBeforeCompiling) {
  const std::string nested = std::string(20000, '(') + std::string(20000, ')');
  Config config;
  std::string error;
  EXPECT_FALSE(LoadConfigText("clusters: [{seeds: [http://h:8008]}]\nprobe: {allowed_targets: ['" + nested + "']}\n",
                              "x.yml", TlsClientOptions{}, &config, &error));
  EXPECT_EQ(error, "x.yml: probe.allowed_targets: regular expression longer than 1024 characters");
  const std::string fits = std::string(512, '(') + std::string(512, ')');
  EXPECT_TRUE(LoadConfigText("clusters: [{seeds: [http://h:8008]}]\nprobe: {allowed_targets: ['" + fits + "']}\n",
                             "x.yml", TlsClientOptions{}, &config, &error))
      << error;
}

// libstdc++ overflows a long reading a back-reference's or a repetition's digits (undefined behaviour; found
// by the config_file fuzz target, tests/fuzz/regressions/config_file/).
TEST(ConfigFileTest, OverlongRegexNumbersAreRefusedBeforeCompiling) {
  auto load = [](const std::string& regex, std::string* error) {
    Config config;
    return LoadConfigText("clusters: [{seeds: [http://h:8008]}]\nprobe: {allowed_targets: ['" + regex + "']}\n",
                          "x.yml", TlsClientOptions{}, &config, error);
  };
  std::string error;
  EXPECT_FALSE(load("(a)\\6666666666666666666", &error));
  EXPECT_EQ(error,
            "x.yml: probe.allowed_targets: invalid regular expression \"(a)\\6666666666666666666\": the number "
            "6666666666666666666 has more than 5 digits");
  EXPECT_FALSE(load("a{99999999999999999999}", &error));
  EXPECT_FALSE(load("a{1,99999999999999999999}", &error));
  EXPECT_NE(error.find("the number 99999999999999999999"), std::string::npos) << error;
  // Digits anywhere else are plain text, and an escaped backslash ends the escape.
  EXPECT_TRUE(load("db-20261205-01\\.example:8008", &error)) << error;
  EXPECT_TRUE(load("a{2,5}\\\\1234567,12345678", &error)) << error;
}

}  // namespace
}  // namespace patroni_exporter
