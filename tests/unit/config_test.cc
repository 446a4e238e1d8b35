#include "exporter/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

namespace patroni_exporter {
namespace {

FlagsResult Parse(std::vector<const char*> args) {
  args.insert(args.begin(), "patroni_exporter");
  return ParseFlags(static_cast<int>(args.size()), args.data());
}

TEST(ConfigTest, DefaultsMatchTheReadme) {
  const FlagsResult r = Parse({});
  ASSERT_TRUE(r.config) << r.output;
  ASSERT_EQ(r.config->clusters.size(), 1u);
  ASSERT_EQ(r.config->clusters[0].seeds.size(), 1u);
  EXPECT_EQ(r.config->clusters[0].seeds[0].ToString(), "http://127.0.0.1:8008");
  EXPECT_FALSE(r.config->clusters[0].discovery);  // auto with one seed: the sidecar case
  EXPECT_TRUE(r.config->cluster_collector);
  EXPECT_TRUE(r.config->config_collector);
  EXPECT_TRUE(r.config->history_collector);
  EXPECT_FALSE(r.config->health_collector);
  EXPECT_TRUE(r.config->process_collector);
  EXPECT_EQ(r.config->default_scrape_timeout, std::chrono::seconds(10));
  EXPECT_EQ(r.config->patroni_max_parallel_requests, 512u);
  EXPECT_EQ(r.config->patroni_timeout, std::chrono::seconds(5));
  EXPECT_EQ(r.config->patroni_max_body_bytes, 8u << 20);
  EXPECT_EQ(r.config->civetweb_ports, "9547");
  EXPECT_EQ(r.config->telemetry_path, "/metrics");
  EXPECT_EQ(r.config->log_level, LogLevel::kInfo);
  EXPECT_EQ(r.config->log_format, LogFormat::kLogfmt);
  EXPECT_FALSE(r.config->legacy_master);
  EXPECT_FALSE(r.config->patroni_tls.insecure_skip_verify);
}

TEST(ConfigTest, RepeatedUrlsAndEveryFlag) {
  const FlagsResult r =
      Parse({"--patroni.url", "http://10.0.0.1:8008/", "--patroni.url=https://10.0.0.2:8008/patroni",
             "--patroni.timeout=750ms", "--web.listen-address", "127.0.0.1:19547", "--web.telemetry-path=/m",
             "--log.level=debug", "--log.format=json", "--collector.node.legacy-master",
             "--patroni.insecure-skip-verify", "--patroni.max-body-size=64KiB"});
  ASSERT_TRUE(r.config) << r.output;
  ASSERT_EQ(r.config->clusters.size(), 1u);
  ASSERT_EQ(r.config->clusters[0].seeds.size(), 2u);
  EXPECT_EQ(r.config->clusters[0].seeds[0].ToString(), "http://10.0.0.1:8008");
  EXPECT_EQ(r.config->clusters[0].seeds[1].ToString(), "https://10.0.0.2:8008");
  EXPECT_TRUE(r.config->clusters[0].discovery);  // auto with two seeds
  EXPECT_TRUE(r.config->clusters[0].tls.insecure_skip_verify);
  EXPECT_EQ(r.config->patroni_timeout, std::chrono::milliseconds(750));
  EXPECT_EQ(r.config->civetweb_ports, "127.0.0.1:19547");
  EXPECT_EQ(r.config->telemetry_path, "/m");
  EXPECT_EQ(r.config->log_level, LogLevel::kDebug);
  EXPECT_EQ(r.config->log_format, LogFormat::kJson);
  EXPECT_TRUE(r.config->legacy_master);
  EXPECT_TRUE(r.config->patroni_tls.insecure_skip_verify);
  EXPECT_EQ(r.config->patroni_max_body_bytes, 64u << 10);
}

TEST(ConfigTest, HelpAndVersionExitZero) {
  const FlagsResult help = Parse({"--help"});
  EXPECT_FALSE(help.config);
  EXPECT_EQ(help.exit_code, 0);
  for (const char* flag : {"--patroni.url", "--patroni.timeout", "--web.listen-address", "--web.telemetry-path",
                           "--log.level", "--log.format", "--version", "--collector.node.legacy-master"}) {
    EXPECT_THAT(help.output, ::testing::HasSubstr(flag));
  }
  const FlagsResult version = Parse({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_THAT(version.output, ::testing::StartsWith("patroni_exporter, version "));
}

struct BadFlag {
  std::vector<const char*> args;
  std::string message;  // the line printed, after "patroni_exporter: error: "
};

class ConfigBadFlagTest : public ::testing::TestWithParam<BadFlag> {};

TEST_P(ConfigBadFlagTest, ExitsTwoWithOneClearMessage) {
  const FlagsResult r = Parse(GetParam().args);
  EXPECT_FALSE(r.config);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.output,
            "patroni_exporter: error: " + GetParam().message + "\nRun 'patroni_exporter --help' for usage.\n");
}

INSTANTIATE_TEST_SUITE_P(
    Table, ConfigBadFlagTest,
    ::testing::Values(
        BadFlag{{"--bogus"}, "The following argument was not expected: --bogus"},
        BadFlag{{"--patroni.url=localhost:8008"},
                "--patroni.url: URL \"localhost:8008\" has no scheme: write http://HOST:PORT or https://HOST:PORT"},
        BadFlag{{"--patroni.url=http://u:pw@h:8008"},
                "--patroni.url: a Patroni URL must not contain credentials (Patroni's GET endpoints need none)"},
        BadFlag{{"--patroni.url=http://h:1", "--patroni.url=http://h:1/"}, "seed http://h:1 is given twice"},
        BadFlag{{"--patroni.discovery=maybe"}, "--patroni.discovery \"maybe\" must be auto, on or off"},
        BadFlag{{"--patroni.max-parallel-requests=0"},
                "--patroni.max-parallel-requests \"0\" must be a number from 1 to 4096"},
        BadFlag{{"--probe.allowed-target=10.0.0.(1"},
                "--probe.allowed-target: invalid regular expression \"10.0.0.(1\": Mismatched '(' and ')' in regular "
                "expression"},
        BadFlag{{"--web.default-scrape-timeout=10ms"},
                "--web.default-scrape-timeout \"10ms\" must be a duration from 100ms to 10m"},
        BadFlag{{"--config.file=/nonexistent.yml"}, "/nonexistent.yml: cannot read the file"},
        BadFlag{{"--config.file=/etc/hostname", "--patroni.url=http://h:1"},
                "--patroni.url and --config.file exclude each other: list the URLs as seeds in the file"},
        BadFlag{{"--patroni.timeout=fast"},
                "--patroni.timeout \"fast\" is not a duration (must start with a number, e.g. 30s or 1m30s); it must "
                "be a duration from 1ms to 10m, e.g. 500ms or 5s"},
        BadFlag{{"--patroni.timeout=1x"},
                "--patroni.timeout \"1x\" is not a duration (unknown unit \"x\" (use y, w, d, h, m, s, ms)); it must "
                "be a duration from 1ms to 10m, e.g. 500ms or 5s"},
        BadFlag{{"--patroni.member-retention=30s1m"},
                "--patroni.member-retention \"30s1m\" is not a duration (unit \"m\" repeated or out of order (largest "
                "first, e.g. 1h30m)); it must be a duration from 0s to 168h, e.g. 10m"},
        BadFlag{{"--patroni.member-retention=8d"},
                "--patroni.member-retention \"8d\" must be a duration from 0s to 168h, e.g. 10m"},
        BadFlag{{"--patroni.max-parallel-requests-per-member=0"},
                "--patroni.max-parallel-requests-per-member \"0\" must be a number from 1 to 16"},
        BadFlag{{"--patroni.max-parallel-requests-per-member=17"},
                "--patroni.max-parallel-requests-per-member \"17\" must be a number from 1 to 16"},
        BadFlag{{"--web.threads=0"}, "--web.threads \"0\" must be a number from 1 to 1024"},
        BadFlag{{"--web.threads=many"}, "--web.threads \"many\" must be a number from 1 to 1024"},
        BadFlag{{"--web.listen-address=:9547", "--web.listen-address=0.0.0.0:9547"},
                "--web.listen-address \"0.0.0.0:9547\" is given twice"},
        BadFlag{{"--web.listen-address=:9547", "--web.systemd-socket"},
                "--web.listen-address and --web.systemd-socket exclude each other: systemd's socket unit names the "
                "addresses"},
        BadFlag{{"--collector.health=maybe"}, "Could not convert: --collector.health = maybe"},
        BadFlag{{"--patroni.timeout=0s"},
                "--patroni.timeout \"0s\" must be a duration from 1ms to 10m, e.g. 500ms or 5s"},
        BadFlag{{"--patroni.timeout=11m"},
                "--patroni.timeout \"11m\" must be a duration from 1ms to 10m, e.g. 500ms or 5s"},
        BadFlag{{"--patroni.max-body-size=10"}, "--patroni.max-body-size \"10\" must be from 1KiB to 1GiB, e.g. 8MiB"},
        BadFlag{{"--patroni.cert-file=/etc/hostname"}, "--patroni.cert-file and --patroni.key-file go together"},
        BadFlag{{"--patroni.ca-file=/nonexistent/ca.pem"}, "cannot read /nonexistent/ca.pem"},
        BadFlag{{"--web.listen-address=9547"}, "--web.listen-address \"9547\" must be :PORT or HOST:PORT"},
        BadFlag{{"--web.listen-address=:99999"},
                "--web.listen-address \":99999\": port must be a number from 1 to 65535"},
        BadFlag{{"--web.listen-address=[::1]:9547"},
                "--web.listen-address \"[::1]:9547\": IPv6 addresses are not supported (Debian 12's CivetWeb is "
                "built without IPv6)"},
        BadFlag{{"--web.listen-address=db.example:9547"},
                "--web.listen-address \"db.example:9547\": host must be an IPv4 address or localhost"},
        BadFlag{{"--web.telemetry-path=metrics"},
                "--web.telemetry-path \"metrics\" must start with / and differ from / and /-/healthy"},
        BadFlag{{"--web.telemetry-path=/-/healthy"},
                "--web.telemetry-path \"/-/healthy\" must start with / and differ from / and /-/healthy"},
        BadFlag{{"--log.level=verbose"}, "--log.level \"verbose\" must be one of debug, info, warn, error"},
        BadFlag{{"--log.format=text"}, "--log.format \"text\" must be logfmt or json"},
        BadFlag{{"--collector.health.max-lag=16mb"},
                "--collector.health.max-lag \"16mb\" must be a number of bytes, optionally followed by B, kB, MB, "
                "GB or TB (e.g. 1048576, 16MB)"},
        BadFlag{{"--collector.health.max-lag=1MB&x=1"},
                "--collector.health.max-lag \"1MB&x=1\" must be a number of bytes, optionally followed by B, kB, "
                "MB, GB or TB (e.g. 1048576, 16MB)"},
        BadFlag{{"--postgres.dsn-template=user=x password=hunter2"},
                "--postgres.dsn-template: must not contain a password: use PGPASSWORD or a passfile"},
        // What libpq quotes is withheld: it may be a misplaced password (tests/unit/secrets_test.cc).
        BadFlag{{"--postgres.dsn-template=user=x bogus=1"},
                "--postgres.dsn-template: invalid connection option \"<withheld>\""}));

TEST(ConfigTest, HealthMaxLagIsOffUnlessGiven) {
  EXPECT_EQ(Parse({}).config->health_max_lag, "");
  const FlagsResult r = Parse({"--collector.health", "--collector.health.max-lag=16MB"});
  ASSERT_TRUE(r.config) << r.output;
  EXPECT_TRUE(r.config->health_collector);
  EXPECT_EQ(r.config->health_max_lag, "16MB");
  EXPECT_EQ(Parse({"--collector.health.max-lag", "1048576"}).config->health_max_lag, "1048576");
}

TEST(ConfigTest, DiscoveryCanBeForced) {
  const FlagsResult on = Parse({"--patroni.discovery=on"});
  ASSERT_TRUE(on.config) << on.output;
  EXPECT_TRUE(on.config->clusters[0].discovery);
  const FlagsResult off = Parse({"--patroni.url=http://a:1", "--patroni.url=http://b:1", "--patroni.discovery=off"});
  ASSERT_TRUE(off.config) << off.output;
  EXPECT_FALSE(off.config->clusters[0].discovery);
  const FlagsResult no_cluster = Parse({"--no-collector.cluster", "--no-collector.process", "--no-collector.config",
                                        "--no-collector.history", "--collector.health"});
  ASSERT_TRUE(no_cluster.config) << no_cluster.output;
  EXPECT_FALSE(no_cluster.config->cluster_collector);
  EXPECT_FALSE(no_cluster.config->process_collector);
  EXPECT_FALSE(no_cluster.config->config_collector);
  EXPECT_FALSE(no_cluster.config->history_collector);
  EXPECT_TRUE(no_cluster.config->health_collector);
}

TEST(ConfigTest, DurationSyntax) {
  EXPECT_EQ(ParseDuration("5"), std::chrono::seconds(5));
  EXPECT_EQ(ParseDuration("1.5s"), std::chrono::milliseconds(1500));
  EXPECT_EQ(ParseDuration("250ms"), std::chrono::milliseconds(250));
  EXPECT_EQ(ParseDuration("2m"), std::chrono::minutes(2));
  EXPECT_EQ(ParseDuration("1h"), std::chrono::hours(1));
  for (const char* bad : {"", "s", "-1s", "+1s", " 1s", "1 s", "1sec", "nan", "inf"}) {
    EXPECT_FALSE(ParseDuration(bad)) << bad;
  }
}

TEST(ConfigTest, ListenAddressForms) {
  std::string error;
  EXPECT_EQ(ToCivetwebPorts(":9547", &error), "9547");
  EXPECT_EQ(ToCivetwebPorts("0.0.0.0:9547", &error), "9547");
  EXPECT_EQ(ToCivetwebPorts("localhost:9547", &error), "127.0.0.1:9547");
  EXPECT_EQ(ToCivetwebPorts("10.1.2.3:80", &error), "10.1.2.3:80");
  EXPECT_FALSE(ToCivetwebPorts("10.1.2:80", &error));
  EXPECT_FALSE(ToCivetwebPorts("256.1.2.3:80", &error));
}

}  // namespace
}  // namespace patroni_exporter
