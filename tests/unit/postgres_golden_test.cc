// PostgreSQL views: recorded rows (tests/testdata/postgres/, real captures where possible) through the pure
// translate layers, compared with reviewed goldens; and the value parsers those layers rely on.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "collectors/postgres/pg_rows.h"
#include "collectors/postgres/replication_slots.h"
#include "collectors/postgres/server_state.h"
#include "collectors/postgres/stat_replication.h"
#include "collectors/postgres/wal_receiver.h"
#include "tests/support/testdata.h"

namespace patroni_exporter {
namespace {

using patroni_exporter::testing::ReadFile;
using patroni_exporter::testing::TestdataPath;

// JSON values as libpq would give them: text, NULL as empty, booleans as t/f.
PgRow ToRow(const nlohmann::json& object) {
  PgRow row;
  for (const auto& [key, value] : object.items()) {
    if (value.is_null()) {
      row[key] = std::nullopt;
    } else if (value.is_string()) {
      row[key] = value.get<std::string>();
    } else if (value.is_boolean()) {
      row[key] = value.get<bool>() ? "t" : "f";
    } else {
      row[key] = value.dump();
    }
  }
  return row;
}

std::vector<std::string> Fixtures() {
  std::vector<std::string> out;
  for (const std::string& name : testing::ListTestdata("postgres", "", ".json")) {
    if (name.find(".state.json") == std::string::npos) out.push_back(name);
  }
  return out;
}

class PostgresGoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PostgresGoldenTest, MatchesReviewedExposition) {
  const std::string stem = GetParam().substr(0, GetParam().size() - 5);
  PgRows rows;
  for (const auto& r : nlohmann::json::parse(ReadFile(TestdataPath("postgres/" + GetParam()))))
    rows.push_back(ToRow(r));
  const nlohmann::json state_json = nlohmann::json::parse(ReadFile(TestdataPath("postgres/" + stem + ".state.json")));
  const std::optional<ServerState> state = ParseServerState({ToRow(state_json)});
  ASSERT_TRUE(state);
  const Labels labels = {{"scope", "demo"}, {"name", state_json.at("member").get<std::string>()}};
  MetricSet set;
  TranslateServerState(*state, labels, &set);
  if (stem.rfind("stat_replication_", 0) == 0) TranslateStatReplication(rows, *state, labels, &set);
  if (stem.rfind("replication_slots_", 0) == 0) TranslateReplicationSlots(rows, *state, labels, &set);
  if (stem.rfind("wal_receiver_", 0) == 0) TranslateWalReceiver(rows, *state, labels, &set);
  const std::string text = SerializeText(set.families());
  const std::string golden = TestdataPath("postgres/" + stem + ".prom");
  if (testing::UpdateGoldens()) {
    testing::WriteFile(golden, text);
    GTEST_SKIP() << "rewrote " << golden;
  }
  EXPECT_EQ(text, ReadFile(golden));
}

INSTANTIATE_TEST_SUITE_P(Fixtures, PostgresGoldenTest, ::testing::ValuesIn(Fixtures()), [](const auto& param_info) {
  std::string name = param_info.param.substr(0, param_info.param.size() - 5);
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
});

TEST(PgRowsTest, IntervalsInPostgresStyle) {
  const auto seconds = [](const char* text) { return PgIntervalSeconds({{"v", std::string(text)}}, "v"); };
  EXPECT_DOUBLE_EQ(*seconds("00:00:13.100099"), 13.100099);
  EXPECT_DOUBLE_EQ(*seconds("01:02:03"), 3723);
  EXPECT_DOUBLE_EQ(*seconds("1 day 02:00:00"), 93600);
  EXPECT_DOUBLE_EQ(*seconds("3 days 00:00:01.5"), 259201.5);
  EXPECT_DOUBLE_EQ(*seconds("2 days"), 172800);
  EXPECT_FALSE(seconds("soon"));
  EXPECT_FALSE(seconds("00:99:00"));
  EXPECT_FALSE(seconds("-00:00:01"));
  EXPECT_FALSE(PgIntervalSeconds({{"v", std::nullopt}}, "v"));  // NULL: idle, no sample
  EXPECT_FALSE(PgIntervalSeconds({}, "v"));
}

// strtod and sscanf took these (found by fuzzing, tests/fuzz/regressions/pg_values/).
TEST(PgRowsTest, IntervalsAreReadStrictly) {
  const auto seconds = [](const char* text) { return PgIntervalSeconds({{"v", std::string(text)}}, "v"); };
  EXPECT_FALSE(seconds("nan day"));
  EXPECT_FALSE(seconds("inf days 00:00:00"));
  EXPECT_FALSE(seconds(" -1 day 00:00:01"));
  EXPECT_FALSE(seconds("1e3 days"));
  EXPECT_FALSE(seconds("00:00:nan"));
  EXPECT_FALSE(seconds("00:00:1e1"));
  EXPECT_FALSE(seconds("99999999999:00:00"));
  EXPECT_FALSE(seconds("+1:00:00"));
  EXPECT_FALSE(seconds("00:00:01."));
  EXPECT_FALSE(seconds("00:00:01 "));
  EXPECT_FALSE(seconds("1 dayz 00:00:00"));
  EXPECT_DOUBLE_EQ(*seconds("1 day"), 86400);
  EXPECT_DOUBLE_EQ(*seconds("123:00:00.000001"), 442800.000001);
}

TEST(PgRowsTest, LsnDifferencesAreExactBeyondTwoToThe53) {
  EXPECT_EQ(LsnDiff(std::string("0/D2A6238"), std::string("0/CBB4DD8")), 7279712);  // the capture's replay lag
  EXPECT_EQ(LsnDiff(std::string("FFFFFFFF/FFFFFFFF"), std::string("FFFFFFFF/FFFFFFFE")), 1);
  EXPECT_EQ(LsnDiff(std::string("0/10"), std::string("0/20")), -16);
  EXPECT_FALSE(LsnDiff(std::string("0/ZZ"), std::string("0/1")));
  EXPECT_FALSE(LsnDiff(std::nullopt, std::string("0/1")));
  EXPECT_EQ(PgLsn({{"v", std::string("16/B374D848")}}, "v"), 0x16B374D848);
  EXPECT_FALSE(PgLsn({{"v", std::string("16B374D848")}}, "v"));
}

TEST(PgRowsTest, BoolsAndNumbers) {
  EXPECT_EQ(PgBool({{"v", std::string("t")}}, "v"), true);
  EXPECT_EQ(PgBool({{"v", std::string("false")}}, "v"), false);
  EXPECT_FALSE(PgBool({{"v", std::string("yes")}}, "v"));
  EXPECT_EQ(PgNumber({{"v", std::string("1.5")}}, "v"), 1.5);
  EXPECT_FALSE(PgNumber({{"v", std::string("1.5x")}}, "v"));
  EXPECT_FALSE(PgNumber({{"v", std::string("nan")}}, "v"));
}

TEST(ServerStateTest, ReplayDelayIsZeroWhenNothingIsLeftToReplay) {
  ServerState s;
  s.in_recovery = true;
  s.received_lsn = "0/5000000";
  s.replayed_lsn = "0/5000000";
  s.replay_timestamp_age_seconds = 3600;  // an idle primary: the last transaction is an hour old
  MetricSet set;
  TranslateServerState(s, {{"scope", "s"}, {"name", "n"}}, &set);
  const std::string text = SerializeText(set.families());
  EXPECT_NE(text.find("patroni_pg_replay_delay_seconds{scope=\"s\",name=\"n\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("patroni_pg_replay_lag_bytes{scope=\"s\",name=\"n\"} 0\n"), std::string::npos);
}

TEST(ServerStateTest, PrimaryHasNoReplayFamilies) {
  ServerState s;
  s.current_lsn = "0/5000000";
  MetricSet set;
  TranslateServerState(s, {{"scope", "s"}, {"name", "n"}}, &set);
  const std::string text = SerializeText(set.families());
  EXPECT_EQ(text.find("replay"), std::string::npos);
  EXPECT_NE(text.find("patroni_pg_in_recovery{scope=\"s\",name=\"n\"} 0\n"), std::string::npos);
}

TEST(ServerStateTest, UnreadableStateIsRefused) {
  EXPECT_FALSE(ParseServerState({}));
  EXPECT_FALSE(ParseServerState({{{"in_recovery", std::nullopt}}}));
  EXPECT_FALSE(ParseServerState({{{"in_recovery", std::string("t")}}, {{"in_recovery", std::string("t")}}}));
}

TEST(PgSqlTest, VersionedColumns) {
  EXPECT_EQ(StatReplicationSql(110000).find("reply_time"), std::string::npos);
  EXPECT_NE(StatReplicationSql(120000).find("reply_time"), std::string::npos);
  EXPECT_EQ(ReplicationSlotsSql(120000).find("wal_status"), std::string::npos);
  EXPECT_NE(ReplicationSlotsSql(130000).find("wal_status"), std::string::npos);
  EXPECT_NE(WalReceiverSql(100000).find("NULL::text AS sender_host"), std::string::npos);
  EXPECT_NE(WalReceiverSql(170000).find(" sender_host,"), std::string::npos);
}

}  // namespace
}  // namespace patroni_exporter
