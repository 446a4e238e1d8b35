// The real exporter binary against a real Patroni cluster (scripts/lab.sh: Patroni 3.0.2, etcd, PostgreSQL 15).
//
// Needs a running lab: LAB_DIR (default /tmp/patroni-exporter-lab) with its lab.env; scripts/test.sh starts one.
// Checks the exporter's families against what the members' own /patroni and `patronictl list` say, lints the
// live exposition with promtool, and follows a real state change (maintenance mode).
#include <curl/curl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "collectors/http_client.h"
#include "collectors/json_util.h"
#include "tests/support/testdata.h"

extern char** environ;

namespace patroni_exporter {
namespace {

using ::testing::HasSubstr;

std::map<std::string, std::string> ReadLabEnv() {
  const char* dir = std::getenv("LAB_DIR");
  const std::string path = std::string(dir ? dir : "/tmp/patroni-exporter-lab") + "/lab.env";
  std::ifstream in(path);
  std::map<std::string, std::string> env;
  std::string line;
  while (std::getline(in, line)) {
    const std::size_t eq = line.find('=');
    if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
    std::string value = line.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    env[line.substr(0, eq)] = value;
  }
  return env;
}

std::vector<std::string> Split(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string word; in >> word;) out.push_back(word);
  return out;
}

std::string RunCommand(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  pclose(pipe);
  return out;
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// Sample value by family and label subset, from exposition text.
std::optional<double> Find(const std::string& text, const std::string& family,
                           const std::vector<std::string>& label_parts) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(family + "{", 0) != 0 && line.rfind(family + " ", 0) != 0) continue;
    bool all = true;
    for (const std::string& part : label_parts) all = all && line.find(part) != std::string::npos;
    if (all) return std::stod(line.substr(line.rfind(' ') + 1));
  }
  return std::nullopt;
}

class RealClusterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    lab_ = ReadLabEnv();
    if (lab_.count("LAB_PATRONI_URLS") == 0) return;
    urls_ = Split(lab_["LAB_PATRONI_URLS"]);
    names_ = Split(lab_["LAB_MEMBER_NAMES"]);
    dead_url_ = "http://127.0.0.1:" + std::to_string(FreePort());
    port_ = FreePort();
    std::vector<std::string> args = {PATRONI_EXPORTER_BINARY, "--web.listen-address",
                                     "127.0.0.1:" + std::to_string(port_), "--patroni.timeout", "3s"};
    for (const std::string& url : urls_) args.insert(args.end(), {"--patroni.url", url});
    args.insert(args.end(), {"--patroni.url", dead_url_});
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ);
    HttpClientOptions options;
    options.timeout = std::chrono::milliseconds(5000);
    client_ = new HttpClient(options);
    for (int i = 0; i < 100 && !client_->Get(Base() + "/-/healthy").ok(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  static void TearDownTestSuite() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "exporter did not exit cleanly on SIGTERM";
    }
    delete client_;
  }
  void SetUp() override {
    ASSERT_FALSE(urls_.empty()) << "no lab running: start one with scripts/lab.sh up (scripts/test.sh does)";
    ASSERT_EQ(urls_.size(), names_.size());
  }

  static std::string Base() { return "http://127.0.0.1:" + std::to_string(port_); }
  static std::string Scrape() {
    const HttpResponse r = client_->Get(Base() + "/metrics");
    EXPECT_TRUE(r.ok()) << r.FailureReason();
    EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
    return r.body;
  }
  static nlohmann::json Patronictl(const std::string& args) {
    const std::string out =
        RunCommand(std::string(PATRONI_EXPORTER_SOURCE_DIR) + "/scripts/lab.sh patronictl " + args + " 2>/dev/null");
    std::string error;
    return ParseJson(out, &error).value_or(nlohmann::json());
  }

  static inline std::map<std::string, std::string> lab_;
  static inline std::vector<std::string> urls_, names_;
  static inline std::string dead_url_;
  static inline int port_ = 0;
  static inline pid_t pid_ = -1;
  static inline HttpClient* client_ = nullptr;
};

TEST_F(RealClusterTest, EveryMemberUpAndTheDeadTargetDown) {
  const std::string text = Scrape();
  for (const std::string& url : urls_) EXPECT_EQ(Find(text, "patroni_up", {"target=\"" + url + "\""}), 1) << url;
  EXPECT_EQ(Find(text, "patroni_up", {"target=\"" + dead_url_ + "\""}), 0);
  EXPECT_EQ(Find(text, "patroni_exporter_collector_success", {"collector=\"node\""}), 0);
  EXPECT_EQ(Find(text, "patroni_exporter_build_info", {}), 1);
}

