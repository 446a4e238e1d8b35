#include "collectors/url.h"

#include <gtest/gtest.h>

namespace patroni_exporter {
namespace {

std::string Normalized(const std::string& text) {
  std::string error;
  const auto url = ParseBaseUrl(text, &error);
  return url ? url->ToString() : "error: " + error;
}

TEST(UrlTest, NormalizesToSchemeHostPortPath) {
  EXPECT_EQ(Normalized("http://127.0.0.1:8008"), "http://127.0.0.1:8008");
  EXPECT_EQ(Normalized("http://127.0.0.1:8008/"), "http://127.0.0.1:8008");
  EXPECT_EQ(Normalized("http://127.0.0.1:8009/patroni"), "http://127.0.0.1:8009");  // a /cluster api_url
  EXPECT_EQ(Normalized("HTTP://Node1.Example:8008"), "http://node1.example:8008");
  EXPECT_EQ(Normalized("https://db1"), "https://db1:443");
  EXPECT_EQ(Normalized("http://db1"), "http://db1:80");
  EXPECT_EQ(Normalized("http://[::1]:8008"), "http://[::1]:8008");
  EXPECT_EQ(Normalized("https://proxy:443/patroni-a/"), "https://proxy:443/patroni-a");
}

TEST(UrlTest, JoinAndHostPort) {
  std::string error;
  const auto url = ParseBaseUrl("http://10.0.0.5:8008", &error);
  ASSERT_TRUE(url);
  EXPECT_EQ(url->Join("/patroni"), "http://10.0.0.5:8008/patroni");
  EXPECT_EQ(url->HostPort(), "10.0.0.5:8008");
}

BaseUrl Parsed(const std::string& text) {
  std::string error;
  const auto url = ParseBaseUrl(text, &error);
  EXPECT_TRUE(url) << text << ": " << error;
  return url.value_or(BaseUrl{});
}

TEST(UrlTest, SameRestApiComparesSchemeHostAndPortOnly) {
  // A member's api_url (Patroni's ".../patroni" form) and the target it is polled at.
  EXPECT_TRUE(SameRestApi(Parsed("http://127.0.0.1:8008/patroni"), Parsed("http://127.0.0.1:8008")));
  EXPECT_TRUE(SameRestApi(Parsed("http://Node1"), Parsed("http://node1:80/prefix")));  // lowercased, default port
  EXPECT_FALSE(SameRestApi(Parsed("http://127.0.0.1:8008"), Parsed("https://127.0.0.1:8008")));
  EXPECT_FALSE(SameRestApi(Parsed("http://127.0.0.1:8008"), Parsed("http://127.0.0.1:8009")));
  EXPECT_FALSE(SameRestApi(Parsed("http://127.0.0.1:8008"), Parsed("http://localhost:8008")));
  // The whole URL, as IsSeed compares targets, tells prefixes apart.
  EXPECT_FALSE(Parsed("http://proxy/pg1") == Parsed("http://proxy/pg2"));
  EXPECT_TRUE(Parsed("http://proxy:80/pg1/") == Parsed("http://proxy/pg1"));
}

TEST(UrlTest, RefusesWhatIsNotAPatroniBaseUrl) {
  EXPECT_EQ(Normalized("127.0.0.1:8008"),
            "error: URL \"127.0.0.1:8008\" has no scheme: write http://HOST:PORT or https://HOST:PORT");
  EXPECT_EQ(Normalized("ftp://h:21"), "error: URL \"ftp://h:21\": scheme must be http or https");
  EXPECT_EQ(Normalized("http://h:8008/?x=1"), "error: URL \"http://h:8008/?x=1\" must not have a query or fragment");
  EXPECT_EQ(Normalized("http://"), "error: \"http://\" is not a valid URL");
}

TEST(UrlTest, CredentialsAreRefusedWithoutEchoingThem) {
  const std::string result = Normalized("http://admin:s3cret@h:8008");
  EXPECT_EQ(result, "error: a Patroni URL must not contain credentials (Patroni's GET endpoints need none)");
  EXPECT_EQ(result.find("s3cret"), std::string::npos);
}

// A 16 KB /probe host reached std::regex_match, which recursed per character (tests/fuzz/regressions/probe_query/).
TEST(UrlTest, RefusesHostsLongerThanDnsAllows) {
  EXPECT_EQ(Normalized("http://" + std::string(253, 'a') + ":8008"), "http://" + std::string(253, 'a') + ":8008");
  EXPECT_EQ(Normalized("http://" + std::string(254, 'a') + ":8008"), "error: URL host longer than 253 characters");
}

TEST(UrlTest, RefusesPortZero) {
  EXPECT_EQ(Normalized("http://h:0/"), "error: URL \"http://h:0/\": port must be 1 to 65535");
}

TEST(UrlTest, PrefixNeverEndsWithASlash) {
  EXPECT_EQ(Normalized("http://[::1]:8008/prefix//patroni"), "http://[::1]:8008/prefix");
  EXPECT_EQ(Normalized("http://h:8008//patroni/"), "http://h:8008");
}

// libcurl parses a C string: "http://h:1\0@x" used to be accepted as http://h:1 (found by fuzzing).
TEST(UrlTest, RefusesControlCharactersIncludingNul) {
  const std::string refused =
      "error: URL has a control character (byte < 0x20, or 0x7f); write http://HOST:PORT or https://HOST:PORT";
  EXPECT_EQ(Normalized(std::string("http://h:8008\0@other:1", 22)), refused);
  EXPECT_EQ(Normalized("http://h:8008/a\tb"), refused);
  EXPECT_EQ(Normalized("http://h:8008\n"), refused);
  EXPECT_EQ(Normalized("http://h:8008/\x7f"), refused);
  EXPECT_EQ(Normalized("http://h:8008"), "http://h:8008");
}

}  // namespace
}  // namespace patroni_exporter
