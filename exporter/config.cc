#include "exporter/config.h"

#include <yaml-cpp/yaml.h>

#include <CLI/CLI.hpp>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "collectors/log.h"
#include "collectors/patroni/request_plan.h"
#include "collectors/postgres/pg_session.h"
#include "exporter/build_info.h"

namespace patroni_exporter {
namespace {

constexpr const char* kProgram = "patroni_exporter";

bool ParseLogLevel(const std::string& text, LogLevel* out) {
  if (text == "debug")
    *out = LogLevel::kDebug;
  else if (text == "info")
    *out = LogLevel::kInfo;
  else if (text == "warn")
    *out = LogLevel::kWarn;
  else if (text == "error")
    *out = LogLevel::kError;
  else
    return false;
  return true;
}

std::optional<std::size_t> ParseBytes(const std::string& text) {
  // "8MiB", "512KiB", "1048576"
  std::size_t pos = 0;
  while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) ++pos;
  if (pos == 0 || pos > 12) return std::nullopt;
  const std::size_t number = std::stoull(text.substr(0, pos));
  const std::string unit = text.substr(pos);
  std::size_t scale = 1;
  if (unit == "" || unit == "B")
    scale = 1;
  else if (unit == "KiB")
    scale = 1u << 10;
  else if (unit == "MiB")
    scale = 1u << 20;
  else if (unit == "GiB")
    scale = 1u << 30;
  else
    return std::nullopt;
  return number * scale;
}

FlagsResult Fail(const std::string& message) {
  FlagsResult result;
  result.exit_code = 2;
  result.output = std::string(kProgram) + ": error: " + message + "\nRun '" + kProgram + " --help' for usage.\n";
  return result;
}

// "auto" turns member discovery on for a cluster given by more than one seed: one seed is the sidecar
// deployment (an exporter next to each node, --patroni.url http://localhost:8008), where discovery would make
// every sidecar poll every member and export each member N times.
std::optional<bool> ResolveDiscovery(const std::string& mode, std::size_t seeds) {
  if (mode == "auto") return seeds > 1;
  if (mode == "on" || mode == "true") return true;
  if (mode == "off" || mode == "false") return false;
  return std::nullopt;
}

// libstdc++ compiles (and matches) a std::regex recursively: a pattern of ~20000 nested groups overflowed the
// stack (a hand-made input of the config_file fuzz target, kept in tests/fuzz/regressions/config_file/). A
// HOST:PORT expression needs far less.
constexpr std::size_t kMaxRegexChars = 1024;
// libstdc++ (GCC 12) reads the number of a back-reference (`\12`) or a repetition (`{2,5}`) into a long without
// an overflow check: `\6666666666666666666` is undefined behaviour while compiling (found by the config_file
// fuzz target, tests/fuzz/regressions/config_file/). No HOST:PORT expression needs more digits than this.
constexpr std::size_t kMaxRegexNumberDigits = 5;

// The first number after `\` or in `{...}` with more than kMaxRegexNumberDigits digits, or "".
std::string OverlongRegexNumber(const std::string& pattern) {
  auto digits_at = [&](std::size_t i) {
    std::size_t n = 0;
    while (i + n < pattern.size() && std::isdigit(static_cast<unsigned char>(pattern[i + n]))) ++n;
    return n;
  };
  bool in_braces = false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    std::size_t start = std::string::npos;
    if (pattern[i] == '\\') {
      start = ++i;  // the escaped character is skipped with the digits, or by the loop
    } else if (pattern[i] == '{' || (pattern[i] == ',' && in_braces)) {
      in_braces = true;
      start = i + 1;
    } else if (pattern[i] == '}') {
      in_braces = false;
    }
    if (start == std::string::npos) continue;
    const std::size_t n = digits_at(start);
    if (n > kMaxRegexNumberDigits) return pattern.substr(start, n);
  }
  return "";
}

