// /probe's allow-list and query parsing, and the scrape deadline taken from Prometheus' header.
#include "exporter/probe.h"

#include <gtest/gtest.h>

#include "exporter/http_server.h"

namespace patroni_exporter {
namespace {

BaseUrl Url(const std::string& text) {
  std::string error;
  return *ParseBaseUrl(text, &error);
}

Prober MakeProber() {
  ProberOptions options;
  ClusterTarget cluster;
  cluster.seeds = {Url("http://10.0.0.1:8008"), Url("https://db2.example:8443")};
  options.clusters = {cluster};
  options.allowed_targets = {"10\\.2\\.[0-9]+\\.[0-9]+:8008"};
  return Prober(options, nullptr, nullptr);
}

TEST(ProbeTest, AllowsConfiguredSeedsAndExpressionsOnly) {
  Prober prober = MakeProber();
  std::string reason;
  EXPECT_TRUE(prober.Allowed(Url("http://10.0.0.1:8008"), &reason));
  EXPECT_TRUE(prober.Allowed(Url("http://10.0.0.1:8008/patroni"), &reason));
  EXPECT_TRUE(prober.Allowed(Url("https://db2.example:8443"), &reason));
  EXPECT_TRUE(prober.Allowed(Url("http://10.2.7.9:8008"), &reason));
  EXPECT_FALSE(prober.Allowed(Url("http://10.2.7.9:8009"), &reason));  // the expression must match in full
  EXPECT_FALSE(prober.Allowed(Url("http://10.0.0.1:9999"), &reason));
  EXPECT_FALSE(prober.Allowed(Url("http://169.254.169.254:80"), &reason));
  EXPECT_EQ(reason,
            "target 169.254.169.254:80 is not allowed: not a configured seed, not a discovered member, and matches "
            "no --probe.allowed-target");
}

TEST(ProbeTest, RefusalsNeedNoNetwork) {
  Prober prober = MakeProber();
  EXPECT_EQ(prober.Probe("", ScrapeContext{}).status, 400);
  EXPECT_EQ(prober.Probe("target=db1:8008", ScrapeContext{}).status, 400);
  EXPECT_EQ(prober.Probe("target=http%3A%2F%2F10.0.0.1%3A8008&discovery=maybe", ScrapeContext{}).status, 400);
  const ProbeResponse refused = prober.Probe("target=http%3A%2F%2F192.168.1.1%3A8008", ScrapeContext{});
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.body,
            "target 192.168.1.1:8008 is not allowed: not a configured seed, not a discovered member, and matches no "
            "--probe.allowed-target\n");
}

TEST(ProbeTest, QueryParameters) {
  EXPECT_EQ(QueryParameter("target=http%3A%2F%2Fa%3A1&discovery=off", "target"), "http://a:1");
  EXPECT_EQ(QueryParameter("target=http%3A%2F%2Fa%3A1&discovery=off", "discovery"), "off");
  EXPECT_EQ(QueryParameter("a=1&target=x+y", "target"), "x y");
  EXPECT_EQ(QueryParameter("a=1", "target"), "");
  EXPECT_EQ(QueryParameter("", "target"), "");
  EXPECT_EQ(QueryParameter("target", "target"), "");
  EXPECT_EQ(QueryParameter("target=%zz", "target"), "%zz");  // malformed escapes pass through, then fail as a URL
}

TEST(ScrapeDeadlineTest, HeaderMinusMargin) {
  const auto now = std::chrono::steady_clock::time_point{};
  const auto ms = [&](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t - now).count();
  };
  const std::chrono::milliseconds fallback(10000);
  EXPECT_EQ(ms(ScrapeDeadline(now, "10", fallback)), 9500);     // margin capped at 0.5 s
  EXPECT_EQ(ms(ScrapeDeadline(now, "2", fallback)), 1800);      // 10 %
  EXPECT_EQ(ms(ScrapeDeadline(now, "0.5", fallback)), 400);     // at least 0.1 s
  EXPECT_EQ(ms(ScrapeDeadline(now, "0.15", fallback)), 75);     // never less than half the timeout
  EXPECT_EQ(ms(ScrapeDeadline(now, nullptr, fallback)), 9500);  // no header: the default
  EXPECT_EQ(ms(ScrapeDeadline(now, "soon", fallback)), 9500);
  EXPECT_EQ(ms(ScrapeDeadline(now, "-3", fallback)), 9500);
  EXPECT_EQ(ms(ScrapeDeadline(now, "1e9", fallback)), 3599500);  // capped at an hour
}

}  // namespace
}  // namespace patroni_exporter
