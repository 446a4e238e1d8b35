// exporter/web_config.h: the exporter-toolkit web config, parsed and validated. The corpus under
// tests/testdata/web_config/ is checked against promtool by tests/web/web_endpoint_test.py.
#include "exporter/web_config.h"

#include <gtest/gtest.h>

#include <string>

#include "exporter/tls_support.h"

namespace patroni_exporter {
namespace {

const std::string kCerts = std::string(PATRONI_EXPORTER_TESTDATA) + "/web_config/certs";
const std::string kHash4 = "$2b$04$QYc0fFQxiB9XC7AmPZ5pCOqwTFs6vfyJVZ8yPDpuWfsHSPug7OVGG";

std::string ParseError(const std::string& yaml) {
  WebConfig config;
  std::string error;
  EXPECT_FALSE(ParseWebConfig(yaml, "/etc/x", &config, &error)) << yaml;
  return error;
}

TEST(WebConfigTest, EmptyMeansPlainHttpWithoutAuthentication) {
  for (const std::string yaml : {"", "tls_server_config: {}\n", "tls_server_config:\n  cert_file: \"\"\n"}) {
    WebConfig config;
    std::string error;
    ASSERT_TRUE(ParseWebConfig(yaml, ".", &config, &error)) << error;
    EXPECT_FALSE(config.tls.has_value()) << yaml;
    EXPECT_TRUE(config.users.empty());
    EXPECT_TRUE(config.headers.empty());
  }
}

TEST(WebConfigTest, ReadsEveryTlsFieldAndResolvesRelativeFiles) {
  WebConfig config;
  std::string error;
  ASSERT_TRUE(ParseWebConfig(R"(tls_server_config:
  cert_file: certs/server.pem
  key_file: /abs/server.key
  client_auth_type: VerifyClientCertIfGiven
  client_ca_file: ca.pem
  min_version: TLS13
  max_version: TLS13
  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256]
  curve_preferences: [X25519, CurveP384]
  prefer_server_cipher_suites: false
)",
                             "/etc/pe", &config, &error))
      << error;
  ASSERT_TRUE(config.tls.has_value());
  const WebTlsConfig& tls = *config.tls;
  EXPECT_EQ(tls.cert_file, "/etc/pe/certs/server.pem");
  EXPECT_EQ(tls.key_file, "/abs/server.key");
  EXPECT_EQ(tls.client_ca_file, "/etc/pe/ca.pem");
  EXPECT_EQ(tls.client_auth, ClientAuth::kVerifyClientCertIfGiven);
  EXPECT_EQ(tls.min_version, 0x0304);
  EXPECT_EQ(tls.max_version, 0x0304);
  // The TLS 1.3 suite is accepted and left to OpenSSL, as Go ignores it.
  EXPECT_EQ(tls.cipher_suites, std::vector<std::string>{"ECDHE-RSA-AES128-GCM-SHA256"});
  EXPECT_EQ(tls.groups, (std::vector<std::string>{"X25519", "P-384"}));
  EXPECT_FALSE(tls.prefer_server_cipher_suites);
}

TEST(WebConfigTest, DefaultsAreExporterToolkits) {
  WebConfig config;
  std::string error;
  ASSERT_TRUE(ParseWebConfig("tls_server_config: {cert_file: c, key_file: k}", ".", &config, &error)) << error;
  EXPECT_EQ(config.tls->client_auth, ClientAuth::kNoClientCert);
  EXPECT_EQ(config.tls->min_version, 0x0303);
  EXPECT_EQ(config.tls->max_version, 0x0304);
  EXPECT_TRUE(config.tls->prefer_server_cipher_suites);
}

TEST(WebConfigTest, AllFiveClientAuthTypesAndTheOldName) {
  const std::pair<const char*, ClientAuth> cases[] = {
      {"NoClientCert", ClientAuth::kNoClientCert},
      {"RequestClientCert", ClientAuth::kRequestClientCert},
      {"RequireAnyClientCert", ClientAuth::kRequireAnyClientCert},
      {"RequireClientCert", ClientAuth::kRequireAnyClientCert},
      {"VerifyClientCertIfGiven", ClientAuth::kVerifyClientCertIfGiven},
      {"RequireAndVerifyClientCert", ClientAuth::kRequireAndVerifyClientCert},
  };
  for (const auto& [name, expected] : cases) {
    WebConfig config;
    std::string error;
    ASSERT_TRUE(
        ParseWebConfig(std::string("tls_server_config: {cert_file: c, key_file: k, client_auth_type: ") + name + "}",
                       ".", &config, &error))
        << error;
    EXPECT_EQ(config.tls->client_auth, expected) << name;
  }
}

