// exporter/basic_auth.h: bcrypt checks through libcrypt, the success cache, and the Authorization header.
// Hashes made with Python's crypt module (libcrypt): password "scrape-secret".
#include <gtest/gtest.h>

#include <chrono>

#include "exporter/basic_auth.h"

namespace patroni_exporter {
namespace {

const std::string kHash4 = "$2b$04$QYc0fFQxiB9XC7AmPZ5pCOqwTFs6vfyJVZ8yPDpuWfsHSPug7OVGG";
const std::string kHash10 = "$2b$10$x9FxD/Q5NrQIqybXzIpRpuKhIrWir48wlRL3URmnXlesBvH1fDOc.";

TEST(BasicAuthTest, VerifiesBcryptOfEveryMinorVersion) {
  EXPECT_TRUE(VerifyBcrypt("scrape-secret", kHash4));
  EXPECT_FALSE(VerifyBcrypt("scrape-secreT", kHash4));
  EXPECT_FALSE(VerifyBcrypt("", kHash4));
  for (const std::string prefix : {"$2a$", "$2y$", "$2$"}) {
    EXPECT_TRUE(VerifyBcrypt("scrape-secret", prefix + kHash4.substr(4))) << prefix;
  }
  EXPECT_FALSE(VerifyBcrypt("scrape-secret", "garbage"));
  EXPECT_FALSE(VerifyBcrypt(std::string("scrape-secret\0x", 15), kHash4));
}

TEST(BasicAuthTest, ParsesTheAuthorizationHeader) {
  std::string user, password;
  ASSERT_TRUE(ParseBasicAuthorization("Basic cHJvbWV0aGV1czpzY3JhcGU6c2VjcmV0", &user, &password));
  EXPECT_EQ(user, "prometheus");
  EXPECT_EQ(password, "scrape:secret");  // only the first colon separates
  EXPECT_TRUE(ParseBasicAuthorization("basic cHJvbWV0aGV1czo=", &user, &password));
  EXPECT_EQ(password, "");
  EXPECT_FALSE(ParseBasicAuthorization(nullptr, &user, &password));
  EXPECT_FALSE(ParseBasicAuthorization("Bearer abc", &user, &password));
  EXPECT_FALSE(ParseBasicAuthorization("Basic !!!", &user, &password));
  EXPECT_FALSE(ParseBasicAuthorization("Basic bm9jb2xvbg==", &user, &password));  // "nocolon"
}

TEST(BasicAuthTest, CachesOnlySuccessfulChecks) {
  BasicAuth auth({{"prometheus", kHash4}});
  EXPECT_FALSE(auth.CheckPassword("prometheus", "wrong"));
  EXPECT_FALSE(auth.CheckPassword("nobody", "scrape-secret"));
  EXPECT_EQ(auth.cached(), 0u);
  EXPECT_TRUE(auth.CheckPassword("prometheus", "scrape-secret"));
  EXPECT_EQ(auth.cached(), 1u);
  EXPECT_TRUE(auth.CheckPassword("prometheus", "scrape-secret"));
  EXPECT_EQ(auth.cached(), 1u);
  // A cached success is bound to the user: another user with the same password is still checked (and fails).
  EXPECT_FALSE(auth.CheckPassword("nobody", "scrape-secret"));
  EXPECT_FALSE(auth.CheckPassword("prometheus", "scrape-secret2"));
}

TEST(BasicAuthTest, CacheIsBounded) {
  BasicAuth auth({{"a", kHash4}, {"b", "$2y$" + kHash4.substr(4)}}, 1);
  EXPECT_TRUE(auth.CheckPassword("a", "scrape-secret"));
  EXPECT_TRUE(auth.CheckPassword("b", "scrape-secret"));
  EXPECT_EQ(auth.cached(), 1u);
  EXPECT_TRUE(auth.CheckPassword("a", "scrape-secret"));
}

// The figure docs/security.md quotes: a cost-10 check, first (bcrypt) and cached.
TEST(BasicAuthTest, CachedCheckIsMuchFasterThanBcrypt) {
  auto time = [](BasicAuth& auth, const char* user, const char* password) {
    const auto start = std::chrono::steady_clock::now();
    const bool ok = auth.CheckPassword(user, password);
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
    return std::make_pair(ok, static_cast<long long>(us.count()));
  };
  // The least of a few tries of each: a check never gets faster than its work, while a preempted try on a
  // shared machine gets slower, so minimums compare the work and not the scheduler. "first" needs a fresh cache.
  constexpr int kTries = 3;
  long long first = -1, cached = -1, unknown = -1, wrong = -1;
  auto keep_min = [](long long* least, const std::pair<bool, long long>& run) {
    if (*least < 0 || run.second < *least) *least = run.second;
  };
  for (int i = 0; i < kTries; ++i) {
    BasicAuth auth({{"prometheus", kHash10}});
    const auto f = time(auth, "prometheus", "scrape-secret");
    const auto c = time(auth, "prometheus", "scrape-secret");
    const auto u = time(auth, "nobody", "scrape-secret");
    const auto w = time(auth, "prometheus", "wrong");
    EXPECT_TRUE(f.first);
    EXPECT_TRUE(c.first);
    EXPECT_FALSE(u.first);
    EXPECT_FALSE(w.first);
    keep_min(&first, f);
    keep_min(&cached, c);
    keep_min(&unknown, u);
    keep_min(&wrong, w);
  }
  std::printf(
      "bcrypt cost 10, least of %d: first check %lld us, cached %lld us, unknown user %lld us, wrong "
      "password %lld us\n",
      kTries, first, cached, unknown, wrong);
  EXPECT_LT(cached * 20, first);
  // An unknown user pays a bcrypt of the same cost (within a factor, on a shared machine).
  EXPECT_GT(unknown * 3, first);
}

}  // namespace
}  // namespace patroni_exporter
