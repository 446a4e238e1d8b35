// The real exporter binary against a real Patroni cluster (scripts/lab.sh: Patroni 3.0.2 or, LAB_PATRONI=4,
// 4.0.7; etcd, PostgreSQL 15): the node families.
//
// Needs a running lab: LAB_DIR (default /tmp/patroni-exporter-lab) with its lab.env; scripts/test.sh starts one
// of each Patroni version. Checks the exporter's families against what the members' own /patroni, their own
// native /metrics and `patronictl list` say, lints the live exposition with promtool, and follows a real state
// change (maintenance mode). Where Patroni 4.0 differs, the test branches on LAB_PATRONI_VERSION and says so.
#include <curl/curl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <sstream>
#include <thread>

#include "collectors/http_client.h"
#include "collectors/json_util.h"
#include "tests/support/lab.h"
#include "tests/support/testdata.h"

namespace patroni_exporter {
namespace {

using namespace patroni_exporter::testing;
using ::testing::HasSubstr;

class RealClusterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    lab_ = ReadLabEnv();
    version_ = LabPatroniVersion(lab_);
    urls_ = Split(lab_["LAB_PATRONI_URLS"]);
    names_ = Split(lab_["LAB_MEMBER_NAMES"]);
    if (urls_.empty()) return;
    dead_url_ = "http://127.0.0.1:" + std::to_string(FreePort());
    std::vector<std::string> flags = {"--patroni.timeout", "3s"};
    for (const std::string& url : urls_) flags.insert(flags.end(), {"--patroni.url", url});
    flags.insert(flags.end(), {"--patroni.url", dead_url_});
    exporter_ = new ExporterProcess(flags);
  }
  static void TearDownTestSuite() {
    if (exporter_ != nullptr) {
      EXPECT_TRUE(exporter_->Stop()) << "exporter did not exit 0 on SIGTERM";
    }
    delete exporter_;
  }
  void SetUp() override {
    ASSERT_FALSE(urls_.empty()) << "no lab running: start one with scripts/lab.sh up (scripts/test.sh does)";
    ASSERT_EQ(urls_.size(), names_.size());
    ASSERT_TRUE(exporter_->ready());
  }

  static std::string Scrape() {
    HttpClientOptions options;
    options.timeout = std::chrono::milliseconds(15000);
    const HttpResponse r = HttpClient(options).Get(exporter_->base_url() + "/metrics");
    EXPECT_TRUE(r.ok()) << r.FailureReason();
    EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
    return r.body;
  }

  static inline std::map<std::string, std::string> lab_;
  static inline int version_ = 0;  // LAB_PATRONI_VERSION as a number: 30002, 40007
  static inline std::vector<std::string> urls_, names_;
  static inline std::string dead_url_;
  static inline ExporterProcess* exporter_ = nullptr;
};

TEST_F(RealClusterTest, EveryMemberUpAndTheDeadTargetDown) {
  const std::string text = Scrape();
  for (const std::string& url : urls_) EXPECT_EQ(Find(text, "patroni_up", {"target=\"" + url + "\""}), 1) << url;
  EXPECT_EQ(Find(text, "patroni_up", {"target=\"" + dead_url_ + "\""}), 0);
  EXPECT_EQ(Find(text, "patroni_exporter_collector_success", {"collector=\"patroni\""}), 0);
  EXPECT_EQ(Find(text, "patroni_exporter_collector_success", {"collector=\"process\""}), 1);
  EXPECT_EQ(Find(text, "patroni_exporter_build_info", {}), 1);
  EXPECT_GT(*Find(text, "process_resident_memory_bytes", {}), 0);
}