TEST_F(RealClusterTest, FamiliesMatchPatronictlList) {
  const nlohmann::json list = Patronictl("list -f json");
  ASSERT_TRUE(list.is_array()) << "patronictl list -f json gave no JSON";
  ASSERT_EQ(list.size(), names_.size());
  const std::string text = Scrape();
  const std::string scope = "scope=\"" + lab_["LAB_SCOPE"] + "\"";
  int primaries = 0;
  for (const nlohmann::json& member : list) {
    const std::string name = "name=\"" + member["Member"].get<std::string>() + "\"";
    SCOPED_TRACE(name);
    const bool leader = member["Role"] == "Leader";
    primaries += leader;
    // Patroni 3.0.2 sends no member name: the exporter found it through /cluster.
    EXPECT_EQ(Find(text, "patroni_primary", {scope, name}), leader ? 1 : 0);
    EXPECT_EQ(Find(text, "patroni_replica", {scope, name}), leader ? 0 : 1);
    EXPECT_EQ(Find(text, "patroni_postgres_timeline", {scope, name}), member["TL"].get<double>());
    EXPECT_EQ(Find(text, "patroni_postgres_running", {scope, name}), 1);
    ASSERT_EQ(member["State"], "running");  // a healthy lab: every member's PostgreSQL runs
    EXPECT_EQ(Find(text, "patroni_postgres_state", {scope, name}), 5);
    EXPECT_EQ(Find(text, "patroni_version", {scope, name}), 30002);
    EXPECT_EQ(Find(text, "patroni_is_paused", {scope, name}), 0);
    EXPECT_EQ(Find(text, "patroni_cluster_unlocked", {scope, name}), 0);
    EXPECT_FALSE(Find(text, "patroni_master", {scope, name}));  // opt-in only
  }
  EXPECT_EQ(primaries, 1);
}

TEST_F(RealClusterTest, ValuesMatchTheMembersOwnStatus) {
  const std::string text = Scrape();
  for (std::size_t i = 0; i < urls_.size(); ++i) {
    const HttpResponse direct = client_->Get(urls_[i] + "/patroni");
    ASSERT_TRUE(direct.ok());
    std::string error;
    const nlohmann::json status = *ParseJson(direct.body, &error);
    const std::string name = "name=\"" + names_[i] + "\"";
    SCOPED_TRACE(name);
    EXPECT_EQ(Find(text, "patroni_postgres_server_version", {name}), status["server_version"].get<double>());
    EXPECT_EQ(
        Find(text, "patroni_node_info",
             {name, "database_system_identifier=\"" + status["database_system_identifier"].get<std::string>() + "\""}),
        1);
    const double dcs_last_seen = *Find(text, "patroni_dcs_last_seen", {name});
    EXPECT_LE(dcs_last_seen, status["dcs_last_seen"].get<double>());  // scraped first, so not newer
    EXPECT_GT(dcs_last_seen, status["dcs_last_seen"].get<double>() - 60);
    if (status["role"] == "master") {
      const double location = *Find(text, "patroni_xlog_location", {name});
      EXPECT_GT(location, 0);
      EXPECT_LE(location, status["xlog"]["location"].get<double>());
    } else {
      EXPECT_GT(*Find(text, "patroni_xlog_replayed_location", {name}), 0);
      EXPECT_EQ(Find(text, "patroni_xlog_location", {name}), 0);
    }
  }
}

TEST_F(RealClusterTest, LiveExpositionPassesPromtool) {
  const std::string path = ::testing::TempDir() + "/live.prom";
  testing::WriteFile(path, Scrape());
  const std::string out = RunCommand("promtool check metrics < " + path + " 2>&1; echo exit=$?");
  EXPECT_THAT(out, HasSubstr("exit=0")) << out;
}

TEST_F(RealClusterTest, MaintenanceModeShowsOnEveryMember) {
  RunCommand(std::string(PATRONI_EXPORTER_SOURCE_DIR) + "/scripts/lab.sh patronictl pause --wait >/dev/null 2>&1");
  bool all_paused = false;
  for (int i = 0; i < 60 && !all_paused; ++i) {  // up to 30 s: replicas learn it on their next loop
    const std::string text = Scrape();
    all_paused = true;
    for (const std::string& n : names_)
      all_paused = all_paused && Find(text, "patroni_is_paused", {"name=\"" + n + "\""}) == 1;
    if (!all_paused) std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  RunCommand(std::string(PATRONI_EXPORTER_SOURCE_DIR) + "/scripts/lab.sh patronictl resume --wait >/dev/null 2>&1");
  EXPECT_TRUE(all_paused);
  bool all_resumed = false;
  for (int i = 0; i < 60 && !all_resumed; ++i) {
    const std::string text = Scrape();
    all_resumed = true;
    for (const std::string& n : names_)
      all_resumed = all_resumed && Find(text, "patroni_is_paused", {"name=\"" + n + "\""}) == 0;
    if (!all_resumed) std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  EXPECT_TRUE(all_resumed);
}

TEST_F(RealClusterTest, ConcurrentScrapesAllSucceed) {
  std::vector<std::thread> threads;
  std::vector<int> ok(16, 0);
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([t, &ok] {
      const HttpResponse r = client_->Get(Base() + "/metrics");
      ok[t] = r.ok() && r.body.find("patroni_primary{") != std::string::npos;
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 16; ++t) EXPECT_EQ(ok[t], 1) << t;
}

}  // namespace
}  // namespace patroni_exporter