bool ValidRegex(const std::string& pattern, std::string* error) {
  if (pattern.size() > kMaxRegexChars) {
    *error = "regular expression longer than " + std::to_string(kMaxRegexChars) + " characters";
    return false;
  }
  if (const std::string number = OverlongRegexNumber(pattern); !number.empty()) {
    *error = "invalid regular expression \"" + pattern + "\": the number " + number + " has more than " +
             std::to_string(kMaxRegexNumberDigits) + " digits";
    return false;
  }
  try {
    std::regex re(pattern, std::regex::ECMAScript);
    return true;
  } catch (const std::regex_error& e) {
    *error = "invalid regular expression \"" + pattern + "\": " + e.what();
    return false;
  }
}

bool ReadableFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return false;
  std::fclose(f);
  return true;
}

std::string CheckTls(const TlsClientOptions& tls) {
  if (tls.cert_file.empty() != tls.key_file.empty()) return "cert_file and key_file go together";
  for (const std::string* file : {&tls.ca_file, &tls.cert_file, &tls.key_file}) {
    if (!file->empty() && !ReadableFile(*file)) return "cannot read " + *file;
  }
  return "";
}

std::string Where(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.is_null() ? "" : " (line " + std::to_string(mark.line + 1) + ")";
}

// Strict: every key must be known, so a typo ("seed:") is an error instead of a silently ignored setting.
bool CheckKeys(const YAML::Node& node, const std::set<std::string>& known, const std::string& what,
               std::string* error) {
  if (!node.IsMap()) {
    *error = what + " must be a mapping" + Where(node);
    return false;
  }
  for (const auto& entry : node) {
    const std::string key = entry.first.as<std::string>();
    if (known.count(key) == 0) {
      *error = "unknown key \"" + key + "\" in " + what + Where(entry.first);
      return false;
    }
  }
  return true;
}

}  // namespace

bool LoadConfigFile(const std::string& path, const TlsClientOptions& default_tls, Config* config, std::string* error) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    *error = path + ": cannot read the file";
    return false;
  }
  std::ostringstream text;
  text << file.rdbuf();  // an empty file sets text's failbit and leaves it empty: YAML then says what is missing
  return LoadConfigText(text.str(), path, default_tls, config, error);
}

