// The cluster view, member discovery, /probe and failovers, with the real binary on the real local cluster
// (scripts/lab.sh: Patroni 3.0.2, or 4.0.7 with LAB_PATRONI=4; scripts/test.sh runs these tests on both). The tests
// that fail members over restore a healthy cluster before they end; they run last. Where Patroni 4.0 differs,
// the test branches on LAB_PATRONI_VERSION and says so.
#include <curl/curl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "tests/support/fake_http_server.h"
#include "tests/support/lab.h"

namespace patroni_exporter {
namespace {

using namespace patroni_exporter::testing;
using std::chrono::seconds;
using ::testing::HasSubstr;

class ClusterViewTest : public LabClusterTest {
 protected:
  // An exporter given only the first member, with discovery on: it must find the other two.
  std::unique_ptr<ExporterProcess> StartFromOneSeed(const std::vector<std::string>& extra = {},
                                                    const std::string& timeout = "2s") {
    std::vector<std::string> flags = {"--patroni.url",     urls_[0], "--patroni.discovery", "on",
                                      "--patroni.timeout", timeout};
    flags.insert(flags.end(), extra.begin(), extra.end());
    auto exporter = std::make_unique<ExporterProcess>(flags);
    EXPECT_TRUE(exporter->ready());
    return exporter;
  }

  std::string LeaderOf(const std::string& text) {
    const std::size_t i = ClusterLeaderIndex(text, names_);
    return i < names_.size() ? names_[i] : "";
  }

