#include "exporter/tls_support.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <vector>

#include "exporter/web_config.h"

extern "C" int patroni_exporter_ssl_shim(void);
extern "C" unsigned long patroni_exporter_crypto_shim(void);

namespace patroni_exporter {
namespace {

// CivetWeb 1.15's tables (src/openssl_dl.inl, built with OPENSSL_API_1_1 by Debian): every name it dlsym()s.
// The three ALPN functions are optional there (HTTP/2 only); the rest are called unconditionally.
constexpr const char* kCryptoFunctions[] = {"ERR_get_error",
                                            "ERR_error_string",
                                            "CONF_modules_unload",
                                            "X509_free",
                                            "X509_get_subject_name",
                                            "X509_get_issuer_name",
                                            "X509_NAME_oneline",
                                            "X509_get_serialNumber",
                                            "EVP_get_digestbyname",
                                            "EVP_Digest",
                                            "i2d_X509",
                                            "BN_bn2hex",
                                            "ASN1_INTEGER_to_BN",
                                            "BN_free",
                                            "CRYPTO_free",
                                            "ERR_clear_error"};
constexpr const char* kSslFunctions[] = {"SSL_free",
                                         "SSL_accept",
                                         "SSL_connect",
                                         "SSL_read",
                                         "SSL_write",
                                         "SSL_get_error",
                                         "SSL_set_fd",
                                         "SSL_new",
                                         "SSL_CTX_new",
                                         "TLS_server_method",
                                         "OPENSSL_init_ssl",
                                         "SSL_CTX_use_PrivateKey_file",
                                         "SSL_CTX_use_certificate_file",
                                         "SSL_CTX_set_default_passwd_cb",
                                         "SSL_CTX_free",
                                         "SSL_CTX_use_certificate_chain_file",
                                         "TLS_client_method",
                                         "SSL_pending",
                                         "SSL_CTX_set_verify",
                                         "SSL_shutdown",
                                         "SSL_CTX_load_verify_locations",
                                         "SSL_CTX_set_default_verify_paths",
                                         "SSL_CTX_set_verify_depth",
                                         "SSL_get_peer_certificate",
                                         "SSL_get_version",
                                         "SSL_get_current_cipher",
                                         "SSL_CIPHER_get_name",
                                         "SSL_CTX_check_private_key",
                                         "SSL_CTX_set_session_id_context",
                                         "SSL_CTX_ctrl",
                                         "SSL_CTX_set_cipher_list",
                                         "SSL_CTX_set_options",
                                         "SSL_CTX_set_info_callback",
                                         "SSL_get_ex_data",
                                         "SSL_set_ex_data",
                                         "SSL_CTX_callback_ctrl",
                                         "SSL_get_servername",
                                         "SSL_set_SSL_CTX",
                                         "SSL_ctrl",
                                         "SSL_CTX_set_timeout"};

std::string CheckLibrary(const std::string& name, const char* const* functions, std::size_t count) {
  void* handle = dlopen(name.c_str(), RTLD_LAZY);
  if (handle == nullptr) {
    const char* why = dlerror();
    return "cannot load " + name + " (" + (why != nullptr ? why : "dlopen failed") + ")";
  }
  std::string missing;
  for (std::size_t i = 0; i < count; ++i) {
    if (dlsym(handle, functions[i]) == nullptr) missing += (missing.empty() ? "" : ", ") + std::string(functions[i]);
  }
  dlclose(handle);
  return missing.empty() ? "" : name + " lacks " + missing;
}

std::string OpenSslError(const std::string& what) {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return what;
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return what + ": " + text;
}

// RequestClientCert and RequireAnyClientCert take any certificate, as Go's tls does for them.
int AcceptAnyCertificate(int, X509_STORE_CTX*) { return 1; }

}  // namespace

std::string CheckCivetwebTls(const std::string& ssl_library, const std::string& crypto_library) {
  // Calling into both shims keeps them in the executable's DT_NEEDED (so they are loaded before CivetWeb looks)
  // and proves they are there; the dlopen() checks below then do exactly what CivetWeb will do.
  (void)patroni_exporter_ssl_shim();
  (void)patroni_exporter_crypto_shim();
  std::string problem = CheckLibrary(crypto_library, kCryptoFunctions, std::size(kCryptoFunctions));
  if (problem.empty()) problem = CheckLibrary(ssl_library, kSslFunctions, std::size(kSslFunctions));
  if (problem.empty()) return "";
  return "CivetWeb cannot serve HTTPS in this process: " + problem +
         " (Debian 12's CivetWeb loads OpenSSL by these names and would crash on the first HTTPS request; the "
         "exporter's libssl.so/libcrypto.so shims must be installed next to it, see docs/security.md)";
}

std::string CheckKeyPair(const std::string& cert_file, const std::string& key_file) {
  ERR_clear_error();
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_server_method()), &SSL_CTX_free);
  if (!ctx) return OpenSslError("cannot create a TLS context");
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), cert_file.c_str()) != 1) {
    return OpenSslError("cannot load the certificate from cert_file " + cert_file);
  }
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
      return OpenSslError("the private key in " + key_file + " does not match the certificate in " + cert_file);
    }
    return OpenSslError("cannot load the private key from key_file " + key_file);
  }
  if (SSL_CTX_check_private_key(ctx.get()) != 1) {
    return OpenSslError("the private key in " + key_file + " does not match the certificate in " + cert_file);
  }
  return "";
}

