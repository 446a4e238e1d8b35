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
#include <string_view>
#include <utility>

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

namespace {

struct DurationUnit {
  std::string_view name;
  double ms;
};
// Largest first: the order a compound duration must follow.
constexpr DurationUnit kDurationUnits[] = {{"y", 365.0 * 24 * 3600 * 1000},
                                           {"w", 7.0 * 24 * 3600 * 1000},
                                           {"d", 24.0 * 3600 * 1000},
                                           {"h", 3600.0 * 1000},
                                           {"m", 60.0 * 1000},
                                           {"s", 1000.0},
                                           {"ms", 1.0}};
// About 31 years: far beyond every bound, small enough for an exact long long of milliseconds.
constexpr double kMaxDurationMs = 1e12;
constexpr std::size_t kMaxDurationNumberChars = 15;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }

}  // namespace

std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text, std::string* error) {
  auto fail = [&](const std::string& reason) -> std::optional<std::chrono::milliseconds> {
    if (error != nullptr) *error = reason;
    return std::nullopt;
  };
  if (text.empty()) return fail("empty");
  double total = 0;
  std::size_t next_unit = 0;  // index into kDurationUnits of the smallest unit still allowed
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t start = pos;
    while (pos < text.size() && IsDigit(text[pos])) ++pos;
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      while (pos < text.size() && IsDigit(text[pos])) ++pos;
    }
    const std::string number = text.substr(start, pos - start);
    if (number.empty() || number == ".") {
      return fail(start == 0 ? "must start with a number, e.g. 30s or 1m30s"
                             : "expected a number after \"" + text.substr(0, start) + "\"");
    }
    if (number.size() > kMaxDurationNumberChars) return fail("number too long");
    const std::size_t unit_start = pos;
    while (pos < text.size() && IsLower(text[pos])) ++pos;
    const std::string_view unit = std::string_view(text).substr(unit_start, pos - unit_start);
    const double value = std::strtod(number.c_str(), nullptr);
    if (unit.empty()) {
      if (start == 0 && pos == text.size()) {  // a bare number: seconds
        total = value * 1000;
        break;
      }
      return fail("\"" + number + "\" has no unit (y, w, d, h, m, s, ms)");
    }
    std::size_t index = 0;
    while (index < std::size(kDurationUnits) && kDurationUnits[index].name != unit) ++index;
    if (index == std::size(kDurationUnits)) {
      return fail("unknown unit \"" + std::string(unit) + "\" (use y, w, d, h, m, s, ms)");
    }
    if (index < next_unit) {
      return fail("unit \"" + std::string(unit) + "\" repeated or out of order (largest first, e.g. 1h30m)");
    }
    next_unit = index + 1;
    total += value * kDurationUnits[index].ms;
  }
  if (total > kMaxDurationMs) return fail("too long");
  return std::chrono::milliseconds(static_cast<long long>(std::llround(total)));
}

