// Helpers for integration tests against the real local Patroni cluster (scripts/lab.sh) and the real binary.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace patroni_exporter::testing {

// The running lab's lab.env (LAB_DIR, default /tmp/patroni-exporter-lab); empty when no lab runs.
std::map<std::string, std::string> ReadLabEnv();
// The lab.env of the lab in `lab_dir`; empty when no lab runs there.
std::map<std::string, std::string> ReadLabEnvAt(const std::string& lab_dir);
// LAB_DIR of the TLS lab ctest starts as the fixture patroni_tls_lab (PATRONI_EXPORTER_TLS_LAB_DIR, default
// /tmp/patroni-exporter-tls-lab; tests/CMakeLists.txt).
std::string TlsLabDir();
// The TLS lab's lab.env; when it is not up (no LAB_TLS=1 there), empty, and `why_not` says how to start one.
std::map<std::string, std::string> ReadTlsLabEnv(std::string* why_not);
// The Patroni version the lab runs as Patroni's own patroni_version prints it (3.0.2 -> 30002, 4.0.7 -> 40007),
// from lab.env's LAB_PATRONI_VERSION (scripts/lab.sh LAB_PATRONI=3|4); a lab.env without it is Patroni 3.0.2.
// Tests branch on it where Patroni 4.0 behaves differently, and say so.
int LabPatroniVersion(const std::map<std::string, std::string>& lab);
std::vector<std::string> Split(const std::string& text);
// Runs a shell command, returns its stdout.
std::string RunCommand(const std::string& command);
// `scripts/lab.sh ARGS` of this source tree, stdout.
std::string Lab(const std::string& args);
// `scripts/lab.sh patronictl ARGS` parsed as JSON (null when it printed none).
nlohmann::json Patronictl(const std::string& args);
int FreePort();

// First sample of `family` whose label text contains every one of `label_parts`, from exposition text.
std::optional<double> Find(const std::string& text, const std::string& family,
                           const std::vector<std::string>& label_parts);

// The index in `names` of the one member whose own /patroni says it is the primary (patroni_primary{name} 1), as
// an exporter scraping every member shows it; names.size() when none does.
std::size_t PrimaryIndex(const std::string& text, const std::vector<std::string>& names);
// The index in `names` of the member the cluster view lists as leader (patroni_cluster_member_role{member,
// role="leader"} 1); names.size() when none is.
std::size_t ClusterLeaderIndex(const std::string& text, const std::vector<std::string>& names);

// How to start the exporter, beyond its flags.
struct ExporterLaunch {
  std::string output_file;       // its stdout and stderr are appended here; empty: this process's own
  std::vector<std::string> env;  // NAME=VALUE set for it (replacing this process's NAME; the last one wins)
};

// The real patroni_exporter binary on a free local port, stopped with SIGTERM on destruction, where an exit
// status other than 0 is a test failure (EXPECT).
class ExporterProcess {
 public:
  explicit ExporterProcess(const std::vector<std::string>& flags);
  // Waits until /-/healthy answers (ready()) or the process exits (Exited()), at most 5 s.
  ExporterProcess(const std::vector<std::string>& flags, const ExporterLaunch& launch);
  ~ExporterProcess();
  ExporterProcess(const ExporterProcess&) = delete;
  ExporterProcess& operator=(const ExporterProcess&) = delete;

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  bool ready() const { return ready_; }
  // GET path; the body, or "" on failure.
  std::string Get(const std::string& path, long* status = nullptr) const;
  // Stops it and returns whether it exited 0.
  bool Stop();
  // Whether it has exited on its own (without Stop); then *exit_code is its status (128 + signal if killed).
  bool Exited(int* exit_code);
  pid_t pid() const { return pid_; }

 private:
  void Launch(const std::vector<std::string>& flags, const ExporterLaunch& launch);

  int port_ = 0;
  pid_t pid_ = -1;
  bool ready_ = false;
  int exit_code_ = -1;  // >= 0 once reaped by Exited()
};

// Scrapes `exporter`'s /metrics every 250 ms until `condition` holds on one scrape, at most `limit`; true when it
// did. `each`, when given, sees every scrape first (to record what was seen on the way).
bool WaitForMetrics(const ExporterProcess& exporter, std::chrono::milliseconds limit,
                    const std::function<bool(const std::string&)>& condition,
                    const std::function<void(const std::string&)>& each = nullptr);

// The fixture of the tests that run against the 3-member lab (scripts/lab.sh up; scripts/test.sh starts one):
// its lab.env, the members' REST URLs, names and PostgreSQL ports in lab order, and `scope="..."` to match the
// scope label. SetUp fails the test when no 3-member lab runs; a derived SetUp calls it first and returns when
// it failed (HasFatalFailure()).
class LabClusterTest : public ::testing::Test {
 protected:
  void SetUp() override;
  static bool WaitFor(const ExporterProcess& exporter, std::chrono::milliseconds limit,
                      const std::function<bool(const std::string&)>& condition,
                      const std::function<void(const std::string&)>& each = nullptr) {
    return WaitForMetrics(exporter, limit, condition, each);
  }

  std::map<std::string, std::string> lab_;
  std::vector<std::string> urls_, names_, ports_;
  std::string scope_;
};

}  // namespace patroni_exporter::testing
