// HTTP basic authentication of the exporter's endpoint against the bcrypt hashes of --web.config.file's
// basic_auth_users (docs/security.md).
//
// A bcrypt check costs what the hash's cost says (cost 10: ~70 ms of CPU), so successful checks are cached:
// the cache holds SHA-256(user, password, hash) digests, never a password, and is searched with constant-time
// comparisons over every entry. A user that does not exist pays a bcrypt against a dummy hash of the highest
// configured cost, so the time of a failed check does not tell whether the user exists. Passwords are checked
// with libcrypt (libxcrypt), which implements $2a$, $2b$ and $2y$; every hash is checked as $2b$, which is what
// Go's bcrypt computes for any minor version.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace patroni_exporter {

// True when bcrypt(password) under `hash`'s salt and cost is `hash` (compared in constant time). False for a
// hash libcrypt cannot read. Never throws.
bool VerifyBcrypt(const std::string& password, const std::string& hash);

// "Basic dXNlcjpwYXNz" -> ("user", "pass"). False when the header is absent or not Basic with base64 "u:p".
bool ParseBasicAuthorization(const char* header, std::string* user, std::string* password);

class BasicAuth {
 public:
  // `users`: user -> bcrypt hash, each accepted by CheckBcryptHash (exporter/web_config.h). Builds the dummy
  // hash for unknown users (one bcrypt at construction).
  explicit BasicAuth(std::vector<std::pair<std::string, std::string>> users, std::size_t cache_size = 256);

  // Whether `authorization` (the Authorization header's value, or null) names a configured user with the right
  // password. Sets *user to the name given, if any, for logs. Thread-safe; never throws.
  bool Check(const char* authorization, std::string* user);
  bool CheckPassword(const std::string& user, const std::string& password);

  std::size_t cached() const;

 private:
  using Digest = std::array<std::uint8_t, 32>;
  std::vector<std::pair<std::string, std::string>> users_;
  std::string dummy_hash_;
  std::size_t cache_size_;
  mutable std::mutex mutex_;
  std::vector<Digest> cache_;  // guarded by mutex_; a ring of at most cache_size_ digests
  std::size_t next_ = 0;       // guarded by mutex_
};

}  // namespace patroni_exporter