bool LoadConfigText(const std::string& text, const std::string& name, const TlsClientOptions& default_tls,
                    Config* config, std::string* error) {
  auto fail = [&](const std::string& message) {
    *error = OneLine(name + ": " + message);  // it quotes keys, values and yaml-cpp's words: any byte at all
    return false;
  };
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return fail(std::string("invalid YAML: ") + e.what());
  }
  try {
    std::string e;
    if (!CheckKeys(root, {"clusters", "probe"}, "the top level", &e)) return fail(e);
    const YAML::Node clusters = root["clusters"];
    if (!clusters || !clusters.IsSequence() || clusters.size() == 0) {
      return fail("\"clusters\" must be a non-empty list");
    }
    std::set<std::string> names;
    for (std::size_t i = 0; i < clusters.size(); ++i) {
      const YAML::Node c = clusters[i];
      const std::string what = "clusters[" + std::to_string(i) + "]";
      if (!CheckKeys(c, {"name", "seeds", "discovery", "tls"}, what, &e)) return fail(e);
      ClusterTarget target;
      target.name = c["name"] ? c["name"].as<std::string>() : "cluster" + std::to_string(i + 1);
      if (!names.insert(target.name).second) return fail("cluster name \"" + target.name + "\" is used twice");
      const YAML::Node seeds = c["seeds"];
      if (!seeds || !seeds.IsSequence() || seeds.size() == 0) {
        return fail(what + ": \"seeds\" must be a non-empty list of URLs" + Where(c));
      }
      for (const auto& seed : seeds) {
        std::optional<BaseUrl> url = ParseBaseUrl(seed.as<std::string>(), &e);
        if (!url) return fail(what + ": " + e + Where(seed));
        target.seeds.push_back(std::move(*url));
      }
      const std::string mode = c["discovery"] ? c["discovery"].as<std::string>() : "auto";
      const std::optional<bool> discovery = ResolveDiscovery(mode, target.seeds.size());
      if (!discovery) return fail(what + ": discovery must be auto, on or off, not \"" + mode + "\"");
      target.discovery = *discovery;
      target.tls = default_tls;
      if (const YAML::Node tls = c["tls"]) {
        if (!CheckKeys(tls, {"ca_file", "cert_file", "key_file", "insecure_skip_verify"}, what + ".tls", &e)) {
          return fail(e);
        }
        target.tls = TlsClientOptions{};
        if (tls["ca_file"]) target.tls.ca_file = tls["ca_file"].as<std::string>();
        if (tls["cert_file"]) target.tls.cert_file = tls["cert_file"].as<std::string>();
        if (tls["key_file"]) target.tls.key_file = tls["key_file"].as<std::string>();
        if (tls["insecure_skip_verify"]) target.tls.insecure_skip_verify = tls["insecure_skip_verify"].as<bool>();
        const std::string tls_error = CheckTls(target.tls);
        if (!tls_error.empty()) return fail(what + ".tls: " + tls_error);
      }
      config->clusters.push_back(std::move(target));
    }
    if (const YAML::Node probe = root["probe"]) {
      if (!CheckKeys(probe, {"allowed_targets"}, "probe", &e)) return fail(e);
      if (const YAML::Node allowed = probe["allowed_targets"]) {
        if (!allowed.IsSequence()) return fail("probe.allowed_targets must be a list of regular expressions");
        for (const auto& pattern : allowed) {
          if (!ValidRegex(pattern.as<std::string>(), &e)) return fail("probe.allowed_targets: " + e);
          config->probe_allowed_targets.push_back(pattern.as<std::string>());
        }
      }
    }
  } catch (const YAML::Exception& e) {
    // A scalar where a list was expected, "yes please" for a bool, ...
    return fail(std::string("invalid value: ") + e.what());
  }
  return true;
}

std::string VersionText() {
  std::ostringstream out;
  out << kProgram << ", version " << kVersion << " (revision: " << kRevision << ")\n"
      << "  build: " << kCompiler << ", C++" << (__cplusplus / 100 % 100) << "\n";
  return out.str();
}

std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double number = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || !std::isfinite(number) || number < 0 || text[0] == '+' || text[0] == '-' ||
      std::isspace(static_cast<unsigned char>(text[0]))) {
    return std::nullopt;
  }
  const std::string unit(end);
  double ms;
  if (unit == "ms")
    ms = number;
  else if (unit == "s" || unit.empty())
    ms = number * 1000;
  else if (unit == "m")
    ms = number * 60 * 1000;
  else if (unit == "h")
    ms = number * 3600 * 1000;
  else
    return std::nullopt;
  if (ms > 1e12) return std::nullopt;
  return std::chrono::milliseconds(static_cast<long long>(std::llround(ms)));
}

std::optional<std::string> ToCivetwebPorts(const std::string& listen_address, std::string* error) {
  const std::size_t colon = listen_address.rfind(':');
  if (colon == std::string::npos) {
    *error = "--web.listen-address \"" + listen_address + "\" must be :PORT or HOST:PORT";
    return std::nullopt;
  }
  std::string host = listen_address.substr(0, colon);
  const std::string port = listen_address.substr(colon + 1);
  const bool digits_only =
      !port.empty() && port.size() <= 5 && port.find_first_not_of("0123456789") == std::string::npos;
  if (!digits_only || std::stoi(port) < 1 || std::stoi(port) > 65535) {
    *error = "--web.listen-address \"" + listen_address + "\": port must be a number from 1 to 65535";
    return std::nullopt;
  }
  if (host.find(':') != std::string::npos || host.find('[') != std::string::npos) {
    *error = "--web.listen-address \"" + listen_address +
             "\": IPv6 addresses are not supported (Debian 12's CivetWeb is built without IPv6)";
    return std::nullopt;
  }
  if (host.empty() || host == "0.0.0.0") return port;
  if (host == "localhost") host = "127.0.0.1";
  int parts = 0;
  std::istringstream in(host);
  std::string part;
  bool valid = true;
  while (std::getline(in, part, '.')) {
    ++parts;
    if (part.empty() || part.size() > 3 || part.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(part) > 255) {
      valid = false;
    }
  }
  if (!valid || parts != 4 || host.back() == '.') {
    *error = "--web.listen-address \"" + listen_address + "\": host must be an IPv4 address or localhost";
    return std::nullopt;
  }
  return host + ":" + port;
}

