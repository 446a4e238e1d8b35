// Independent eyes, on the real local cluster (scripts/lab.sh): the leader's Patroni is SIGKILLed while its
// postmaster keeps accepting writes, another member is promoted, and both deployment modes must see the orphaned
// writable primary from PostgreSQL's own view:
//   - one exporter for the cluster (every --patroni.url, discovery, a DSN template without host: cluster mode);
//   - a sidecar next to the leader (its --patroni.url only, a DSN template with that node's host and port).
// Also: a planned switchover and a restart show no orphan in any scrape (and the race a switchover runs, driven
// on purpose), and PostgreSQL answers while a Patroni it is watched through stalls past the scrape deadline.
#include <curl/curl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include "collectors/exposition.h"
#include "collectors/member_directory.h"
#include "collectors/postgres/postgres_collector.h"
#include "tests/support/fake_http_server.h"
#include "tests/support/lab.h"

namespace patroni_exporter {
namespace {

using namespace patroni_exporter::testing;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

class OrphanedPrimaryTest : public LabClusterTest {
 protected:
  std::string Credentials() const {
    return "user=postgres dbname=postgres sslmode=disable connect_timeout=2 passfile=" + lab_.at("LAB_PGPASSFILE");
  }
  // One exporter for the whole cluster: every member's REST API, PostgreSQL at the addresses /cluster gives.
  std::unique_ptr<ExporterProcess> StartClusterExporter() {
    std::vector<std::string> flags = {"--patroni.discovery",     "on",         "--patroni.timeout", "2s",
                                      "--postgres.dsn-template", Credentials()};
    for (const std::string& url : urls_) flags.insert(flags.end(), {"--patroni.url", url});
    auto exporter = std::make_unique<ExporterProcess>(flags);
    EXPECT_TRUE(exporter->ready());
    return exporter;
  }
  // A sidecar next to member i: its own Patroni, its own PostgreSQL named in the template.
  std::unique_ptr<ExporterProcess> StartSidecar(std::size_t i) {
    auto exporter = std::make_unique<ExporterProcess>(
        std::vector<std::string>{"--patroni.url", urls_[i], "--patroni.timeout", "2s", "--postgres.dsn-template",
                                 "host=127.0.0.1 port=" + ports_[i] + " " + Credentials()});
    EXPECT_TRUE(exporter->ready());
    return exporter;
  }
  std::size_t Leader(const std::string& text) const { return ClusterLeaderIndex(text, names_); }
  // Every member answers, one leader, PostgreSQL up on all three and writable on exactly one.
  bool Healthy(ExporterProcess& exporter) {
    return WaitFor(exporter, seconds(150), [&](const std::string& text) {
      int pg_up = 0, writable = 0, patroni_up = 0;
      for (const std::string& n : names_) {
        pg_up += Find(text, "patroni_pg_up", {"name=\"" + n + "\""}) == 1;
        writable += Find(text, "patroni_pg_in_recovery", {"name=\"" + n + "\""}) == 0;
        patroni_up += Find(text, "patroni_postgres_running", {"name=\"" + n + "\""}) == 1;
      }
      return pg_up == 3 && writable == 1 && patroni_up == 3 && Leader(text) < names_.size();
    });
  }
  int Orphans(const std::string& text) const {
    int orphans = 0;
    for (const std::string& n : names_)
      orphans += Find(text, "patroni_pg_orphaned_primary", {"name=\"" + n + "\""}) == 1;
    return orphans;
  }
};

TEST_F(OrphanedPrimaryTest, KilledLeaderPatroniLeavesAWritablePrimaryThatBothModesSee) {
  auto cluster = StartClusterExporter();
  ASSERT_TRUE(Healthy(*cluster));
  const std::size_t leader = Leader(cluster->Get("/metrics"));
  ASSERT_LT(leader, names_.size());
  const std::string name = "name=\"" + names_[leader] + "\"";
  auto sidecar = StartSidecar(leader);
  // Steady state: the leader is writable and holds the lock; nobody is an orphan.
  std::string text = cluster->Get("/metrics");
  EXPECT_EQ(Orphans(text), 0);
  EXPECT_EQ(Find(text, "patroni_pg_orphaned_primary", {name}), 0);
  ASSERT_TRUE(WaitFor(*sidecar, seconds(10), [&](const std::string& t) {
    return Find(t, "patroni_pg_orphaned_primary", {name, "scope=\"demo\""}) == 0;
  }));

  const auto killed = Clock::now();
  Lab("kill-patroni " + names_[leader]);
  // Both modes flag it as soon as its Patroni stops answering, before the lock even expires.
  double cluster_seconds = -1, sidecar_seconds = -1;
  std::atomic<bool> sidecar_saw{false};
  std::thread watch_sidecar([&] {
    sidecar_saw = WaitFor(*sidecar, seconds(60), [&](const std::string& t) {
      return Find(t, "patroni_pg_orphaned_primary", {name, "scope=\"demo\""}) == 1;
    });
    sidecar_seconds = std::chrono::duration<double>(Clock::now() - killed).count();
  });
  EXPECT_TRUE(WaitFor(*cluster, seconds(60),
                      [&](const std::string& t) { return Find(t, "patroni_pg_orphaned_primary", {name}) == 1; }));
  cluster_seconds = std::chrono::duration<double>(Clock::now() - killed).count();
  watch_sidecar.join();
  EXPECT_TRUE(sidecar_saw);
  // The split brain proper: another member is promoted while the old one still accepts writes. The cluster
  // exporter keeps querying the member /cluster no longer lists, and PostgreSQL's view counts two primaries.
  std::size_t new_leader = names_.size();
  bool listed_gone = false;
  EXPECT_TRUE(WaitFor(*cluster, seconds(90), [&](const std::string& t) {
    new_leader = Leader(t);
    listed_gone = Find(t, "patroni_cluster_member_info", {"member=\"" + names_[leader] + "\""}) == std::nullopt;
    int writable = 0;
    for (const std::string& n : names_) writable += Find(t, "patroni_pg_in_recovery", {"name=\"" + n + "\""}) == 0;
    return new_leader < names_.size() && new_leader != leader && writable == 2 &&
           Find(t, "patroni_pg_up", {name}) == 1 && Find(t, "patroni_pg_orphaned_primary", {name}) == 1 &&
           Find(t, "patroni_pg_orphaned_primary", {"name=\"" + names_[new_leader] + "\""}) == 0;
  }));
  const double split_seconds = std::chrono::duration<double>(Clock::now() - killed).count();
  std::printf(
      "orphaned primary %s: cluster exporter %.1f s, sidecar %.1f s after SIGKILL; two writable primaries "
      "seen %.1f s after (old leader %s by /cluster)\n",
      names_[leader].c_str(), cluster_seconds, sidecar_seconds, split_seconds,
      listed_gone ? "no longer listed" : "still listed");
  EXPECT_TRUE(listed_gone) << "the old leader's key should have expired from the DCS by now";

  // Back to normal: Patroni returns, demotes the old primary (pg_rewind) and it follows the new leader.
  Lab("start-patroni " + names_[leader]);
  EXPECT_TRUE(Healthy(*cluster));
  EXPECT_TRUE(WaitFor(*cluster, seconds(30), [&](const std::string& t) { return Orphans(t) == 0; }));
  EXPECT_TRUE(WaitFor(*sidecar, seconds(30), [&](const std::string& t) {
    return Find(t, "patroni_pg_orphaned_primary", {name}) == 0 && Find(t, "patroni_pg_in_recovery", {name}) == 1;
  }));
}

TEST_F(OrphanedPrimaryTest, PlannedSwitchoverAndRestartShowNoOrphanInAnyScrape) {
  auto cluster = StartClusterExporter();
  ASSERT_TRUE(Healthy(*cluster));
  const std::size_t leader = Leader(cluster->Get("/metrics"));
  ASSERT_LT(leader, names_.size());
  const std::size_t candidate = (leader + 1) % names_.size();
  auto sidecar = StartSidecar(leader);
  std::atomic<bool> done{false};
  std::atomic<int> orphan_scrapes{0}, scrapes{0};
  auto watch = [&](ExporterProcess& exporter) {
    while (!done) {
      const std::string text = exporter.Get("/metrics");
      ++scrapes;
      if (Orphans(text) > 0) ++orphan_scrapes;
      std::this_thread::sleep_for(milliseconds(100));
    }
  };
  std::thread watch_cluster(watch, std::ref(*cluster));
  std::thread watch_sidecar(watch, std::ref(*sidecar));
  Lab("patronictl switchover --leader " + names_[leader] + " --candidate " + names_[candidate] + " --force");
  EXPECT_TRUE(WaitFor(*cluster, seconds(60), [&](const std::string& t) { return Leader(t) == candidate; }));
  EXPECT_TRUE(Healthy(*cluster));
  // A restart of the new leader's PostgreSQL (Patroni stays up, keeps the lock).
  Lab("patronictl restart demo " + names_[candidate] + " --force");
  EXPECT_TRUE(Healthy(*cluster));
  done = true;
  watch_cluster.join();
  watch_sidecar.join();
  std::printf("switchover and restart: %d scrapes, %d showed an orphaned primary\n", scrapes.load(),
              orphan_scrapes.load());
  EXPECT_GT(scrapes.load(), 20);
  EXPECT_EQ(orphan_scrapes.load(), 0);
}

// The race a planned switchover runs: the new leader takes the lock, then promotes (0.2 s later on this lab), so a
// scrape's PostgreSQL answer can be newer than the Patroni view it began with, from the scrape before. The
// postgres collector then waits for the Patroni answers under way and asks them. Driven here on the lab's real
// PostgreSQL, with the Patroni views written into the directory as the patroni collector writes them, at the
// moments the race needs: first the lock arrives in the answers under way (no orphan), then it does not (one).
TEST_F(OrphanedPrimaryTest, APromotionNewerThanTheViewAScrapeBeganWithIsJudgedByThePatroniAnswersUnderWay) {
  std::size_t leader = names_.size();
  for (const nlohmann::json& m : Patronictl("list -f json")) {
    for (std::size_t i = 0; i < names_.size(); ++i) {
      if (m.value("Member", "") == names_[i] && m.value("Role", "") == "Leader") leader = i;
    }
  }
  ASSERT_LT(leader, names_.size()) << "no leader in patronictl list";
  const std::size_t other = (leader + 1) % names_.size();
  ClusterTarget cluster{.name = "default", .discovery = true};
  std::vector<BaseUrl> apis;
  for (const std::string& url : urls_) {
    std::string error;
    apis.push_back(*ParseBaseUrl(url, &error));
  }
  cluster.seeds = apis;
  // Every member listed and answering, the lock on `lock`.
  const auto observe = [&](MemberDirectory& directory, std::size_t lock) {
    std::vector<ListedMember> listed;
    for (std::size_t i = 0; i < names_.size(); ++i) {
      listed.push_back({names_[i], apis[i], "127.0.0.1", std::stoi(ports_[i]), i == lock});
    }
    directory.ObserveCluster("default", lab_.at("LAB_SCOPE"), listed, Clock::now());
    for (std::size_t i = 0; i < names_.size(); ++i) {
      directory.ObservePatroniAnswer("default", apis[i], lab_.at("LAB_SCOPE"), names_[i], i == lock, Clock::now());
    }
  };
  auto directory = std::make_shared<MemberDirectory>(std::chrono::minutes(10));
  PostgresCollector collector({.dsn_template = Credentials(), .clusters = {cluster}}, directory);
  const std::string leader_name = "name=\"" + names_[leader] + "\"";
  for (const bool lock_arrives : {true, false}) {
    SCOPED_TRACE(lock_arrives ? "the answers under way give it the lock" : "they do not");
    // The view this scrape begins with: from before the lock moved to the member now writable.
    directory->BeginUpdate();
    observe(*directory, other);
    directory->MarkUpdated();
    // This scrape's Patroni answers, under way while PostgreSQL is asked.
    directory->BeginUpdate();
    std::thread patroni([&] {
      std::this_thread::sleep_for(milliseconds(300));
      observe(*directory, lock_arrives ? leader : other);
      directory->MarkUpdated();
    });
    ScrapeContext context;
    context.deadline = Clock::now() + seconds(10);
    MetricSet out;
    const auto start = Clock::now();
    const std::string error = collector.Collect(context, &out);
    const auto took = Clock::now() - start;
    patroni.join();
    const std::string text = SerializeText(out);
    EXPECT_EQ(error, "");
    EXPECT_EQ(Find(text, "patroni_pg_in_recovery", {leader_name}), 0) << text;
    EXPECT_EQ(Find(text, "patroni_pg_orphaned_primary", {leader_name}), lock_arrives ? 0 : 1) << text;
    EXPECT_EQ(Orphans(text), lock_arrives ? 0 : 1) << text;  // the replicas are none, whatever the lock
    EXPECT_GE(took, milliseconds(300)) << "it did not wait for the answers under way";
  }
}

// PostgreSQL is its own collector: a Patroni that stalls past the scrape deadline costs it nothing. A fake
// Patroni (Patroni's documented /cluster schema) lists the lab's real PostgreSQL servers; after the first scrape
// it stops answering in time.
TEST_F(OrphanedPrimaryTest, AStalledPatroniDoesNotStarvePostgres) {
  std::atomic<bool> stall{false};
  std::string cluster_body = "{\"scope\":\"demo\",\"members\":[";
  for (std::size_t i = 0; i < names_.size(); ++i) {
    cluster_body += std::string(i ? "," : "") + "{\"name\":\"" + names_[i] + "\",\"role\":\"" +
                    (i == 0 ? "leader" : "replica") +
                    "\",\"state\":\"running\",\"host\":\"127.0.0.1\",\"port\":" + ports_[i] + ",\"timeline\":1}";
  }
  cluster_body += "]}";
  FakeHttpServer patroni([&](const RecordedRequest& req) {
    const milliseconds delay = stall ? milliseconds(20000) : milliseconds(0);
    if (req.path == "/cluster") return FakeReply{.body = cluster_body, .stall_before = delay};
    return FakeReply{.status = 503, .body = "{}", .stall_before = delay};
  });
  // Without discovery the seed's own member is polled: name the seed node1's member by giving it node1's api_url.
  cluster_body.replace(cluster_body.find("\"state\""), 0, "\"api_url\":\"" + patroni.url() + "/patroni\",");
  ExporterProcess exporter({"--patroni.url", patroni.url(), "--patroni.discovery", "off", "--patroni.timeout", "30s",
                            "--postgres.dsn-template", Credentials()});
  ASSERT_TRUE(exporter.ready());
  std::string text = exporter.Get("/metrics");
  ASSERT_EQ(Find(text, "patroni_pg_up", {"name=\"" + names_[0] + "\""}), 1) << text;

  stall = true;
  // Prometheus' header: 3 s. Patroni's requests run to that deadline; PostgreSQL still answers within it.
  const auto start = Clock::now();
  long status = 0;
  CURL* curl = curl_easy_init();
  std::string body;
  curl_easy_setopt(curl, CURLOPT_URL, (exporter.base_url() + "/metrics").c_str());
  curl_slist* headers = curl_slist_append(nullptr, "X-Prometheus-Scrape-Timeout-Seconds: 3");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 15L);
  curl_easy_setopt(
      curl, CURLOPT_WRITEFUNCTION, +[](char* p, size_t s, size_t n, void* out) {
        static_cast<std::string*>(out)->append(p, s * n);
        return s * n;
      });
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  ASSERT_EQ(curl_easy_perform(curl), CURLE_OK);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  const double took = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_EQ(status, 200);
  EXPECT_LT(took, 5.0);
  EXPECT_EQ(Find(body, "patroni_pg_up", {"name=\"" + names_[0] + "\""}), 1) << body;
  EXPECT_EQ(Find(body, "patroni_exporter_collector_success", {"collector=\"postgres\""}), 1);
  EXPECT_EQ(Find(body, "patroni_exporter_collector_success", {"collector=\"patroni\""}), 0);
  EXPECT_EQ(Find(body, "patroni_up", {"target=\"" + patroni.url() + "\""}), 0);
}

}  // namespace
}  // namespace patroni_exporter