std::shared_ptr<const ServerCertificate> ServerCertificate::Load(const std::string& cert_file,
                                                                 const std::string& key_file, std::string* error) {
  *error = CheckKeyPair(cert_file, key_file);
  if (!error->empty()) return nullptr;
  ERR_clear_error();
  SSL_CTX* holder = SSL_CTX_new(TLS_server_method());
  if (holder == nullptr) {
    *error = OpenSslError("cannot create a TLS context");
    return nullptr;
  }
  std::shared_ptr<const ServerCertificate> certificate(new ServerCertificate(holder));
  // Checked just above, but the files may have changed since: check again what is kept.
  if (SSL_CTX_use_certificate_chain_file(holder, cert_file.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(holder, key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(holder) != 1) {
    *error = OpenSslError("cannot load the key pair " + cert_file + ", " + key_file);
    return nullptr;
  }
  return certificate;
}

ServerCertificate::~ServerCertificate() { SSL_CTX_free(holder_); }

std::string ServerCertificate::UseFor(SSL* ssl) const {
  STACK_OF(X509)* chain = nullptr;
  SSL_CTX_get0_chain_certs(holder_, &chain);
  ERR_clear_error();
  // Override 1: replaces what the connection inherited from CivetWeb's context; each object is up-referenced.
  if (SSL_use_cert_and_key(ssl, SSL_CTX_get0_certificate(holder_), SSL_CTX_get0_privatekey(holder_), chain, 1) != 1) {
    return OpenSslError("cannot use the certificate");
  }
  return "";
}

void SetCertificateCallback(SSL_CTX* ctx, int (*callback)(SSL*, void*), void* arg) {
  SSL_CTX_set_cert_cb(ctx, callback, arg);
}

std::string ConfigureServerContext(ssl_ctx_st* ctx, const WebTlsConfig& config) {
  ERR_clear_error();
  // CivetWeb set options with OpenSSL 1.1's bit values (its SSL_OP_ALL has bits that are
  // SSL_OP_NO_EXTENDED_MASTER_SECRET and SSL_OP_ALLOW_CLIENT_RENEGOTIATION in OpenSSL 3): start from the options
  // OpenSSL gives a fresh context.
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> fresh(SSL_CTX_new(TLS_server_method()), &SSL_CTX_free);
  if (!fresh) return OpenSslError("cannot create a TLS context");
  const uint64_t defaults = SSL_CTX_get_options(fresh.get());
  SSL_CTX_clear_options(ctx, ~defaults);
  SSL_CTX_set_options(ctx, defaults | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  if (config.prefer_server_cipher_suites) SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_min_proto_version(ctx, config.min_version) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, config.max_version) != 1) {
    return OpenSslError("cannot set the TLS versions");
  }
  if (SSL_CTX_use_certificate_chain_file(ctx, config.cert_file.c_str()) != 1) {
    return OpenSslError("cannot load the certificate from " + config.cert_file);
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, config.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1) {
    return OpenSslError("cannot use the private key in " + config.key_file);
  }
  if (!config.cipher_suites.empty()) {
    std::string list;
    for (const std::string& suite : config.cipher_suites) list += (list.empty() ? "" : ":") + suite;
    if (SSL_CTX_set_cipher_list(ctx, list.c_str()) != 1) return OpenSslError("cannot use cipher_suites " + list);
  }
  if (!config.groups.empty()) {
    std::string list;
    for (const std::string& group : config.groups) list += (list.empty() ? "" : ":") + group;
    if (SSL_CTX_set1_groups_list(ctx, list.c_str()) != 1) return OpenSslError("cannot use curve_preferences");
  }
  // With init_ssl answering 1 CivetWeb sets no session id context; resumed sessions need one when clients are
  // asked for certificates.
  static const unsigned char kSessionContext[] = "patroni_exporter";
  SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof kSessionContext - 1);
  if (config.client_auth != ClientAuth::kNoClientCert) {
    if (!config.client_ca_file.empty()) {
      // Like Go's AppendCertsFromPEM, a file without certificates is not an error: nothing then verifies.
      if (SSL_CTX_load_verify_locations(ctx, config.client_ca_file.c_str(), nullptr) == 1) {
        if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(config.client_ca_file.c_str())) {
          SSL_CTX_set_client_CA_list(ctx, names);
        }
      }
      ERR_clear_error();
    } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
      return OpenSslError("cannot load the system's CAs for client certificates");
    }
  }
  switch (config.client_auth) {
    case ClientAuth::kNoClientCert:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
      break;
    case ClientAuth::kRequestClientCert:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, &AcceptAnyCertificate);
      break;
    case ClientAuth::kRequireAnyClientCert:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, &AcceptAnyCertificate);
      break;
    case ClientAuth::kVerifyClientCertIfGiven:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
      break;
    case ClientAuth::kRequireAndVerifyClientCert:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
      break;
  }
  return "";
}

