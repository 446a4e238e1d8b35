#include "collectors/patroni/node_status_parse.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/testdata.h"

namespace patroni_exporter {
namespace {

using patroni_exporter::testing::ReadFile;
using patroni_exporter::testing::TestdataPath;

NodeStatus ParseFixture(const std::string& name) {
  NodeStatusParseResult r = ParseNodeStatus(ReadFile(TestdataPath("patroni/" + name)));
  EXPECT_TRUE(r.value) << r.error;
  EXPECT_THAT(r.warnings, ::testing::IsEmpty());
  return r.value.value_or(NodeStatus{});
}

TEST(NodeStatusParseTest, RealPrimaryCapture302) {
  const NodeStatus s = ParseFixture("patroni_baseline-primary_v3.0.2.json");
  EXPECT_EQ(s.state, "running");
  EXPECT_EQ(s.role, "master");
  EXPECT_EQ(s.scope, "demo");
  EXPECT_FALSE(s.name);  // 3.0.2 sends no member name
  ASSERT_TRUE(s.patroni_version);
  EXPECT_EQ(s.patroni_version->AsNumber(), 30002);
  EXPECT_EQ(s.xlog_location, 67108960);
  EXPECT_FALSE(s.xlog_received_location);
  EXPECT_EQ(s.timeline, 1);
  EXPECT_EQ(s.server_version, 150018);
  EXPECT_EQ(s.postmaster_start_time, 1795311445.546313);
  EXPECT_EQ(s.database_system_identifier, "7710803941825417330");
  EXPECT_FALSE(s.pause);
  EXPECT_FALSE(s.cluster_unlocked);
}

TEST(NodeStatusParseTest, RealReplicaCaptureWithNullReplayTimestamp) {
  const NodeStatus s = ParseFixture("patroni_baseline-replica_v3.0.2.json");
  EXPECT_EQ(s.role, "replica");
  EXPECT_EQ(s.xlog_received_location, 67108960);
  EXPECT_EQ(s.xlog_replayed_location, 67108960);
  EXPECT_FALSE(s.xlog_replayed_timestamp_text);  // null
  EXPECT_EQ(s.xlog_paused, false);
  EXPECT_FALSE(s.xlog_location);
}

TEST(NodeStatusParseTest, StoppedPostgresLeavesRuntimeFieldsEmpty) {
  const NodeStatus s = ParseFixture("patroni_stopped-replica_v3.0.2.json");
  EXPECT_EQ(s.state, "stopped");
  EXPECT_FALSE(s.postmaster_start_time_text);
  EXPECT_FALSE(s.server_version);
  EXPECT_FALSE(s.timeline);
  EXPECT_FALSE(s.xlog_received_location);
  EXPECT_EQ(s.pause, true);
}

TEST(NodeStatusParseTest, Version32AndLaterCarryTheMemberName) {
  EXPECT_EQ(ParseFixture("patroni_primary_v3.2.2.json").name, "postgresql0");
  EXPECT_EQ(ParseFixture("patroni_primary_v4.0.4.json").role, "primary");
}

TEST(NodeStatusParseTest, NullTimelineOf401IsEmptyNotZero) {
  const NodeStatus s = ParseFixture("patroni_replica-null-timeline_v4.0.1.json");
  EXPECT_FALSE(s.timeline);
}

TEST(NodeStatusParseTest, OldPostgresTimestampFormatOf16) {
  const NodeStatus s = ParseFixture("patroni_primary_v1.6.5.json");
  ASSERT_TRUE(s.postmaster_start_time_text);
  EXPECT_TRUE(s.postmaster_start_time) << *s.postmaster_start_time_text;
}

TEST(NodeStatusParseTest, WrongTypesAreIgnoredWithAWarning) {
  const NodeStatusParseResult r = ParseNodeStatus(R"({
    "state": "running", "role": "replica", "patroni": {"version": "3.0.2", "scope": "demo", "name": 7},
    "timeline": "1", "server_version": true, "xlog": {"received_location": "x", "paused": "no"},
    "pause": 1, "dcs_last_seen": null, "replication": [1, {"application_name": 3}]})");
  ASSERT_TRUE(r.value) << r.error;
  EXPECT_FALSE(r.value->name);
  EXPECT_FALSE(r.value->timeline);
  EXPECT_FALSE(r.value->server_version);
  EXPECT_FALSE(r.value->xlog_received_location);
  EXPECT_FALSE(r.value->xlog_paused);
  EXPECT_FALSE(r.value->pause);
  EXPECT_FALSE(r.value->dcs_last_seen);
  EXPECT_THAT(r.warnings, ::testing::UnorderedElementsAre(
                              "field \"patroni.name\" ignored: expected string, got number",
                              "field \"timeline\" ignored: expected number, got string",
                              "field \"server_version\" ignored: expected number, got boolean",
                              "field \"xlog.received_location\" ignored: expected number, got string",
                              "field \"xlog.paused\" ignored: expected boolean, got string",
                              "field \"pause\" ignored: expected boolean, got number",
                              "a \"replication\" entry ignored: expected object, got number",
                              "field \"replication[].application_name\" ignored: expected string, got number"));
}

TEST(NodeStatusParseTest, VersionStrings) {
  EXPECT_EQ(ParsePatroniVersion("4.0.0rc1")->AsNumber(), 40000);
  EXPECT_EQ(ParsePatroniVersion("4.1")->AsNumber(), 40100);
  EXPECT_EQ(ParsePatroniVersion("2.1.12")->AsNumber(), 20112);
  EXPECT_FALSE(ParsePatroniVersion("4"));
  EXPECT_FALSE(ParsePatroniVersion("v4.0.0"));
  EXPECT_FALSE(ParsePatroniVersion(""));
  EXPECT_TRUE(ParsePatroniVersion("3.0.4")->AtLeast(3, 0, 4));
  EXPECT_FALSE(ParsePatroniVersion("3.0.3")->AtLeast(3, 0, 4));
  EXPECT_TRUE(ParsePatroniVersion("3.1.0")->AtLeast(3, 0, 4));
}

}  // namespace
}  // namespace patroni_exporter
