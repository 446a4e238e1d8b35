// What only Patroni 4.x does, on the real 4.0.7 lab (scripts/lab.sh LAB_PATRONI=4; scripts/test.sh runs these in
// its Patroni 4.0 pass): quorum-based synchronous replication (synchronous_mode: quorum, the quorum_standby
// role, and what PatroniSyncStandbyMissing reads when every quorum standby is gone), failsafe mode with the DCS
// stopped (failsafe_mode_is_active, the primary kept, and what PatroniClusterUnlocked reads), and the member name
// 4.x always sends in GET /patroni. On a 3.0.2 lab they skip at once (3.0.2 has failsafe mode, drilled by
// scripts/alerting-lab.sh; quorum mode and the name in /patroni it has not).
#include <curl/curl.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/support/lab.h"

namespace patroni_exporter {
namespace {

using namespace patroni_exporter::testing;
using std::chrono::seconds;

class Patroni4Test : public LabClusterTest {
 protected:
  void SetUp() override {
    LabClusterTest::SetUp();
    if (HasFatalFailure()) return;
    if (LabPatroniVersion(lab_) < 40000) GTEST_SKIP() << "Patroni " << lab_["LAB_PATRONI_VERSION"] << ": 4.x only";
  }

  std::unique_ptr<ExporterProcess> Start(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> flags = {"--patroni.discovery", "on", "--patroni.timeout", "2s"};
    for (const std::string& url : urls_) flags.insert(flags.end(), {"--patroni.url", url});
    flags.insert(flags.end(), extra.begin(), extra.end());
    auto exporter = std::make_unique<ExporterProcess>(flags);
    EXPECT_TRUE(exporter->ready());
    return exporter;
  }
  std::size_t Leader(const std::string& text) const { return PrimaryIndex(text, names_); }
  // Every member answers, one primary, the others running replicas (the lab's idea of healthy, as seen here).
  bool Healthy(ExporterProcess& exporter) {
    return WaitFor(exporter, seconds(90), [&](const std::string& t) {
      if (Leader(t) >= names_.size()) return false;
      for (const std::string& n : names_) {
        if (Find(t, "patroni_postgres_running", {"name=\"" + n + "\""}) != 1) return false;
      }
      return Find(t, "patroni_cluster_leader_members", {scope_}) == 1;
    });
  }
  // Members in `role` in the cluster view, and with the node family `node_family` at 1.
  int InRole(const std::string& text, const std::string& role, const std::string& node_family) const {
    int both = 0;
    for (const std::string& n : names_) {
      both += Find(text, "patroni_cluster_member_role", {"member=\"" + n + "\"", "role=\"" + role + "\""}) == 1 &&
              Find(text, node_family, {"name=\"" + n + "\""}) == 1;
    }
    return both;
  }
};

// 4.x puts patroni.name into GET /patroni: an exporter that asks one member's /patroni and nothing else (no
// discovery, no cluster view, no /config or /history) still names it, not by HOST:PORT.
TEST_F(Patroni4Test, MemberNameComesFromPatroniItself) {
  for (std::size_t i = 0; i < urls_.size(); ++i) {
    ExporterProcess exporter({"--patroni.url", urls_[i], "--patroni.discovery", "off", "--no-collector.cluster",
                              "--no-collector.config", "--no-collector.history"});
    ASSERT_TRUE(exporter.ready());
    const std::string text = exporter.Get("/metrics");
    EXPECT_EQ(Find(text, "patroni_postgres_running", {"name=\"" + names_[i] + "\"", scope_}), 1) << text;
    EXPECT_FALSE(Find(text, "patroni_cluster_member_role", {})) << "the cluster view was off";
  }
}

// synchronous_mode: quorum turns both replicas into quorum standbys (both views); with both replicas stopped no
// quorum standby is left while the configuration still says quorum: PatroniSyncStandbyMissing's mode="quorum"
// form (config mode quorum, no quorum_standby in either view) holds. The replicas come back as quorum standbys.
TEST_F(Patroni4Test, QuorumModeMakesQuorumStandbysAndLosesThemWithTheReplicas) {
  auto exporter = Start();
  ASSERT_TRUE(Healthy(*exporter));
  Lab("patronictl edit-config --force -s synchronous_mode=quorum");
  std::string text;
  const bool quorum = WaitFor(*exporter, seconds(60), [&](const std::string& t) {
    text = t;
    return Find(t, "patroni_config_synchronous_mode", {scope_, "mode=\"quorum\""}) == 1 &&
           InRole(t, "quorum_standby", "patroni_quorum_standby") == 2;
  });
  EXPECT_TRUE(quorum) << text;
  const std::size_t leader = Leader(text);
  ASSERT_LT(leader, names_.size());
  std::vector<std::string> replicas;
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (i != leader) replicas.push_back(names_[i]);
  }
  for (const std::string& r : replicas) Lab("stop-patroni " + r);
  const bool missing = WaitFor(*exporter, seconds(90), [&](const std::string& t) {
    text = t;
    int quorum_standbys = 0;
    for (const std::string& n : names_) {
      quorum_standbys +=
          Find(t, "patroni_cluster_member_role", {"member=\"" + n + "\"", "role=\"quorum_standby\""}) == 1;
      quorum_standbys += Find(t, "patroni_quorum_standby", {"name=\"" + n + "\""}) == 1;
    }
    return quorum_standbys == 0 && Find(t, "patroni_config_synchronous_mode", {scope_, "mode=\"quorum\""}) == 1 &&
           Find(t, "patroni_primary", {"name=\"" + names_[leader] + "\""}) == 1;
  });
  for (const std::string& r : replicas) Lab("start-patroni " + r);
  EXPECT_TRUE(missing) << text;
  EXPECT_TRUE(WaitFor(*exporter, seconds(90), [&](const std::string& t) {
    text = t;
    return InRole(t, "quorum_standby", "patroni_quorum_standby") == 2;
  })) << text;
  Lab("patronictl edit-config --force -s synchronous_mode=false");
  EXPECT_TRUE(WaitFor(*exporter, seconds(30), [&](const std::string& t) {
    return Find(t, "patroni_config_synchronous_mode", {scope_, "mode=\"off\""}) == 1 &&
           InRole(t, "quorum_standby", "patroni_quorum_standby") == 0;
  }));
  EXPECT_TRUE(Healthy(*exporter));
}

// failsafe_mode: true, then etcd stopped for longer than the TTL: the primary stays primary (without failsafe mode
// it demotes itself after about ttl/2, docs/lab.md pitfall 13) and says failsafe_mode_is_active; the replicas,
// which answer its POST /failsafe, keep running. PatroniClusterUnlocked's node-view form excludes a scope whose
// failsafe mode is active; PatroniFailsafeActive reads the same family.
TEST_F(Patroni4Test, FailsafeModeKeepsThePrimaryWhileTheDcsIsAway) {
  // An edit of failsafe_mode changes nothing GET /cluster shows, so the exporter sees it when its cached /config
  // is refreshed: a short interval here (default 1m) keeps the waits below within their bounds, through the cache.
  auto exporter = Start({"--patroni.config-refresh-interval", "5s"});
  ASSERT_TRUE(Healthy(*exporter));
  Lab("patronictl edit-config --force -s failsafe_mode=true");
  std::string text;
  ASSERT_TRUE(WaitFor(*exporter, seconds(30), [&](const std::string& t) {
    text = t;
    return Find(t, "patroni_config_failsafe_mode_enabled", {scope_}) == 1;
  })) << text;
  std::this_thread::sleep_for(seconds(2 * std::stoi(lab_["LAB_LOOP_WAIT"])));  // every member read it
  const std::size_t leader = Leader(exporter->Get("/metrics"));
  ASSERT_LT(leader, names_.size());
  const std::string who = "name=\"" + names_[leader] + "\"";
  Lab("stop-etcd");
  const auto stopped = std::chrono::steady_clock::now();
  const bool active = WaitFor(*exporter, seconds(60), [&](const std::string& t) {
    text = t;
    return Find(t, "patroni_failsafe_mode_is_active", {who}) == 1;
  });
  // Past the TTL (and well past ttl/2, when a leader without failsafe mode demotes itself): still the primary.
  const auto past_ttl = stopped + seconds(std::stoi(lab_["LAB_TTL"]) + 10);
  std::this_thread::sleep_for(past_ttl - std::chrono::steady_clock::now());
  const std::string later = exporter->Get("/metrics");
  Lab("start-etcd");
  EXPECT_TRUE(active) << text;
  EXPECT_EQ(Find(later, "patroni_primary", {who}), 1) << later;
  EXPECT_EQ(Find(later, "patroni_postgres_running", {who}), 1);
  EXPECT_EQ(Find(later, "patroni_failsafe_mode_is_active", {who}), 1);
  for (const std::string& n : names_)
    EXPECT_EQ(Find(later, "patroni_postgres_running", {"name=\"" + n + "\""}), 1) << n;
  Lab("patronictl edit-config --force -s failsafe_mode=false");
  EXPECT_TRUE(WaitFor(*exporter, seconds(60), [&](const std::string& t) {
    return Find(t, "patroni_failsafe_mode_is_active", {who}) == 0 &&
           Find(t, "patroni_config_failsafe_mode_enabled", {scope_}) == 0;
  }));
  EXPECT_TRUE(Healthy(*exporter));
}

}  // namespace
}  // namespace patroni_exporter