std::string SelfTestTls(const std::string& host, int port, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::string("socket: ") + std::strerror(errno);
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) return "bad address " + host;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    return "connect to " + host + ":" + std::to_string(port) + ": " + std::strerror(errno);
  }
  ERR_clear_error();
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), &SSL_CTX_free);
  if (!ctx) return OpenSslError("cannot create a TLS client context");
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);  // our own certificate; this tests the server only
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), &SSL_free);
  if (!ssl || SSL_set_fd(ssl.get(), fd) != 1) return OpenSslError("cannot create a TLS connection");
  if (SSL_connect(ssl.get()) != 1) return OpenSslError("TLS handshake with the own endpoint failed");
  const char request[] = "GET /-/healthy HTTP/1.0\r\nHost: localhost\r\n\r\n";
  if (SSL_write(ssl.get(), request, sizeof request - 1) <= 0) return OpenSslError("TLS write failed");
  char answer[16] = {0};
  int got = 0;
  while (got < 12 && std::chrono::steady_clock::now() < deadline) {
    const int n = SSL_read(ssl.get(), answer + got, 12 - got);
    if (n <= 0) break;
    got += n;
  }
  SSL_shutdown(ssl.get());
  if (std::strncmp(answer, "HTTP/1.", 7) != 0) {
    return "the own endpoint answered no HTTP status over TLS (the connection was closed: see the log)";
  }
  return "";
}

}  // namespace patroni_exporter
