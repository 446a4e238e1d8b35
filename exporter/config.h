// Command-line flags -> a validated Config, in one step. Nothing else in the program reads flags.
//
// ParseFlags never exits or prints: it returns what main should print and the exit code, so tests can check
// every bad flag's message. Flag names follow the Prometheus exporter conventions (README "Flags").
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "collectors/http_client.h"
#include "collectors/log.h"
#include "collectors/url.h"

namespace patroni_exporter {

struct Config {
  std::vector<BaseUrl> patroni_urls;
  std::chrono::milliseconds patroni_timeout{5000};
  std::size_t patroni_max_body_bytes = 8u << 20;
  TlsClientOptions patroni_tls;
  bool legacy_master = false;

  std::string listen_address = ":9547";  // as given
  std::string civetweb_ports;            // the same, in CivetWeb's "listening_ports" syntax
  std::string telemetry_path = "/metrics";
  int web_threads = 4;

  LogLevel log_level = LogLevel::kInfo;
  LogFormat log_format = LogFormat::kLogfmt;
};

struct FlagsResult {
  std::optional<Config> config;  // set when the program should run
  int exit_code = 0;             // when config is empty: 0 for --help/--version, 2 for a bad flag
  std::string output;            // when config is empty: what to print (stdout if exit_code is 0, else stderr)
};

FlagsResult ParseFlags(int argc, const char* const argv[]);

// "5s", "500ms", "1m", "1.5s", "2h"; a bare number is seconds. Empty on anything else or a negative value.
std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text);

// ":9547" -> "9547", "127.0.0.1:9547" -> "127.0.0.1:9547", "localhost:9547" -> "127.0.0.1:9547".
// IPv6 addresses are refused: Debian 12's CivetWeb is built without IPv6. Empty + *error on failure.
std::optional<std::string> ToCivetwebPorts(const std::string& listen_address, std::string* error);

// "patroni_exporter, version 0.1.0 (revision: abc1234)" plus build details.
std::string VersionText();

}  // namespace patroni_exporter
