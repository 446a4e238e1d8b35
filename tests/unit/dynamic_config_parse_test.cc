// ParseDynamicConfig on the real 3.0.2 captures, on each version's spellings, and on a table of bad bodies with
// the exact error or warnings expected.
#include "collectors/patroni/dynamic_config_parse.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>

#include "tests/support/testdata.h"

namespace patroni_exporter {
namespace {

using patroni_exporter::testing::ReadFile;
using patroni_exporter::testing::TestdataPath;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

DynamicConfig ParseFixture(const std::string& name) {
  DynamicConfigParseResult r = ParseDynamicConfig(ReadFile(TestdataPath("patroni/" + name)));
  EXPECT_TRUE(r.value) << r.error;
  EXPECT_THAT(r.warnings, IsEmpty());
  return r.value.value_or(DynamicConfig{});
}

DynamicConfig ParseClean(const std::string& body) {
  DynamicConfigParseResult r = ParseDynamicConfig(body);
  EXPECT_TRUE(r.value) << r.error;
  EXPECT_THAT(r.warnings, IsEmpty());
  return r.value.value_or(DynamicConfig{});
}

TEST(DynamicConfigParseTest, RealCapture302) {
  const DynamicConfig c = ParseFixture("config_baseline_v3.0.2.json");
  EXPECT_EQ(c.ttl.value, 20);
  EXPECT_EQ(c.loop_wait.value, 5);
  EXPECT_EQ(c.retry_timeout.value, 5);
  EXPECT_EQ(c.maximum_lag_on_failover.value, 1048576);
  EXPECT_EQ(c.failsafe_mode.value, false);
  EXPECT_TRUE(c.synchronous_mode.absent());
  EXPECT_TRUE(c.primary_start_timeout.absent());
  EXPECT_TRUE(c.master_start_timeout.absent());
  EXPECT_TRUE(c.pause.absent());
  EXPECT_TRUE(c.standby_cluster.absent());
  EXPECT_EQ(c.use_pg_rewind.value, true);
  EXPECT_EQ(c.use_slots.value, true);
  EXPECT_THAT(c.postgresql_parameters, ElementsAre(Pair("hot_standby", "on"), Pair("max_connections", "100"),
                                                   Pair("max_replication_slots", "10"), Pair("max_wal_senders", "10"),
                                                   Pair("shared_buffers", "32MB"), Pair("wal_keep_size", "128MB"),
                                                   Pair("wal_level", "replica"), Pair("wal_log_hints", "on")));
}

TEST(DynamicConfigParseTest, RealCaptureAfterEditConfig302) {
  EXPECT_EQ(ParseFixture("config_pending-restart_v3.0.2.json").postgresql_parameters.at("max_connections"), "250");
}

TEST(DynamicConfigParseTest, EmptyObjectHasEverythingAbsent) {
  const DynamicConfig c = ParseFixture("config_defaults-only_v4.0.4.json");
  EXPECT_TRUE(c.ttl.absent());
  EXPECT_TRUE(c.synchronous_mode.absent());
  EXPECT_TRUE(c.use_slots.absent());
  EXPECT_TRUE(c.standby_cluster.absent());
  EXPECT_THAT(c.postgresql_parameters, IsEmpty());
}

TEST(DynamicConfigParseTest, BothStartTimeoutNamesAreKept) {
  const DynamicConfig c = ParseFixture("config_synchronous-strict_v3.2.2.json");
  EXPECT_EQ(c.primary_start_timeout.value, 60);
  EXPECT_EQ(c.master_start_timeout.value, 300);
  EXPECT_EQ(c.synchronous_mode.value, SynchronousModeSetting::kOn);
  EXPECT_EQ(c.synchronous_mode_strict.value, true);
  EXPECT_EQ(ParseFixture("config_legacy_v1.6.5.json").master_start_timeout.value, 120);
}

TEST(DynamicConfigParseTest, QuorumAndStandbyClusterOf4x) {
  const DynamicConfig q = ParseFixture("config_quorum_v4.0.4.json");
  EXPECT_EQ(q.synchronous_mode.value, SynchronousModeSetting::kQuorum);
  EXPECT_EQ(q.synchronous_node_count.value, 2);
  EXPECT_EQ(q.postgresql_parameters.at("max_connections"), "200");  // a string in /config, kept as text
  const DynamicConfig s = ParseFixture("config_standby-cluster_v4.1.0.json");
  EXPECT_EQ(s.standby_cluster.value, true);
  EXPECT_EQ(s.pause.value, true);
  EXPECT_TRUE(ParseFixture("config_failsafe_v4.1.0.json").use_slots.absent());
}

TEST(DynamicConfigParseTest, IntegersAsPatroniReadsThem) {
  const DynamicConfig c =
      ParseClean(R"({"ttl":"45","loop_wait":" 7 ","retry_timeout":"+9","maximum_lag_on_failover":0,)"
                 R"("synchronous_node_count":-1,"primary_start_timeout":"0"})");
  EXPECT_EQ(c.ttl.value, 45);
  EXPECT_EQ(c.loop_wait.value, 7);
  EXPECT_EQ(c.retry_timeout.value, 9);
  EXPECT_EQ(c.maximum_lag_on_failover.value, 0);
  EXPECT_EQ(c.synchronous_node_count.value, -1);
  EXPECT_EQ(c.primary_start_timeout.value, 0);
}

TEST(DynamicConfigParseTest, BooleansAsParseBoolReadsThem) {
  for (const char* yes : {"true", "\"on\"", "\"ON\"", "\"yes\"", "\"True\"", "\"1\"", "1"}) {
    SCOPED_TRACE(yes);
    EXPECT_EQ(ParseClean(std::string(R"({"failsafe_mode":)") + yes + "}").failsafe_mode.value, true);
  }
  for (const char* no : {"false", "\"off\"", "\"No\"", "\"FALSE\"", "\"0\"", "0"}) {
    SCOPED_TRACE(no);
    EXPECT_EQ(ParseClean(std::string(R"({"failsafe_mode":)") + no + "}").failsafe_mode.value, false);
  }
}

TEST(DynamicConfigParseTest, NullMeansAbsent) {
  const DynamicConfig c = ParseClean(R"({"ttl":null,"synchronous_mode":null,"pause":null,"standby_cluster":null,)"
                                     R"("postgresql":{"use_slots":null,"parameters":{"max_connections":null}}})");
  EXPECT_TRUE(c.ttl.absent());
  EXPECT_TRUE(c.synchronous_mode.absent());
  EXPECT_TRUE(c.pause.absent());
  EXPECT_TRUE(c.standby_cluster.absent());
  EXPECT_TRUE(c.use_slots.absent());
  EXPECT_THAT(c.postgresql_parameters, IsEmpty());
}

TEST(DynamicConfigParseTest, ParameterValuesAsText) {
  const DynamicConfig c =
      ParseClean(R"({"postgresql":{"parameters":{"max_connections":100,"hot_standby":true,"wal_log_hints":false,)"
                 R"("checkpoint_completion_target":0.9,"WAL_LEVEL":"logical","synchronous_standby_names":""}}})");
  EXPECT_THAT(c.postgresql_parameters,
              ElementsAre(Pair("checkpoint_completion_target", "0.9"), Pair("hot_standby", "true"),
                          Pair("max_connections", "100"), Pair("synchronous_standby_names", ""),
                          Pair("wal_level", "logical"), Pair("wal_log_hints", "false")));
}

TEST(DynamicConfigParseTest, UnknownKeysAreIgnored) {
  const DynamicConfig c =
      ParseClean(R"({"check_timeline":true,"max_timelines_history":100,"slots":{"s":{"type":"physical"}},"ttl":30})");
  EXPECT_EQ(c.ttl.value, 30);
}

// --- Fingerprint of the whole body -------------------------------------------------------------------------------

constexpr std::uint64_t kTwoTo52 = std::uint64_t{1} << 52;

std::uint64_t Fingerprint(const std::string& body) {
  const DynamicConfigParseResult r = ParseDynamicConfig(body);
  EXPECT_TRUE(r.value) << r.error;
  EXPECT_TRUE(r.value && r.value->fingerprint) << body;
  return r.value && r.value->fingerprint ? *r.value->fingerprint : 0;
}

// One configuration written three ways: key order, whitespace, and string escapes (a percent sign and a slash
// written as JSON escapes).
constexpr const char* kConfig =
    R"({"ttl":30,"loop_wait":10,"postgresql":{"use_slots":true,"parameters":{"archive_command":"cp %p /arch/%f",)"
    R"("max_connections":100}},"standby_cluster":{"restore_command":"cp /arch/%f %p"}})";
constexpr const char* kConfigReordered =
    "{\n  \"standby_cluster\" : { \"restore_command\" : \"cp /arch/%f %p\" },\n  \"postgresql\": {\n"
    "    \"parameters\": {\"max_connections\": 100, \"archive_command\": \"cp %p /arch/%f\"},\n"
    "    \"use_slots\": true\n  },\r\n\t\"loop_wait\": 10,  \"ttl\": 30\n}\n";
constexpr const char* kConfigEscaped = R"({"ttl":30,"loop_wait":10,"postgresql":{"use_slots":true,"parameters":{)"
                                       R"("archive_command":"cp \u0025p \/arch/%f","max_connections":100}},)"
                                       R"("standby_cluster":{"restore_command":"cp /arch/%f %p"}})";

TEST(DynamicConfigFingerprintTest, SameConfigurationSameValueWhateverTheLayout) {
  const std::uint64_t fingerprint = Fingerprint(kConfig);
  EXPECT_EQ(Fingerprint(kConfigReordered), fingerprint);
  EXPECT_EQ(Fingerprint(kConfigEscaped), fingerprint);
  // The pretty-printed fixture and its compact form (as another Patroni version or DCS might store it).
  const std::string fixture = ReadFile(TestdataPath("patroni/config_baseline_v3.0.2.json"));
  EXPECT_EQ(Fingerprint(fixture), Fingerprint(nlohmann::json::parse(fixture).dump()));
}

TEST(DynamicConfigFingerprintTest, AnyEditChangesIt) {
  const std::uint64_t fingerprint = Fingerprint(kConfig);
  const std::string base = kConfig;
  const auto edit = [&](const std::string& from, const std::string& to) {
    std::string body = base;
    const std::size_t at = body.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return body.replace(at, from.size(), to);
  };
  for (const std::string& body : {
           edit("cp %p /arch/%f", "cp %p /archive/%f"),                         // archive_command: not a family
           edit("cp /arch/%f %p", "cp /arch2/%f %p"),                           // restore_command of standby_cluster
           edit(R"("use_slots":true)", R"("use_slots":false)"),                 // a nested boolean
           edit(R"("use_slots":true)", R"("use_slots":"on")"),                  // same meaning to Patroni, other text
           edit(R"("max_connections":100)", R"("max_connections":101)"),        // postgresql.parameters.x
           edit(R"("max_connections":100)", R"("max_connections":100,"x":1)"),  // a parameter added
           edit(R"("ttl":30)", R"("ttl":30.0)"),                                // another JSON number
           edit(R"("ttl":30,)", ""),                                            // a key removed
           edit(R"("ttl":30)", R"("ttl":30,"check_timeline":true)"),            // a key the exporter ignores
           edit(R"("ttl":30)", R"("ttl":30,"pause":true)"),                     // patronictl pause
       }) {
    SCOPED_TRACE(body);
    EXPECT_NE(Fingerprint(body), fingerprint);
  }
  EXPECT_NE(Fingerprint("{}"), Fingerprint(R"({"ttl":null})"));  // null is "not set" to Patroni, but stored
}

TEST(DynamicConfigFingerprintTest, IsAnExactIntegerInADouble) {
  for (const char* name :
       {"config_baseline_v3.0.2.json", "config_defaults-only_v4.0.4.json", "config_legacy_v1.6.5.json",
        "config_quorum_v4.0.4.json", "config_standby-cluster_v4.1.0.json"}) {
    SCOPED_TRACE(name);
    const std::uint64_t fingerprint = ParseFixture(name).fingerprint.value_or(kTwoTo52);
    EXPECT_LT(fingerprint, kTwoTo52);
    EXPECT_EQ(static_cast<std::uint64_t>(static_cast<double>(fingerprint)), fingerprint);
  }
  for (int i = 0; i < 1000; ++i) EXPECT_LT(Fingerprint(R"({"ttl":)" + std::to_string(i) + "}"), kTwoTo52);
}

// Pinned values: the algorithm is fixed (not std::hash), so they hold on every machine and release; a change here
// makes every Prometheus see a configuration change at upgrade. Computed independently with Python:
//   t = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
//   h = 14695981039346656037; for b in t: h = ((h ^ b) * 1099511628211) % 2**64
//   (h >> 52) ^ (h & (2**52 - 1))
// (Python may write a float differently from nlohmann::json, so the recipe holds for bodies without floats, like
// these.)
TEST(DynamicConfigFingerprintTest, FixedAlgorithmPinnedValues) {
  EXPECT_EQ(Fingerprint("{}"), 1208396389817002u);
  EXPECT_EQ(ParseFixture("config_baseline_v3.0.2.json").fingerprint, 4349407339826080u);
  EXPECT_EQ(ParseFixture("config_standby-cluster_v4.1.0.json").fingerprint, 2470908150007220u);
}

TEST(DynamicConfigFingerprintTest, OnlyForABodyThatParses) {
  EXPECT_FALSE(ParseDynamicConfig("{\"ttl\": 30").value);
  EXPECT_FALSE(DynamicConfig{}.fingerprint);
  // Mistyped values are hashed as they are: the fingerprint does not depend on what the exporter can read.
  const DynamicConfigParseResult r = ParseDynamicConfig(R"({"ttl":"30s"})");
  ASSERT_TRUE(r.value);
  EXPECT_TRUE(r.value->fingerprint);
}

// --- Bad input ---------------------------------------------------------------------------------------------------

struct BadConfig {
  std::string name;
  std::string body;
  std::string error;                  // exact error; "" means the body parses (degraded)
  std::vector<std::string> warnings;  // exact warnings, in order, when it parses
};

class DynamicConfigBadInputTest : public ::testing::TestWithParam<BadConfig> {};

TEST_P(DynamicConfigBadInputTest, ExactOutcome) {
  const DynamicConfigParseResult r = ParseDynamicConfig(GetParam().body);
  if (GetParam().error.empty()) {
    EXPECT_TRUE(r.value) << r.error;
    EXPECT_EQ(r.warnings, GetParam().warnings);
  } else {
    EXPECT_FALSE(r.value);
    EXPECT_EQ(r.error, GetParam().error);
    EXPECT_THAT(r.warnings, IsEmpty());
  }
}

// What Patroni's REST server sends with `send_error(502)` when the DCS holds no configuration (Python 3.9+
// http.server DEFAULT_ERROR_MESSAGE).
const char* kPatroni502 =
    "<!DOCTYPE HTML>\n<html lang=\"en\">\n    <head>\n        <meta charset=\"utf-8\">\n"
    "        <title>Error response</title>\n    </head>\n    <body>\n        <h1>Error response</h1>\n"
    "        <p>Error code: 502</p>\n        <p>Message: Bad Gateway.</p>\n    </body>\n</html>\n";

INSTANTIATE_TEST_SUITE_P(
    Table, DynamicConfigBadInputTest,
    ::testing::Values(
        BadConfig{"Empty", "", "invalid JSON: empty body", {}},
        BadConfig{"Html502", kPatroni502, "invalid JSON (body starts with \"<!DOCTYPE HTML>.<html lang=\"en\">\")", {}},
        BadConfig{"Truncated",
                  R"({"ttl": 30, "loop_wait": 10, "retry_ti)",
                  "invalid JSON (body starts with \"{\"ttl\": 30, \"loop_wait\": 10, \"re\")",
                  {}},
        BadConfig{"HistoryInsteadOfConfig",
                  R"([[1,25165984,"no recovery target specified"]])",
                  "expected a JSON object, got array",
                  {}},
        BadConfig{"EmptyArray", "[]", "expected a JSON object, got array", {}},
        BadConfig{"String", R"("ttl: 30")", "expected a JSON object, got string", {}},
        BadConfig{"Number", "30", "expected a JSON object, got number", {}},
        BadConfig{"Null", "null", "expected a JSON object, got null", {}},
        BadConfig{"Yaml", "ttl: 30\nloop_wait: 10\n", "invalid JSON (body starts with \"ttl: 30.loop_wait: 10.\")", {}},
        BadConfig{"DeepNesting",
                  "{\"postgresql\":" + std::string(100, '[') + std::string(100, ']') + "}",
                  "invalid JSON: nested deeper than 64 levels",
                  {}},
        BadConfig{"InvalidUtf8",
                  "{\"postgresql\":{\"parameters\":{\"wal_level\":\"repl\xff\"}}}",
                  "invalid JSON (body starts with \"{\"postgresql\":{\"parameters\":{\"wa\")",
                  {}},
        BadConfig{"NaNLiteral", R"({"ttl":NaN})", "invalid JSON (body starts with \"{\"ttl\":NaN}\")", {}},
        // Degraded but usable: every key mistyped, in the order the parser reads them.
        BadConfig{"EveryKeyMistyped",
                  R"({"ttl":"30s","loop_wait":true,"retry_timeout":[10],"primary_start_timeout":{"s":1},)"
                  R"("master_start_timeout":"5 min","maximum_lag_on_failover":"1MB","synchronous_node_count":1.0,)"
                  R"("synchronous_mode":"maybe","synchronous_mode_strict":2,"failsafe_mode":"enabled",)"
                  R"("pause":"paused","standby_cluster":"dr-site","postgresql":{"use_slots":" on",)"
                  R"("use_pg_rewind":"tru","parameters":{"max_connections":[100],"wal_level":{"v":1}}}})",
                  "",
                  {"field \"ttl\" ignored: expected an integer, got \"30s\"",
                   "field \"loop_wait\" ignored: expected an integer, got true",
                   "field \"retry_timeout\" ignored: expected an integer, got array",
                   "field \"primary_start_timeout\" ignored: expected an integer, got object",
                   "field \"master_start_timeout\" ignored: expected an integer, got \"5 min\"",
                   "field \"maximum_lag_on_failover\" ignored: expected an integer, got \"1MB\"",
                   "field \"synchronous_node_count\" ignored: expected an integer, got 1.0",
                   "field \"synchronous_mode\" ignored: expected a boolean or \"quorum\", got \"maybe\"",
                   "field \"synchronous_mode_strict\" ignored: expected a boolean, got 2",
                   "field \"failsafe_mode\" ignored: expected a boolean, got \"enabled\"",
                   "field \"pause\" ignored: expected a boolean, got \"paused\"",
                   "field \"standby_cluster\" ignored: expected an object, got \"dr-site\"",
                   "field \"postgresql.use_slots\" ignored: expected a boolean, got \" on\"",
                   "field \"postgresql.use_pg_rewind\" ignored: expected a boolean, got \"tru\"",
                   "field \"postgresql.parameters.max_connections\" ignored: expected a string, number or boolean, "
                   "got array",
                   "field \"postgresql.parameters.wal_level\" ignored: expected a string, number or boolean, got "
                   "object"}},
        BadConfig{"PostgresqlNotAnObject",
                  R"({"postgresql":["use_slots"]})",
                  "",
                  {"field \"postgresql\" ignored: expected an object, got array"}},
        BadConfig{"ParametersNotAnObject",
                  R"({"postgresql":{"parameters":"max_connections=100"}})",
                  "",
                  {"field \"postgresql.parameters\" ignored: expected an object, got \"max_connections=100\""}},
        BadConfig{"HugeNumbers",
                  R"({"ttl":1e308,"loop_wait":99999999999999999999999,"retry_timeout":"9999999999999999999",)"
                  R"("maximum_lag_on_failover":18446744073709551615,"synchronous_node_count":-9223372036854775808})",
                  "",
                  {"field \"ttl\" ignored: expected an integer, got 1e+308",
                   "field \"loop_wait\" ignored: expected an integer, got 9.999999999999999e+22",
                   "field \"retry_timeout\" ignored: expected an integer, got \"9999999999999999999\""}},
        BadConfig{"AmbiguousIntegerText",
                  R"({"ttl":"030","loop_wait":"0x0A","retry_timeout":"1_0","pause":1.0})",
                  "",
                  {"field \"ttl\" ignored: expected an integer, got \"030\"",
                   "field \"loop_wait\" ignored: expected an integer, got \"0x0A\"",
                   "field \"retry_timeout\" ignored: expected an integer, got \"1_0\"",
                   "field \"pause\" ignored: expected a boolean, got 1.0"}},
        BadConfig{"LongValueIsCut",
                  R"({"synchronous_mode":"a very long value that nobody would ever write here"})",
                  "",
                  {"field \"synchronous_mode\" ignored: expected a boolean or \"quorum\", got \"a very long value "
                   "that nobody would eve..."}},
        BadConfig{"ParameterInTwoCases",
                  R"({"postgresql":{"parameters":{"max_connections":100,"MAX_CONNECTIONS":200,)"
                  R"("Max_Connections":300,"wal_level":"replica"}}})",
                  "",
                  {"parameter \"max_connections\" ignored: given more than once in different cases"}},
        BadConfig{"DuplicateKeysLastWins", R"({"ttl":10,"ttl":30})", "", {}}),
    [](const auto& param_info) { return param_info.param.name; });

TEST(DynamicConfigBadInputTest, MistypedValuesAreUnreadableNotAbsent) {
  const DynamicConfigParseResult r = ParseDynamicConfig(R"({"ttl":"30s","postgresql":"x","synchronous_mode":[]})");
  ASSERT_TRUE(r.value);
  EXPECT_TRUE(r.value->ttl.unreadable);
  EXPECT_FALSE(r.value->ttl.absent());
  EXPECT_TRUE(r.value->use_slots.unreadable);
  EXPECT_TRUE(r.value->use_pg_rewind.unreadable);
  EXPECT_TRUE(r.value->synchronous_mode.unreadable);
  EXPECT_TRUE(r.value->loop_wait.absent());
}

TEST(DynamicConfigBadInputTest, HugeButIntegralNumbersAreKept) {
  const DynamicConfigParseResult r =
      ParseDynamicConfig(R"({"maximum_lag_on_failover":18446744073709551615,"ttl":-9223372036854775808})");
  ASSERT_TRUE(r.value);
  EXPECT_EQ(r.value->maximum_lag_on_failover.value, 18446744073709551615.0);
  EXPECT_EQ(r.value->ttl.value, -9223372036854775808.0);
}

TEST(DynamicConfigBadInputTest, DuplicateKeysTakeTheLastValue) {
  const DynamicConfigParseResult r = ParseDynamicConfig(R"({"ttl":10,"ttl":30})");
  ASSERT_TRUE(r.value);
  EXPECT_EQ(r.value->ttl.value, 30);
}

}  // namespace
}  // namespace patroni_exporter
