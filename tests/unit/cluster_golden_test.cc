// Every `GET /cluster` fixture through parse -> translate -> text, compared byte for byte with its reviewed golden
// file (tests/testdata/patroni/<stem>.prom); the state-set invariants over the same output; and the translate
// rules that no fixture shows.
//
// The scope is the body's own (Patroni 3.2+) or else "demo", the scope of the real 3.0.2 lab, as the collector
// would pass the scope it learned from /patroni. UPDATE_GOLDEN=1 rewrites the golden files; review the diff.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <utility>

#include "collectors/metric_set.h"
#include "collectors/patroni/cluster_parse.h"
#include "collectors/patroni/cluster_translate.h"
#include "tests/support/golden.h"
#include "tests/support/testdata.h"

namespace patroni_exporter {
namespace {

using testing::ListTestdata;
using testing::ReadFile;
using testing::TestdataPath;

constexpr const char* kDefaultScope = "demo";

std::string Stem(const std::string& json_name) { return json_name.substr(0, json_name.size() - 5); }

ClusterView Load(const std::string& json_name) {
  ClusterParseResult parsed = ParseCluster(ReadFile(TestdataPath("patroni/" + json_name)));
  if (!parsed.value) throw std::runtime_error(json_name + ": " + parsed.error);
  // Fixtures are what Patroni really sends: none may need a warning.
  EXPECT_THAT(parsed.warnings, ::testing::IsEmpty()) << json_name;
  return *parsed.value;
}

MetricSet Translate(const ClusterView& view) {
  MetricSet set;
  TranslateCluster(view, view.scope.value_or(kDefaultScope), &set);
  return set;
}

const std::vector<std::string> kFixtures = ListTestdata("patroni", "cluster_", ".json");

class ClusterGoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ClusterGoldenTest, MatchesReviewedExposition) {
  const std::string text = testing::SerializeBothWays(Translate(Load(GetParam())));
  testing::CompareWithGolden(text, TestdataPath("patroni/" + Stem(GetParam()) + ".prom"));
}

// A copy of the family (families() builds them on each call), or null.
std::shared_ptr<const prometheus::MetricFamily> FindFamily(const MetricSet& set, const std::string& name) {
  for (auto& family : set.families()) {
    if (family.name == name) return std::make_shared<const prometheus::MetricFamily>(std::move(family));
  }
  return nullptr;
}

std::string Label(const prometheus::ClientMetric& metric, const std::string& name) {
  for (const auto& label : metric.label) {
    if (label.name == name) return label.value;
  }
  return "<absent>";
}

// member -> sum of the family's values for that member.
std::map<std::string, double> SumPerMember(const MetricSet& set, const std::string& family_name) {
  std::map<std::string, double> sums;
  if (const auto family = FindFamily(set, family_name)) {
    for (const auto& metric : family->metric) sums[Label(metric, "member")] += metric.gauge.value;
  }
  return sums;
}

TEST_P(ClusterGoldenTest, EveryMemberHasExactlyOneRoleAndOneState) {
  const ClusterView view = Load(GetParam());
  const MetricSet set = Translate(view);
  std::map<std::string, double> expected;
  for (const ClusterMember& m : view.members) expected[m.name] = 1;
  EXPECT_EQ(SumPerMember(set, "patroni_cluster_member_role"), expected);
  EXPECT_EQ(SumPerMember(set, "patroni_cluster_member_state"), expected);
  EXPECT_EQ(SumPerMember(set, "patroni_cluster_member_tags_info"), expected);
  EXPECT_EQ(SumPerMember(set, "patroni_cluster_member_info"), expected);
  const auto members = FindFamily(set, "patroni_cluster_members");
  ASSERT_NE(members, nullptr);
  EXPECT_EQ(members->metric.at(0).gauge.value, static_cast<double>(view.members.size()));
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ClusterGoldenTest, ::testing::ValuesIn(kFixtures),
                         [](const auto& param_info) { return testing::FixtureTestName(param_info.param); });

TEST(ClusterGoldenTest, EveryGoldenHasAFixture) {
  ASSERT_GE(kFixtures.size(), 15u);
  for (const std::string& name : ListTestdata("patroni", "cluster_", ".prom")) {
    const std::string stem = name.substr(0, name.size() - std::string(".prom").size());
    EXPECT_THAT(kFixtures, ::testing::Contains(stem + ".json")) << name << " has no fixture";
  }
}

// Rules no real body shows.

ClusterView OneMember(const std::string& role, const std::string& state) {
  ClusterView view;
  ClusterMember m;
  m.name = "a";
  m.role = role;
  m.state = state;
  view.members.push_back(m);
  return view;
}

double Value(const MetricSet& set, const std::string& family, const std::string& label, const std::string& value) {
  const auto f = FindFamily(set, family);
  if (f == nullptr) return -1;
  for (const auto& metric : f->metric) {
    if (label.empty() || Label(metric, label) == value) return metric.gauge.value;
  }
  return -1;
}

TEST(ClusterTranslateRulesTest, UnrecognisedRoleAndStateAreOther) {
  const MetricSet set = Translate(OneMember("promoted", "bootstrapping"));
  EXPECT_EQ(Value(set, "patroni_cluster_member_role", "role", "other"), 1);
  EXPECT_EQ(Value(set, "patroni_cluster_member_role", "role", "leader"), 0);
  EXPECT_EQ(Value(set, "patroni_cluster_member_state", "state", "other"), 1);
  EXPECT_EQ(FindFamily(set, "patroni_cluster_member_postgres_state"), nullptr);
  EXPECT_EQ(Value(set, "patroni_cluster_leader_members", "", ""), 0);
}

TEST(ClusterTranslateRulesTest, EmptyStateIsOther) {
  const MetricSet set = Translate(OneMember("replica", ""));
  EXPECT_EQ(Value(set, "patroni_cluster_member_state", "state", "other"), 1);
  EXPECT_EQ(FindFamily(set, "patroni_cluster_member_postgres_state"), nullptr);
}

TEST(ClusterTranslateRulesTest, UnknownStateHasNoNumber) {
  const MetricSet set = Translate(OneMember("replica", "unknown"));
  EXPECT_EQ(Value(set, "patroni_cluster_member_state", "state", "unknown"), 1);
  EXPECT_EQ(Value(set, "patroni_cluster_member_state", "state", "other"), 0);
  EXPECT_EQ(FindFamily(set, "patroni_cluster_member_postgres_state"), nullptr);
}

TEST(ClusterTranslateRulesTest, ReplicationStatesMeanRunning) {
  EXPECT_EQ(Value(Translate(OneMember("replica", "streaming")), "patroni_cluster_member_postgres_state", "", ""), 5);
  EXPECT_EQ(
      Value(Translate(OneMember("replica", "in archive recovery")), "patroni_cluster_member_postgres_state", "", ""),
      5);
  EXPECT_EQ(Value(Translate(OneMember("replica", "crashed")), "patroni_cluster_member_postgres_state", "", ""), 14);
  EXPECT_EQ(Value(Translate(OneMember("replica", "initializing new cluster")), "patroni_cluster_member_postgres_state",
                  "", ""),
            0);
}

TEST(ClusterTranslateRulesTest, CallerScopeWinsOverTheBody) {
  ClusterView view = OneMember("leader", "running");
  view.scope = "from-body";
  MetricSet set;
  TranslateCluster(view, "from-caller", &set);
  for (const auto& family : set.families()) {
    for (const auto& metric : family.metric) EXPECT_EQ(Label(metric, "scope"), "from-caller") << family.name;
  }
}

TEST(ClusterTranslateRulesTest, LagUnknownOnlyForKindsSent) {
  ClusterView view = OneMember("replica", "streaming");
  view.members[0].lag.bytes = 10;
  view.members[0].replay_lag.unknown = true;
  const MetricSet set = Translate(view);
  const auto unknown = FindFamily(set, "patroni_cluster_member_lag_unknown");
  ASSERT_NE(unknown, nullptr);
  ASSERT_EQ(unknown->metric.size(), 2u);
  EXPECT_EQ(Label(unknown->metric[0], "kind"), "lag");
  EXPECT_EQ(unknown->metric[0].gauge.value, 0);
  EXPECT_EQ(Label(unknown->metric[1], "kind"), "replay_lag");
  EXPECT_EQ(unknown->metric[1].gauge.value, 1);
  EXPECT_EQ(FindFamily(set, "patroni_cluster_member_replay_lag_bytes"), nullptr);
  EXPECT_EQ(FindFamily(set, "patroni_cluster_member_receive_lag_bytes"), nullptr);
}

TEST(ClusterTranslateRulesTest, UnreadableTimestampsGiveNoSample) {
  ClusterView view = OneMember("replica", "running");
  view.scheduled_switchover_at_text = "soon";
  view.members[0].scheduled_restart_text = "tonight";
  const MetricSet set = Translate(view);
  EXPECT_EQ(FindFamily(set, "patroni_cluster_scheduled_switchover_timestamp_seconds"), nullptr);
  EXPECT_EQ(FindFamily(set, "patroni_cluster_member_scheduled_restart_timestamp_seconds"), nullptr);
}

TEST(ClusterTranslateRulesTest, TagAndAddressTexts) {
  ClusterView view = OneMember("replica", "running");
  view.members[0].tags.nofailover = false;
  view.members[0].tags.nosync = true;
  view.members[0].tags.failover_priority = 3;
  view.members[0].port = 5432;
  const MetricSet set = Translate(view);
  const auto tags = FindFamily(set, "patroni_cluster_member_tags_info");
  ASSERT_NE(tags, nullptr);
  EXPECT_EQ(Label(tags->metric.at(0), "nofailover"), "false");
  EXPECT_EQ(Label(tags->metric.at(0), "noloadbalance"), "");
  EXPECT_EQ(Label(tags->metric.at(0), "nosync"), "true");
  EXPECT_EQ(Label(tags->metric.at(0), "failover_priority"), "3");
  const auto info = FindFamily(set, "patroni_cluster_member_info");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(Label(info->metric.at(0), "port"), "5432");
  EXPECT_EQ(Label(info->metric.at(0), "host"), "");
}

TEST(ClusterTranslateRulesTest, EmptyClusterHasOnlyClusterFamilies) {
  MetricSet set;
  TranslateCluster(ClusterView{}, "demo", &set);
  EXPECT_EQ(testing::SerializeBothWays(set),
            "# HELP patroni_cluster_members Number of members in the cluster, as GET /cluster lists them.\n"
            "# TYPE patroni_cluster_members gauge\n"
            "patroni_cluster_members{scope=\"demo\"} 0\n"
            "# HELP patroni_cluster_leader_members Members whose role is leader or standby_leader: 1 in a healthy "
            "cluster, 0 while nobody holds the leader lock.\n"
            "# TYPE patroni_cluster_leader_members gauge\n"
            "patroni_cluster_leader_members{scope=\"demo\"} 0\n"
            "# HELP patroni_cluster_paused Value is 1 if the cluster is in maintenance mode (paused), 0 otherwise.\n"
            "# TYPE patroni_cluster_paused gauge\n"
            "patroni_cluster_paused{scope=\"demo\"} 0\n");
}

}  // namespace
}  // namespace patroni_exporter
