// Command-line flags, their PATRONI_EXPORTER_* environment variables and the optional YAML file -> a validated
// Config. Nothing else in the program reads flags or files of configuration (--web.config.file is reread by the
// HTTP server when it changes: exporter/http_server.h).
//
// ParseFlags never exits or prints: it returns what main should print and the exit code, so tests can check
// every bad flag's message. It registers the flags (names, types, defaults, variables), lets CLI11 parse them,
// then validates the values into a Config (ranges, files, combinations), like postgres_exporter's
// config.Validate. Flag names follow the Prometheus exporter conventions (README "Flags"); every flag can also
// be given by its environment variable (EnvName), and a flag on the command line beats its variable. An empty
// variable counts as unset.
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
#include "exporter/http_server.h"
#include "exporter/web_config.h"

namespace patroni_exporter {

// Defaults of the flags that no component below owns, and the bounds of every flag. The other defaults are named
// by the component that applies them: kDefaultRequestTimeout, kDefaultMaxBodyBytes, kDefaultMaxInFlight and
// kDefaultMaxInFlightPerHost in collectors/http_client.h; kDefaultTelemetryPath, kDefaultScrapeTimeout and
// kDefaultWebThreads in exporter/http_server.h.
inline constexpr const char* kDefaultPatroniUrl = "http://127.0.0.1:8008";
inline constexpr const char* kDefaultListenAddress = ":9547";
inline constexpr std::chrono::milliseconds kDefaultMemberRetention = std::chrono::minutes(10);

inline constexpr std::chrono::milliseconds kMinPatroniTimeout{1};
inline constexpr std::chrono::milliseconds kMaxPatroniTimeout = std::chrono::minutes(10);
inline constexpr std::size_t kMinMaxBodyBytes = 1u << 10;
inline constexpr std::size_t kMaxMaxBodyBytes = 1u << 30;
inline constexpr std::size_t kMaxParallelRequests = 4096;
// Patroni's REST API listens with a backlog of 5 (collectors/http_client.h): more than this per member overflows it
// for certain, and then every scrape waits for SYN retransmissions.
inline constexpr std::size_t kMaxParallelRequestsPerMember = 16;
inline constexpr std::chrono::milliseconds kMaxMemberRetention = std::chrono::hours(24 * 7);
inline constexpr std::chrono::milliseconds kMinScrapeTimeout{100};
inline constexpr std::chrono::milliseconds kMaxScrapeTimeout = std::chrono::minutes(10);
inline constexpr int kMaxWebThreads = 1024;

struct Config {
  // Clusters to watch: from --patroni.url (one cluster, "default") or from --config.file.
  std::vector<ClusterTarget> clusters;
  std::chrono::milliseconds patroni_timeout = kDefaultRequestTimeout;
  std::size_t patroni_max_body_bytes = kDefaultMaxBodyBytes;
  std::size_t patroni_max_parallel_requests = kDefaultMaxInFlight;
  std::size_t patroni_max_parallel_requests_per_member = kDefaultMaxInFlightPerHost;
  TlsClientOptions patroni_tls;  // the flags' TLS settings: the default cluster's, and /probe's for others
  // How long the member directory keeps a member after /cluster last listed it or its /patroni last answered
  // (collectors/member_directory.h): its PostgreSQL is still queried and its Patroni still tried meanwhile.
  std::chrono::milliseconds member_retention = kDefaultMemberRetention;
  bool legacy_master = false;
  bool cluster_collector = true;
  bool config_collector = true;
  bool history_collector = true;
  bool health_collector = false;
  std::string health_max_lag;  // --collector.health.max-lag: empty, or ValidHealthMaxLag (request_plan.h)
  // PostgreSQL's own replication view (collectors/postgres/): on when a DSN template is given.
  std::string postgres_dsn_template;
  bool process_collector = true;  // --collector.process and not --web.disable-exporter-metrics

  // /probe: targets matching one of these (full match against "HOST:PORT"; ECMAScript, at most 1024 characters
  // each) are allowed besides the configured seeds and the members discovered from them.
  std::vector<std::string> probe_allowed_targets;

  std::vector<std::string> listen_addresses = {kDefaultListenAddress};  // as given, each once
  std::string civetweb_ports;  // the same in CivetWeb's "listening_ports" syntax, comma-separated (ParseFlags sets it)
  // --web.systemd-socket: listen on the sockets systemd passes (LISTEN_FDS) instead; listen_addresses unused.
  bool systemd_socket = false;
  std::string telemetry_path = kDefaultTelemetryPath;
  std::chrono::milliseconds default_scrape_timeout = kDefaultScrapeTimeout;  // when Prometheus sends no timeout header
  int web_threads = kDefaultWebThreads;  // --web.threads: CivetWeb workers (exporter/http_server.h)
  std::string web_config_file;           // --web.config.file, as given; empty: plain HTTP, no authentication
  WebConfig web;                         // its content, validated (TLS files loaded once to check them)

  LogLevel log_level = LogLevel::kInfo;
  LogFormat log_format = LogFormat::kLogfmt;
};

struct FlagsResult {
  std::optional<Config> config;  // set when the program should run
  int exit_code = 0;             // when config is empty: 0 for --help/--version, 2 for a bad flag or file
  std::string output;            // when config is empty: what to print (stdout if exit_code is 0, else stderr)
};

// Reads the process environment for the flags' variables (CLI11's envname).
FlagsResult ParseFlags(int argc, const char* const argv[]);

// "--web.listen-address" -> "PATRONI_EXPORTER_WEB_LISTEN_ADDRESS": upper case, '.' and '-' become '_'.
std::string EnvName(const std::string& flag);

// The clusters and probe allow-list of a --config.file (YAML; README "Configuration file"). Strict: unknown
// keys are errors. On failure returns false and sets *error to one line naming the file and the problem.
bool LoadConfigFile(const std::string& path, const TlsClientOptions& default_tls, Config* config, std::string* error);
// The same from the file's text; `name` (the path) starts every error. What LoadConfigFile runs after reading the
// file, and what the fuzz target tests/fuzz/config_file_fuzz.cc feeds. Never throws.
bool LoadConfigText(const std::string& text, const std::string& name, const TlsClientOptions& default_tls,
                    Config* config, std::string* error);

// Prometheus' durations: one or more terms NUMBER UNIT, units from y, w, d, h, m, s, ms, each at most once and
// in that order ("1m30s", "1h", "500ms", "7d"; y is 365d, d is 24h). Beyond Prometheus, as this exporter always
// accepted: a term may have a fraction ("1.5s"), and a bare number is seconds ("10"). Empty on anything else (a
// negative value, garbage, more than about 31 years); *error (when given) then says what is wrong in one phrase. Never
// throws.
std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text, std::string* error = nullptr);
// The shortest Prometheus form: 5000ms -> "5s", 90000ms -> "1m30s", 0 -> "0s". ParseDuration reads it back.
std::string FormatDuration(std::chrono::milliseconds duration);

// ":9547" -> "9547", "127.0.0.1:9547" -> "127.0.0.1:9547", "localhost:9547" -> "127.0.0.1:9547".
// IPv6 addresses are refused: Debian 12's CivetWeb is built without IPv6 (mg_check_feature(8) is 0). Empty +
// *error on failure.
std::optional<std::string> ToCivetwebPorts(const std::string& listen_address, std::string* error);

// "patroni_exporter, version 0.1.0 (revision: abc1234)" plus build details.
std::string VersionText();

}  // namespace patroni_exporter
