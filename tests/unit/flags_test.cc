// The flags as operators expect them (exporter-toolkit conventions): a PATRONI_EXPORTER_* variable for every flag
// and a flag beating its variable, --no- forms of every switch, Prometheus' compound durations, typed --help
// values, a repeatable --web.listen-address, the defaults and bounds from their one named source.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <regex>
#include <set>
#include <string>
#include <vector>

#include "exporter/config.h"
#include "exporter/systemd_socket.h"
#include "exporter/wiring.h"

namespace patroni_exporter {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

FlagsResult Parse(std::vector<const char*> args) {
  args.insert(args.begin(), "patroni_exporter");
  return ParseFlags(static_cast<int>(args.size()), args.data());
}

// Sets variables for one test and removes them after it, so no test sees another's.
class ScopedEnv {
 public:
  ScopedEnv(std::initializer_list<std::pair<const char*, const char*>> vars) {
    for (const auto& [name, value] : vars) {
      setenv(name, value, 1);
      names_.push_back(name);
    }
  }
  ~ScopedEnv() {
    for (const char* name : names_) unsetenv(name);
  }

 private:
  std::vector<const char*> names_;
};

TEST(FlagsTest, EnvNameFollowsTheFlag) {
  EXPECT_EQ(EnvName("--web.listen-address"), "PATRONI_EXPORTER_WEB_LISTEN_ADDRESS");
  EXPECT_EQ(EnvName("--collector.node.legacy-master"), "PATRONI_EXPORTER_COLLECTOR_NODE_LEGACY_MASTER");
  EXPECT_EQ(EnvName("patroni.url"), "PATRONI_EXPORTER_PATRONI_URL");
}

TEST(FlagsTest, EveryFlagHasItsVariableInHelp) {
  const std::string help = Parse({"--help"}).output;
  int flags = 0;
  const std::regex flag_line(R"((^|\n)  (--[a-z][a-z.\-]+)([^\n]*))");
  for (std::sregex_iterator it(help.begin(), help.end(), flag_line), end; it != end; ++it) {
    const std::string name = (*it)[2];
    if (name == "--version") continue;
    ++flags;
    EXPECT_THAT((*it)[3].str(), HasSubstr("(Env:" + EnvName(name) + ")")) << name;
  }
  EXPECT_GE(flags, 25);
}

TEST(FlagsTest, VariablesSetEveryKindOfFlag) {
  ScopedEnv env({{"PATRONI_EXPORTER_PATRONI_URL", "http://127.0.0.1:18008,http://127.0.0.1:18009"},
                 {"PATRONI_EXPORTER_PATRONI_TIMEOUT", "1m30s"},
                 {"PATRONI_EXPORTER_COLLECTOR_HEALTH", "true"},
                 {"PATRONI_EXPORTER_COLLECTOR_CLUSTER", "false"},
                 {"PATRONI_EXPORTER_WEB_LISTEN_ADDRESS", "127.0.0.1:19547"},
                 {"PATRONI_EXPORTER_WEB_THREADS", "4"},
                 {"PATRONI_EXPORTER_PATRONI_MAX_PARALLEL_REQUESTS_PER_MEMBER", "3"},
                 {"PATRONI_EXPORTER_LOG_LEVEL", "debug"}});
  const FlagsResult r = Parse({});
  ASSERT_TRUE(r.config) << r.output;
  ASSERT_EQ(r.config->clusters.at(0).seeds.size(), 2u);
  EXPECT_EQ(r.config->clusters[0].seeds[1].ToString(), "http://127.0.0.1:18009");
  EXPECT_EQ(r.config->patroni_timeout, std::chrono::seconds(90));
  EXPECT_TRUE(r.config->health_collector);
  EXPECT_FALSE(r.config->cluster_collector);
  EXPECT_EQ(r.config->civetweb_ports, "127.0.0.1:19547");
  EXPECT_EQ(r.config->web_threads, 4);
  EXPECT_EQ(r.config->patroni_max_parallel_requests_per_member, 3u);
  EXPECT_EQ(r.config->log_level, LogLevel::kDebug);
}

TEST(FlagsTest, FlagBeatsItsVariable) {
  ScopedEnv env({{"PATRONI_EXPORTER_PATRONI_TIMEOUT", "9s"},
                 {"PATRONI_EXPORTER_COLLECTOR_HEALTH", "true"},
                 {"PATRONI_EXPORTER_WEB_LISTEN_ADDRESS", "127.0.0.1:19547"}});
  const FlagsResult r = Parse({"--patroni.timeout=2s", "--no-collector.health", "--web.listen-address=:19548"});
  ASSERT_TRUE(r.config) << r.output;
  EXPECT_EQ(r.config->patroni_timeout, std::chrono::seconds(2));
  EXPECT_FALSE(r.config->health_collector);
  EXPECT_EQ(r.config->civetweb_ports, "19548");
}

TEST(FlagsTest, SwitchVariablesTakeTheUsualWords) {
  for (const char* on : {"true", "1", "on", "yes"}) {
    ScopedEnv env({{"PATRONI_EXPORTER_COLLECTOR_HEALTH", on}});
    const FlagsResult r = Parse({});
    ASSERT_TRUE(r.config) << on << ": " << r.output;
    EXPECT_TRUE(r.config->health_collector) << on;
  }
  for (const char* off : {"false", "0", "off", "no"}) {
    ScopedEnv env({{"PATRONI_EXPORTER_COLLECTOR_CLUSTER", off}});
    const FlagsResult r = Parse({});
    ASSERT_TRUE(r.config) << off << ": " << r.output;
    EXPECT_FALSE(r.config->cluster_collector) << off;
  }
}

TEST(FlagsTest, EmptyVariableCountsAsUnset) {
  ScopedEnv env({{"PATRONI_EXPORTER_PATRONI_TIMEOUT", ""}});
  const FlagsResult r = Parse({});
  ASSERT_TRUE(r.config) << r.output;
  EXPECT_EQ(r.config->patroni_timeout, kDefaultRequestTimeout);
}

TEST(FlagsTest, BadVariableIsAnErrorLikeTheFlag) {
  ScopedEnv env({{"PATRONI_EXPORTER_PATRONI_TIMEOUT", "soon"}});
  const FlagsResult r = Parse({});
  EXPECT_FALSE(r.config);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("--patroni.timeout \"soon\" is not a duration"));
}

