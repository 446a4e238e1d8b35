#include "collectors/patroni/node_status_translate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "collectors/exposition.h"
#include "collectors/patroni/node_status_parse.h"
#include "tests/support/testdata.h"

namespace patroni_exporter {
namespace {

// Family name -> value of its single sample, or absent.
std::optional<double> Value(const MetricSet& set, const std::string& family) {
  for (const auto& f : set.families()) {
    if (f.name == family && !f.metric.empty()) {
      return f.type == prometheus::MetricType::Counter ? f.metric[0].counter.value : f.metric[0].gauge.value;
    }
  }
  return std::nullopt;
}

MetricSet Translate(const std::string& json, bool legacy_master = false) {
  NodeStatusParseResult parsed = ParseNodeStatus(json);
  EXPECT_TRUE(parsed.value) << parsed.error;
  MetricSet set;
  TranslateNodeStatus(*parsed.value, parsed.value->name.value_or("m1"), {legacy_master}, &set);
  return set;
}

// A primary's "replication" rows are type-checked by the parse but kept by nobody: no family depends on them, so a
// real capture translates the same with and without them.
TEST(NodeStatusTranslateTest, ReplicationRowsChangeNoFamily) {
  nlohmann::json body =
      nlohmann::json::parse(testing::ReadFile(testing::TestdataPath("patroni/patroni_baseline-primary_v3.0.2.json")));
  ASSERT_EQ(body.at("replication").size(), 2u);
  const std::string with_rows = SerializeText(Translate(body.dump()));
  body.erase("replication");
  EXPECT_EQ(SerializeText(Translate(body.dump())), with_rows);
}

TEST(NodeStatusTranslateTest, PrimaryRolesOfBothEras) {
  for (const char* role : {"master", "primary"}) {
    const MetricSet set = Translate(std::string(R"({"state":"running","role":")") + role +
                                    R"(","patroni":{"version":"4.0.4","scope":"s"}})");
    EXPECT_EQ(Value(set, "patroni_primary"), 1) << role;
    EXPECT_EQ(Value(set, "patroni_replica"), 0) << role;
  }
}

TEST(NodeStatusTranslateTest, LegacyMasterOnlyWhenAskedFor) {
  const std::string json = R"({"state":"running","role":"master","patroni":{"version":"3.0.2","scope":"s"}})";
  EXPECT_FALSE(Value(Translate(json), "patroni_master"));
  EXPECT_EQ(Value(Translate(json, true), "patroni_master"), 1);
}

TEST(NodeStatusTranslateTest, LabelsAreScopeThenName) {
  const MetricSet set =
      Translate(R"({"state":"running","role":"replica","patroni":{"version":"3.2.2","scope":"s","name":"n2"}})");
  const prometheus::ClientMetric metric = set.families().front().metric.front();  // families() builds a copy
  ASSERT_EQ(metric.label.size(), 2u);
  EXPECT_EQ(metric.label[0].name, "scope");
  EXPECT_EQ(metric.label[0].value, "s");
  EXPECT_EQ(metric.label[1].name, "name");
  EXPECT_EQ(metric.label[1].value, "n2");
}

TEST(NodeStatusTranslateTest, PostgresStateForVersionsThatDoNotEmitIt) {
  EXPECT_EQ(Value(Translate(R"({"state":"crashed","role":"replica","patroni":{"version":"1.6.5","scope":"s"}})"),
                  "patroni_postgres_state"),
            14);
  EXPECT_EQ(Value(Translate(R"({"state":"unknown","role":"replica","patroni":{"version":"3.0.2","scope":"s"}})"),
                  "patroni_postgres_state"),
            -1);
}

TEST(NodeStatusTranslateTest, FieldsAVersionDoesNotSendAreAbsentNotZero) {
  // 2.1.0 sends no dcs_last_seen, and no replication_state (3.0.4+): no samples for them.
  const MetricSet old = Translate(
      R"({"state":"running","role":"replica","server_version":130004,"patroni":{"version":"2.1.0","scope":"s"}})");
  EXPECT_FALSE(Value(old, "patroni_dcs_last_seen"));
  EXPECT_FALSE(Value(old, "patroni_postgres_streaming"));
  EXPECT_FALSE(Value(old, "patroni_postgres_in_archive_recovery"));
  EXPECT_FALSE(Value(old, "patroni_sync_standby"));    // sent from 3.0.2 on
  EXPECT_EQ(Value(old, "patroni_quorum_standby"), 0);  // no quorum mode before 4.0: a true 0
  // 3.0.4+ with a running PostgreSQL: a missing replication_state means not streaming.
  const MetricSet recent = Translate(
      R"({"state":"running","role":"replica","server_version":150004,"replication_state":"streaming",
          "dcs_last_seen":5,"patroni":{"version":"3.0.4","scope":"s"}})");
  EXPECT_EQ(Value(recent, "patroni_postgres_streaming"), 1);
  EXPECT_EQ(Value(recent, "patroni_postgres_in_archive_recovery"), 0);
  EXPECT_EQ(Value(recent, "patroni_dcs_last_seen"), 5);
}

TEST(NodeStatusTranslateTest, UnreadableTimestampsAreAbsentNotZero) {
  const MetricSet set = Translate(R"({"state":"running","role":"replica","postmaster_start_time":"yesterday",
      "xlog":{"replayed_timestamp":"2019-01-01 00:00:00 IST"},"patroni":{"version":"1.6.5","scope":"s"}})");
  EXPECT_FALSE(Value(set, "patroni_postmaster_start_time"));
  EXPECT_FALSE(Value(set, "patroni_xlog_replayed_timestamp"));
}

TEST(NodeStatusTranslateTest, NativeZerosWhenPostgresIsDown) {
  const MetricSet set =
      Translate(R"({"state":"stopped","role":"replica","dcs_last_seen":9,"patroni":{"version":"3.0.2","scope":"s"}})");
  EXPECT_EQ(Value(set, "patroni_postgres_running"), 0);
  EXPECT_EQ(Value(set, "patroni_postmaster_start_time"), 0);
  EXPECT_EQ(Value(set, "patroni_postgres_server_version"), 0);
  EXPECT_EQ(Value(set, "patroni_postgres_timeline"), 0);
  EXPECT_EQ(Value(set, "patroni_xlog_replayed_timestamp"), 0);
  EXPECT_EQ(Value(set, "patroni_postgres_state"), 12);
}

TEST(NodeStatusTranslateTest, PositionsAndTimelineAreGauges) {
  const MetricSet set = Translate(R"({"state":"running","role":"master","xlog":{"location":99},"timeline":3,
      "patroni":{"version":"3.0.2","scope":"s"}})");
  for (const auto& f : set.families()) {
    EXPECT_EQ(f.type, prometheus::MetricType::Gauge) << f.name;
  }
  EXPECT_EQ(Value(set, "patroni_xlog_location"), 99);
  EXPECT_EQ(Value(set, "patroni_postgres_timeline"), 3);
}

TEST(NodeStatusTranslateTest, UnparseableVersionOmitsOnlyVersionDependentSamples) {
  const MetricSet set = Translate(R"({"state":"running","role":"replica","server_version":150004,
      "replication_state":"streaming","patroni":{"version":"dev","scope":"s"}})");
  EXPECT_FALSE(Value(set, "patroni_version"));
  EXPECT_FALSE(Value(set, "patroni_postgres_streaming"));
  EXPECT_EQ(Value(set, "patroni_replica"), 1);
}

}  // namespace
}  // namespace patroni_exporter
