// libssl.so shim for Debian 12's CivetWeb 1.15 under OpenSSL 3 (docs/security.md, "TLS and Debian's CivetWeb").
//
// CivetWeb dlopen()s "libssl.so" and dlsym()s SSL_get_peer_certificate, which OpenSSL 3 no longer exports (it
// became a macro for SSL_get1_peer_certificate); the lookup fails silently and CivetWeb calls a NULL pointer on
// the first HTTPS connection. This library has the SONAME "libssl.so" and needs the real libssl.so.3: linked
// into the exporter, it is already loaded when CivetWeb asks for "libssl.so", so glibc returns it, and dlsym()
// on it finds every OpenSSL 3 function through its dependency plus the one below. It also makes TLS work
// without libssl-dev, the only package that installs a file named libssl.so.
#include <openssl/ssl.h>

#undef SSL_get_peer_certificate  // OpenSSL 3's macro; the real, exported function is what CivetWeb needs

extern "C" {

// OpenSSL 1.1's semantics: the caller owns a reference (CivetWeb X509_free()s it), as with the get1 form.
__attribute__((visibility("default"))) X509* SSL_get_peer_certificate(const SSL* ssl) {
  return SSL_get1_peer_certificate(ssl);
}

// For the startup check (exporter/tls_support.h): proves this shim, not another libssl.so, is the one loaded.
__attribute__((visibility("default"))) int patroni_exporter_ssl_shim(void) { return 1; }

}  // extern "C"