TEST(FlagsTest, VariableUrlExcludesConfigFileLikeTheFlag) {
  ScopedEnv env({{"PATRONI_EXPORTER_PATRONI_URL", "http://127.0.0.1:18008"}});
  const FlagsResult r = Parse({"--config.file=/etc/hostname"});
  EXPECT_FALSE(r.config);
  EXPECT_THAT(r.output, HasSubstr("--patroni.url and --config.file exclude each other"));
}

TEST(FlagsTest, EverySwitchHasANoForm) {
  const char* switches[] = {"patroni.insecure-skip-verify",
                            "collector.node.legacy-master",
                            "collector.cluster",
                            "collector.config",
                            "collector.history",
                            "collector.health",
                            "collector.process",
                            "web.systemd-socket",
                            "web.disable-exporter-metrics"};
  const std::string help = Parse({"--help"}).output;
  for (const char* name : switches) {
    const std::string on = std::string("--") + name;
    const std::string off = std::string("--no-") + name;
    EXPECT_THAT(help, HasSubstr(on + "," + off)) << name;
    const FlagsResult r = Parse({off.c_str()});
    EXPECT_TRUE(r.config) << name << ": " << r.output;
  }
  // Every switch line of --help has its --no- form.
  const std::regex bare_switch(R"(\n  (--[a-z.\-]+)\{false\})");
  for (std::sregex_iterator it(help.begin(), help.end(), bare_switch), end; it != end; ++it) {
    ADD_FAILURE() << "a switch without --no- form: " << (*it)[1];
  }
  const FlagsResult off = Parse({"--no-collector.node.legacy-master", "--no-collector.process",
                                 "--no-patroni.insecure-skip-verify", "--no-collector.cluster"});
  ASSERT_TRUE(off.config) << off.output;
  EXPECT_FALSE(off.config->legacy_master);
  EXPECT_FALSE(off.config->process_collector);
  EXPECT_FALSE(off.config->cluster_collector);
  const FlagsResult on = Parse({"--collector.node.legacy-master", "--collector.health"});
  ASSERT_TRUE(on.config) << on.output;
  EXPECT_TRUE(on.config->legacy_master);
  EXPECT_TRUE(on.config->health_collector);
}

