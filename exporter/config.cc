#include "exporter/config.h"

#include <CLI/CLI.hpp>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <sstream>

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

}  // namespace

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
  Config config;
  bool version = false;

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
  app.add_flag("--collector.node.legacy-master", config.legacy_master,
               "Also export patroni_master (removed from Patroni 4.0; same value as patroni_primary)");
  app.add_option("--web.listen-address", listen_address, "Address to listen on: :PORT or HOST:PORT")
      ->default_str(listen_address);
  app.add_option("--web.telemetry-path", telemetry_path, "Path under which to expose metrics")
      ->default_str(telemetry_path);
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

  if (urls.empty()) return Fail("--patroni.url needs a value");
  for (const std::string& url : urls) {
    std::string error;
    std::optional<BaseUrl> parsed = ParseBaseUrl(url, &error);
    if (!parsed) return Fail("--patroni.url: " + error);
    for (const BaseUrl& seen : config.patroni_urls) {
      if (seen.ToString() == parsed->ToString()) return Fail("--patroni.url " + url + " is given twice");
    }
    config.patroni_urls.push_back(std::move(*parsed));
  }

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

  if (config.patroni_tls.cert_file.empty() != config.patroni_tls.key_file.empty()) {
    return Fail("--patroni.cert-file and --patroni.key-file go together");
  }
  for (const std::string* file :
       {&config.patroni_tls.ca_file, &config.patroni_tls.cert_file, &config.patroni_tls.key_file}) {
    if (file->empty()) continue;
    std::FILE* f = std::fopen(file->c_str(), "r");
    if (f == nullptr) return Fail("cannot read " + *file);
    std::fclose(f);
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
