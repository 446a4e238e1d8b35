// Command-line flags and the optional YAML file -> a validated Config, in one step. Nothing else in the program
// reads flags or files of configuration.
//
// ParseFlags never exits or prints: it returns what main should print and the exit code, so tests can check
// every bad flag's message. Flag names follow the Prometheus exporter conventions (README "Flags").
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "collectors/cluster_target.h"
#include "collectors/http_client.h"
#include "collectors/log.h"
#include "collectors/url.h"
#include "exporter/web_config.h"

namespace patroni_exporter {

struct Config {
  // Clusters to watch: from --patroni.url (one cluster, "default") or from --config.file.
  std::vector<ClusterTarget> clusters;
  std::chrono::milliseconds patroni_timeout{5000};
  std::size_t patroni_max_body_bytes = 8u << 20;
  std::size_t patroni_max_parallel_requests = 512;
  TlsClientOptions patroni_tls;  // the flags' TLS settings: the default cluster's, and /probe's for others
  // How long the member directory keeps a member after /cluster last listed it or its /patroni last answered
  // (collectors/member_directory.h): its PostgreSQL is still queried and its Patroni still tried meanwhile.
  std::chrono::milliseconds member_retention{std::chrono::minutes(10)};
  bool legacy_master = false;
  bool cluster_collector = true;
  bool config_collector = true;
  bool history_collector = true;
  bool health_collector = false;
  std::string health_max_lag;  // --collector.health.max-lag: empty, or ValidHealthMaxLag (request_plan.h)
  // PostgreSQL's own replication view (collectors/postgres/): on when a DSN template is given.
  std::string postgres_dsn_template;
  bool process_collector = true;

  // /probe: targets matching one of these (full match against "HOST:PORT"; ECMAScript, at most 1024 characters
  // each) are allowed besides the configured seeds and the members discovered from them.
  std::vector<std::string> probe_allowed_targets;

  std::string listen_address = ":9547";  // as given
  std::string civetweb_ports;            // the same, in CivetWeb's "listening_ports" syntax
  std::string telemetry_path = "/metrics";
  std::chrono::milliseconds default_scrape_timeout{10000};  // when Prometheus sends no timeout header
  // CivetWeb workers: fewer than this many slow clients never delay a scrape (docs/security.md); each costs
  // ~75 KB of RSS (docs/performance.md).
  int web_threads = 16;
  std::string web_config_file;  // --web.config.file, as given; empty: plain HTTP, no authentication
  WebConfig web;                // its content, validated (TLS files loaded once to check them)

  LogLevel log_level = LogLevel::kInfo;
  LogFormat log_format = LogFormat::kLogfmt;
};

struct FlagsResult {
  std::optional<Config> config;  // set when the program should run
  int exit_code = 0;             // when config is empty: 0 for --help/--version, 2 for a bad flag or file
  std::string output;            // when config is empty: what to print (stdout if exit_code is 0, else stderr)
};

FlagsResult ParseFlags(int argc, const char* const argv[]);

// The clusters and probe allow-list of a --config.file (YAML; README "Configuration file"). Strict: unknown
// keys are errors. On failure returns false and sets *error to one line naming the file and the problem.
bool LoadConfigFile(const std::string& path, const TlsClientOptions& default_tls, Config* config, std::string* error);
// The same from the file's text; `name` (the path) starts every error. What LoadConfigFile runs after reading the
// file, and what the fuzz target tests/fuzz/config_file_fuzz.cc feeds. Never throws.
bool LoadConfigText(const std::string& text, const std::string& name, const TlsClientOptions& default_tls,
                    Config* config, std::string* error);

// "5s", "500ms", "1m", "1.5s", "2h"; a bare number is seconds. Empty on anything else or a negative value.
std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text);

// ":9547" -> "9547", "127.0.0.1:9547" -> "127.0.0.1:9547", "localhost:9547" -> "127.0.0.1:9547".
// IPv6 addresses are refused: Debian 12's CivetWeb is built without IPv6. Empty + *error on failure.
std::optional<std::string> ToCivetwebPorts(const std::string& listen_address, std::string* error);

// "patroni_exporter, version 0.1.0 (revision: abc1234)" plus build details.
std::string VersionText();

}  // namespace patroni_exporter