TEST(FlagsTest, DisableExporterMetricsDropsTheProcessCollector) {
  const FlagsResult r = Parse({"--web.disable-exporter-metrics"});
  ASSERT_TRUE(r.config) << r.output;
  EXPECT_FALSE(r.config->process_collector);
  // Even when the process collector is asked for by name: disabling wins, as in node_exporter.
  const FlagsResult both = Parse({"--collector.process", "--web.disable-exporter-metrics"});
  ASSERT_TRUE(both.config) << both.output;
  EXPECT_FALSE(both.config->process_collector);
  const FlagsResult no = Parse({"--no-web.disable-exporter-metrics"});
  ASSERT_TRUE(no.config) << no.output;
  EXPECT_TRUE(no.config->process_collector);
}

TEST(FlagsTest, HelpShowsTypedValues) {
  const std::string help = Parse({"--help"}).output;
  EXPECT_THAT(help, Not(HasSubstr(" TEXT")));
  for (const char* typed :
       {"--patroni.url URL", "--patroni.timeout DURATION", "--patroni.max-body-size SIZE", "--patroni.ca-file FILE",
        "--patroni.max-parallel-requests INT", "--patroni.member-retention DURATION", "--probe.allowed-target REGEX",
        "--postgres.dsn-template DSN", "--web.listen-address ADDRESS", "--web.telemetry-path PATH",
        "--web.config.file FILE", "--web.default-scrape-timeout DURATION", "--web.threads INT", "--log.level LEVEL",
        "--log.format FORMAT", "--patroni.discovery MODE", "--config.file FILE"}) {
    EXPECT_THAT(help, HasSubstr(typed));
  }
}

TEST(FlagsTest, ListenAddressRepeatsAndTakesLists) {
  const FlagsResult r =
      Parse({"--web.listen-address=127.0.0.1:19547", "--web.listen-address", "127.0.0.2:19547,:19548"});
  ASSERT_TRUE(r.config) << r.output;
  EXPECT_EQ(r.config->civetweb_ports, "127.0.0.1:19547,127.0.0.2:19547,19548");
  EXPECT_EQ(r.config->listen_addresses, (std::vector<std::string>{"127.0.0.1:19547", "127.0.0.2:19547", ":19548"}));
}

TEST(FlagsTest, DefaultsComeFromTheirNamedSource) {
  const FlagsResult r = Parse({});
  ASSERT_TRUE(r.config) << r.output;
  EXPECT_EQ(r.config->patroni_timeout, kDefaultRequestTimeout);
  EXPECT_EQ(r.config->patroni_max_body_bytes, kDefaultMaxBodyBytes);
  EXPECT_EQ(r.config->patroni_max_parallel_requests, kDefaultMaxInFlight);
  EXPECT_EQ(r.config->patroni_max_parallel_requests_per_member, kDefaultMaxInFlightPerHost);
  EXPECT_EQ(r.config->member_retention, kDefaultMemberRetention);
  EXPECT_EQ(r.config->default_scrape_timeout, kDefaultScrapeTimeout);
  EXPECT_EQ(r.config->web_threads, kDefaultWebThreads);
  EXPECT_EQ(r.config->telemetry_path, kDefaultTelemetryPath);
  EXPECT_EQ(r.config->listen_addresses, std::vector<std::string>{kDefaultListenAddress});
  EXPECT_FALSE(r.config->systemd_socket);
  // The client's own defaults are the same source: a client built without the flags behaves like the exporter.
  const HttpClientOptions client;
  EXPECT_EQ(client.max_in_flight, r.config->patroni_max_parallel_requests);
  EXPECT_EQ(client.timeout, r.config->patroni_timeout);
  EXPECT_EQ(client.max_body_bytes, r.config->patroni_max_body_bytes);
  // --help shows the same values.
  const std::string help = Parse({"--help"}).output;
  for (const char* shown : {"DURATION=5s", "SIZE=8MiB", "INT=512", "INT=2", "DURATION=10m", "DURATION=10s", "INT=16",
                            "ADDRESS=:9547", "PATH=/metrics"}) {
    EXPECT_THAT(help, HasSubstr(shown));
  }
}

