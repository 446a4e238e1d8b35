#include "tests/support/lab.h"

#include <curl/curl.h>
#include <fcntl.h>
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
#include <sstream>
#include <thread>

#include "collectors/http_client.h"
#include "collectors/json_util.h"

extern char** environ;

namespace patroni_exporter::testing {

std::map<std::string, std::string> ReadLabEnv() {
  const char* dir = std::getenv("LAB_DIR");
  return ReadLabEnvAt(dir ? dir : "/tmp/patroni-exporter-lab");
}

std::string TlsLabDir() {
  const char* dir = std::getenv("PATRONI_EXPORTER_TLS_LAB_DIR");
  return dir != nullptr && *dir != '\0' ? dir : "/tmp/patroni-exporter-tls-lab";
}

std::map<std::string, std::string> ReadTlsLabEnv(std::string* why_not) {
  std::map<std::string, std::string> lab = ReadLabEnvAt(TlsLabDir());
  if (lab["LAB_TLS"] == "1") return lab;
  *why_not = "no TLS lab in " + TlsLabDir() + ": start one with `LAB_TLS=1 LAB_MEMBERS=2 LAB_DIR=" + TlsLabDir() +
             " scripts/lab.sh up` (ctest does, as the fixture patroni_tls_lab)";
  return {};
}

std::map<std::string, std::string> ReadLabEnvAt(const std::string& lab_dir) {
  std::ifstream in(lab_dir + "/lab.env");
  std::map<std::string, std::string> env;
  for (std::string line; std::getline(in, line);) {
    const std::size_t eq = line.find('=');
    if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
    std::string value = line.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    env[line.substr(0, eq)] = value;
  }
  return env;
}

int LabPatroniVersion(const std::map<std::string, std::string>& lab) {
  const auto it = lab.find("LAB_PATRONI_VERSION");
  const std::string version = it == lab.end() || it->second.empty() ? "3.0.2" : it->second;
  int major = 0, minor = 0, patch = 0;
  if (std::sscanf(version.c_str(), "%d.%d.%d", &major, &minor, &patch) < 2) return 0;
  return major * 10000 + minor * 100 + patch;
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

std::string Lab(const std::string& args) {
  return RunCommand(std::string(PATRONI_EXPORTER_SOURCE_DIR) + "/scripts/lab.sh " + args + " 2>/dev/null");
}

nlohmann::json Patronictl(const std::string& args) {
  std::string error;
  return ParseJson(Lab("patronictl " + args), &error).value_or(nlohmann::json());
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

std::size_t PrimaryIndex(const std::string& text, const std::vector<std::string>& names) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (Find(text, "patroni_primary", {"name=\"" + names[i] + "\""}) == 1) return i;
  }
  return names.size();
}

std::size_t ClusterLeaderIndex(const std::string& text, const std::vector<std::string>& names) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (Find(text, "patroni_cluster_member_role", {"member=\"" + names[i] + "\"", "role=\"leader\""}) == 1) {
      return i;
    }
  }
  return names.size();
}

bool WaitForMetrics(const ExporterProcess& exporter, std::chrono::milliseconds limit,
                    const std::function<bool(const std::string&)>& condition,
                    const std::function<void(const std::string&)>& each) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    const std::string text = exporter.Get("/metrics");
    if (each) each(text);
    if (condition(text)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return false;
}

void LabClusterTest::SetUp() {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  lab_ = ReadLabEnv();
  urls_ = Split(lab_["LAB_PATRONI_URLS"]);
  names_ = Split(lab_["LAB_MEMBER_NAMES"]);
  ports_ = Split(lab_["LAB_PG_PORTS"]);
  scope_ = "scope=\"" + lab_["LAB_SCOPE"] + "\"";
  ASSERT_EQ(urls_.size(), 3u) << "no 3-member lab running: scripts/lab.sh up (scripts/test.sh does)";
  ASSERT_EQ(names_.size(), 3u);
  ASSERT_EQ(ports_.size(), 3u);
}

ExporterProcess::ExporterProcess(const std::vector<std::string>& flags) { Launch(flags, {}); }

ExporterProcess::ExporterProcess(const std::vector<std::string>& flags, const ExporterLaunch& launch) {
  Launch(flags, launch);
}

void ExporterProcess::Launch(const std::vector<std::string>& flags, const ExporterLaunch& launch) {
  port_ = FreePort();
  std::vector<std::string> args = {PATRONI_EXPORTER_BINARY, "--web.listen-address",
                                   "127.0.0.1:" + std::to_string(port_)};
  args.insert(args.end(), flags.begin(), flags.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // The environment: ours, minus every NAME the launch sets, plus the launch's.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    bool replaced = false;
    for (const std::string& set : launch.env) {
      replaced = replaced || entry.substr(0, entry.find('=') + 1) == set.substr(0, set.find('=') + 1);
    }
    if (!replaced) env_strings.push_back(entry);
  }
  for (std::size_t i = 0; i < launch.env.size(); ++i) {  // the last of one NAME wins
    const std::string name = launch.env[i].substr(0, launch.env[i].find('=') + 1);
    bool later = false;
    for (std::size_t j = i + 1; j < launch.env.size(); ++j) later = later || launch.env[j].rfind(name, 0) == 0;
    if (!later) env_strings.push_back(launch.env[i]);
  }
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!launch.output_file.empty()) {
    posix_spawn_file_actions_addopen(&actions, 1, launch.output_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
  }
  const int spawned = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    pid_ = -1;
    return;
  }
  int ignored = 0;
  for (int i = 0; i < 100 && !ready_ && !Exited(&ignored); ++i) {
    long status = 0;
    Get("/-/healthy", &status);
    ready_ = status == 200;
    if (!ready_) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

ExporterProcess::~ExporterProcess() {
  // Any other exit than 0 on SIGTERM fails the test: a crash, or a sanitizer report (LeakSanitizer runs at exit),
  // which is on the exporter's stderr, the test's own. An exit the test already saw through Exited() (a refused
  // flag, exit 2) is the test's to judge.
  if (pid_ > 0 && exit_code_ < 0) {
    EXPECT_TRUE(Stop()) << "the exporter did not exit 0 on SIGTERM (a sanitizer report above?)";
  }
}

std::string ExporterProcess::Get(const std::string& path, long* status) const {
  HttpClientOptions options;
  options.timeout = std::chrono::milliseconds(15000);
  const HttpResponse r = HttpClient(options).Get(base_url() + path);
  if (status != nullptr) *status = r.status;
  return r.transport_ok() ? r.body : "";
}

bool ExporterProcess::Exited(int* exit_code) {
  if (exit_code_ < 0 && pid_ > 0) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
  }
  if (exit_code_ >= 0) *exit_code = exit_code_;
  return exit_code_ >= 0;
}

bool ExporterProcess::Stop() {
  if (exit_code_ >= 0) {  // already gone on its own
    pid_ = -1;
    return exit_code_ == 0;
  }
  if (pid_ <= 0) return false;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace patroni_exporter::testing
