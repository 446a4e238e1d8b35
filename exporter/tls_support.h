// TLS on the exporter's own endpoint (--web.config.file; docs/security.md): the startup check that Debian's
// CivetWeb can serve HTTPS in this process, and the SSL_CTX set-up from a validated web config.
//
// Debian 12's CivetWeb 1.15 loads OpenSSL itself, with dlopen("libcrypto.so") and dlopen("libssl.so"), and
// dlsym()s a fixed table of functions; a missing one is not an error there, it is a NULL pointer called later
// (SSL_get_peer_certificate, absent from OpenSSL 3, on every HTTPS connection). The exporter links two shims
// (exporter/tls_shim/) that make those names resolve to OpenSSL 3 plus the missing function; CheckCivetwebTls
// verifies that before serving, so TLS is refused at startup with a clear error instead of crashing on the
// first request.
#pragma once

#include <memory>
#include <string>

struct ssl_ctx_st;
struct ssl_st;

namespace patroni_exporter {

struct WebTlsConfig;

// Does what CivetWeb 1.15 does when HTTPS starts: dlopen() `crypto_library` and `ssl_library` by those names
// (RTLD_LAZY) and dlsym() every function of its two tables. Returns "" when everything resolves, else one line
// naming the library and what is missing. The defaults are CivetWeb's names; tests pass others (e.g. the real
// libssl.so.3, which lacks SSL_get_peer_certificate). Never throws; thread-safe.
std::string CheckCivetwebTls(const std::string& ssl_library = "libssl.so",
                             const std::string& crypto_library = "libcrypto.so");

// Loads a certificate chain and its private key (PEM) and checks that they match, as Go's tls.LoadX509KeyPair
// does for promtool. Returns "" or one line (OpenSSL's reason). Never throws.
std::string CheckKeyPair(const std::string& cert_file, const std::string& key_file);

// Configures `ctx`, a server context CivetWeb created (through the shims, so the same OpenSSL 3 this code
// links), from `config`: OpenSSL's default options (CivetWeb sets OpenSSL 1.1 option bits, several of which
// mean something else in OpenSSL 3), certificate and key, min/max version, TLS 1.2 cipher suites, groups,
// client-certificate policy and CAs. Returns "" or one line. Never throws.
std::string ConfigureServerContext(ssl_ctx_st* ctx, const WebTlsConfig& config);

// A certificate chain and its private key, loaded from PEM files and checked to match once; then handed to each
// TLS connection (UseServerCertificate) so that a reread --web.config.file or replaced files serve new
// connections without a restart. Immutable, so shared by every thread.
class ServerCertificate {
 public:
  // Null + *error (one line, OpenSSL's reason) when the files cannot be loaded or do not match.
  static std::shared_ptr<const ServerCertificate> Load(const std::string& cert_file, const std::string& key_file,
                                                       std::string* error);
  ~ServerCertificate();
  ServerCertificate(const ServerCertificate&) = delete;
  ServerCertificate& operator=(const ServerCertificate&) = delete;

  // Makes `ssl` (a connection in its handshake) present this certificate and key. "" or the reason.
  std::string UseFor(ssl_st* ssl) const;

 private:
  explicit ServerCertificate(ssl_ctx_st* holder) : holder_(holder) {}
  ssl_ctx_st* holder_;  // a context used only to own the chain and key
};

// Calls `callback(ssl, arg)` in every handshake of a connection of `ctx`, before the server's certificate is
// sent (SSL_CTX_set_cert_cb); the callback returns 1 to go on, 0 to fail the handshake.
void SetCertificateCallback(ssl_ctx_st* ctx, int (*callback)(ssl_st*, void*), void* arg);

// A TLS handshake and "GET /-/healthy" against the server just started at 127.0.0.1:`port` (or `host`), so a
// TLS library that fails on a real connection fails at startup. Returns "" when the answer is an HTTP status
// line, else why not. Only meaningful when the server does not require a client certificate.
std::string SelfTestTls(const std::string& host, int port, int timeout_ms = 5000);

}  // namespace patroni_exporter
