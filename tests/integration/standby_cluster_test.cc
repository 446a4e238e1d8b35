// A standby cluster on the lab (scripts/lab.sh LAB_STANDBY_OF=<upstream LAB_DIR>): a second Patroni cluster of its
// own scope whose leader, the standby_leader, replicates from the upstream lab's leader. The real binary must show
// the standby_leader in both views, count it as the scope's leader (so PatroniClusterUnlocked has nothing to
// page), and show its lag behind the upstream from the standby's own PostgreSQL view: the WAL receiver streaming
// from the upstream's port, bytes received but not replayed, the replay delay; and that lag growing when the
// standby cluster is told to apply WAL late (standby_cluster.recovery_min_apply_delay).
//
// Needs both labs: the upstream in $LAB_DIR and the standby lab in $PATRONI_EXPORTER_STANDBY_LAB_DIR (default
// /tmp/patroni-exporter-standby-lab). Without the standby lab the tests skip, saying how to start it.
#include <curl/curl.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <thread>

#include "tests/support/lab.h"

namespace patroni_exporter {
namespace {

using namespace patroni_exporter::testing;
using std::chrono::milliseconds;
using std::chrono::seconds;

std::string StandbyLabDir() {
  const char* dir = std::getenv("PATRONI_EXPORTER_STANDBY_LAB_DIR");
  return dir != nullptr && *dir != '\0' ? dir : "/tmp/patroni-exporter-standby-lab";
}

class StandbyClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    standby_ = ReadLabEnvAt(StandbyLabDir());
    if (standby_["LAB_STANDBY_OF"].empty()) {
      GTEST_SKIP() << "no standby lab in " << StandbyLabDir() << ": LAB_DIR=" << StandbyLabDir()
                   << " LAB_STANDBY_OF=<the upstream's LAB_DIR> LAB_MEMBERS=2 scripts/lab.sh up";
    }
    upstream_ = ReadLabEnvAt(standby_["LAB_STANDBY_OF"]);
    ASSERT_FALSE(upstream_.empty()) << "the upstream lab " << standby_["LAB_STANDBY_OF"] << " is not up";
    urls_ = Split(standby_["LAB_PATRONI_URLS"]);
    names_ = Split(standby_["LAB_MEMBER_NAMES"]);
    ports_ = Split(standby_["LAB_PG_PORTS"]);
    scope_ = standby_["LAB_SCOPE"];
  }

  std::unique_ptr<ExporterProcess> Start() {
    std::vector<std::string> flags = {
        "--patroni.discovery",
        "on",
        "--patroni.timeout",
        "2s",
        "--postgres.dsn-template",
        "user=postgres dbname=postgres sslmode=disable connect_timeout=2 passfile=" + standby_.at("LAB_PGPASSFILE")};
    for (const std::string& url : urls_) flags.insert(flags.end(), {"--patroni.url", url});
    auto exporter = std::make_unique<ExporterProcess>(flags);
    EXPECT_TRUE(exporter->ready());
    return exporter;
  }
  static bool WaitFor(const ExporterProcess& exporter, seconds limit,
                      const std::function<bool(const std::string&)>& condition) {
    return WaitForMetrics(exporter, limit, condition);
  }
  // The member of the standby cluster whose own /patroni says standby_leader; names_.size() if none.
  std::size_t StandbyLeader(const std::string& text) const {
    for (std::size_t i = 0; i < names_.size(); ++i) {
      if (Find(text, "patroni_standby_leader", {"name=\"" + names_[i] + "\""}) == 1) return i;
    }
    return names_.size();
  }
  // psql as the superuser on the upstream's leader (the lab's patronictl says which member leads).
  std::string PsqlUpstreamLeader(const std::string& sql) const {
    const std::string port = RunCommand("LAB_DIR=" + standby_.at("LAB_STANDBY_OF") + " " +
                                        PATRONI_EXPORTER_SOURCE_DIR
                                        "/scripts/lab.sh patronictl list -f json | "
                                        "python3 -c 'import json,sys; print([m[\"Host\"].rsplit(\":\",1)[1] for m "
                                        "in json.load(sys.stdin) if m[\"Role\"] == \"Leader\"][0])'");
    return RunCommand("PGPASSFILE=" + upstream_.at("LAB_PGPASSFILE") + " psql -X -q -At -h 127.0.0.1 -p " +
                      port.substr(0, port.find('\n')) + " -U postgres -d postgres -c \"" + sql + "\" 2>&1");
  }
  std::string StandbyPatronictl(const std::string& args) const {
    return RunCommand("LAB_DIR=" + StandbyLabDir() + " " PATRONI_EXPORTER_SOURCE_DIR "/scripts/lab.sh patronictl " +
                      args + " 2>&1");
  }

  std::map<std::string, std::string> standby_, upstream_;
  std::vector<std::string> urls_, names_, ports_;
  std::string scope_;
};

