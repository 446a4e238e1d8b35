#include "collectors/patroni/cluster_parse.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/testdata.h"

namespace patroni_exporter {
namespace {

using patroni_exporter::testing::ReadFile;
using patroni_exporter::testing::TestdataPath;
using ::testing::IsEmpty;

ClusterView ParseFixture(const std::string& name) {
  ClusterParseResult r = ParseCluster(ReadFile(TestdataPath("patroni/" + name)));
  EXPECT_TRUE(r.value) << r.error;
  EXPECT_THAT(r.warnings, IsEmpty());
  return r.value.value_or(ClusterView{});
}

const ClusterMember& Member(const ClusterView& view, const std::string& name) {
  for (const ClusterMember& m : view.members) {
    if (m.name == name) return m;
  }
  throw std::runtime_error("no member " + name);
}

TEST(ClusterParseTest, RealBaselineCapture302) {
  const ClusterView v = ParseFixture("cluster_baseline_v3.0.2.json");
  EXPECT_FALSE(v.scope);  // 3.0.2 sends no scope
  EXPECT_FALSE(v.pause);
  EXPECT_FALSE(v.scheduled_switchover_at_text);
  ASSERT_EQ(v.members.size(), 3u);
  const ClusterMember& leader = v.members[0];
  EXPECT_EQ(leader.name, "node1");
  EXPECT_EQ(leader.role, "leader");
  EXPECT_EQ(leader.state, "running");
  EXPECT_EQ(leader.api_url, "http://127.0.0.1:8009/patroni");
  EXPECT_EQ(leader.host, "127.0.0.1");
  EXPECT_EQ(leader.port, 5433);
  EXPECT_EQ(leader.timeline, 1);
  EXPECT_FALSE(leader.lag.sent());  // the leader has no lag
  EXPECT_FALSE(leader.pending_restart);
  const ClusterMember& replica = v.members[1];
  EXPECT_EQ(replica.role, "replica");
  EXPECT_EQ(replica.lag.bytes, 0);
  EXPECT_FALSE(replica.lag.unknown);
  EXPECT_FALSE(replica.lsn.sent());  // 4.1.0+
  EXPECT_FALSE(replica.receive_lag.sent());
}

TEST(ClusterParseTest, StoppedReplicaHasUnknownLagAndNoTimeline) {
  const ClusterView v = ParseFixture("cluster_stopped-paused_v3.0.2.json");
  EXPECT_EQ(v.pause, true);
  const ClusterMember& node2 = Member(v, "node2");
  EXPECT_EQ(node2.state, "stopped");
  EXPECT_TRUE(node2.lag.unknown);
  EXPECT_FALSE(node2.lag.bytes);
  EXPECT_FALSE(node2.timeline);
}

TEST(ClusterParseTest, CrashedReplicaCapture) {
  // The view outlives the reference into it (a temporary would be gone by the next line: ASan found that).
  const ClusterView v = ParseFixture("cluster_crashed-replica_v3.0.2.json");
  const ClusterMember& node2 = Member(v, "node2");
  EXPECT_EQ(node2.state, "crashed");
  EXPECT_TRUE(node2.lag.unknown);
}

TEST(ClusterParseTest, PendingRestartOnEveryMember) {
  for (const ClusterMember& m : ParseFixture("cluster_pending-restart_v3.0.2.json").members) {
    EXPECT_EQ(m.pending_restart, true) << m.name;
  }
}

TEST(ClusterParseTest, SwitchoverInProgressCapture) {
  const ClusterView v = ParseFixture("cluster_switchover-1s_v3.0.2.json");
  EXPECT_EQ(Member(v, "node1").role, "replica");
  EXPECT_EQ(Member(v, "node1").state, "stopped");
  EXPECT_EQ(Member(v, "node2").timeline, 5);
  EXPECT_EQ(Member(v, "node2").lag.bytes, 24048);
  EXPECT_EQ(Member(v, "node3").role, "leader");
  EXPECT_EQ(Member(v, "node3").timeline, 6);
}

TEST(ClusterParseTest, SyncStandbyCapture) {
  const ClusterView v = ParseFixture("cluster_sync-mode_v3.0.2.json");
  EXPECT_EQ(Member(v, "node2").role, "sync_standby");
  EXPECT_EQ(Member(v, "node1").role, "replica");
}

TEST(ClusterParseTest, Patroni165SendsHostAndPortFirstAndNoScope) {
  const ClusterView v = ParseFixture("cluster_baseline_v1.6.5.json");
  EXPECT_FALSE(v.scope);
  EXPECT_EQ(Member(v, "postgresql1").state, "running");
  EXPECT_EQ(Member(v, "postgresql2").tags.nofailover, true);
  EXPECT_FALSE(Member(v, "postgresql2").tags.noloadbalance);
  EXPECT_FALSE(Member(v, "postgresql1").tags.nofailover);
}

TEST(ClusterParseTest, Patroni322StreamingReplicasAndScope) {
  const ClusterView v = ParseFixture("cluster_streaming_v3.2.2.json");
  EXPECT_EQ(v.scope, "batman");
  EXPECT_EQ(Member(v, "postgresql0").state, "running");
  EXPECT_EQ(Member(v, "postgresql1").state, "streaming");
  EXPECT_EQ(Member(v, "postgresql2").lag.bytes, 160);
}

TEST(ClusterParseTest, ScheduledSwitchoverKeepsTheOffset) {
  const ClusterView v = ParseFixture("cluster_scheduled-switchover_v3.2.2.json");
  EXPECT_EQ(v.scheduled_switchover_at_text, "2024-09-11T03:00:00+02:00");
  EXPECT_EQ(v.scheduled_switchover_at, 1726016400);  // 2024-09-11T01:00:00Z
  EXPECT_EQ(v.scheduled_switchover_from, "postgresql0");
  EXPECT_EQ(v.scheduled_switchover_to, "postgresql1");
}

TEST(ClusterParseTest, QuorumStandbysAndFailoverPriority) {
  const ClusterView v = ParseFixture("cluster_quorum_v4.0.4.json");
  EXPECT_EQ(Member(v, "postgresql1").role, "quorum_standby");
  EXPECT_EQ(Member(v, "postgresql1").tags.failover_priority, 2);
  EXPECT_EQ(Member(v, "postgresql2").tags.failover_priority, 1);
  EXPECT_EQ(Member(v, "postgresql2").tags.noloadbalance, true);
  EXPECT_FALSE(Member(v, "postgresql2").tags.nofailover);
}

TEST(ClusterParseTest, ScheduledRestartIsTheScheduleTimestamp) {
  const ClusterView v = ParseFixture("cluster_scheduled-restart_v4.0.4.json");
  const ClusterMember& m = Member(v, "postgresql1");
  EXPECT_EQ(m.scheduled_restart_text, "2024-12-06T03:30:00+00:00");
  EXPECT_EQ(m.scheduled_restart, 1733455800);
  EXPECT_EQ(m.pending_restart, true);
  EXPECT_FALSE(Member(v, "postgresql0").scheduled_restart_text);
}

TEST(ClusterParseTest, Patroni410PositionsAndLags) {
  const ClusterView v = ParseFixture("cluster_lsn_v4.1.0.json");
  const ClusterMember& streaming = Member(v, "postgresql1");
  EXPECT_EQ(streaming.lsn.bytes, 12079595680.0);  // "2/D00000A0"
  EXPECT_EQ(streaming.receive_lsn.bytes, 12079595680.0);
  EXPECT_EQ(streaming.replay_lsn.bytes, 12079595520.0);  // "2/D0000000"
  EXPECT_EQ(streaming.lag.bytes, 0);
  EXPECT_EQ(streaming.receive_lag.bytes, 0);
  EXPECT_EQ(streaming.replay_lag.bytes, 160);
  const ClusterMember& stopped = Member(v, "postgresql2");
  for (const ClusterWalValue* value : {&stopped.lag, &stopped.receive_lag, &stopped.replay_lag, &stopped.lsn,
                                       &stopped.receive_lsn, &stopped.replay_lsn}) {
    EXPECT_TRUE(value->unknown);
    EXPECT_FALSE(value->bytes);
  }
}

TEST(ClusterParseTest, StandbyLeaderShowsItsReplicationState) {
  const ClusterView v = ParseFixture("cluster_standby-cluster_v4.1.0.json");
  EXPECT_EQ(v.scope, "batman-dr");
  EXPECT_EQ(Member(v, "dr0").role, "standby_leader");
  EXPECT_EQ(Member(v, "dr0").state, "streaming");
  EXPECT_FALSE(Member(v, "dr0").lag.sent());
}

TEST(ClusterParseTest, EmptyMembersIsAValidCluster) {
  const ClusterParseResult r = ParseCluster(R"({"members":[]})");
  ASSERT_TRUE(r.value) << r.error;
  EXPECT_THAT(r.value->members, IsEmpty());
  EXPECT_THAT(r.warnings, IsEmpty());
}

TEST(ClusterParseTest, NullFieldsAreAbsentWithoutWarnings) {
  const ClusterParseResult r = ParseCluster(
      R"({"members":[{"name":"a","role":null,"state":null,"api_url":null,"timeline":null,"lag":null,"lsn":null,)"
      R"("tags":null,"scheduled_restart":null}],"scope":null,"pause":null,"scheduled_switchover":null})");
  ASSERT_TRUE(r.value) << r.error;
  EXPECT_THAT(r.warnings, IsEmpty());
  const ClusterMember& m = r.value->members.at(0);
  EXPECT_EQ(m.role, "");
  EXPECT_FALSE(m.api_url);
  EXPECT_FALSE(m.lag.sent());
  EXPECT_FALSE(m.lsn.sent());
}

TEST(ClusterParseTest, LsnText) {
  EXPECT_EQ(ParseLsn("0/0"), 0);
  EXPECT_EQ(ParseLsn("0/4000060"), 0x4000060);
  EXPECT_EQ(ParseLsn("2/D00000A0"), 12079595680.0);
  EXPECT_EQ(ParseLsn("2/d00000a0"), 12079595680.0);
  EXPECT_EQ(ParseLsn("FFFFFFFF/FFFFFFFF"), 18446744073709551615.0);
  EXPECT_FALSE(ParseLsn(""));
  EXPECT_FALSE(ParseLsn("/"));
  EXPECT_FALSE(ParseLsn("0/"));
  EXPECT_FALSE(ParseLsn("/0"));
  EXPECT_FALSE(ParseLsn("0/ZZ"));
  EXPECT_FALSE(ParseLsn("0x0/0"));
  EXPECT_FALSE(ParseLsn("-1/0"));
  EXPECT_FALSE(ParseLsn(" 0/0"));
  EXPECT_FALSE(ParseLsn("0/0 "));
  EXPECT_FALSE(ParseLsn("0/0/0"));
  EXPECT_FALSE(ParseLsn("100000000/0"));  // 9 digits
  EXPECT_FALSE(ParseLsn("4000060"));
}

}  // namespace
}  // namespace patroni_exporter
