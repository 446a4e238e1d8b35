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
  BasicAuth auth({{"prometheus", kHash10}});
  auto time = [&](const char* user, const char* password) {
    const auto start = std::chrono::steady_clock::now();
    const bool ok = auth.CheckPassword(user, password);
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
    return std::make_pair(ok, us.count());
  };
  const auto first = time("prometheus", "scrape-secret");
  const auto cached = time("prometheus", "scrape-secret");
  const auto unknown = time("nobody", "scrape-secret");
  const auto wrong = time("prometheus", "wrong");
  EXPECT_TRUE(first.first);
  EXPECT_TRUE(cached.first);
  EXPECT_FALSE(unknown.first);
  EXPECT_FALSE(wrong.first);
  std::printf("bcrypt cost 10: first check %lld us, cached %lld us, unknown user %lld us, wrong password %lld us\n",
              static_cast<long long>(first.second), static_cast<long long>(cached.second),
              static_cast<long long>(unknown.second), static_cast<long long>(wrong.second));
  EXPECT_LT(cached.second * 20, first.second);
  // An unknown user pays a bcrypt of the same cost (within a factor, on a shared machine).
  EXPECT_GT(unknown.second * 3, first.second);
}

}  // namespace
}  // namespace patroni_exporter
