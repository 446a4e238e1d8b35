#include "exporter/basic_auth.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstring>
#include <memory>

namespace patroni_exporter {
namespace {

// "$2" + optional minor + "$" + two-digit cost + "$" + salt and hash, normalised to "$2b$CC$" + the rest.
std::string AsBcrypt2b(const std::string& hash) {
  if (hash.size() < 59 || hash[0] != '$') return "";
  const std::size_t cost_at = hash[2] != '$' ? 4 : 3;
  if (hash.size() < cost_at + 3) return "";
  return "$2b$" + hash.substr(cost_at, 2) + "$" + hash.substr(cost_at + 3);
}

int DecodeBase64Char(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool DecodeBase64(std::string_view in, std::string* out) {
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  unsigned buffer = 0;
  int bits = 0;
  for (const char c : in) {
    const int value = DecodeBase64Char(c);
    if (value < 0) return false;
    buffer = (buffer << 6) | static_cast<unsigned>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return true;
}

}  // namespace

bool VerifyBcrypt(const std::string& password, const std::string& hash) {
  const std::string setting = AsBcrypt2b(hash);
  // crypt() reads a C string: a password with a NUL byte would be checked truncated.
  if (setting.empty() || password.find('\0') != std::string::npos) return false;
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  const char* result = crypt_rn(password.c_str(), setting.c_str(), data.get(), sizeof(crypt_data));
  if (result == nullptr || std::strlen(result) != setting.size()) return false;
  return CRYPTO_memcmp(result, setting.data(), setting.size()) == 0;
}

bool ParseBasicAuthorization(const char* header, std::string* user, std::string* password) {
  if (header == nullptr) return false;
  std::string_view value(header);
  constexpr std::string_view kScheme = "Basic ";
  if (value.size() < kScheme.size() || strncasecmp(value.data(), kScheme.data(), kScheme.size()) != 0) return false;
  value.remove_prefix(kScheme.size());
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  std::string decoded;
  if (value.size() > 4096 || !DecodeBase64(value, &decoded)) return false;
  const std::size_t colon = decoded.find(':');
  if (colon == std::string::npos) return false;
  *user = decoded.substr(0, colon);
  *password = decoded.substr(colon + 1);
  return true;
}

BasicAuth::BasicAuth(std::vector<std::pair<std::string, std::string>> users, std::size_t cache_size)
    : users_(std::move(users)), cache_size_(cache_size == 0 ? 1 : cache_size) {
  int cost = 4;
  for (const auto& [name, hash] : users_) {
    const std::string setting = AsBcrypt2b(hash);
    if (setting.size() >= 6) cost = std::max(cost, std::atoi(setting.substr(4, 2).c_str()));
  }
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  if (crypt_gensalt_rn("$2b$", static_cast<unsigned long>(cost), nullptr, 0, salt, sizeof salt) != nullptr) {
    if (const char* dummy = crypt_rn("no user has this password", salt, data.get(), sizeof(crypt_data))) {
      dummy_hash_ = dummy;
    }
  }
}

bool BasicAuth::Check(const char* authorization, std::string* user) {
  std::string password;
  if (!ParseBasicAuthorization(authorization, user, &password)) return false;
  const bool ok = CheckPassword(*user, password);
  OPENSSL_cleanse(password.data(), password.size());
  return ok;
}

bool BasicAuth::CheckPassword(const std::string& user, const std::string& password) {
  const std::string* hash = nullptr;
  for (const auto& [name, user_hash] : users_) {
    if (name == user) hash = &user_hash;
  }
  // Length-prefixed fields, so ("ab", "c") and ("a", "bc") differ.
  Digest digest{};
  {
    std::string material;
    for (const std::string* part : {&user, &password, hash != nullptr ? hash : &dummy_hash_}) {
      material += std::to_string(part->size()) + ":" + *part;
    }
    unsigned int length = 0;
    EVP_Digest(material.data(), material.size(), digest.data(), &length, EVP_sha256(), nullptr);
    OPENSSL_cleanse(material.data(), material.size());
  }
  {
    // Every entry is compared, for a known user or not (an unknown user's digest is never cached).
    std::lock_guard<std::mutex> lock(mutex_);
    int found = 0;
    for (const Digest& entry : cache_) found |= CRYPTO_memcmp(entry.data(), digest.data(), digest.size()) == 0;
    if (found && hash != nullptr) return true;
  }
  // Unknown users pay the same bcrypt against the dummy hash, and fail.
  const bool ok = VerifyBcrypt(password, hash != nullptr ? *hash : dummy_hash_) && hash != nullptr;
  if (ok) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (cache_.size() < cache_size_) {
      cache_.push_back(digest);
    } else {
      cache_[next_] = digest;
      next_ = (next_ + 1) % cache_size_;
    }
  }
  return ok;
}

std::size_t BasicAuth::cached() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return cache_.size();
}

}  // namespace patroni_exporter