  // Waits until all three members answer, one leader, two streaming replicas (the lab's idea of healthy).
  bool Healthy(ExporterProcess& exporter) {
    return WaitFor(exporter, seconds(120), [&](const std::string& text) {
      int up = 0, primaries = 0;
      for (const std::string& n : names_) {
        up += Find(text, "patroni_postgres_running", {"name=\"" + n + "\""}) == 1;
        primaries += Find(text, "patroni_primary", {"name=\"" + n + "\""}) == 1;
      }
      return up == 3 && primaries == 1 && Find(text, "patroni_cluster_leader_members", {scope_}) == 1 &&
             Find(text, "patroni_cluster_members", {scope_}) == 3;
    });
  }
};

TEST_F(ClusterViewTest, OneSeedShowsTheWholeClusterLikePatronictl) {
  auto exporter = StartFromOneSeed();
  const std::string text = exporter->Get("/metrics");
  const nlohmann::json list = Patronictl("list -f json");
  ASSERT_TRUE(list.is_array());
  EXPECT_EQ(Find(text, "patroni_cluster_members", {scope_}), 3);
  EXPECT_EQ(Find(text, "patroni_cluster_leader_members", {scope_}), 1);
  EXPECT_EQ(Find(text, "patroni_cluster_running_primaries", {scope_}), 1);
  for (const nlohmann::json& member : list) {
    const std::string m = member["Member"].get<std::string>();
    SCOPED_TRACE(m);
    const std::string role = member["Role"] == "Leader"         ? "leader"
                             : member["Role"] == "Sync Standby" ? "sync_standby"
                                                                : "replica";
    EXPECT_EQ(Find(text, "patroni_cluster_member_role", {"member=\"" + m + "\"", "role=\"" + role + "\""}), 1);
    EXPECT_EQ(Find(text, "patroni_cluster_member_timeline", {"member=\"" + m + "\""}), member["TL"].get<double>());
    // /cluster's state: `running` for every member in 3.0.2; from 3.0.4 (the 4.0 lab) a replica says `streaming`
    // once its walreceiver streams (a moment after a restart it still says `running`, seen on 4.0.7: waited for),
    // which still counts as PostgreSQL state 5 (running).
    const std::string state = role != "leader" && LabPatroniVersion(lab_) >= 30004 ? "streaming" : "running";
    EXPECT_TRUE(WaitFor(*exporter, seconds(30),
                        [&](const std::string& t) {
                          return Find(t, "patroni_cluster_member_state",
                                      {"member=\"" + m + "\"", "state=\"" + state + "\""}) == 1 &&
                                 Find(t, "patroni_cluster_member_postgres_state", {"member=\"" + m + "\""}) == 5;
                        }))
        << "state " << state;
    // Discovered from /cluster: each member's own node families, under its own name.
    EXPECT_EQ(Find(text, "patroni_primary", {scope_, "name=\"" + m + "\""}), role == "leader" ? 1 : 0);
    // Patroni's newest families (main after 4.1.4), computed where the data is: the lab sets no tags, so the
    // priority is the default 1 from 3.2 on (none on 3.0.2); failsafe_mode is off in the lab's /config.
    const std::string name = "name=\"" + m + "\"";
    if (LabPatroniVersion(lab_) >= 30200) {
      EXPECT_EQ(Find(text, "patroni_failover_priority", {scope_, name}), 1);
    } else {
      EXPECT_FALSE(Find(text, "patroni_failover_priority", {scope_, name}));
    }
    EXPECT_EQ(Find(text, "patroni_failsafe_mode_enabled", {scope_, name}), 0);
    if (role != "leader") {
      EXPECT_TRUE(Find(text, "patroni_cluster_member_lag_bytes", {"member=\"" + m + "\""}));
      EXPECT_EQ(Find(text, "patroni_cluster_member_lag_unknown", {"member=\"" + m + "\"", "kind=\"lag\""}), 0);
    }
  }
  for (const std::string& url : urls_) EXPECT_EQ(Find(text, "patroni_up", {"target=\"" + url + "\""}), 1) << url;
}

TEST_F(ClusterViewTest, ConfigFollowsEditConfig) {
  auto exporter = StartFromOneSeed();
  ASSERT_TRUE(Healthy(*exporter));
  const std::string before = exporter->Get("/metrics");
  EXPECT_EQ(Find(before, "patroni_config_ttl_seconds", {scope_}), std::stod(lab_["LAB_TTL"]));
  EXPECT_EQ(Find(before, "patroni_config_loop_wait_seconds", {scope_}), std::stod(lab_["LAB_LOOP_WAIT"]));
  EXPECT_EQ(Find(before, "patroni_config_synchronous_mode", {scope_, "mode=\"off\""}), 1);
  Lab("patronictl edit-config --force --set ttl=25 --set synchronous_mode=true");
  const bool followed = WaitFor(*exporter, seconds(30), [&](const std::string& text) {
    return Find(text, "patroni_config_ttl_seconds", {scope_}) == 25 &&
           Find(text, "patroni_config_synchronous_mode", {scope_, "mode=\"on\""}) == 1 &&
           Find(text, "patroni_config_synchronous_mode", {scope_, "mode=\"off\""}) == 0;
  });
  // Synchronous mode on: within a few loops one replica becomes the sync standby, in both views.
  const bool sync_standby = WaitFor(*exporter, seconds(60), [&](const std::string& text) {
    for (const std::string& n : names_) {
      if (Find(text, "patroni_sync_standby", {"name=\"" + n + "\""}) == 1 &&
          Find(text, "patroni_cluster_member_role", {"member=\"" + n + "\"", "role=\"sync_standby\""}) == 1) {
        return true;
      }
    }
    return false;
  });
  Lab("patronictl edit-config --force --set ttl=" + lab_["LAB_TTL"] + " --set synchronous_mode=false");
  EXPECT_TRUE(followed);
  EXPECT_TRUE(sync_standby);
  EXPECT_TRUE(WaitFor(*exporter, seconds(30), [&](const std::string& text) {
    return Find(text, "patroni_config_ttl_seconds", {scope_}) == std::stod(lab_["LAB_TTL"]) &&
           Find(text, "patroni_config_synchronous_mode", {scope_, "mode=\"off\""}) == 1;
  }));
}

TEST_F(ClusterViewTest, HealthViewMatchesTheRoles) {
  auto exporter = StartFromOneSeed({"--collector.health", "--collector.health.max-lag", "16MB"});
  ASSERT_TRUE(Healthy(*exporter));
  // Both lab versions: asynchronous replication, no standby cluster, replicas far below 16 MB behind.
  const bool v4 = lab_["LAB_PATRONI"] == "4";
  std::string text;
  // A replica's lag in the DCS trails its Patroni by up to loop_wait: wait until /replica?lag= agrees.
  ASSERT_TRUE(WaitFor(*exporter, seconds(30), [&](const std::string& t) {
    text = t;
    const std::string leader = LeaderOf(t);
    int ok = 0;
    for (const std::string& n : names_) {
      ok += Find(t, "patroni_health_check", {"name=\"" + n + "\"", "endpoint=\"/replica?lag=16MB\""}) ==
            (n == leader ? 0 : 1);
    }
    return !leader.empty() && ok == 3;
  }));
  const std::string leader = LeaderOf(text);
  for (const std::string& n : names_) {
    const std::string name = "name=\"" + n + "\"";
    const double primary = n == leader ? 1 : 0;
    const auto check = [&](const std::string& endpoint) {
      return Find(text, "patroni_health_check", {name, "endpoint=\"" + endpoint + "\""});
    };
    EXPECT_EQ(check("/primary"), primary) << n;
    EXPECT_EQ(check("/replica"), 1 - primary) << n;
    EXPECT_EQ(check("/liveness"), 1) << n;
    EXPECT_EQ(check("/leader"), primary) << n;
    EXPECT_EQ(check("/standby-leader"), 0) << n;        // not a standby cluster
    EXPECT_EQ(check("/read-only-sync"), primary) << n;  // no synchronous standby: only the primary
    EXPECT_EQ(check("/health"), 1) << n;                // PostgreSQL runs
    EXPECT_EQ(check("/async"), 1 - primary) << n;
    EXPECT_EQ(check("/async?lag=16MB"), 1 - primary) << n;
    EXPECT_EQ(check("/replica?lag=16MB"), 1 - primary) << n;
    // /quorum: 4.0+ answers it (0: not in quorum mode); 3.0.2 would answer its generic 503, so no sample.
    if (v4) {
      EXPECT_EQ(check("/quorum"), 0) << n;
    } else {
      EXPECT_FALSE(check("/quorum")) << n;
    }
    EXPECT_FALSE(check("/readiness?lag=16MB")) << n;  // ?lag= on /readiness is 4.1+: neither lab version
  }
}

TEST_F(ClusterViewTest, ScheduledSwitchoverExportsFromAndTo) {
  auto exporter = StartFromOneSeed();
  ASSERT_TRUE(Healthy(*exporter));
  const std::string leader = LeaderOf(exporter->Get("/metrics"));
  ASSERT_FALSE(leader.empty());
  const std::string candidate = leader == names_[1] ? names_[2] : names_[1];
  const std::string scope = lab_["LAB_SCOPE"];
  // Two hours ahead: it never runs; flushed below.
  const std::string at = RunCommand("date -u -d '+2 hour' +%Y-%m-%dT%H:%M:%S+00:00");
  const std::string when = at.substr(0, at.find('\n'));
  Lab("patronictl switchover --leader " + leader + " --candidate " + candidate + " --scheduled " + when + " --force " +
      scope);
  const std::string info = "patroni_cluster_scheduled_switchover_info";
  EXPECT_TRUE(WaitFor(*exporter, seconds(30), [&](const std::string& text) {
    return Find(text, info, {scope_, "from=\"" + leader + "\"", "to=\"" + candidate + "\""}) == 1 &&
           Find(text, "patroni_cluster_scheduled_switchover_timestamp_seconds", {scope_}).has_value();
  }));
  // Without a candidate Patroni picks one: `to` is not sent, the label is empty.
  Lab("patronictl flush " + scope + " switchover --force");
  Lab("patronictl switchover --leader " + leader + " --scheduled " + when + " --force " + scope);
  EXPECT_TRUE(WaitFor(*exporter, seconds(30), [&](const std::string& text) {
    return Find(text, info, {scope_, "from=\"" + leader + "\"", "to=\"\""}) == 1;
  }));
  Lab("patronictl flush " + scope + " switchover --force");
  EXPECT_TRUE(WaitFor(*exporter, seconds(30), [&](const std::string& text) {
    return !Find(text, info, {scope_}).has_value() && Find(text, "patroni_cluster_members", {scope_}) == 3;
  }));
  EXPECT_EQ(LeaderOf(exporter->Get("/metrics")), leader);  // nothing ran
}

TEST_F(ClusterViewTest, ProbeServesAllowedTargetsOnly) {
  auto exporter = StartFromOneSeed({"--probe.allowed-target", "127\\.0\\.0\\.1:1"});
  exporter->Get("/metrics");  // the first scrape discovers the other members, which /probe then allows
  long status = 0;
  const std::string text = exporter->Get("/probe?target=" + urls_[2], &status);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(Find(text, "probe_success", {}), 1);
  EXPECT_EQ(Find(text, "patroni_cluster_members", {scope_}), 3);
  for (const std::string& n : names_) EXPECT_TRUE(Find(text, "patroni_primary", {"name=\"" + n + "\""})) << n;
  // Without discovery only the target's node families.
  const std::string single = exporter->Get("/probe?target=" + urls_[1] + "&discovery=off");
  EXPECT_TRUE(Find(single, "patroni_primary", {"name=\"" + names_[1] + "\""}));
  EXPECT_FALSE(Find(single, "patroni_primary", {"name=\"" + names_[0] + "\""}));
  // An allowed expression whose target is down: 200 with probe_success 0.
  EXPECT_EQ(Find(exporter->Get("/probe?target=http://127.0.0.1:1", &status), "probe_success", {}), 0);
  EXPECT_EQ(status, 200);
  // Not configured, not discovered, not matched: refused, nothing is requested.
  EXPECT_THAT(exporter->Get("/probe?target=http://127.0.0.1:2", &status), HasSubstr("is not allowed"));
  EXPECT_EQ(status, 403);
  exporter->Get("/probe", &status);
  EXPECT_EQ(status, 400);
}

TEST_F(ClusterViewTest, ScrapeTimeoutHeaderIsTheDeadline) {
  // A member that accepts and never answers stands beside the real ones, with a 30 s request timeout: only the
  // scrape deadline can cut it.
  FakeHttpServer frozen([](const RecordedRequest&) { return FakeReply{.body = "{}", .stall_before = seconds(60)}; });
  auto exporter = StartFromOneSeed({"--patroni.url", frozen.url(), "--web.default-scrape-timeout", "3s"}, "30s");
  const std::string curl = "curl -s --max-time 20 ";
  auto timed = [&](const std::string& command, std::string* out) {
    const auto start = std::chrono::steady_clock::now();
    *out = RunCommand(command);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  std::string text;
  const double with_header =
      timed(curl + "-H 'X-Prometheus-Scrape-Timeout-Seconds: 2' " + exporter->base_url() + "/metrics", &text);
  EXPECT_LT(with_header, 2.5);  // 2 s minus the margin (1.8 s), plus scheduling noise
  EXPECT_GT(with_header, 1.5);
  EXPECT_EQ(Find(text, "patroni_up", {"target=\"" + frozen.url() + "\""}), 0);
  EXPECT_EQ(Find(text, "patroni_up", {"target=\"" + urls_[0] + "\""}), 1);
  EXPECT_EQ(Find(text, "patroni_cluster_members", {scope_}), 3);
  const double without_header = timed(curl + exporter->base_url() + "/metrics", &text);
  EXPECT_LT(without_header, 3.5);  // --web.default-scrape-timeout minus the margin (2.7 s), plus noise
  EXPECT_GT(without_header, 2.5);
}

TEST_F(ClusterViewTest, PlannedSwitchoverNeverShowsTwoLeaders) {
  auto exporter = StartFromOneSeed();
  ASSERT_TRUE(Healthy(*exporter));
  const std::string before = exporter->Get("/metrics");
  const std::string old_leader = LeaderOf(before);
  ASSERT_FALSE(old_leader.empty());
  const double old_timeline = *Find(before, "patroni_cluster_member_timeline", {"member=\"" + old_leader + "\""});
  std::string candidate;
  for (const std::string& n : names_) {
    if (n != old_leader) candidate = n;
  }
  std::thread switchover(
      [&] { Lab("patronictl switchover --leader " + old_leader + " --candidate " + candidate + " --force"); });
  int scrapes = 0, leaderless = 0, two_leaders = 0;
  const bool switched = WaitFor(
      *exporter, seconds(90),
      [&](const std::string& text) {
        return LeaderOf(text) == candidate &&
               Find(text, "patroni_cluster_member_timeline", {"member=\"" + candidate + "\""}) == old_timeline + 1;
      },
      [&](const std::string& text) {
        ++scrapes;
        const auto leaders = Find(text, "patroni_cluster_leader_members", {scope_});
        if (leaders == 0) ++leaderless;
        if (leaders.value_or(0) > 1) ++two_leaders;
      });
  switchover.join();
  EXPECT_TRUE(switched);
  // /history gains the switch: one more row, whose timeline is the one the cluster moved to.
  const double switches_before = *Find(before, "patroni_history_timeline_switches", {scope_});
  EXPECT_TRUE(WaitFor(*exporter, seconds(30), [&](const std::string& text) {
    return Find(text, "patroni_history_timeline_switches", {scope_}) == switches_before + 1 &&
           Find(text, "patroni_history_last_switch_timeline", {scope_}) == old_timeline + 1;
  }));
  EXPECT_EQ(two_leaders, 0) << "of " << scrapes << " scrapes";
  RecordProperty("scrapes", scrapes);
  RecordProperty("leaderless_scrapes", leaderless);
  std::printf("switchover: %d scrapes, %d showed no leader, %d two leaders\n", scrapes, leaderless, two_leaders);
  EXPECT_TRUE(Healthy(*exporter));
}

TEST_F(ClusterViewTest, StoppedMemberGoesDownAndComesBack) {
  auto exporter = StartFromOneSeed();
  ASSERT_TRUE(Healthy(*exporter));
  const std::string leader = LeaderOf(exporter->Get("/metrics"));
  std::size_t k = 0;
  while (names_[k] == leader || k == 0) ++k;  // a replica that is not the seed
  const std::string victim = names_[k];
  Lab("kill-patroni " + victim);
  // Down, it keeps the scope it answered with (PatroniExporterTargetDown carries it).
  EXPECT_TRUE(WaitFor(*exporter, seconds(30), [&](const std::string& text) {
    return Find(text, "patroni_up", {"target=\"" + urls_[k] + "\"", scope_}) == 0;
  }));
  Lab("start-patroni " + victim);
  EXPECT_TRUE(WaitFor(*exporter, seconds(60), [&](const std::string& text) {
    return Find(text, "patroni_up", {"target=\"" + urls_[k] + "\""}) == 1 &&
           Find(text, "patroni_replica", {"name=\"" + victim + "\""}) == 1;
  }));
  EXPECT_TRUE(Healthy(*exporter));
}

// What PatroniMemberDisappeared tells a planned scale-in by: a Patroni stopped cleanly (SIGTERM, what systemctl
// stop sends) publishes the state "stopped" until its member key expires, and only then leaves /cluster; a
// killed one (above) stays "running"/"streaming" until it leaves.
TEST_F(ClusterViewTest, CleanlyStoppedMemberShowsStoppedBeforeItLeavesTheCluster) {
  auto exporter = StartFromOneSeed();
  ASSERT_TRUE(Healthy(*exporter));
  const std::string leader = LeaderOf(exporter->Get("/metrics"));
  std::size_t k = 0;
  while (names_[k] == leader || k == 0) ++k;  // a replica that is not the seed
  const std::string victim = names_[k];
  const std::string member = "member=\"" + victim + "\"";
  const std::string pid_text = RunCommand("head -n1 " + lab_["LAB_DIR"] + "/" + victim + "/patroni.pid");
  const int pid = std::atoi(pid_text.c_str());
  ASSERT_GT(pid, 1);
  ASSERT_EQ(::kill(pid, SIGTERM), 0);  // the lab's own Patroni, by its tracked PID
  bool stopped = false;
  const bool left = WaitFor(
      *exporter, seconds(90),
      [&](const std::string& text) { return Find(text, "patroni_cluster_members", {scope_}) == 2; },
      [&](const std::string& text) {
        stopped |= Find(text, "patroni_cluster_member_state", {scope_, member, "state=\"stopped\""}) == 1;
      });
  EXPECT_TRUE(stopped) << victim << " left /cluster without showing state stopped";
  EXPECT_TRUE(left) << victim << " still listed";
  // Gone from /cluster and not answering: no up sample (a scale-in pages nobody through TargetDown).
  EXPECT_FALSE(Find(exporter->Get("/metrics"), "patroni_up", {"target=\"" + urls_[k] + "\""}));
  Lab("start-patroni " + victim);
  EXPECT_TRUE(Healthy(*exporter));
}

TEST_F(ClusterViewTest, LeaderCrashFailsOverAndTheOldLeaderReturnsAsReplica) {
  auto exporter = StartFromOneSeed();
  ASSERT_TRUE(Healthy(*exporter));
  const std::string before = exporter->Get("/metrics");
  const std::string old_leader = LeaderOf(before);
  const double old_timeline = *Find(before, "patroni_cluster_member_timeline", {"member=\"" + old_leader + "\""});
  std::size_t old_index = 0;
  while (names_[old_index] != old_leader) ++old_index;
  Lab("kill-patroni " + old_leader);
  int unlocked_scrapes = 0;
  bool old_leader_down = false;
  std::string new_leader;
  const bool failed_over = WaitFor(
      *exporter, seconds(120),
      [&](const std::string& text) {
        new_leader = LeaderOf(text);
        return !new_leader.empty() && new_leader != old_leader &&
               Find(text, "patroni_postgres_timeline", {"name=\"" + new_leader + "\""}) == old_timeline + 1;
      },
      [&](const std::string& text) {
        old_leader_down |= Find(text, "patroni_up", {"target=\"" + urls_[old_index] + "\""}) == 0;
        unlocked_scrapes += Find(text, "patroni_cluster_leader_members", {scope_}) == 0;
      });
  EXPECT_TRUE(failed_over);
  EXPECT_TRUE(old_leader_down);
  std::printf("leader crash: new leader %s, %d scrapes saw no leader\n", new_leader.c_str(), unlocked_scrapes);
  Lab("start-patroni " + old_leader);
  EXPECT_TRUE(WaitFor(*exporter, seconds(120), [&](const std::string& text) {
    return Find(text, "patroni_up", {"target=\"" + urls_[old_index] + "\""}) == 1 &&
           Find(text, "patroni_replica", {"name=\"" + old_leader + "\""}) == 1;
  }));
  EXPECT_TRUE(Healthy(*exporter));
}

}  // namespace
}  // namespace patroni_exporter
