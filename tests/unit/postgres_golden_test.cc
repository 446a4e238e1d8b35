// PostgreSQL views: recorded rows (tests/testdata/postgres/, real captures where possible) through the pure
// translate layers, compared with reviewed goldens; and the value parsers those layers rely on.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "collectors/metric_set.h"
#include "collectors/postgres/pg_rows.h"
#include "collectors/postgres/replication_slots.h"
#include "collectors/postgres/server_state.h"
#include "collectors/postgres/stat_replication.h"
#include "collectors/postgres/wal_receiver.h"
#include "tests/support/golden.h"
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
  const std::string text = testing::SerializeBothWays(set);
  testing::CompareWithGolden(text, TestdataPath("postgres/" + stem + ".prom"));
}

INSTANTIATE_TEST_SUITE_P(Fixtures, PostgresGoldenTest, ::testing::ValuesIn(Fixtures()),
                         [](const auto& param_info) { return testing::FixtureTestName(param_info.param); });

// PostgreSQL's numeric and bigint text, which is what the queries return for every byte and second count (the
// numbers are computed in SQL, so IntervalStyle, DateStyle, TimeZone and extra_float_digits cannot shape them).
TEST(PgRowsTest, NumbersInPostgresNumericForm) {
  const auto number = [](const char* text) { return PgNumber({{"v", std::string(text)}}, "v"); };
  EXPECT_EQ(number("7279712"), 7279712);      // pg_wal_lsn_diff() of the replay-paused capture
  EXPECT_EQ(number("13.100099"), 13.100099);  // EXTRACT(EPOCH FROM interval '00:00:13.100099')::numeric, PG 15
  EXPECT_EQ(number("15.031180"), 15.03118);
  EXPECT_EQ(number("0.000182"), 0.000182);
  EXPECT_EQ(number("-16"), -16);  // a position read a moment after another: reported as such
  EXPECT_EQ(number("0"), 0);
  EXPECT_EQ(number("18446744073709551615"), 18446744073709551615.0);  // beyond 2^53: the nearest double
}

// Each bad value is no sample: never a made-up number. The interval forms are what the exporter read before the
// queries returned numbers, and what a role's IntervalStyle would make of them; tests/fuzz/regressions/pg_values/
// holds what once got through the interval parser.
TEST(PgRowsTest, NumbersAreReadStrictly) {
  const struct {
    const char* text;
    const char* why;
  } bad[] = {
      {"", "empty"},
      {"soon", "not a number"},
      {"00:00:13.100099", "interval text (IntervalStyle postgres)"},
      {"PT13.100099S", "interval text (IntervalStyle iso_8601)"},
      {"@ 13.100099 secs", "interval text (IntervalStyle postgres_verbose)"},
      {"1 day 02:00:00", "interval text with days"},
      {"0/D2A6238", "an LSN, not a difference"},
      {"1e+01", "float8 text at extra_float_digits = -15"},
      {"1.5e3", "exponent"},
      {"NaN", "numeric NaN"},
      {"nan", "nan"},
      {"Infinity", "infinity"},
      {"-Infinity", "negative infinity"},
      {"0x10", "hexadecimal"},
      {"+1", "plus sign"},
      {" 1", "leading space"},
      {"1 ", "trailing space"},
      {"1,5", "decimal comma"},
      {"1.", "no fraction digits"},
      {".5", "no integer digits"},
      {"-", "sign alone"},
      {"--1", "two signs"},
      {"1.2.3", "two points"},
      {"1-2", "sign inside"},
  };
  for (const auto& b : bad) {
    EXPECT_FALSE(PgNumber({{"v", std::string(b.text)}}, "v")) << b.why << ": " << b.text;
  }
  EXPECT_FALSE(PgNumber({{"v", std::string(400, '9')}}, "v"));  // beyond a double
  EXPECT_FALSE(PgNumber({{"v", std::nullopt}}, "v"));           // NULL: unknown, no sample
  EXPECT_FALSE(PgNumber({}, "v"));                              // column missing
}