TEST_F(StandbyClusterTest, StandbyLeaderIsTheScopesLeaderAndStreamsFromTheUpstream) {
  auto exporter = Start();
  std::string text;
  std::size_t leader = names_.size();
  ASSERT_TRUE(WaitFor(*exporter, seconds(30), [&](const std::string& t) {
    text = t;
    leader = StandbyLeader(t);
    return leader < names_.size() &&
           Find(t, "patroni_pg_wal_receiver_streaming", {"name=\"" + names_[leader] + "\""}) == 1;
  })) << text;
  const std::string who = "name=\"" + names_[leader] + "\"";
  const std::string member = "member=\"" + names_[leader] + "\"";
  // Both views say standby_leader, and the cluster view counts it as the scope's leader: the expression of
  // PatroniClusterUnlocked (max by (scope) (patroni_cluster_leader_members) == 0) has nothing to fire on.
  EXPECT_EQ(Find(text, "patroni_cluster_member_role", {member, "role=\"standby_leader\""}), 1) << text;
  EXPECT_EQ(Find(text, "patroni_cluster_leader_members", {"scope=\"" + scope_ + "\""}), 1);
  EXPECT_EQ(Find(text, "patroni_primary", {who}), 0);
  EXPECT_EQ(Find(text, "patroni_cluster_unlocked", {who}), 0);
  // PostgreSQL's view of the standby leader: in recovery, its WAL receiver streams from the upstream leader's
  // port (lab.env's LAB_STANDBY_UPSTREAM_PORT), nothing received is left unreplayed once idle.
  EXPECT_EQ(Find(text, "patroni_pg_in_recovery", {who}), 1);
  EXPECT_EQ(Find(text, "patroni_pg_wal_receiver_info",
                 {who, "status=\"streaming\"", "sender_port=\"" + standby_.at("LAB_STANDBY_UPSTREAM_PORT") + "\""}),
            1)
      << text;
  EXPECT_TRUE(WaitFor(*exporter, seconds(20), [&](const std::string& t) {
    return Find(t, "patroni_pg_replay_lag_bytes", {who}) == 0 && Find(t, "patroni_pg_replay_delay_seconds", {who}) == 0;
  }));
  // Its own replicas cascade from it, inside the standby scope.
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (i == leader) continue;
    EXPECT_EQ(Find(text, "patroni_cluster_member_role", {"member=\"" + names_[i] + "\"", "role=\"replica\""}), 1);
    EXPECT_EQ(Find(text, "patroni_pg_replication_senders", {who}).value_or(0) >= 1, true) << text;
  }
  // What the upstream writes arrives.
  PsqlUpstreamLeader(
      "CREATE TABLE IF NOT EXISTS exporter_standby_test (t timestamptz); "
      "INSERT INTO exporter_standby_test VALUES (now())");
  std::string seen;
  for (int i = 0; i < 60 && seen != "t\n"; ++i) {
    seen =
        RunCommand("PGPASSFILE=" + standby_.at("LAB_PGPASSFILE") + " psql -X -q -At -h 127.0.0.1 -p " + ports_[leader] +
                   " -U postgres -d postgres -c "
                   "\"SELECT count(*) > 0 FROM exporter_standby_test\" 2>&1");
    std::this_thread::sleep_for(milliseconds(500));
  }
  EXPECT_EQ(seen, "t\n");
}

TEST_F(StandbyClusterTest, ApplyDelayShowsAsReplayLagOfTheStandbyLeader) {
  auto exporter = Start();
  std::size_t leader = names_.size();
  ASSERT_TRUE(WaitFor(*exporter, seconds(30), [&](const std::string& t) {
    leader = StandbyLeader(t);
    return leader < names_.size();
  }));
  const std::string who = "name=\"" + names_[leader] + "\"";
  // Patroni passes standby_cluster.recovery_min_apply_delay to the standby leader's recovery settings.
  StandbyPatronictl("edit-config --force -s standby_cluster.recovery_min_apply_delay=600s");
  std::string text;
  bool behind = false;
  for (int i = 0; i < 90 && !behind; ++i) {
    PsqlUpstreamLeader(
        "CREATE TABLE IF NOT EXISTS exporter_standby_test (t timestamptz); "
        "INSERT INTO exporter_standby_test VALUES (now())");
    text = exporter->Get("/metrics");
    // Received but held back: bytes waiting for replay, and a delay of seconds that grows with the wall clock.
    behind = Find(text, "patroni_pg_replay_lag_bytes", {who}).value_or(0) > 0 &&
             Find(text, "patroni_pg_replay_delay_seconds", {who}).value_or(0) >= 10 &&
             Find(text, "patroni_pg_wal_receiver_streaming", {who}) == 1;
    if (!behind) std::this_thread::sleep_for(seconds(1));
  }
  StandbyPatronictl("edit-config --force -s standby_cluster.recovery_min_apply_delay=null");
  EXPECT_TRUE(behind) << text;
  EXPECT_EQ(Find(text, "patroni_cluster_leader_members", {"scope=\"" + scope_ + "\""}), 1);
  // Once the delay is gone the standby leader catches up.
  EXPECT_TRUE(WaitFor(*exporter, seconds(60),
                      [&](const std::string& t) { return Find(t, "patroni_pg_replay_lag_bytes", {who}) == 0; }));
}

}  // namespace
}  // namespace patroni_exporter
