// MemberDirectory and the postgres collector's use of it: which members are remembered, for how long, which
// PostgreSQL servers a scrape queries, and when a writable PostgreSQL is an orphaned primary. Pure: no network.
#include "collectors/member_directory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <thread>

#include "collectors/postgres/postgres_collector.h"

namespace patroni_exporter {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

BaseUrl Url(const std::string& text) {
  std::string error;
  return *ParseBaseUrl(text, &error);
}

ListedMember Listed(const std::string& name, int api_port, int pg_port, bool leader) {
  ListedMember m;
  m.name = name;
  m.api_url = Url("http://127.0.0.1:" + std::to_string(api_port));
  m.pg_host = "127.0.0.1";
  m.pg_port = pg_port;
  m.leader = leader;
  return m;
}

ClusterTarget Cluster(const std::string& name, std::vector<BaseUrl> seeds, bool discovery) {
  ClusterTarget t;
  t.name = name;
  t.seeds = std::move(seeds);
  t.discovery = discovery;
  return t;
}

TEST(MemberDirectoryTest, AMemberTheClusterStopsListingIsRememberedUntilTheRetentionEnds) {
  MemberDirectory directory(minutes(10));
  const Clock::time_point t0 = Clock::now();
  directory.ObserveCluster("default", "demo", {Listed("node1", 8009, 5433, true), Listed("node2", 8010, 5434, false)},
                           t0);
  // node1's Patroni dies: its key expires, /cluster lists node2 alone (now the leader).
  directory.ObservePatroniFailure(Url("http://127.0.0.1:8009"));
  directory.ObserveCluster("default", "demo", {Listed("node2", 8010, 5434, true)}, t0 + seconds(40));

  std::vector<DirectoryMember> known = directory.Snapshot(t0 + minutes(9));
  ASSERT_EQ(known.size(), 2u);
  EXPECT_EQ(known[0].name, "node1");
  EXPECT_FALSE(known[0].listed);
  EXPECT_FALSE(known[0].holds_leader_lock);
  EXPECT_EQ(known[0].patroni_answered, false);
  EXPECT_EQ(known[0].pg_port, 5433);
  EXPECT_TRUE(known[1].holds_leader_lock);
  EXPECT_EQ(known[1].patroni_answered, std::nullopt);  // never asked

  known = directory.Snapshot(t0 + minutes(10) + seconds(1));  // node1 last seen at t0
  ASSERT_EQ(known.size(), 1u);
  EXPECT_EQ(known[0].name, "node2");
}

TEST(MemberDirectoryTest, AnAnsweringMemberStaysAndIsFoundByItsRestApi) {
  MemberDirectory directory(seconds(30));
  const Clock::time_point t0 = Clock::now();
  const BaseUrl api = Url("http://127.0.0.1:8011");
  directory.ObservePatroniAnswer("default", api, "demo", "node3", false, t0);
  directory.ObservePatroniAnswer("default", api, "demo", "node3", false, t0 + seconds(25));
  EXPECT_EQ(directory.Snapshot(t0 + seconds(50)).size(), 1u);
  ASSERT_TRUE(directory.FindByApiUrl(Url("http://127.0.0.1:8011/patroni")));
  EXPECT_EQ(directory.FindByApiUrl(api)->name, "node3");
  EXPECT_EQ(directory.PatroniAnswered(api), true);
  EXPECT_THAT(directory.ApiHostPorts(), ::testing::ElementsAre("127.0.0.1:8011"));
  EXPECT_FALSE(directory.FindByApiUrl(Url("http://127.0.0.1:8012")));
}

TEST(MemberDirectoryTest, ANameLearnedLaterReplacesTheHostPortStandIn) {
  MemberDirectory directory(minutes(10));
  const Clock::time_point t0 = Clock::now();
  // Patroni < 3.2 sends no name: until /cluster lists it, the member is its REST API's HOST:PORT.
  directory.ObservePatroniAnswer("default", Url("http://127.0.0.1:8009"), "demo", "127.0.0.1:8009", true, t0);
  directory.ObserveCluster("default", "demo", {Listed("node1", 8009, 5433, true)}, t0 + seconds(5));
  const std::vector<DirectoryMember> known = directory.Snapshot(t0 + seconds(6));
  ASSERT_EQ(known.size(), 1u);
  EXPECT_EQ(known[0].name, "node1");
}

TEST(MemberDirectoryTest, TheClusterIsTheAuthorityOnTheLockWhileItListsTheMember) {
  MemberDirectory directory(minutes(10));
  const Clock::time_point t0 = Clock::now();
  directory.ObserveCluster("default", "demo", {Listed("node1", 8009, 5433, false)}, t0);
  directory.ObservePatroniAnswer("default", Url("http://127.0.0.1:8009"), "demo", "node1", true, t0);
  EXPECT_FALSE(directory.Snapshot(t0)[0].holds_leader_lock);
}

TEST(MemberDirectoryTest, WaitForFirstUpdateReturnsAtOnceAfterAnUpdateAndTimesOutBefore) {
  MemberDirectory directory(minutes(10));
  EXPECT_FALSE(directory.WaitForFirstUpdate(Clock::now() + std::chrono::milliseconds(20)));
  directory.MarkUpdated();
  EXPECT_TRUE(directory.WaitForFirstUpdate(Clock::now()));
}

TEST(PgTargetsTest, ClusterModeQueriesEveryRememberedMemberOfADiscoveryCluster) {
  MemberDirectory directory(minutes(10));
  const Clock::time_point t0 = Clock::now();
  directory.ObserveCluster("default", "demo", {Listed("node1", 8009, 5433, true), Listed("node2", 8010, 5434, false)},
                           t0);
  directory.ObserveCluster("default", "demo", {Listed("node2", 8010, 5434, true)}, t0 + seconds(40));
  directory.ObservePatroniFailure(Url("http://127.0.0.1:8009"));
  const std::vector<PgTarget> targets =
      PlanPgTargets(directory.Snapshot(t0 + seconds(41)), {Cluster("default", {Url("http://127.0.0.1:8010")}, true)},
                    /*template_names_server=*/false, directory);
  ASSERT_EQ(targets.size(), 2u);
  EXPECT_EQ(targets[0].name, "node1");  // no longer listed, still queried
  EXPECT_EQ(targets[0].port, 5433);
  EXPECT_EQ(targets[0].patroni_answered, false);
  EXPECT_EQ(targets[1].name, "node2");
  EXPECT_TRUE(targets[1].holds_leader_lock);
}

TEST(PgTargetsTest, WithoutDiscoveryOnlyTheSeedsMembersAreQueried) {
  MemberDirectory directory(minutes(10));
  directory.ObserveCluster("default", "demo", {Listed("node1", 8009, 5433, true), Listed("node2", 8010, 5434, false)},
                           Clock::now());
  const std::vector<PgTarget> targets =
      PlanPgTargets(directory.Snapshot(Clock::now()), {Cluster("default", {Url("http://127.0.0.1:8010")}, false)},
                    false, directory);
  ASSERT_EQ(targets.size(), 1u);
  EXPECT_EQ(targets[0].name, "node2");
}

TEST(PgTargetsTest, AHostInTheTemplateWithManySeedsStillQueriesEachMember) {
  MemberDirectory directory(minutes(10));
  directory.ObserveCluster("default", "demo", {Listed("node1", 8009, 5433, true), Listed("node2", 8010, 5434, false)},
                           Clock::now());
  const std::vector<PgTarget> targets = PlanPgTargets(
      directory.Snapshot(Clock::now()),
      {Cluster("default", {Url("http://127.0.0.1:8009"), Url("http://127.0.0.1:8010")}, true)}, true, directory);
  ASSERT_EQ(targets.size(), 2u);
  EXPECT_EQ(targets[1].host, "127.0.0.1");
  EXPECT_EQ(targets[1].port, 5434);
}

TEST(PgTargetsTest, LocalModeQueriesTheSeedsServerWithoutAnyPatroniAnswer) {
  MemberDirectory directory(minutes(10));
  const BaseUrl seed = Url("http://127.0.0.1:8009");
  // Nothing known yet: the server is still queried, named by the seed; scope comes from cluster_name.
  std::vector<PgTarget> targets = PlanPgTargets({}, {Cluster("default", {seed}, false)}, true, directory);
  ASSERT_EQ(targets.size(), 1u);
  EXPECT_EQ(targets[0].scope, "");
  EXPECT_EQ(targets[0].name, "127.0.0.1:8009");
  EXPECT_EQ(targets[0].host, "");
  EXPECT_EQ(targets[0].patroni_answered, std::nullopt);

  directory.ObservePatroniAnswer("default", seed, "demo", "node1", true, Clock::now());
  directory.ObservePatroniFailure(seed);  // then its Patroni dies
  targets = PlanPgTargets(directory.Snapshot(Clock::now()), {Cluster("default", {seed}, false)}, true, directory);
  ASSERT_EQ(targets.size(), 1u);
  EXPECT_EQ(targets[0].scope, "demo");
  EXPECT_EQ(targets[0].name, "node1");
  EXPECT_EQ(targets[0].patroni_answered, false);
}

// The newer view, as the postgres collector would answer it: counts how often it is asked.
struct NewerView {
  bool holds_lock = false;
  int asked = 0;
  std::function<bool()> Ask() {
    return [this] {
      ++asked;
      return holds_lock;
    };
  }
};

TEST(OrphanedPrimaryTest, WritableWithoutTheLockOrWithoutPatroniIsOrphaned) {
  NewerView newer;  // no lock there either
  PgTarget leader{"demo", "node1", "127.0.0.1", 5433, /*holds_leader_lock=*/true, /*patroni_answered=*/true};
  EXPECT_EQ(OrphanedPrimary(/*in_recovery=*/false, leader, newer.Ask()), false);
  EXPECT_EQ(OrphanedPrimary(true, leader, newer.Ask()), false);

  PgTarget demoted_but_writable = leader;
  demoted_but_writable.holds_leader_lock = false;
  EXPECT_EQ(OrphanedPrimary(false, demoted_but_writable, newer.Ask()), true);
  EXPECT_EQ(OrphanedPrimary(true, demoted_but_writable, newer.Ask()), false);  // a replica

  PgTarget patroni_dead = leader;
  patroni_dead.patroni_answered = false;  // even while the lock has not expired yet
  EXPECT_EQ(OrphanedPrimary(false, patroni_dead, newer.Ask()), true);

  PgTarget never_asked = demoted_but_writable;
  never_asked.patroni_answered = std::nullopt;
  EXPECT_EQ(OrphanedPrimary(false, never_asked, newer.Ask()), std::nullopt);  // unknown: no sample
  EXPECT_EQ(OrphanedPrimary(true, never_asked, newer.Ask()), false);
  // Only the writable member without the lock in the older view needed the newer one.
  EXPECT_EQ(newer.asked, 1);
}

// A switchover's new leader takes the lock, then promotes: PostgreSQL may answer writable to a scrape that began
// with the view from before the lock. The newer view has the lock: no orphan.
TEST(OrphanedPrimaryTest, APromotionNewerThanTheOlderViewIsNoOrphanWhenTheNewerViewHasTheLock) {
  NewerView newer;
  newer.holds_lock = true;
  const PgTarget candidate{"demo", "node2", "127.0.0.1", 5434, /*holds_leader_lock=*/false, /*patroni_answered=*/true};
  EXPECT_EQ(OrphanedPrimary(/*in_recovery=*/false, candidate, newer.Ask()), false);
  EXPECT_EQ(newer.asked, 1);
  newer.holds_lock = false;  // a writable member that takes no lock in either view is one
  EXPECT_EQ(OrphanedPrimary(false, candidate, newer.Ask()), true);
}

TEST(MemberDirectoryTest, WaitForUpdatesBegunWaitsOnlyForTheUpdatesUnderWay) {
  MemberDirectory directory(minutes(10));
  EXPECT_TRUE(directory.WaitForUpdatesBegun(Clock::now()));  // none under way: at once, even past the time
  directory.BeginUpdate();
  EXPECT_FALSE(directory.WaitForUpdatesBegun(Clock::now() + std::chrono::milliseconds(20)));
  std::thread patroni([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    directory.MarkUpdated();
  });
  EXPECT_TRUE(directory.WaitForUpdatesBegun(Clock::now() + std::chrono::seconds(30)));
  patroni.join();
  EXPECT_TRUE(directory.WaitForUpdatesBegun(Clock::time_point::max()));  // done: no wait, and no deadline needed
}

}  // namespace
}  // namespace patroni_exporter