TEST(FlagsTest, BoundsAreInclusive) {
  const FlagsResult low =
      Parse({"--patroni.timeout=1ms", "--patroni.max-parallel-requests=1",
             "--patroni.max-parallel-requests-per-member=1", "--web.threads=1", "--patroni.member-retention=0s",
             "--web.default-scrape-timeout=100ms", "--patroni.max-body-size=1KiB"});
  ASSERT_TRUE(low.config) << low.output;
  const FlagsResult high =
      Parse({"--patroni.timeout=10m", "--patroni.max-parallel-requests=4096",
             "--patroni.max-parallel-requests-per-member=16", "--web.threads=1024", "--patroni.member-retention=1w",
             "--web.default-scrape-timeout=10m", "--patroni.max-body-size=1GiB"});
  ASSERT_TRUE(high.config) << high.output;
  EXPECT_EQ(high.config->member_retention, kMaxMemberRetention);
  EXPECT_EQ(high.config->patroni_max_parallel_requests, kMaxParallelRequests);
}

struct DurationCase {
  const char* text;
  long long ms;  // -1: refused
};

class DurationTest : public ::testing::TestWithParam<DurationCase> {};

TEST_P(DurationTest, ParsesPrometheusForms) {
  std::string error;
  const std::optional<std::chrono::milliseconds> d = ParseDuration(GetParam().text, &error);
  if (GetParam().ms < 0) {
    EXPECT_FALSE(d) << GetParam().text << " -> " << d->count();
    EXPECT_FALSE(error.empty()) << GetParam().text;
  } else {
    ASSERT_TRUE(d) << GetParam().text << ": " << error;
    EXPECT_EQ(d->count(), GetParam().ms) << GetParam().text;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, DurationTest,
    ::testing::Values(DurationCase{"1m30s", 90000}, DurationCase{"1h", 3600000}, DurationCase{"500ms", 500},
                      DurationCase{"1h30m15s250ms", 5415250}, DurationCase{"2d", 172800000},
                      DurationCase{"1w", 604800000}, DurationCase{"1y", 31536000000}, DurationCase{"0s", 0},
                      DurationCase{"0", 0}, DurationCase{"10", 10000}, DurationCase{"1.5s", 1500},
                      DurationCase{"1m0.5s", 60500}, DurationCase{"5m", 300000},
                      // Refused: garbage, signs, spaces, order, repeats, units without numbers and the reverse.
                      DurationCase{"", -1}, DurationCase{"fast", -1}, DurationCase{"-5s", -1}, DurationCase{"+5s", -1},
                      DurationCase{" 5s", -1}, DurationCase{"5s ", -1}, DurationCase{"5 s", -1},
                      DurationCase{"30s1m", -1}, DurationCase{"1s1s", -1}, DurationCase{"1x", -1},
                      DurationCase{"5S", -1}, DurationCase{"1m30", -1}, DurationCase{"ms", -1},
                      DurationCase{"1e3s", -1}, DurationCase{"0x10s", -1}, DurationCase{"inf", -1},
                      DurationCase{"nan", -1}, DurationCase{".s", -1}, DurationCase{"1..5s", -1},
                      DurationCase{"99999999999999999999s", -1}, DurationCase{"40y", -1}));

TEST(DurationTest, ErrorsSayWhatIsWrong) {
  std::string error;
  EXPECT_FALSE(ParseDuration("30s1m", &error));
  EXPECT_EQ(error, "unit \"m\" repeated or out of order (largest first, e.g. 1h30m)");
  EXPECT_FALSE(ParseDuration("1m30", &error));
  EXPECT_EQ(error, "\"30\" has no unit (y, w, d, h, m, s, ms)");
  EXPECT_FALSE(ParseDuration("2 days", &error));
  EXPECT_EQ(error, "\"2\" has no unit (y, w, d, h, m, s, ms)");
  EXPECT_FALSE(ParseDuration("1q", &error));
  EXPECT_EQ(error, "unknown unit \"q\" (use y, w, d, h, m, s, ms)");
}

TEST(DurationTest, FormatReadsBack) {
  for (const long long ms : {0LL, 1LL, 500LL, 1000LL, 5000LL, 90000LL, 600000LL, 3600000LL, 5415250LL, 604800000LL}) {
    const std::string text = FormatDuration(std::chrono::milliseconds(ms));
    const std::optional<std::chrono::milliseconds> back = ParseDuration(text);
    ASSERT_TRUE(back) << text;
    EXPECT_EQ(back->count(), ms) << text;
  }
  EXPECT_EQ(FormatDuration(std::chrono::seconds(90)), "1m30s");
  EXPECT_EQ(FormatDuration(std::chrono::hours(168)), "168h");
}

TEST(WiringTest, ServerOptionsFollowTheFlags) {
  const FlagsResult r = Parse({"--web.listen-address=127.0.0.1:19547,:19548", "--web.threads=3",
                               "--web.telemetry-path=/m", "--web.default-scrape-timeout=1m30s"});
  ASSERT_TRUE(r.config) << r.output;
  std::string error;
  const std::optional<HttpServerOptions> web = BuildServerOptions(*r.config, &error);
  ASSERT_TRUE(web) << error;
  EXPECT_EQ(web->listening_ports, "127.0.0.1:19547,19548");
  EXPECT_EQ(web->threads, 3);
  EXPECT_EQ(web->telemetry_path, "/m");
  EXPECT_EQ(web->default_scrape_timeout, std::chrono::seconds(90));
  EXPECT_TRUE(web->web_config_file.empty());
  EXPECT_FALSE(web->web.tls);
  // The endpoint's fixed bounds stay what they were.
  EXPECT_EQ(web->request_timeout_ms, 10000);
  EXPECT_EQ(web->max_request_size, 8192);
}

TEST(WiringTest, SystemdSocketWithoutSystemdIsAStartError) {
  unsetenv("LISTEN_PID");
  unsetenv("LISTEN_FDS");
  const FlagsResult r = Parse({"--web.systemd-socket"});
  ASSERT_TRUE(r.config) << r.output;
  std::string error;
  EXPECT_FALSE(BuildServerOptions(*r.config, &error));
  EXPECT_EQ(error, "--web.systemd-socket: LISTEN_PID and LISTEN_FDS are not set (start it from a .socket unit)");
}

TEST(SystemdSocketTest, ListenFdsAsSdListenFdsReadsThem) {
  std::string error;
  const std::optional<std::vector<int>> two = ParseListenFds("4242", "2", 4242, &error);
  ASSERT_TRUE(two) << error;
  EXPECT_EQ(*two, (std::vector<int>{3, 4}));
  struct Bad {
    const char* pid;
    const char* fds;
    std::string error;
  };
  for (const Bad& bad : {
           Bad{nullptr, "1", "LISTEN_PID and LISTEN_FDS are not set (start it from a .socket unit)"},
           Bad{"4242", nullptr, "LISTEN_PID and LISTEN_FDS are not set (start it from a .socket unit)"},
           Bad{"4243", "1", "the sockets are meant for process 4243, not 4242 (LISTEN_PID)"},
           Bad{"4242", "0", "LISTEN_FDS is 0, expected 1 to 64"},
           Bad{"4242", "65", "LISTEN_FDS is 65, expected 1 to 64"},
           Bad{"4242", "-1", "LISTEN_PID \"4242\" or LISTEN_FDS \"-1\" is not a number"},
           Bad{"", "1", "LISTEN_PID \"\" or LISTEN_FDS \"1\" is not a number"},
           Bad{"4242x", "1", "LISTEN_PID \"4242x\" or LISTEN_FDS \"1\" is not a number"},
           Bad{"4242", "99999999999", "LISTEN_PID \"4242\" or LISTEN_FDS \"99999999999\" is not a number"},
       }) {
    error.clear();
    EXPECT_FALSE(ParseListenFds(bad.pid, bad.fds, 4242, &error));
    EXPECT_EQ(error, "--web.systemd-socket: " + bad.error);
  }
}

}  // namespace
}  // namespace patroni_exporter