TEST(WebConfigTest, HeadersAndUsersKeepTheirValues) {
  WebConfig config;
  std::string error;
  ASSERT_TRUE(
      ParseWebConfig("http_server_config:\n  http2: false\n  headers:\n    X-Frame-Options: sameorigin\n"
                     "basic_auth_users:\n  prometheus: \"" +
                         kHash4 + "\"\n",
                     ".", &config, &error))
      << error;
  ASSERT_EQ(config.headers.size(), 1u);
  EXPECT_EQ(config.headers[0], std::make_pair(std::string("X-Frame-Options"), std::string("sameorigin")));
  ASSERT_EQ(config.users.size(), 1u);
  EXPECT_EQ(config.users[0].first, "prometheus");
  EXPECT_EQ(config.users[0].second, kHash4);
}

TEST(WebConfigTest, BadInputGetsOneClearError) {
  const std::pair<std::string, std::string> cases[] = {
      {"foo: 1", "unknown field \"foo\" in the web config (line 1)"},
      {"tls_server_config: {cert_file: c, key_file: k, client_allowed_sans: [a]}",
       "unknown field \"client_allowed_sans\" in tls_server_config (line 1)"},
      {"basic_auth_users: {a: x, a: y}", "\"a\" is given twice in basic_auth_users (line 1)"},
      {"tls_server_config: {cert_file: c}", "missing key_file in tls_server_config"},
      {"tls_server_config: {client_ca_file: c}", "missing cert_file in tls_server_config"},
      {"tls_server_config: {cert_file: c, key_file: k, client_auth_type: Maybe}",
       "invalid client_auth_type: Maybe (NoClientCert, RequestClientCert, RequireAnyClientCert, "
       "VerifyClientCertIfGiven or RequireAndVerifyClientCert)"},
      {"tls_server_config: {cert_file: c, key_file: k, client_ca_file: ca}",
       "client_ca_file is set without a client_auth_type that asks for client certificates"},
      {"tls_server_config: {cert_file: c, key_file: k, max_version: SSL3}", "unknown TLS version: SSL3 (line 1)"},
      {"tls_server_config: {cert_file: c, key_file: k, cipher_suites: [RC4]}",
       "unknown cipher: RC4 (the names of Go's crypto/tls.CipherSuites())"},
      {"tls_server_config: {cert_file: c, key_file: k, curve_preferences: [X448]}",
       "unknown curve: X448 (CurveP256, CurveP384, CurveP521 or X25519)"},
      {"http_server_config: {headers: {Set-Cookie: a}}", "HTTP header \"Set-Cookie\" can not be configured (line 1)"},
      {"http_server_config: {headers: {X-Content-Type-Options: sniff}}",
       "invalid value for X-Content-Type-Options: \"sniff\", expected one of \"nosniff\""},
      {"http_server_config: {http2: perhaps}", "http_server_config.http2 must be true or false (line 1)"},
      {"basic_auth_users: {a: short}", "basic_auth_users: user \"a\": hash too short to be a bcrypt hash (line 1)"},
      {"basic_auth_users: [a]", "basic_auth_users must be a mapping (line 1)"},
      {"[1, 2]", "the web config must be a mapping (line 1)"},
  };
  for (const auto& [yaml, expected] : cases) EXPECT_EQ(ParseError(yaml), expected) << yaml;
  EXPECT_NE(ParseError("a: [").find("invalid YAML"), std::string::npos);
  // yaml-cpp names a bad escape by the character itself, here a carriage return (found by the web_config fuzz
  // target, tests/fuzz/regressions/web_config/): the error stays one line.
  EXPECT_EQ(ParseError("a: \"\\\r\""),
            "invalid YAML: yaml-cpp: error at line 1, column 7: unknown escape character: \\r");
  EXPECT_EQ(ParseError("\"a\tb\": 1"), "unknown field \"a\\tb\" in the web config (line 1)");
}