TEST_F(RealClusterTest, FamiliesMatchPatronictlList) {
  // An earlier test (a switchover, a restart) may leave a member still starting, without a timeline in the list
  // (seen in a CI-equivalent run), or with the timeline before the switchover: patronictl shows the DCS's view,
  // which each member refreshes once a loop, while the exporter reads each member's own /patroni (seen: node2 at
  // timeline 6 in /patroni and 5 in the list). Wait until every member has a timeline and the scrape agrees
  // with the list on each, at most 60 s; the assertions below then say what still differs.
  const std::string scope = "scope=\"" + lab_["LAB_SCOPE"] + "\"";
  nlohmann::json list;
  std::string text;
  for (int attempt = 0; attempt < 120; ++attempt) {
    list = Patronictl("list -f json");
    bool settled = list.is_array() && list.size() == names_.size();
    for (const nlohmann::json& member : list) settled = settled && member.contains("TL") && member["TL"].is_number();
    if (settled) {
      text = Scrape();
      for (const nlohmann::json& member : list) {
        const std::string name = "name=\"" + member["Member"].get<std::string>() + "\"";
        settled = settled && Find(text, "patroni_postgres_timeline", {scope, name}) == member["TL"].get<double>();
      }
      if (settled) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  ASSERT_TRUE(list.is_array()) << "patronictl list -f json gave no JSON";
  ASSERT_EQ(list.size(), names_.size());
  if (text.empty()) text = Scrape();
  int primaries = 0;
  for (const nlohmann::json& member : list) {
    const std::string name = "name=\"" + member["Member"].get<std::string>() + "\"";
    SCOPED_TRACE(name);
    const bool leader = member["Role"] == "Leader";
    primaries += leader;
    // Patroni 3.0.2 sends no member name: the exporter found it through /cluster (4.0 sends it in /patroni).
    EXPECT_EQ(Find(text, "patroni_primary", {scope, name}), leader ? 1 : 0);
    EXPECT_EQ(Find(text, "patroni_replica", {scope, name}), leader ? 0 : 1);
    EXPECT_EQ(Find(text, "patroni_postgres_timeline", {scope, name}), member["TL"].get<double>());
    // A healthy lab: every member's PostgreSQL runs. patronictl shows /cluster's state, where Patroni 3.0.4+ (so
    // the 4.0 lab) says `streaming` for a replica that streams; 3.0.2 says `running` for every member.
    if (version_ >= 30004 && !leader) {
      ASSERT_EQ(member["State"], "streaming");
    } else {
      ASSERT_EQ(member["State"], "running");
    }
    EXPECT_EQ(Find(text, "patroni_postgres_running", {scope, name}), 1);
    EXPECT_EQ(Find(text, "patroni_postgres_state", {scope, name}), 5);
    EXPECT_EQ(Find(text, "patroni_version", {scope, name}), version_);
    EXPECT_EQ(Find(text, "patroni_is_paused", {scope, name}), 0);
    EXPECT_EQ(Find(text, "patroni_cluster_unlocked", {scope, name}), 0);
    EXPECT_FALSE(Find(text, "patroni_master", {scope, name}));  // opt-in only (and gone from 4.0's own /metrics)
  }
  EXPECT_EQ(primaries, 1);
}

TEST_F(RealClusterTest, ValuesMatchTheMembersOwnStatus) {
  const std::string text = Scrape();
  HttpClientOptions options;
  const HttpClient client(options);
  for (std::size_t i = 0; i < urls_.size(); ++i) {
    const HttpResponse direct = client.Get(urls_[i] + "/patroni");
    ASSERT_TRUE(direct.ok());
    std::string error;
    const nlohmann::json status = *ParseJson(direct.body, &error);
    const std::string name = "name=\"" + names_[i] + "\"";
    SCOPED_TRACE(name);
    EXPECT_EQ(Find(text, "patroni_postgres_server_version", {name}), status["server_version"].get<double>());
    EXPECT_EQ(Find(text, "patroni_node_info",
                   {name, "database_system_identifier=\"" + status["database_system_identifier"].get<std::string>()}),
              1);
    const double dcs_last_seen = *Find(text, "patroni_dcs_last_seen", {name});
    EXPECT_LE(dcs_last_seen, status["dcs_last_seen"].get<double>());  // scraped first, so not newer
    EXPECT_GT(dcs_last_seen, status["dcs_last_seen"].get<double>() - 60);
    // The leader's role is `master` in Patroni 3.x and `primary` from 4.0.
    if (status["role"] == (version_ >= 40000 ? "primary" : "master")) {
      const double location = *Find(text, "patroni_xlog_location", {name});
      EXPECT_GT(location, 0);
      EXPECT_LE(location, status["xlog"]["location"].get<double>());
    } else {
      EXPECT_GT(*Find(text, "patroni_xlog_replayed_location", {name}), 0);
      EXPECT_EQ(Find(text, "patroni_xlog_location", {name}), 0);
    }
  }
}

// One native sample: Patroni's own /metrics prints `family{labels} value`, with a space before the labels of
// patroni_postgres_server_version (a native bug up to 4.1.3) and versions zero-padded (`040007`).
std::map<std::string, double> NativeSamples(const std::string& text) {
  std::map<std::string, double> samples;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const std::size_t end = line.find_first_of("{ ");
    samples[line.substr(0, end)] = std::stod(line.substr(line.rfind(' ') + 1));
  }
  return samples;
}

// Node-view parity: every family a member's own GET /metrics prints, the exporter prints for that member with the
// same value. Patroni 3.0.2 labels its samples {scope} only and still prints patroni_master (the exporter: opt-in
// only, not asked for here); 4.0 labels {scope,name}, has no patroni_master and adds patroni_quorum_standby,
// patroni_postgres_streaming and patroni_postgres_in_archive_recovery. The exporter is scraped first, so values
// that move on their own (WAL positions, dcs_last_seen, the last replay time) may only be newer in the native text.
TEST_F(RealClusterTest, NodeFamiliesMatchEveryMembersOwnMetrics) {
  const std::string text = Scrape();
  HttpClientOptions options;
  const HttpClient client(options);
  for (std::size_t i = 0; i < urls_.size(); ++i) {
    const HttpResponse native = client.Get(urls_[i] + "/metrics");
    ASSERT_TRUE(native.ok()) << urls_[i];
    const std::map<std::string, double> samples = NativeSamples(native.body);
    const std::string name = "name=\"" + names_[i] + "\"";
    SCOPED_TRACE(name);
    EXPECT_GE(samples.size(), 20u) << native.body;
    EXPECT_EQ(samples.count("patroni_master"), version_ >= 40000 ? 0u : 1u);              // removed in 4.0.0
    EXPECT_EQ(samples.count("patroni_quorum_standby"), version_ >= 40000 ? 1u : 0u);      // added in 4.0.0
    EXPECT_EQ(samples.count("patroni_postgres_streaming"), version_ >= 30004 ? 1u : 0u);  // added in 3.0.4
    for (const auto& [family, value] : samples) {
      if (family == "patroni_master") continue;  // opt-in (--collector.node.legacy-master)
      SCOPED_TRACE(family);
      const std::optional<double> ours = Find(text, family, {"scope=\"" + lab_["LAB_SCOPE"] + "\"", name});
      ASSERT_TRUE(ours.has_value()) << "the exporter has no " << family << " for " << names_[i];
      const bool time = family == "patroni_dcs_last_seen" || family == "patroni_xlog_replayed_timestamp";
      const bool position = family == "patroni_xlog_location" || family == "patroni_xlog_received_location" ||
                            family == "patroni_xlog_replayed_location";
      if (time || position) {
        EXPECT_LE(*ours, value);
        EXPECT_GE(*ours, time ? value - 60 : value - 64.0 * 1024 * 1024);
      } else if (family == "patroni_postmaster_start_time") {
        EXPECT_NEAR(*ours, value, 1e-3);
      } else {
        EXPECT_EQ(*ours, value);
      }
    }
  }
}

TEST_F(RealClusterTest, LiveExpositionPassesPromtool) {
  const std::string path = ::testing::TempDir() + "/live.prom";
  WriteFile(path, Scrape());
  const std::string out = RunCommand("promtool check metrics < " + path + " 2>&1; echo exit=$?");
  EXPECT_THAT(out, HasSubstr("exit=0")) << out;
}

TEST_F(RealClusterTest, MaintenanceModeShowsOnEveryMember) {
  auto all_equal = [&](double value) {
    for (int i = 0; i < 60; ++i) {  // up to 30 s: replicas learn it on their next loop
      const std::string text = Scrape();
      bool all = Find(text, "patroni_cluster_paused", {}) == value;
      for (const std::string& n : names_) all = all && Find(text, "patroni_is_paused", {"name=\"" + n + "\""}) == value;
      if (all) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    return false;
  };
  Lab("patronictl pause --wait");
  const bool paused = all_equal(1);
  Lab("patronictl resume --wait");
  EXPECT_TRUE(paused);
  EXPECT_TRUE(all_equal(0));
}

TEST_F(RealClusterTest, ConcurrentScrapesAllSucceed) {
  std::vector<std::thread> threads;
  std::vector<int> ok(16, 0);
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([t, &ok] { ok[t] = Scrape().find("patroni_primary{") != std::string::npos; });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 16; ++t) EXPECT_EQ(ok[t], 1) << t;
}

}  // namespace
}  // namespace patroni_exporter
