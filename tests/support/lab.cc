#include "tests/support/lab.h"

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
  std::ifstream in(std::string(dir ? dir : "/tmp/patroni-exporter-lab") + "/lab.env");
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

ExporterProcess::ExporterProcess(const std::vector<std::string>& flags) {
  port_ = FreePort();
  std::vector<std::string> args = {PATRONI_EXPORTER_BINARY, "--web.listen-address",
                                   "127.0.0.1:" + std::to_string(port_)};
  args.insert(args.end(), flags.begin(), flags.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0) {
    pid_ = -1;
    return;
  }
  for (int i = 0; i < 100 && !ready_; ++i) {
    long status = 0;
    Get("/-/healthy", &status);
    ready_ = status == 200;
    if (!ready_) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

ExporterProcess::~ExporterProcess() {
  // Any other exit than 0 on SIGTERM fails the test: a crash, or a sanitizer report (LeakSanitizer runs at exit),
  // which is on the exporter's stderr, the test's own.
  if (pid_ > 0) {
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

bool ExporterProcess::Stop() {
  if (pid_ <= 0) return false;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace patroni_exporter::testing