FlagsResult ParseFlags(int argc, const char* const argv[]) {
  CLI::App app{"Prometheus exporter for PostgreSQL clusters run by Patroni.", kProgram};
  app.get_formatter()->column_width(44);

  std::vector<std::string> urls = {"http://127.0.0.1:8008"};
  std::string timeout = "5s";
  std::string max_body = "8MiB";
  std::string listen_address = ":9547";
  std::string telemetry_path = "/metrics";
  std::string log_level = "info";
  std::string log_format = "logfmt";
  std::string discovery = "auto";
  std::string config_file;
  std::string max_parallel = "512";  // 500 members answering in 100 ms: one wave, not 8 (docs/performance.md)
  std::string default_scrape_timeout = "10s";
  std::string member_retention = "10m";
  std::vector<std::string> allowed_targets;
  Config config;
  bool version = false;

  auto* url_option =
      app.add_option("--patroni.url", urls, "Base URL of a Patroni REST API (repeatable): http[s]://HOST:PORT")
          ->default_str("http://127.0.0.1:8008")
          ->take_all();
  app.add_option("--patroni.timeout", timeout, "Timeout of each request to Patroni, e.g. 500ms, 5s")
      ->default_str(timeout);
  app.add_option("--patroni.max-body-size", max_body, "Largest Patroni response accepted (B, KiB, MiB)")
      ->default_str(max_body);
  app.add_option("--patroni.ca-file", config.patroni_tls.ca_file,
                 "PEM CA bundle to verify Patroni's HTTPS certificate (default: system CAs)");
  app.add_option("--patroni.cert-file", config.patroni_tls.cert_file,
                 "PEM client certificate for Patroni (restapi.verify_client)");
  app.add_option("--patroni.key-file", config.patroni_tls.key_file, "PEM private key of --patroni.cert-file");
  app.add_flag("--patroni.insecure-skip-verify", config.patroni_tls.insecure_skip_verify,
               "Do not verify Patroni's HTTPS certificate (unsafe)");
  app.add_option("--patroni.discovery", discovery,
                 "Poll every member listed by /cluster: auto (on for more than one --patroni.url), on, off")
      ->default_str(discovery);
  app.add_option("--patroni.member-retention", member_retention,
                 "How long a member stays watched after Patroni last listed it or it last answered, e.g. 10m")
      ->default_str(member_retention);
  app.add_option("--patroni.max-parallel-requests", max_parallel, "Most requests to Patroni in flight at once")
      ->default_str(max_parallel);
  auto* file_option =
      app.add_option("--config.file", config_file, "YAML file listing clusters (seeds, TLS) and /probe targets");
  app.add_option("--probe.allowed-target", allowed_targets,
                 "Regular expression for HOST:PORT that /probe may scrape besides configured ones (repeatable)");
  app.add_flag("--collector.node.legacy-master", config.legacy_master,
               "Also export patroni_master (removed from Patroni 4.0; same value as patroni_primary)");
  app.add_flag("--collector.cluster,!--no-collector.cluster", config.cluster_collector,
               "Per-member and per-cluster families from GET /cluster")
      ->default_str("true");
  app.add_flag("--collector.config,!--no-collector.config", config.config_collector,
               "Patroni's dynamic configuration from GET /config, once per cluster")
      ->default_str("true");
  app.add_flag("--collector.history,!--no-collector.history", config.history_collector,
               "Failover history from GET /history, once per cluster")
      ->default_str("true");
  app.add_flag("--collector.health,!--no-collector.health", config.health_collector,
               "Verdicts of Patroni's health endpoints per member (12 more GETs per member and scrape)")
      ->default_str("false");
  app.add_option("--collector.health.max-lag", config.health_max_lag,
                 "With --collector.health, also ask /replica, /async and /readiness with ?lag=MAX_LAG (bytes, or "
                 "with kB, MB, GB, TB as Patroni reads it: 3 more GETs per member). Empty: no ?lag= forms");
  app.add_option("--postgres.dsn-template", config.postgres_dsn_template,
                 "libpq connection string for each member's PostgreSQL (host and port come from /cluster); no "
                 "password: use PGPASSWORD or passfile=. Empty: no PostgreSQL collector");
  app.add_flag("--collector.process,!--no-collector.process", config.process_collector,
               "The exporter's own process_* families")
      ->default_str("true");
  app.add_option("--web.listen-address", listen_address, "Address to listen on: :PORT or HOST:PORT")
      ->default_str(listen_address);
  app.add_option("--web.telemetry-path", telemetry_path, "Path under which to expose metrics")
      ->default_str(telemetry_path);
  app.add_option("--web.config.file", config.web_config_file,
                 "exporter-toolkit web config (TLS, client certificates, basic auth), as promtool check web-config "
                 "reads it");
  app.add_option("--web.default-scrape-timeout", default_scrape_timeout,
                 "Scrape deadline when Prometheus sends no X-Prometheus-Scrape-Timeout-Seconds")
      ->default_str(default_scrape_timeout);
  app.add_option("--log.level", log_level, "Log level: debug, info, warn, error")->default_str(log_level);
  app.add_option("--log.format", log_format, "Log format: logfmt, json")->default_str(log_format);
  app.add_flag("--version", version, "Print version information and exit");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return FlagsResult{std::nullopt, 0, app.help()};
  } catch (const CLI::ParseError& e) {
    return Fail(e.what());
  }
  if (version) return FlagsResult{std::nullopt, 0, VersionText()};

  if (!config_file.empty() && url_option->count() > 0) {
    return Fail("--patroni.url and --config.file exclude each other: list the URLs as seeds in the file");
  }
  if (config.patroni_tls.cert_file.empty() != config.patroni_tls.key_file.empty()) {
    return Fail("--patroni.cert-file and --patroni.key-file go together");
  }
  const std::string tls_error = CheckTls(config.patroni_tls);
  if (!tls_error.empty()) return Fail(tls_error);
  if (file_option->count() > 0) {
    std::string error;
    if (!LoadConfigFile(config_file, config.patroni_tls, &config, &error)) return Fail(error);
  } else {
    if (urls.empty()) return Fail("--patroni.url needs a value");
    ClusterTarget target;
    target.name = "default";
    target.tls = config.patroni_tls;
    for (const std::string& url : urls) {
      std::string error;
      std::optional<BaseUrl> parsed = ParseBaseUrl(url, &error);
      if (!parsed) return Fail("--patroni.url: " + error);
      target.seeds.push_back(std::move(*parsed));
    }
    const std::optional<bool> resolved = ResolveDiscovery(discovery, target.seeds.size());
    if (!resolved) return Fail("--patroni.discovery \"" + discovery + "\" must be auto, on or off");
    target.discovery = *resolved;
    config.clusters.push_back(std::move(target));
  }
  std::set<std::string> seen_seeds;
  for (const ClusterTarget& cluster : config.clusters) {
    for (const BaseUrl& seed : cluster.seeds) {
      if (!seen_seeds.insert(seed.ToString()).second) return Fail("seed " + seed.ToString() + " is given twice");
    }
  }
  for (const std::string& pattern : allowed_targets) {
    std::string error;
    if (!ValidRegex(pattern, &error)) return Fail("--probe.allowed-target: " + error);
    config.probe_allowed_targets.push_back(pattern);
  }
  if (!config.health_max_lag.empty() && !ValidHealthMaxLag(config.health_max_lag)) {
    return Fail("--collector.health.max-lag \"" + config.health_max_lag +
                "\" must be a number of bytes, optionally followed by B, kB, MB, GB or TB (e.g. 1048576, 16MB)");
  }
  const std::optional<std::size_t> parallel = max_parallel.find_first_not_of("0123456789") == std::string::npos &&
                                                      !max_parallel.empty() && max_parallel.size() < 6
                                                  ? std::optional<std::size_t>(std::stoul(max_parallel))
                                                  : std::nullopt;
  if (!parallel || *parallel < 1 || *parallel > 4096) {
    return Fail("--patroni.max-parallel-requests \"" + max_parallel + "\" must be a number from 1 to 4096");
  }
  config.patroni_max_parallel_requests = *parallel;
  const std::optional<std::chrono::milliseconds> scrape_timeout = ParseDuration(default_scrape_timeout);
  if (!scrape_timeout || scrape_timeout->count() < 100 || *scrape_timeout > std::chrono::minutes(10)) {
    return Fail("--web.default-scrape-timeout \"" + default_scrape_timeout + "\" must be a duration from 100ms to 10m");
  }
  config.default_scrape_timeout = *scrape_timeout;
  const std::optional<std::chrono::milliseconds> retention = ParseDuration(member_retention);
  if (!retention || *retention < std::chrono::seconds(0) || *retention > std::chrono::hours(24 * 7)) {
    return Fail("--patroni.member-retention \"" + member_retention + "\" must be a duration from 0s to 168h, e.g. 10m");
  }
  config.member_retention = *retention;

  const std::optional<std::chrono::milliseconds> parsed_timeout = ParseDuration(timeout);
  if (!parsed_timeout || parsed_timeout->count() < 1 || *parsed_timeout > std::chrono::minutes(10)) {
    return Fail("--patroni.timeout \"" + timeout + "\" must be a duration from 1ms to 10m, e.g. 500ms or 5s");
  }
  config.patroni_timeout = *parsed_timeout;

  const std::optional<std::size_t> body = ParseBytes(max_body);
  if (!body || *body < 1024 || *body > (1u << 30)) {
    return Fail("--patroni.max-body-size \"" + max_body + "\" must be from 1KiB to 1GiB, e.g. 8MiB");
  }
  config.patroni_max_body_bytes = *body;

  if (!config.postgres_dsn_template.empty()) {
    const std::string reason = CheckConninfo(config.postgres_dsn_template);
    if (!reason.empty()) return Fail("--postgres.dsn-template: " + reason);
  }

  std::string error;
  std::optional<std::string> ports = ToCivetwebPorts(listen_address, &error);
  if (!ports) return Fail(error);
  config.listen_address = listen_address;
  config.civetweb_ports = *ports;

  if (telemetry_path.empty() || telemetry_path[0] != '/' || telemetry_path == "/" || telemetry_path == "/-/healthy" ||
      telemetry_path.find_first_of(" ?#") != std::string::npos) {
    return Fail("--web.telemetry-path \"" + telemetry_path + "\" must start with / and differ from / and /-/healthy");
  }
  config.telemetry_path = telemetry_path;

  if (!config.web_config_file.empty()) {
    std::string web_error;
    if (!LoadWebConfig(config.web_config_file, &config.web, &web_error)) {
      return Fail("--web.config.file " + web_error);
    }
  }

  if (!ParseLogLevel(log_level, &config.log_level)) {
    return Fail("--log.level \"" + log_level + "\" must be one of debug, info, warn, error");
  }
  if (log_format == "logfmt") {
    config.log_format = LogFormat::kLogfmt;
  } else if (log_format == "json") {
    config.log_format = LogFormat::kJson;
  } else {
    return Fail("--log.format \"" + log_format + "\" must be logfmt or json");
  }
  return FlagsResult{std::move(config), 0, ""};
}

}  // namespace patroni_exporter