TEST(PgRowsTest, Bools) {
  EXPECT_EQ(PgBool({{"v", std::string("t")}}, "v"), true);
  EXPECT_EQ(PgBool({{"v", std::string("false")}}, "v"), false);
  EXPECT_FALSE(PgBool({{"v", std::string("yes")}}, "v"));
  EXPECT_FALSE(PgBool({{"v", std::nullopt}}, "v"));
}

// The seconds and bytes columns of pg_stat_replication through the translation: a value that is not a number of
// the right kind gives no sample of its family, and the rest of the row is unaffected.
TEST(StatReplicationTest, BadValuesAreAbsentSamples) {
  const struct {
    const char* column;
    std::optional<std::string> value;
    const char* family;
    std::optional<double> expected;  // empty: no sample
  } cases[] = {
      {"replay_lag_seconds", std::nullopt, "patroni_pg_replication_replay_lag_seconds", std::nullopt},
      {"replay_lag_seconds", "PT13.100099S", "patroni_pg_replication_replay_lag_seconds", std::nullopt},
      {"replay_lag_seconds", "00:00:13.100099", "patroni_pg_replication_replay_lag_seconds", std::nullopt},
      {"replay_lag_seconds", "-0.5", "patroni_pg_replication_replay_lag_seconds", std::nullopt},  // no duration
      {"write_lag_seconds", "-0.000001", "patroni_pg_replication_write_lag_seconds", std::nullopt},
      {"flush_lag_seconds", "NaN", "patroni_pg_replication_flush_lag_seconds", std::nullopt},
      {"replay_lag_seconds", "0", "patroni_pg_replication_replay_lag_seconds", 0.0},
      {"replay_lag_seconds", "13.100099", "patroni_pg_replication_replay_lag_seconds", 13.100099},
      {"replay_lag_bytes", std::nullopt, "patroni_pg_replication_replay_lag_bytes", std::nullopt},
      {"replay_lag_bytes", "0/D2A6238", "patroni_pg_replication_replay_lag_bytes", std::nullopt},
      {"replay_lag_bytes", "7279712", "patroni_pg_replication_replay_lag_bytes", 7279712.0},
      {"sent_lag_bytes", "-16", "patroni_pg_replication_sent_lag_bytes", -16.0},  // positions read one by one
      {"reply_age_seconds", "1e+01", "patroni_pg_replication_reply_age_seconds", std::nullopt},
      {"reply_age_seconds", "0.412345", "patroni_pg_replication_reply_age_seconds", 0.412345},
  };
  for (const auto& c : cases) {
    PgRow row = {{"application_name", std::string("node2")},
                 {"sent_lsn", std::string("0/D2A6238")},
                 {"write_lag_bytes", std::string("0")}};
    row[c.column] = c.value;
    MetricSet set;
    TranslateStatReplication({row}, ServerState{}, {{"scope", "s"}, {"name", "n"}}, &set);
    const std::string text = testing::SerializeBothWays(set);
    const std::string prefix = std::string(c.family) + "{";
    const std::size_t at = text.find(prefix);
    const std::string why = std::string(c.column) + "=" + c.value.value_or("NULL");
    if (!c.expected) {
      EXPECT_EQ(at, std::string::npos) << why << "\n" << text;
    } else {
      ASSERT_NE(at, std::string::npos) << why << "\n" << text;
      const std::size_t space = text.find("} ", at);
      EXPECT_EQ(std::stod(text.substr(space + 2, text.find('\n', space) - space - 2)), *c.expected) << why;
    }
    // The rest of the row is unaffected.
    EXPECT_NE(text.find("patroni_pg_replication_write_lag_bytes{"), std::string::npos) << why;
  }
}

