// --web.config.file: the exporter-toolkit web configuration (the format of node_exporter and Prometheus;
// docs/security.md), parsed and validated so that what `promtool check web-config` (Prometheus 2.42,
// exporter-toolkit 0.8) accepts starts here and what it rejects fails at startup with one line.
//
//   tls_server_config:    cert_file, key_file, client_auth_type (NoClientCert, RequestClientCert,
//                         RequireAnyClientCert or its old name RequireClientCert, VerifyClientCertIfGiven,
//                         RequireAndVerifyClientCert), client_ca_file, min_version, max_version (TLS10..TLS13),
//                         cipher_suites (Go names), curve_preferences (CurveP256, CurveP384, CurveP521, X25519),
//                         prefer_server_cipher_suites
//   http_server_config:   http2 (accepted and ignored: CivetWeb speaks HTTP/1.1), headers (only the five
//                         exporter-toolkit allows, with its value checks)
//   basic_auth_users:     user -> bcrypt hash
//
// Strict like exporter-toolkit's YAML: unknown and duplicate keys are errors. Relative file names are relative
// to the web config file's directory.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace patroni_exporter {

enum class ClientAuth {
  kNoClientCert,
  kRequestClientCert,           // asked for, not required, not verified
  kRequireAnyClientCert,        // required, not verified
  kVerifyClientCertIfGiven,     // not required, verified when given
  kRequireAndVerifyClientCert,  // required and verified
};

struct WebTlsConfig {
  std::string cert_file;       // PEM certificate (chain); resolved against the config's directory
  std::string key_file;        // PEM private key
  std::string client_ca_file;  // PEM CAs for client certificates; empty: the system's
  ClientAuth client_auth = ClientAuth::kNoClientCert;
  int min_version = 0x0303;  // TLS1_2_VERSION, exporter-toolkit's default
  int max_version = 0x0304;  // TLS1_3_VERSION
  // OpenSSL names of the TLS 1.2-and-older suites asked for; empty: OpenSSL's defaults. Go ignores the setting
  // for TLS 1.3, and so does this: the TLS 1.3 suites given are accepted and left at OpenSSL's defaults.
  std::vector<std::string> cipher_suites;
  std::vector<std::string> groups;  // OpenSSL group names (P-256, X25519, ...); empty: OpenSSL's defaults
  bool prefer_server_cipher_suites = true;
};

struct WebConfig {
  std::optional<WebTlsConfig> tls;  // empty: plain HTTP (no tls_server_config, or one without any file set)
  std::vector<std::pair<std::string, std::string>> headers;  // added to every response
  std::vector<std::pair<std::string, std::string>> users;    // user -> bcrypt hash; empty: no authentication
};

// Parses the YAML `text` of a web config whose file lives in `base_dir` (for relative names). Pure: reads no
// file (the key pair and CA file are checked by LoadWebConfig). On failure returns false and sets *error to
// one line. Never throws.
bool ParseWebConfig(const std::string& text, const std::string& base_dir, WebConfig* config, std::string* error);

// Reads `path`, parses it, then checks what promtool checks with files: the certificate and key load and
// match, the client CA file is readable. *error starts with the path. Never throws.
bool LoadWebConfig(const std::string& path, WebConfig* config, std::string* error);

// Go's bcrypt.Cost() acceptance, which is what exporter-toolkit checks of each hash: at least 59 bytes, "$",
// a major version up to 2, an optional minor letter, a two-digit cost from 4 to 31. "" or the reason.
std::string CheckBcryptHash(const std::string& hash);

}  // namespace patroni_exporter
