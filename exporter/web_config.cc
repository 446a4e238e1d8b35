#include "exporter/web_config.h"

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <map>
#include <set>

#include "collectors/log.h"
#include "exporter/tls_support.h"

namespace patroni_exporter {
namespace {

std::string Line(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.is_null() ? "" : " (line " + std::to_string(mark.line + 1) + ")";
}

// exporter-toolkit decodes with yaml.UnmarshalStrict: unknown fields and keys given twice are errors.
bool CheckMap(const YAML::Node& node, const std::set<std::string>& known, const std::string& what, std::string* error) {
  if (!node.IsMap()) {
    *error = what + " must be a mapping" + Line(node);
    return false;
  }
  std::set<std::string> seen;
  for (const auto& entry : node) {
    const std::string key = entry.first.Scalar();
    if (!known.empty() && known.count(key) == 0) {
      *error = "unknown field \"" + key + "\" in " + what + Line(entry.first);
      return false;
    }
    if (!seen.insert(key).second) {
      *error = "\"" + key + "\" is given twice in " + what + Line(entry.first);
      return false;
    }
  }
  return true;
}

// A scalar as Go's YAML decoder gives it to a string field: null is "", numbers are their text.
bool ScalarString(const YAML::Node& node, const std::string& what, std::string* out, std::string* error) {
  if (!node || node.IsNull()) {
    out->clear();
    return true;
  }
  if (!node.IsScalar()) {
    *error = what + " must be a string" + Line(node);
    return false;
  }
  *out = node.Scalar();
  return true;
}

bool StringList(const YAML::Node& node, const std::string& what, std::vector<std::string>* out, std::string* error) {
  if (!node || node.IsNull()) return true;
  if (!node.IsSequence()) {
    *error = what + " must be a list" + Line(node);
    return false;
  }
  for (const auto& item : node) {
    std::string value;
    if (!ScalarString(item, what, &value, error)) return false;
    out->push_back(value);
  }
  return true;
}

bool Bool(const YAML::Node& node, const std::string& what, bool* out, std::string* error) {
  if (!node || node.IsNull()) return true;
  if (node.IsScalar()) {
    const std::string& s = node.Scalar();
    // YAML 1.1 booleans, as Go's gopkg.in/yaml.v2 reads them.
    static const std::set<std::string> kTrue = {"true", "True", "TRUE", "yes", "Yes", "YES",
                                                "on",   "On",   "ON",   "y",   "Y"};
    static const std::set<std::string> kFalse = {"false", "False", "FALSE", "no", "No", "NO",
                                                 "off",   "Off",   "OFF",   "n",  "N"};
    if (kTrue.count(s)) {
      *out = true;
      return true;
    }
    if (kFalse.count(s)) {
      *out = false;
      return true;
    }
  }
  *error = what + " must be true or false" + Line(node);
  return false;
}

std::string Resolve(const std::string& base_dir, const std::string& file) {
  if (file.empty() || file[0] == '/' || base_dir.empty()) return file;
  return base_dir + "/" + file;
}

// Go's names of the suites crypto/tls.CipherSuites() lists (the ones exporter-toolkit accepts), with OpenSSL's
// name; "" for the TLS 1.3 suites, which Go does not let a configuration choose.
const std::map<std::string, std::string>& CipherNames() {
  static const std::map<std::string, std::string> names = {
      {"TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA"},
      {"TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA"},
      {"TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256"},
      {"TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384"},
      {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA"},
      {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA"},
      {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA"},
      {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA"},
      {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"},
      {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"},
      {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"},
      {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"},
      {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305"},
      {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"},
      {"TLS_AES_128_GCM_SHA256", ""},
      {"TLS_AES_256_GCM_SHA384", ""},
      {"TLS_CHACHA20_POLY1305_SHA256", ""},
  };
  return names;
}

bool ParseTls(const YAML::Node& node, const std::string& base_dir, std::optional<WebTlsConfig>* out,
              std::string* error) {
  if (!node || node.IsNull()) return true;
  const std::string what = "tls_server_config";
  if (!CheckMap(node,
                {"cert_file", "key_file", "client_auth_type", "client_ca_file", "min_version", "max_version",
                 "cipher_suites", "curve_preferences", "prefer_server_cipher_suites"},
                what, error)) {
    return false;
  }
  WebTlsConfig tls;
  std::string client_auth;
  if (!ScalarString(node["cert_file"], what + ".cert_file", &tls.cert_file, error) ||
      !ScalarString(node["key_file"], what + ".key_file", &tls.key_file, error) ||
      !ScalarString(node["client_ca_file"], what + ".client_ca_file", &tls.client_ca_file, error) ||
      !ScalarString(node["client_auth_type"], what + ".client_auth_type", &client_auth, error) ||
      !Bool(node["prefer_server_cipher_suites"], what + ".prefer_server_cipher_suites",
            &tls.prefer_server_cipher_suites, error)) {
    return false;
  }
  static const std::map<std::string, int> kVersions = {
      {"TLS10", 0x0301}, {"TLS11", 0x0302}, {"TLS12", 0x0303}, {"TLS13", 0x0304}};
  for (const auto& [key, field] : {std::pair<std::string, int*>{"min_version", &tls.min_version},
                                   std::pair<std::string, int*>{"max_version", &tls.max_version}}) {
    std::string text;
    if (!ScalarString(node[key], what + "." + key, &text, error)) return false;
    if (text.empty()) continue;
    const auto found = kVersions.find(text);
    if (found == kVersions.end()) {
      *error = "unknown TLS version: " + text + Line(node[key]);
      return false;
    }
    *field = found->second;
  }
  std::vector<std::string> ciphers;
  if (!StringList(node["cipher_suites"], what + ".cipher_suites", &ciphers, error)) return false;
  for (const std::string& name : ciphers) {
    const auto found = CipherNames().find(name);
    if (found == CipherNames().end()) {
      *error = "unknown cipher: " + name + " (the names of Go's crypto/tls.CipherSuites())";
      return false;
    }
    if (!found->second.empty()) tls.cipher_suites.push_back(found->second);
  }
  std::vector<std::string> curves;
  if (!StringList(node["curve_preferences"], what + ".curve_preferences", &curves, error)) return false;
  static const std::map<std::string, std::string> kCurves = {
      {"CurveP256", "P-256"}, {"CurveP384", "P-384"}, {"CurveP521", "P-521"}, {"X25519", "X25519"}};
  for (const std::string& name : curves) {
    const auto found = kCurves.find(name);
    if (found == kCurves.end()) {
      *error = "unknown curve: " + name + " (CurveP256, CurveP384, CurveP521 or X25519)";
      return false;
    }
    tls.groups.push_back(found->second);
  }
  // exporter-toolkit: nothing of these set means no TLS at all, whatever else the section holds.
  if (tls.cert_file.empty() && tls.key_file.empty() && client_auth.empty() && tls.client_ca_file.empty()) {
    return true;
  }
  if (tls.cert_file.empty()) {
    *error = "missing cert_file in tls_server_config";
    return false;
  }
  if (tls.key_file.empty()) {
    *error = "missing key_file in tls_server_config";
    return false;
  }
  static const std::map<std::string, ClientAuth> kAuth = {
      {"", ClientAuth::kNoClientCert},
      {"NoClientCert", ClientAuth::kNoClientCert},
      {"RequestClientCert", ClientAuth::kRequestClientCert},
      {"RequireAnyClientCert", ClientAuth::kRequireAnyClientCert},
      {"RequireClientCert", ClientAuth::kRequireAnyClientCert},  // exporter-toolkit's old name
      {"VerifyClientCertIfGiven", ClientAuth::kVerifyClientCertIfGiven},
      {"RequireAndVerifyClientCert", ClientAuth::kRequireAndVerifyClientCert},
  };
  const auto auth = kAuth.find(client_auth);
  if (auth == kAuth.end()) {
    *error = "invalid client_auth_type: " + client_auth +
             " (NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven or "
             "RequireAndVerifyClientCert)";
    return false;
  }
  tls.client_auth = auth->second;
  if (!tls.client_ca_file.empty() && tls.client_auth == ClientAuth::kNoClientCert) {
    *error = "client_ca_file is set without a client_auth_type that asks for client certificates";
    return false;
  }
  tls.cert_file = Resolve(base_dir, tls.cert_file);
  tls.key_file = Resolve(base_dir, tls.key_file);
  tls.client_ca_file = Resolve(base_dir, tls.client_ca_file);
  *out = std::move(tls);
  return true;
}

bool ParseHttp(const YAML::Node& node, WebConfig* config, std::string* error) {
  if (!node || node.IsNull()) return true;
  if (!CheckMap(node, {"http2", "headers"}, "http_server_config", error)) return false;
  bool http2 = true;  // accepted for compatibility; CivetWeb serves HTTP/1.1 only
  if (!Bool(node["http2"], "http_server_config.http2", &http2, error)) return false;
  const YAML::Node headers = node["headers"];
  if (!headers || headers.IsNull()) return true;
  if (!CheckMap(headers, {}, "http_server_config.headers", error)) return false;
  // exporter-toolkit's list: these five names exactly, some with fixed values.
  static const std::map<std::string, std::vector<std::string>> kAllowed = {
      {"Strict-Transport-Security", {}},
      {"X-Content-Type-Options", {"nosniff"}},
      {"X-Frame-Options", {"deny", "sameorigin"}},
      {"X-XSS-Protection", {}},
      {"Content-Security-Policy", {}},
  };
  for (const auto& entry : headers) {
    const std::string name = entry.first.Scalar();
    std::string value;
    if (!ScalarString(entry.second, "http_server_config.headers." + name, &value, error)) return false;
    const auto allowed = kAllowed.find(name);
    if (allowed == kAllowed.end()) {
      *error = "HTTP header \"" + name + "\" can not be configured" + Line(entry.first);
      return false;
    }
    if (!allowed->second.empty()) {
      bool ok = false;
      for (const std::string& v : allowed->second) ok = ok || v == value;
      if (!ok) {
        std::string expected;
        for (const std::string& v : allowed->second) expected += (expected.empty() ? "\"" : ", \"") + v + "\"";
        *error = "invalid value for " + name + ": \"" + value + "\", expected one of " + expected;
        return false;
      }
    }
    // A header value with a line break would split the response.
    if (value.find_first_of("\r\n") != std::string::npos) {
      *error = "invalid value for " + name + ": line breaks are not allowed";
      return false;
    }
    config->headers.emplace_back(name, value);
  }
  return true;
}

}  // namespace

std::string CheckBcryptHash(const std::string& hash) {
  // Go's bcrypt.newFromHash, up to the cost: what bcrypt.Cost() (exporter-toolkit's check) verifies.
  if (hash.size() < 59) return "hash too short to be a bcrypt hash";
  if (hash[0] != '$') return "bcrypt hashes must start with '$'";
  if (hash[1] > '2') return "bcrypt version '" + std::string(1, hash[1]) + "' is newer than 2";
  const std::size_t cost_at = hash[2] != '$' ? 4 : 3;
  const std::string cost_text = hash.substr(cost_at, 2);
  if (cost_text.size() != 2 || cost_text.find_first_not_of("0123456789") != std::string::npos) {
    return "bcrypt cost \"" + cost_text + "\" is not a number";
  }
  const int cost = std::stoi(cost_text);
  if (cost < 4 || cost > 31) return "bcrypt cost " + std::to_string(cost) + " is outside 4..31";
  return "";
}

namespace {

bool ParseWebConfigText(const std::string& text, const std::string& base_dir, WebConfig* config, std::string* error) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    *error = std::string("invalid YAML: ") + e.what();
    return false;
  }
  WebConfig parsed;
  try {
    if (root.IsNull()) {
      *config = parsed;
      return true;
    }
    if (!CheckMap(root, {"tls_server_config", "http_server_config", "basic_auth_users"}, "the web config", error)) {
      return false;
    }
    if (!ParseTls(root["tls_server_config"], base_dir, &parsed.tls, error)) return false;
    if (!ParseHttp(root["http_server_config"], &parsed, error)) return false;
    const YAML::Node users = root["basic_auth_users"];
    if (users && !users.IsNull()) {
      if (!CheckMap(users, {}, "basic_auth_users", error)) return false;
      for (const auto& entry : users) {
        const std::string user = entry.first.Scalar();
        std::string hash;
        if (!ScalarString(entry.second, "basic_auth_users." + user, &hash, error)) return false;
        const std::string reason = CheckBcryptHash(hash);
        if (!reason.empty()) {
          *error = "basic_auth_users: user \"" + user + "\": " + reason + Line(entry.second);
          return false;
        }
        parsed.users.emplace_back(user, hash);
      }
    }
  } catch (const YAML::Exception& e) {
    *error = std::string("invalid value: ") + e.what();
    return false;
  }
  *config = std::move(parsed);
  return true;
}

}  // namespace

bool ParseWebConfig(const std::string& text, const std::string& base_dir, WebConfig* config, std::string* error) {
  if (ParseWebConfigText(text, base_dir, config, error)) return true;
  // Errors quote keys, values and yaml-cpp's words ("unknown escape character: " ends with the character).
  *error = OneLine(*error);
  return false;
}

bool LoadWebConfig(const std::string& path, WebConfig* config, std::string* error) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    *error = path + ": cannot read the file";
    return false;
  }
  std::string text;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0 && text.size() < (1u << 20)) text.append(buffer, n);
  std::fclose(file);
  const std::size_t slash = path.rfind('/');
  const std::string base_dir = slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
  std::string reason;
  if (!ParseWebConfig(text, base_dir, config, &reason)) {
    *error = path + ": " + reason;
    return false;
  }
  if (config->tls) {
    reason = CheckKeyPair(config->tls->cert_file, config->tls->key_file);
    if (!reason.empty()) {
      *error = path + ": tls_server_config: " + reason;
      return false;
    }
    if (!config->tls->client_ca_file.empty()) {
      std::FILE* ca = std::fopen(config->tls->client_ca_file.c_str(), "rb");
      if (ca == nullptr) {
        *error = path + ": tls_server_config: cannot read client_ca_file " + config->tls->client_ca_file;
        return false;
      }
      std::fclose(ca);
    }
  }
  return true;
}

}  // namespace patroni_exporter