std::string FormatDuration(std::chrono::milliseconds duration) {
  long long ms = duration.count();
  if (ms == 0) return "0s";
  std::string out;
  for (const auto& [name, scale] :
       {std::pair<const char*, long long>{"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}}) {
    if (ms >= scale) {
      out += std::to_string(ms / scale) + name;
      ms %= scale;
    }
  }
  return out;
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

std::string EnvName(const std::string& flag) {
  std::string name = "PATRONI_EXPORTER_";
  for (const char c : flag.substr(flag.find_first_not_of('-'))) {
    name += (c == '.' || c == '-') ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return name;
}

namespace {

std::string FormatBytes(std::size_t bytes) {
  for (const auto& [unit, scale] :
       {std::pair<const char*, std::size_t>{"GiB", 1u << 30}, {"MiB", 1u << 20}, {"KiB", 1u << 10}}) {
    if (bytes >= scale && bytes % scale == 0) return std::to_string(bytes / scale) + unit;
  }
  return std::to_string(bytes) + "B";
}

// The flags' values as given (text where the flag needs validating), before Validate turns them into a Config.
// The switches and plain strings CLI11 writes straight into `config`.
struct FlagValues {
  std::vector<std::string> urls = {kDefaultPatroniUrl};
  std::string timeout = FormatDuration(kDefaultRequestTimeout);
  std::string max_body = FormatBytes(kDefaultMaxBodyBytes);
  std::string discovery = "auto";
  std::string member_retention = FormatDuration(kDefaultMemberRetention);
  std::string max_parallel = std::to_string(kDefaultMaxInFlight);
  std::string max_parallel_per_member = std::to_string(kDefaultMaxInFlightPerHost);
  std::string config_file;
  std::vector<std::string> allowed_targets;
  std::vector<std::string> listen_addresses = {kDefaultListenAddress};
  std::string telemetry_path = kDefaultTelemetryPath;
  std::string default_scrape_timeout = FormatDuration(kDefaultScrapeTimeout);
  std::string web_threads = std::to_string(kDefaultWebThreads);
  bool disable_exporter_metrics = false;
  std::string log_level = "info";
  std::string log_format = "logfmt";
  bool version = false;
  Config config;
  CLI::Option* url_option = nullptr;
  CLI::Option* file_option = nullptr;
  CLI::Option* listen_option = nullptr;
};

// A switch with its --no- form; the default shown in --help.
CLI::Option* AddSwitch(CLI::App* app, const std::string& name, bool* value, const std::string& help) {
  return app->add_flag("--" + name + ",!--no-" + name, *value, help)->default_str(*value ? "true" : "false");
}

void RegisterPatroniFlags(CLI::App* app, FlagValues* v) {
  v->url_option =
      app->add_option("--patroni.url", v->urls,
                      "Base URL of a Patroni REST API (repeatable, or comma-separated): http[s]://HOST:PORT")
          ->type_name("URL")
          ->default_str(kDefaultPatroniUrl)
          ->delimiter(',')
          ->take_all();
  app->add_option("--patroni.timeout", v->timeout, "Timeout of each request to Patroni, e.g. 500ms, 5s")
      ->type_name("DURATION")
      ->default_str(v->timeout);
  app->add_option("--patroni.max-body-size", v->max_body, "Largest Patroni response accepted (B, KiB, MiB, GiB)")
      ->type_name("SIZE")
      ->default_str(v->max_body);
  app->add_option("--patroni.ca-file", v->config.patroni_tls.ca_file,
                  "PEM CA bundle to verify Patroni's HTTPS certificate (default: system CAs)")
      ->type_name("FILE");
  app->add_option("--patroni.cert-file", v->config.patroni_tls.cert_file,
                  "PEM client certificate for Patroni (restapi.verify_client)")
      ->type_name("FILE");
  app->add_option("--patroni.key-file", v->config.patroni_tls.key_file, "PEM private key of --patroni.cert-file")
      ->type_name("FILE");
  AddSwitch(app, "patroni.insecure-skip-verify", &v->config.patroni_tls.insecure_skip_verify,
            "Do not verify Patroni's HTTPS certificate (unsafe)");
  app->add_option("--patroni.discovery", v->discovery,
                  "Poll every member listed by /cluster: auto (on for more than one --patroni.url), on, off")
      ->type_name("MODE")
      ->default_str(v->discovery);
  app->add_option("--patroni.member-retention", v->member_retention,
                  "How long a member stays watched after Patroni last listed it or it last answered, e.g. 10m")
      ->type_name("DURATION")
      ->default_str(v->member_retention);
  app->add_option("--patroni.max-parallel-requests", v->max_parallel, "Most requests to Patroni in flight at once")
      ->type_name("INT")
      ->default_str(v->max_parallel);
  app->add_option("--patroni.max-parallel-requests-per-member", v->max_parallel_per_member,
                  "Most requests in flight at once to one Patroni REST API (its listen backlog is 5)")
      ->type_name("INT")
      ->default_str(v->max_parallel_per_member);
  v->file_option =
      app->add_option("--config.file", v->config_file, "YAML file listing clusters (seeds, TLS) and /probe targets")
          ->type_name("FILE");
  app->add_option("--probe.allowed-target", v->allowed_targets,
                  "Regular expression for HOST:PORT that /probe may scrape besides configured ones (repeatable)")
      ->type_name("REGEX");
}

void RegisterCollectorFlags(CLI::App* app, FlagValues* v) {
  Config& c = v->config;
  AddSwitch(app, "collector.node.legacy-master", &c.legacy_master,
            "Also export patroni_master (removed from Patroni 4.0; same value as patroni_primary)");
  AddSwitch(app, "collector.cluster", &c.cluster_collector, "Per-member and per-cluster families from GET /cluster");
  AddSwitch(app, "collector.config", &c.config_collector,
            "Patroni's dynamic configuration from GET /config, once per cluster");
  AddSwitch(app, "collector.history", &c.history_collector, "Failover history from GET /history, once per cluster");
  AddSwitch(app, "collector.health", &c.health_collector,
            "Verdicts of Patroni's health endpoints per member (12 more GETs per member and scrape)");
  app->add_option("--collector.health.max-lag", c.health_max_lag,
                  "With --collector.health, also ask /replica, /async and /readiness with ?lag=MAX_LAG (bytes, or "
                  "with kB, MB, GB, TB as Patroni reads it: 3 more GETs per member). Empty: no ?lag= forms")
      ->type_name("LAG");
  app->add_option("--postgres.dsn-template", c.postgres_dsn_template,
                  "libpq connection string for each member's PostgreSQL (host and port come from /cluster); no "
                  "password: use PGPASSWORD or passfile=. Empty: no PostgreSQL collector")
      ->type_name("DSN");
  AddSwitch(app, "collector.process", &c.process_collector, "The exporter's own process_* families");
}

void RegisterWebFlags(CLI::App* app, FlagValues* v) {
  v->listen_option = app->add_option("--web.listen-address", v->listen_addresses,
                                     "Address to listen on: :PORT or HOST:PORT (repeatable, or comma-separated)")
                         ->type_name("ADDRESS")
                         ->default_str(kDefaultListenAddress)
                         ->delimiter(',')
                         ->take_all();
  AddSwitch(app, "web.systemd-socket", &v->config.systemd_socket,
            "Listen on the sockets systemd passes (socket activation) instead of --web.listen-address");
  app->add_option("--web.telemetry-path", v->telemetry_path, "Path under which to expose metrics")
      ->type_name("PATH")
      ->default_str(v->telemetry_path);
  AddSwitch(app, "web.disable-exporter-metrics", &v->disable_exporter_metrics,
            "Leave out the exporter's own process_* families (as --no-collector.process)");
  app->add_option("--web.config.file", v->config.web_config_file,
                  "exporter-toolkit web config (TLS, client certificates, basic auth), as promtool check web-config "
                  "reads it; reread when it or its certificate files change")
      ->type_name("FILE");
  app->add_option("--web.default-scrape-timeout", v->default_scrape_timeout,
                  "Scrape deadline when Prometheus sends no X-Prometheus-Scrape-Timeout-Seconds")
      ->type_name("DURATION")
      ->default_str(v->default_scrape_timeout);
  app->add_option("--web.threads", v->web_threads,
                  "Requests served at once (CivetWeb workers); more wait for a free one")
      ->type_name("INT")
      ->default_str(v->web_threads);
  app->add_option("--log.level", v->log_level, "Log level: debug, info, warn, error")
      ->type_name("LEVEL")
      ->default_str(v->log_level);
  app->add_option("--log.format", v->log_format, "Log format: logfmt, json")
      ->type_name("FORMAT")
      ->default_str(v->log_format);
}

// Every flag, each with its environment variable.
void RegisterFlags(CLI::App* app, FlagValues* v) {
  RegisterPatroniFlags(app, v);
  RegisterCollectorFlags(app, v);
  RegisterWebFlags(app, v);
  for (CLI::Option* option : app->get_options()) {
    if (option != app->get_help_ptr() && !option->get_lnames().empty()) {
      option->envname(EnvName(option->get_lnames().front()));
    }
  }
  // Not a setting: no variable.
  app->add_flag("--version", v->version, "Print version information and exit");
}

// A whole decimal number from `min` to `max`.
std::optional<std::size_t> ParseCount(const std::string& text, std::size_t min, std::size_t max) {
  if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  const std::size_t value = std::stoul(text);
  if (value < min || value > max) return std::nullopt;
  return value;
}

// ParseDuration within [min, max]; else "" and *error set to "--flag "text" ...".
bool ValidDuration(const std::string& flag, const std::string& text, std::chrono::milliseconds min,
                   std::chrono::milliseconds max, const std::string& example, std::chrono::milliseconds* out,
                   std::string* error) {
  std::string reason;
  const std::optional<std::chrono::milliseconds> value = ParseDuration(text, &reason);
  const std::string range = "must be a duration from " + FormatDuration(min) + " to " + FormatDuration(max) +
                            (example.empty() ? "" : ", e.g. " + example);
  if (!value) {
    *error = flag + " \"" + text + "\" is not a duration (" + reason + "); it " + range;
    return false;
  }
  if (*value < min || *value > max) {
    *error = flag + " \"" + text + "\" " + range;
    return false;
  }
  *out = *value;
  return true;
}

// The clusters: --config.file or --patroni.url with --patroni.discovery, and the TLS flags.
std::string ValidateClusters(const FlagValues& v, Config* config) {
  if (!v.config_file.empty() && v.url_option->count() > 0) {
    return "--patroni.url and --config.file exclude each other: list the URLs as seeds in the file";
  }
  if (config->patroni_tls.cert_file.empty() != config->patroni_tls.key_file.empty()) {
    return "--patroni.cert-file and --patroni.key-file go together";
  }
  if (std::string tls_error = CheckTls(config->patroni_tls); !tls_error.empty()) return tls_error;
  if (v.file_option->count() > 0) {
    std::string error;
    if (!LoadConfigFile(v.config_file, config->patroni_tls, config, &error)) return error;
  } else {
    if (v.urls.empty()) return "--patroni.url needs a value";
    ClusterTarget target;
    target.name = "default";
    target.tls = config->patroni_tls;
    for (const std::string& url : v.urls) {
      std::string error;
      std::optional<BaseUrl> parsed = ParseBaseUrl(url, &error);
      if (!parsed) return "--patroni.url: " + error;
      target.seeds.push_back(std::move(*parsed));
    }
    const std::optional<bool> resolved = ResolveDiscovery(v.discovery, target.seeds.size());
    if (!resolved) return "--patroni.discovery \"" + v.discovery + "\" must be auto, on or off";
    target.discovery = *resolved;
    config->clusters.push_back(std::move(target));
  }
  std::set<std::string> seen_seeds;
  for (const ClusterTarget& cluster : config->clusters) {
    for (const BaseUrl& seed : cluster.seeds) {
      if (!seen_seeds.insert(seed.ToString()).second) return "seed " + seed.ToString() + " is given twice";
    }
  }
  for (const std::string& pattern : v.allowed_targets) {
    std::string error;
    if (!ValidRegex(pattern, &error)) return "--probe.allowed-target: " + error;
    config->probe_allowed_targets.push_back(pattern);
  }
  if (!config->health_max_lag.empty() && !ValidHealthMaxLag(config->health_max_lag)) {
    return "--collector.health.max-lag \"" + config->health_max_lag +
           "\" must be a number of bytes, optionally followed by B, kB, MB, GB or TB (e.g. 1048576, 16MB)";
  }
  if (!config->postgres_dsn_template.empty()) {
    const std::string reason = CheckConninfo(config->postgres_dsn_template);
    if (!reason.empty()) return "--postgres.dsn-template: " + reason;
  }
  return "";
}

// The numbers and durations that bound requests to Patroni.
std::string ValidateLimits(const FlagValues& v, Config* config) {
  const std::optional<std::size_t> parallel = ParseCount(v.max_parallel, 1, kMaxParallelRequests);
  if (!parallel) {
    return "--patroni.max-parallel-requests \"" + v.max_parallel + "\" must be a number from 1 to " +
           std::to_string(kMaxParallelRequests);
  }
  config->patroni_max_parallel_requests = *parallel;
  const std::optional<std::size_t> per_member = ParseCount(v.max_parallel_per_member, 1, kMaxParallelRequestsPerMember);
  if (!per_member) {
    return "--patroni.max-parallel-requests-per-member \"" + v.max_parallel_per_member +
           "\" must be a number from 1 to " + std::to_string(kMaxParallelRequestsPerMember);
  }
  config->patroni_max_parallel_requests_per_member = *per_member;
  std::string error;
  if (!ValidDuration("--patroni.member-retention", v.member_retention, std::chrono::milliseconds(0),
                     kMaxMemberRetention, "10m", &config->member_retention, &error) ||
      !ValidDuration("--patroni.timeout", v.timeout, kMinPatroniTimeout, kMaxPatroniTimeout, "500ms or 5s",
                     &config->patroni_timeout, &error)) {
    return error;
  }
  const std::optional<std::size_t> body = ParseBytes(v.max_body);
  if (!body || *body < kMinMaxBodyBytes || *body > kMaxMaxBodyBytes) {
    return "--patroni.max-body-size \"" + v.max_body + "\" must be from " + FormatBytes(kMinMaxBodyBytes) + " to " +
           FormatBytes(kMaxMaxBodyBytes) + ", e.g. 8MiB";
  }
  config->patroni_max_body_bytes = *body;
  return "";
}

// The own endpoint: addresses, path, web config, workers, the scrape timeout.
std::string ValidateWeb(const FlagValues& v, Config* config) {
  std::string error;
  if (!ValidDuration("--web.default-scrape-timeout", v.default_scrape_timeout, kMinScrapeTimeout, kMaxScrapeTimeout, "",
                     &config->default_scrape_timeout, &error)) {
    return error;
  }
  if (config->systemd_socket && v.listen_option->count() > 0) {
    return "--web.listen-address and --web.systemd-socket exclude each other: systemd's socket unit names the "
           "addresses";
  }
  if (v.listen_addresses.empty()) return "--web.listen-address needs a value";
  std::string ports;
  std::set<std::string> seen;
  for (const std::string& address : v.listen_addresses) {
    std::optional<std::string> port = ToCivetwebPorts(address, &error);
    if (!port) return error;
    if (!seen.insert(*port).second) return "--web.listen-address \"" + address + "\" is given twice";
    if (!ports.empty()) ports += ',';
    ports += *port;
  }
  config->listen_addresses = v.listen_addresses;
  config->civetweb_ports = ports;
  const std::string& path = v.telemetry_path;
  if (path.empty() || path[0] != '/' || path == "/" || path == "/-/healthy" ||
      path.find_first_of(" ?#") != std::string::npos) {
    return "--web.telemetry-path \"" + path + "\" must start with / and differ from / and /-/healthy";
  }
  config->telemetry_path = path;
  const std::optional<std::size_t> threads = ParseCount(v.web_threads, 1, kMaxWebThreads);
  if (!threads) {
    return "--web.threads \"" + v.web_threads + "\" must be a number from 1 to " + std::to_string(kMaxWebThreads);
  }
  config->web_threads = static_cast<int>(*threads);
  if (v.disable_exporter_metrics) config->process_collector = false;
  if (!config->web_config_file.empty()) {
    std::string web_error;
    if (!LoadWebConfig(config->web_config_file, &config->web, &web_error)) return "--web.config.file " + web_error;
  }
  return "";
}

std::string ValidateLog(const FlagValues& v, Config* config) {
  if (!ParseLogLevel(v.log_level, &config->log_level)) {
    return "--log.level \"" + v.log_level + "\" must be one of debug, info, warn, error";
  }
  if (v.log_format == "logfmt") {
    config->log_format = LogFormat::kLogfmt;
  } else if (v.log_format == "json") {
    config->log_format = LogFormat::kJson;
  } else {
    return "--log.format \"" + v.log_format + "\" must be logfmt or json";
  }
  return "";
}

// The values CLI11 parsed -> a Config, or the first error (flags in the order --help lists them).
std::string Validate(const FlagValues& v, Config* config) {
  for (auto* step : {&ValidateClusters, &ValidateLimits, &ValidateWeb, &ValidateLog}) {
    if (std::string error = step(v, config); !error.empty()) return error;
  }
  return "";
}

}  // namespace

FlagsResult ParseFlags(int argc, const char* const argv[]) {
  CLI::App app{
      "Prometheus exporter for PostgreSQL clusters run by Patroni. Every flag can also be set by its "
      "environment variable (Env: below); a flag given on the command line wins.",
      kProgram};
  app.get_formatter()->column_width(44);
  FlagValues values;
  RegisterFlags(&app, &values);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return FlagsResult{std::nullopt, 0, app.help()};
  } catch (const CLI::ParseError& e) {
    return Fail(e.what());
  }
  if (values.version) return FlagsResult{std::nullopt, 0, VersionText()};
  Config config = values.config;
  if (std::string error = Validate(values, &config); !error.empty()) return Fail(error);
  return FlagsResult{std::move(config), 0, ""};
}

}  // namespace patroni_exporter
