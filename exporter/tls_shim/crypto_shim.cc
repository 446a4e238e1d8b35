// libcrypto.so shim for Debian 12's CivetWeb 1.15 (docs/security.md, "TLS and Debian's CivetWeb").
//
// CivetWeb dlopen()s "libcrypto.so" by that unversioned name, which only libssl-dev installs. This library has
// the SONAME "libcrypto.so" and needs the real libcrypto.so.3, so when it is linked into the exporter glibc
// returns it for that name and dlsym() finds every libcrypto function CivetWeb wants through its dependency.
#include <openssl/crypto.h>

extern "C" {

// Referencing libcrypto keeps libcrypto.so.3 in this library's DT_NEEDED under --as-needed; the exporter calls
// this at startup, which also keeps this library in the exporter's DT_NEEDED.
__attribute__((visibility("default"))) unsigned long patroni_exporter_crypto_shim(void) {
  return OpenSSL_version_num();
}

}  // extern "C"
