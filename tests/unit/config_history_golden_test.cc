// Every `GET /config` and `GET /history` fixture through parse -> translate -> text, compared byte for byte with
// its reviewed golden file (tests/testdata/patroni/<stem>.prom), plus the translate rules the fixtures do not pin
// down on their own: defaults only for absent keys, the start-timeout precedence, the synchronous mode states,
// and the bounds of the history labels.
//
// UPDATE_GOLDEN=1 rewrites the golden files; review the diff before committing.
#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>

#include "collectors/metric_set.h"
#include "collectors/patroni/dynamic_config_parse.h"
#include "collectors/patroni/dynamic_config_translate.h"
#include "collectors/patroni/history_parse.h"
#include "collectors/patroni/history_translate.h"
#include "tests/support/golden.h"
#include "tests/support/testdata.h"

namespace patroni_exporter {
namespace {

using testing::ListTestdata;
using testing::ReadFile;
using testing::TestdataPath;

// /config and /history carry no scope; the collector passes the one /patroni reported.
constexpr const char* kScope = "batman";

std::string Stem(const std::string& json_name) { return json_name.substr(0, json_name.size() - 5); }

// The scope of the cluster each fixture comes from: the 3.0.2 and 4.0.7 labs are "demo", the 4.1.0 standby
// cluster "batman-dr" (as in patroni_standby-leader_v4.1.0.json), the others Patroni's sample "batman".
std::string ScopeFor(const std::string& stem) {
  if (stem.ends_with("_v3.0.2") || stem.ends_with("_v4.0.7")) return "demo";
  if (stem == "config_standby-cluster_v4.1.0") return "batman-dr";
  return kScope;
}

std::string RenderFixture(const std::string& json_name) {
  const std::string body = ReadFile(TestdataPath("patroni/" + json_name));
  MetricSet set;
  if (json_name.rfind("config_", 0) == 0) {
    DynamicConfigParseResult parsed = ParseDynamicConfig(body);
    if (!parsed.value) throw std::runtime_error(json_name + ": " + parsed.error);
    EXPECT_TRUE(parsed.warnings.empty()) << json_name << ": " << parsed.warnings.front();
    TranslateDynamicConfig(*parsed.value, ScopeFor(Stem(json_name)), &set);
  } else {
    HistoryParseResult parsed = ParseHistory(body);
    if (!parsed.value) throw std::runtime_error(json_name + ": " + parsed.error);
    EXPECT_TRUE(parsed.warnings.empty()) << json_name << ": " << parsed.warnings.front();
    TranslateHistory(*parsed.value, ScopeFor(Stem(json_name)), &set);
  }
  return testing::SerializeBothWays(set);
}

std::vector<std::string> Fixtures() {
  std::vector<std::string> names = ListTestdata("patroni", "config_", ".json");
  for (std::string& name : ListTestdata("patroni", "history_", ".json")) names.push_back(std::move(name));
  return names;
}

class ConfigHistoryGoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ConfigHistoryGoldenTest, MatchesReviewedExposition) {
  const std::string text = RenderFixture(GetParam());
  testing::CompareWithGolden(text, TestdataPath("patroni/" + Stem(GetParam()) + ".prom"));
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ConfigHistoryGoldenTest, ::testing::ValuesIn(Fixtures()),
                         [](const auto& param_info) { return testing::FixtureTestName(param_info.param); });

TEST(ConfigHistoryGoldenTest, EveryKindHasFixtures) {
  EXPECT_GE(ListTestdata("patroni", "config_", ".json").size(), 8u);
  EXPECT_GE(ListTestdata("patroni", "history_", ".json").size(), 6u);
}

// --- Translate rules -------------------------------------------------------------------------------------------

std::string RenderConfig(const std::string& body) {
  DynamicConfigParseResult parsed = ParseDynamicConfig(body);
  EXPECT_TRUE(parsed.value) << parsed.error;
  MetricSet set;
  TranslateDynamicConfig(parsed.value.value_or(DynamicConfig{}), kScope, &set);
  return testing::SerializeBothWays(set);
}

std::string RenderHistory(const std::string& body) {
  HistoryParseResult parsed = ParseHistory(body);
  EXPECT_TRUE(parsed.value) << parsed.error;
  MetricSet set;
  TranslateHistory(parsed.value.value_or(History{}), kScope, &set);
  return testing::SerializeBothWays(set);
}

bool Contains(const std::string& text, const std::string& line) { return text.find(line + "\n") != std::string::npos; }
bool HasFamily(const std::string& text, const std::string& name) {
  return text.find("\n" + name + "{") != std::string::npos;
}

TEST(DynamicConfigTranslateTest, EmptyConfigGivesPatroniDefaultsOnly) {
  const std::string text = RenderConfig("{}");
  EXPECT_TRUE(Contains(text, "patroni_config_ttl_seconds{scope=\"batman\"} 30"));
  EXPECT_TRUE(Contains(text, "patroni_config_loop_wait_seconds{scope=\"batman\"} 10"));
  EXPECT_TRUE(Contains(text, "patroni_config_retry_timeout_seconds{scope=\"batman\"} 10"));
  EXPECT_TRUE(Contains(text, "patroni_config_primary_start_timeout_seconds{scope=\"batman\"} 300"));
  EXPECT_TRUE(Contains(text, "patroni_config_maximum_lag_on_failover_bytes{scope=\"batman\"} 1048576"));
  EXPECT_TRUE(Contains(text, "patroni_config_synchronous_nodes{scope=\"batman\"} 1"));
  EXPECT_TRUE(Contains(text, "patroni_config_synchronous_mode{scope=\"batman\",mode=\"off\"} 1"));
  EXPECT_TRUE(Contains(text, "patroni_config_failsafe_mode_enabled{scope=\"batman\"} 0"));
  EXPECT_TRUE(Contains(text, "patroni_config_use_slots{scope=\"batman\"} 1"));
  EXPECT_TRUE(Contains(text, "patroni_config_standby_cluster{scope=\"batman\"} 0"));
  // Settable per member or deliberately without a default.
  EXPECT_FALSE(HasFamily(text, "patroni_config_use_pg_rewind"));
  EXPECT_FALSE(HasFamily(text, "patroni_config_paused"));
  EXPECT_FALSE(HasFamily(text, "patroni_config_postgresql_parameter_info"));
}

TEST(DynamicConfigTranslateTest, UnreadableValuesGiveNoSampleRatherThanTheDefault) {
  const std::string text =
      RenderConfig(R"({"ttl":"30s","loop_wait":true,"maximum_lag_on_failover":1.5,"failsafe_mode":"maybe",)"
                   R"("standby_cluster":"dr","postgresql":{"use_slots":"sure","use_pg_rewind":[]}})");
  EXPECT_FALSE(HasFamily(text, "patroni_config_ttl_seconds"));
  EXPECT_FALSE(HasFamily(text, "patroni_config_loop_wait_seconds"));
  EXPECT_FALSE(HasFamily(text, "patroni_config_maximum_lag_on_failover_bytes"));
  EXPECT_FALSE(HasFamily(text, "patroni_config_failsafe_mode_enabled"));
  EXPECT_FALSE(HasFamily(text, "patroni_config_standby_cluster"));
  EXPECT_FALSE(HasFamily(text, "patroni_config_use_slots"));
  EXPECT_FALSE(HasFamily(text, "patroni_config_use_pg_rewind"));
  EXPECT_TRUE(Contains(text, "patroni_config_retry_timeout_seconds{scope=\"batman\"} 10"));  // still absent: default
}

TEST(DynamicConfigTranslateTest, PostgresqlThatIsNotAnObjectHidesUseSlots) {
  const std::string text = RenderConfig(R"({"postgresql":"on"})");
  EXPECT_FALSE(HasFamily(text, "patroni_config_use_slots"));
}

TEST(DynamicConfigTranslateTest, PrimaryStartTimeoutWinsOverTheOldName) {
  EXPECT_TRUE(Contains(RenderConfig(R"({"master_start_timeout":120,"primary_start_timeout":60})"),
                       "patroni_config_primary_start_timeout_seconds{scope=\"batman\"} 60"));
  EXPECT_TRUE(Contains(RenderConfig(R"({"master_start_timeout":120})"),
                       "patroni_config_primary_start_timeout_seconds{scope=\"batman\"} 120"));
  EXPECT_TRUE(Contains(RenderConfig(R"({"master_start_timeout":"0"})"),
                       "patroni_config_primary_start_timeout_seconds{scope=\"batman\"} 0"));
  // Patroni looks no further once the new key exists, so an unreadable one hides the old one too.
  EXPECT_FALSE(HasFamily(RenderConfig(R"({"master_start_timeout":120,"primary_start_timeout":"1min"})"),
                         "patroni_config_primary_start_timeout_seconds"));
  EXPECT_FALSE(
      HasFamily(RenderConfig(R"({"master_start_timeout":"2min"})"), "patroni_config_primary_start_timeout_seconds"));
}

struct SyncCase {
  std::string name;
  std::string body;
  std::string mode;  // "" when no series is expected
};

class SynchronousModeTest : public ::testing::TestWithParam<SyncCase> {};

TEST_P(SynchronousModeTest, ExactlyOneStateIsSet) {
  const std::string text = RenderConfig(GetParam().body);
  if (GetParam().mode.empty()) {
    EXPECT_FALSE(HasFamily(text, "patroni_config_synchronous_mode"));
    return;
  }
  for (const char* state : {"off", "on", "strict", "quorum"}) {
    const std::string line = std::string("patroni_config_synchronous_mode{scope=\"batman\",mode=\"") + state + "\"} " +
                             (GetParam().mode == state ? "1" : "0");
    EXPECT_TRUE(Contains(text, line)) << line << "\n" << text;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, SynchronousModeTest,
    ::testing::Values(
        SyncCase{"Absent", "{}", "off"}, SyncCase{"False", R"({"synchronous_mode":false})", "off"},
        SyncCase{"True", R"({"synchronous_mode":true})", "on"},
        SyncCase{"StringOn", R"({"synchronous_mode":"on"})", "on"},
        SyncCase{"StringOffUpper", R"({"synchronous_mode":"OFF"})", "off"},
        SyncCase{"StringTrue", R"({"synchronous_mode":"True"})", "on"},
        SyncCase{"IntegerOne", R"({"synchronous_mode":1})", "on"},
        SyncCase{"Strict", R"({"synchronous_mode":true,"synchronous_mode_strict":true})", "strict"},
        SyncCase{"StrictAsText", R"({"synchronous_mode":"yes","synchronous_mode_strict":"on"})", "strict"},
        SyncCase{"StrictWithoutSyncIsOff", R"({"synchronous_mode":false,"synchronous_mode_strict":true})", "off"},
        SyncCase{"StrictFalse", R"({"synchronous_mode":true,"synchronous_mode_strict":false})", "on"},
        SyncCase{"Quorum", R"({"synchronous_mode":"quorum"})", "quorum"},
        SyncCase{"QuorumAnyCase", R"({"synchronous_mode":"Quorum"})", "quorum"},
        SyncCase{"QuorumWinsOverStrict", R"({"synchronous_mode":"quorum","synchronous_mode_strict":true})", "quorum"},
        SyncCase{"Unreadable", R"({"synchronous_mode":"maybe"})", ""},
        SyncCase{"UnreadableStrictWhileOn", R"({"synchronous_mode":true,"synchronous_mode_strict":2})", ""},
        SyncCase{"UnreadableStrictWhileOff", R"({"synchronous_mode":false,"synchronous_mode_strict":"x"})", "off"}),
    [](const auto& param_info) { return param_info.param.name; });

TEST(DynamicConfigTranslateTest, ParametersFollowTheAllowlistInItsOrder) {
  const std::string text = RenderConfig(
      R"({"postgresql":{"parameters":{"wal_level":"logical","Max_Connections":"150","shared_buffers":"1GB",)"
      R"("hot_standby":true,"archive_command":"secret-ish","max_wal_senders":10,"synchronous_standby_names":"*"}}})");
  const std::string expected =
      "# HELP patroni_config_postgresql_parameter_info A PostgreSQL parameter relevant to HA as set in the dynamic "
      "configuration (postgresql.parameters), value as stored.\n"
      "# TYPE patroni_config_postgresql_parameter_info gauge\n"
      "patroni_config_postgresql_parameter_info{scope=\"batman\",parameter=\"max_connections\",value=\"150\"} 1\n"
      "patroni_config_postgresql_parameter_info{scope=\"batman\",parameter=\"max_wal_senders\",value=\"10\"} 1\n"
      "patroni_config_postgresql_parameter_info{scope=\"batman\",parameter=\"wal_level\",value=\"logical\"} 1\n"
      "patroni_config_postgresql_parameter_info{scope=\"batman\",parameter=\"hot_standby\",value=\"true\"} 1\n"
      "patroni_config_postgresql_parameter_info{scope=\"batman\",parameter=\"synchronous_standby_names\",value=\"*\"} "
      "1\n";
  EXPECT_NE(text.find(expected), std::string::npos) << text;
  EXPECT_EQ(text.find("shared_buffers"), std::string::npos);
  EXPECT_EQ(text.find("archive_command"), std::string::npos);
}

TEST(DynamicConfigTranslateTest, PausedOnlyWhenTheKeyIsThere) {
  EXPECT_TRUE(Contains(RenderConfig(R"({"pause":true})"), "patroni_config_paused{scope=\"batman\"} 1"));
  EXPECT_TRUE(Contains(RenderConfig(R"({"pause":"off"})"), "patroni_config_paused{scope=\"batman\"} 0"));
  EXPECT_FALSE(HasFamily(RenderConfig("{}"), "patroni_config_paused"));
}

TEST(DynamicConfigTranslateTest, StandbyClusterFollowsPatronisOwnTest) {
  EXPECT_TRUE(Contains(RenderConfig(R"({"standby_cluster":{"restore_command":"cp /arch/%f %p"}})"),
                       "patroni_config_standby_cluster{scope=\"batman\"} 1"));
  EXPECT_TRUE(Contains(RenderConfig(R"({"standby_cluster":{"port":5432}})"),
                       "patroni_config_standby_cluster{scope=\"batman\"} 1"));
  // The empty strings of __DEFAULT_CONFIG, or only a slot name: not a standby cluster for Patroni.
  EXPECT_TRUE(Contains(RenderConfig(R"({"standby_cluster":{"host":"","port":"","primary_slot_name":"x"}})"),
                       "patroni_config_standby_cluster{scope=\"batman\"} 0"));
  EXPECT_TRUE(
      Contains(RenderConfig(R"({"standby_cluster":{}})"), "patroni_config_standby_cluster{scope=\"batman\"} 0"));
}

TEST(DynamicConfigTranslateTest, LabelValuesAreEscaped) {
  // A quote and a backslash in the stored value come out escaped as the text format requires.
  const std::string text =
      RenderConfig(R"json({"postgresql":{"parameters":{"synchronous_standby_names":"FIRST 1 (\"a\\b\", c)"}}})json");
  EXPECT_NE(text.find(R"text(value="FIRST 1 (\"a\\b\", c)")text"), std::string::npos) << text;
}

TEST(DynamicConfigTranslateTest, HashIsTheFingerprintAsAnExactInteger) {
  // The pinned fingerprint of {} (dynamic_config_parse_test.cc), printed in full: 16 digits, no exponent.
  EXPECT_TRUE(Contains(RenderConfig("{}"), "patroni_config_hash{scope=\"batman\"} 1208396389817002"));
  DynamicConfig largest;
  largest.fingerprint = (std::uint64_t{1} << 52) - 1;
  MetricSet set;
  TranslateDynamicConfig(largest, kScope, &set);
  EXPECT_TRUE(Contains(testing::SerializeBothWays(set), "patroni_config_hash{scope=\"batman\"} 4503599627370495"));
}

TEST(DynamicConfigTranslateTest, NoHashWithoutABody) {
  MetricSet set;
  TranslateDynamicConfig(DynamicConfig{}, kScope, &set);
  EXPECT_FALSE(HasFamily(testing::SerializeBothWays(set), "patroni_config_hash"));
}

TEST(HistoryTranslateTest, EmptyHistoryGivesZeroSwitchesAndNothingElse) {
  EXPECT_EQ(RenderHistory("[]"),
            "# HELP patroni_history_timeline_switches Number of timeline switches (failovers and switchovers) Patroni "
            "keeps in the cluster history.\n"
            "# TYPE patroni_history_timeline_switches gauge\n"
            "patroni_history_timeline_switches{scope=\"batman\"} 0\n");
}

TEST(HistoryTranslateTest, LastSwitchIsTheRowTimelinePlusOne) {
  const std::string text = RenderHistory(R"([[1,100,"r1","2024-01-01T00:00:00+00:00","a"],[7,200,"r2"]])");
  EXPECT_TRUE(Contains(text, "patroni_history_timeline_switches{scope=\"batman\"} 2"));
  EXPECT_TRUE(Contains(text, "patroni_history_last_switch_timeline{scope=\"batman\"} 8"));
  EXPECT_TRUE(Contains(text, "patroni_history_last_switch_info{scope=\"batman\",new_leader=\"\",reason=\"r2\"} 1"));
  EXPECT_FALSE(HasFamily(text, "patroni_history_last_switch_timestamp_seconds"));  // 3 elements: no time
}

TEST(HistoryTranslateTest, NullTimestampAndLeaderAreAbsent) {
  const std::string text = RenderHistory(R"([[1,100,"r",null,null]])");
  EXPECT_FALSE(HasFamily(text, "patroni_history_last_switch_timestamp_seconds"));
  EXPECT_TRUE(Contains(text, "patroni_history_last_switch_info{scope=\"batman\",new_leader=\"\",reason=\"r\"} 1"));
}

TEST(HistoryTranslateTest, BrokenNewestRowHidesTheLastSwitchButCounts) {
  const std::string text = RenderHistory(R"([[1,100,"r","2024-01-01T00:00:00+00:00","a"],{"timeline":2}])");
  EXPECT_TRUE(Contains(text, "patroni_history_timeline_switches{scope=\"batman\"} 2"));
  EXPECT_FALSE(HasFamily(text, "patroni_history_last_switch_timeline"));
  EXPECT_FALSE(HasFamily(text, "patroni_history_last_switch_info"));
  EXPECT_FALSE(HasFamily(text, "patroni_history_last_switch_timestamp_seconds"));
}

TEST(HistoryTranslateTest, ReasonIsCutAt100CharactersNotBytes) {
  std::string reason;
  for (int i = 0; i < 60; ++i) reason += "\xc3\xa9";  // 60 x "é", 2 bytes each
  reason += std::string(60, 'x');                     // 120 characters in all
  const std::string text = RenderHistory(R"([[1,100,")" + reason + R"(","2024-01-01T00:00:00Z","n"]])");
  const std::string expected = reason.substr(0, 120 + 40);  // 60 "é" (120 bytes) + 40 "x"
  EXPECT_TRUE(Contains(
      text, "patroni_history_last_switch_info{scope=\"batman\",new_leader=\"n\",reason=\"" + expected + "\"} 1"))
      << text;
  const std::string exactly100(100, 'y');
  EXPECT_NE(RenderHistory(R"([[1,100,")" + exactly100 + R"("]])").find("reason=\"" + exactly100 + "\""),
            std::string::npos);
}

TEST(HistoryTranslateTest, TimestampIsEpochSeconds) {
  EXPECT_TRUE(Contains(RenderHistory(R"([[4,1,"r","2025-10-13T22:05:37.5+00:00","p"]])"),
                       "patroni_history_last_switch_timestamp_seconds{scope=\"batman\"} 1760393137.5"));
}

}  // namespace
}  // namespace patroni_exporter