TEST(WebConfigTest, BcryptHashAcceptanceFollowsGo) {
  // kHash4 with its first `cut` characters replaced by `prefix`. Appended, not `"..." + std::string`: GCC 12 at
  // -O3 in C++20 mode reports a bogus -Wrestrict overlap in libstdc++'s operator+(const char*, std::string&&).
  const auto spliced = [](const char* prefix, std::size_t cut) {
    std::string out = prefix;
    out += kHash4.substr(cut);
    return out;
  };
  EXPECT_EQ(CheckBcryptHash(kHash4), "");
  EXPECT_EQ(CheckBcryptHash(spliced("$2a$", 4)), "");
  EXPECT_EQ(CheckBcryptHash(spliced("$2y$", 4)), "");
  EXPECT_EQ(CheckBcryptHash(spliced("$2$", 4)), "");  // no minor version
  EXPECT_EQ(CheckBcryptHash(spliced("$1$", 4)), "");  // Go accepts any major up to 2
  EXPECT_EQ(CheckBcryptHash(kHash4.substr(0, 58)), "hash too short to be a bcrypt hash");
  EXPECT_EQ(CheckBcryptHash(spliced("x", 1)), "bcrypt hashes must start with '$'");
  EXPECT_EQ(CheckBcryptHash(spliced("$3", 2)), "bcrypt version '3' is newer than 2");
  EXPECT_EQ(CheckBcryptHash(spliced("$2b$32", 6)), "bcrypt cost 32 is outside 4..31");
  EXPECT_EQ(CheckBcryptHash(spliced("$2b$1x", 6)), "bcrypt cost \"1x\" is not a number");
}

TEST(WebConfigTest, LoadChecksTheKeyPairAndCaFile) {
  WebConfig config;
  std::string error;
  const std::string dir = std::string(PATRONI_EXPORTER_TESTDATA) + "/web_config";
  ASSERT_TRUE(LoadWebConfig(dir + "/valid/tls_require_and_verify.yml", &config, &error)) << error;
  EXPECT_EQ(config.tls->cert_file, dir + "/valid/../certs/server.pem");
  ASSERT_FALSE(LoadWebConfig(dir + "/invalid/key_does_not_match.yml", &config, &error));
  EXPECT_NE(error.find("does not match the certificate"), std::string::npos) << error;
  ASSERT_FALSE(LoadWebConfig(dir + "/invalid/client_ca_file_absent.yml", &config, &error));
  EXPECT_NE(error.find("cannot read client_ca_file"), std::string::npos) << error;
  ASSERT_FALSE(LoadWebConfig(dir + "/nonexistent.yml", &config, &error));
  EXPECT_EQ(error, dir + "/nonexistent.yml: cannot read the file");
}

TEST(TlsSupportTest, CivetwebCanServeThroughTheShims) { EXPECT_EQ(CheckCivetwebTls(), ""); }

TEST(TlsSupportTest, RefusesALibraryLackingAFunctionCivetwebCalls) {
  // OpenSSL 3's own libssl.so.3 is what CivetWeb would get without the shim: it lacks SSL_get_peer_certificate.
  EXPECT_EQ(CheckCivetwebTls("libssl.so.3", "libcrypto.so.3"),
            "CivetWeb cannot serve HTTPS in this process: libssl.so.3 lacks SSL_get_peer_certificate (Debian 12's "
            "CivetWeb loads OpenSSL by these names and would crash on the first HTTPS request; the exporter's "
            "libssl.so/libcrypto.so shims must be installed next to it, see docs/security.md)");
}

TEST(TlsSupportTest, RefusesALibraryThatCannotBeLoaded) {
  const std::string problem = CheckCivetwebTls("libssl.so", "libno-such-crypto.so");
  EXPECT_EQ(problem.rfind("CivetWeb cannot serve HTTPS in this process: cannot load libno-such-crypto.so (", 0), 0u)
      << problem;
}

TEST(TlsSupportTest, KeyPairCheck) {
  EXPECT_EQ(CheckKeyPair(kCerts + "/server.pem", kCerts + "/server.key"), "");
  EXPECT_NE(CheckKeyPair(kCerts + "/server.pem", kCerts + "/client.key").find("does not match"), std::string::npos);
  EXPECT_NE(CheckKeyPair(kCerts + "/absent.pem", kCerts + "/server.key").find("cannot load the certificate"),
            std::string::npos);
}

}  // namespace
}  // namespace patroni_exporter
