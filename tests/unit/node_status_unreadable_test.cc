// A /patroni field sent with a type the exporter cannot read is unknown: its sample is absent, never the 0
// Patroni's native /metrics prints for a field it did not send (found by tests/faults/fault_matrix.py).
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "collectors/patroni/node_status_parse.h"
#include "collectors/patroni/node_status_translate.h"

namespace patroni_exporter {
namespace {

std::optional<double> Value(const MetricSet& set, const std::string& family) {
  for (const auto& f : set.families()) {
    if (f.name == family && !f.metric.empty()) return f.metric[0].gauge.value;
  }
  return std::nullopt;
}

// A 4.1.0 replica that sends every field this test touches, each with the type Patroni gives it.
std::string Replica(const std::string& replace_key = "", const std::string& with = "") {
  std::string body =
      R"({"state":"running","role":"replica","server_version":170002,"timeline":5,)"
      R"("xlog":{"received_location":100,"replayed_location":90,"replayed_timestamp":null,"paused":false},)"
      R"("replication_state":"streaming","dcs_last_seen":1760433149,"pause":true,"pending_restart":true,)"
      R"("cluster_unlocked":true,"failsafe_mode_is_active":true,"sync_standby":true,"quorum_standby":true,)"
      R"("watchdog_failed":true,"postmaster_start_time":"2025-10-13 22:05:37.660428+00:00",)"
      R"("patroni":{"version":"4.1.0","scope":"s","name":"m1"}})";
  if (!replace_key.empty()) {
    const std::string key = "\"" + replace_key + "\":";
    const std::size_t at = body.find(key) + key.size();
    std::size_t end = at;
    int depth = 0;
    for (; end < body.size(); ++end) {
      const char c = body[end];
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') {
        if (depth == 0) break;
        --depth;
      }
      if (c == ',' && depth == 0) break;
    }
    body.replace(at, end - at, with);
  }
  return body;
}

MetricSet Translate(const std::string& body, std::vector<std::string>* unreadable = nullptr) {
  NodeStatusParseResult parsed = ParseNodeStatus(body);
  EXPECT_TRUE(parsed.value) << parsed.error;
  MetricSet set;
  if (!parsed.value) return set;
  if (unreadable) *unreadable = parsed.value->unreadable;
  TranslateNodeStatus(*parsed.value, "m1", {}, &set);
  return set;
}

struct Mistyped {
  const char* key;     // field replaced
  const char* with;    // its wrong-typed value
  const char* field;   // NodeStatus::unreadable entry expected
  const char* family;  // the family that must disappear
};

class NodeStatusUnreadableTest : public ::testing::TestWithParam<Mistyped> {};

TEST_P(NodeStatusUnreadableTest, FamilyAbsentNotZero) {
  const Mistyped& m = GetParam();
  ASSERT_TRUE(Value(Translate(Replica()), m.family)) << "the well-typed body must export " << m.family;
  std::vector<std::string> unreadable;
  const MetricSet set = Translate(Replica(m.key, m.with), &unreadable);
  EXPECT_EQ(unreadable, std::vector<std::string>{m.field});
  EXPECT_FALSE(Value(set, m.family)) << m.family << " = " << Value(set, m.family).value_or(-1);
  EXPECT_EQ(Value(set, "patroni_replica"), 1);  // the rest of the member stays
}

INSTANTIATE_TEST_SUITE_P(
    Fields, NodeStatusUnreadableTest,
    ::testing::Values(
        Mistyped{"timeline", "\"5\"", "timeline", "patroni_postgres_timeline"},
        Mistyped{"server_version", "true", "server_version", "patroni_postgres_server_version"},
        Mistyped{"pause", "\"true\"", "pause", "patroni_is_paused"},
        Mistyped{"pending_restart", "1", "pending_restart", "patroni_pending_restart"},
        Mistyped{"cluster_unlocked", "1", "cluster_unlocked", "patroni_cluster_unlocked"},
        Mistyped{"failsafe_mode_is_active", "\"yes\"", "failsafe_mode_is_active", "patroni_failsafe_mode_is_active"},
        Mistyped{"sync_standby", "1", "sync_standby", "patroni_sync_standby"},
        Mistyped{"quorum_standby", "1", "quorum_standby", "patroni_quorum_standby"},
        Mistyped{"watchdog_failed", "[]", "watchdog_failed", "patroni_watchdog_failed"},
        Mistyped{"replication_state", "7", "replication_state", "patroni_postgres_streaming"},
        Mistyped{"postmaster_start_time", "1760393137", "postmaster_start_time", "patroni_postmaster_start_time"},
        Mistyped{"received_location", "\"100\"", "xlog.received_location", "patroni_xlog_received_location"},
        Mistyped{"paused", "0", "xlog.paused", "patroni_xlog_paused"},
        Mistyped{"replayed_timestamp", "12", "xlog.replayed_timestamp", "patroni_xlog_replayed_timestamp"},
        Mistyped{"xlog", "[]", "xlog", "patroni_xlog_location"}),
    [](const auto& param_info) {
      std::string name = param_info.param.field;  // test names: letters and digits only
      for (char& c : name) c = (c == '.' || c == '_') ? 'X' : c;
      return name;
    });

TEST(NodeStatusUnreadableTest, WholeXlogOfTheWrongTypeDropsEveryXlogFamily) {
  const MetricSet set = Translate(Replica("xlog", "\"0/3000060\""));
  for (const char* family :
       {"patroni_xlog_location", "patroni_xlog_received_location", "patroni_xlog_replayed_location",
        "patroni_xlog_replayed_timestamp", "patroni_xlog_paused"}) {
    EXPECT_FALSE(Value(set, family)) << family;
  }
}

TEST(NodeStatusUnreadableTest, FieldsNotSentKeepTheNativeZero) {
  // What Patroni does not send is still the native 0 (a stopped replica, an old version's missing flags).
  const MetricSet set =
      Translate(R"({"state":"stopped","role":"replica","patroni":{"version":"4.1.0","scope":"s","name":"m1"}})");
  EXPECT_EQ(Value(set, "patroni_postgres_timeline"), 0);
  EXPECT_EQ(Value(set, "patroni_postgres_server_version"), 0);
  EXPECT_EQ(Value(set, "patroni_is_paused"), 0);
  EXPECT_EQ(Value(set, "patroni_xlog_received_location"), 0);
}

TEST(NodeStatusUnreadableTest, NullIsNotSentNotUnreadable) {
  // Patroni 4.0.0-4.0.1 send "timeline": null on purpose (tests/testdata/patroni README).
  std::vector<std::string> unreadable;
  const MetricSet set = Translate(Replica("timeline", "null"), &unreadable);
  EXPECT_TRUE(unreadable.empty());
  EXPECT_EQ(Value(set, "patroni_postgres_timeline"), 0);
}

}  // namespace
}  // namespace patroni_exporter