TEST(ServerStateTest, UnreadableNumbersAreAbsent) {
  const auto translate = [](const char* bytes, const char* age) {
    PgRow row = {{"in_recovery", std::string("t")}, {"monitor", std::string("t")}};
    row["replay_lag_bytes"] = bytes ? std::optional<std::string>(bytes) : std::nullopt;
    row["replay_age_seconds"] = age ? std::optional<std::string>(age) : std::nullopt;
    const std::optional<ServerState> state = ParseServerState({row});
    MetricSet set;
    if (state) TranslateServerState(*state, {{"scope", "s"}, {"name", "n"}}, &set);
    return testing::SerializeBothWays(set);
  };
  // Bytes unknown: neither family (the delay needs to know whether anything is left to replay).
  for (const char* bytes : {static_cast<const char*>(nullptr), "0/5000000", "7304904 ", "abc"}) {
    const std::string text = translate(bytes, "15.031180");
    EXPECT_EQ(text.find("patroni_pg_replay_lag_bytes{"), std::string::npos) << (bytes ? bytes : "NULL");
    EXPECT_EQ(text.find("patroni_pg_replay_delay_seconds{"), std::string::npos) << (bytes ? bytes : "NULL");
    EXPECT_NE(text.find("patroni_pg_in_recovery{scope=\"s\",name=\"n\"} 1\n"), std::string::npos);
  }
  // Age unknown while WAL waits for replay: no delay sample, not 0.
  for (const char* age : {static_cast<const char*>(nullptr), "PT15.03118S", "00:00:15.03118", "2e+01"}) {
    const std::string text = translate("7304904", age);
    EXPECT_NE(text.find("patroni_pg_replay_lag_bytes{scope=\"s\",name=\"n\"} 7304904\n"), std::string::npos);
    EXPECT_EQ(text.find("patroni_pg_replay_delay_seconds{"), std::string::npos) << (age ? age : "NULL");
  }
  EXPECT_NE(
      translate("7304904", "15.031180").find("patroni_pg_replay_delay_seconds{scope=\"s\",name=\"n\"} 15.03118\n"),
      std::string::npos);
}

TEST(ServerStateTest, ReplayDelayIsZeroWhenNothingIsLeftToReplay) {
  ServerState s;
  s.in_recovery = true;
  s.replay_lag_bytes = 0;
  s.replay_timestamp_age_seconds = 3600;  // an idle primary: the last transaction is an hour old
  MetricSet set;
  TranslateServerState(s, {{"scope", "s"}, {"name", "n"}}, &set);
  const std::string text = testing::SerializeBothWays(set);
  EXPECT_NE(text.find("patroni_pg_replay_delay_seconds{scope=\"s\",name=\"n\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("patroni_pg_replay_lag_bytes{scope=\"s\",name=\"n\"} 0\n"), std::string::npos);
}

TEST(ServerStateTest, PrimaryHasNoReplayFamilies) {
  ServerState s;
  MetricSet set;
  TranslateServerState(s, {{"scope", "s"}, {"name", "n"}}, &set);
  const std::string text = testing::SerializeBothWays(set);
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

// Numbers, not text a session setting shapes: no interval or float8 text, no LSN text to subtract, for every
// supported version (pg_wal_lsn_diff exists from PostgreSQL 10).
TEST(PgSqlTest, NumbersComputedInSql) {
  for (const int version : {100000, 110000, 120000, 130000, 140000, 150000, 160000, 170000}) {
    for (const std::string& sql : {ServerStateSql(version), StatReplicationSql(version), ReplicationSlotsSql(version),
                                   WalReceiverSql(version)}) {
      EXPECT_EQ(sql.find("::float8"), std::string::npos) << sql;
      EXPECT_EQ(sql.find("_lag::text"), std::string::npos) << sql;
      EXPECT_EQ(sql.find("restart_lsn::text"), std::string::npos) << sql;
      EXPECT_EQ(sql.find("write_lsn::text"), std::string::npos) << sql;
    }
    EXPECT_NE(StatReplicationSql(version).find("EXTRACT(EPOCH FROM replay_lag)::numeric AS replay_lag_seconds"),
              std::string::npos);
    EXPECT_NE(StatReplicationSql(version).find("pg_wal_lsn_diff("), std::string::npos);
    EXPECT_NE(ReplicationSlotsSql(version).find("AS retained_bytes"), std::string::npos);
    EXPECT_NE(ServerStateSql(version).find("AS replay_lag_bytes"), std::string::npos);
  }
}

}  // namespace
}  // namespace patroni_exporter
