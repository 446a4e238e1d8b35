// The exporter only ever sends GET to Patroni. Proved twice: HttpRequest has no way to ask for another method
// (checked at compile time), and every request the Patroni collector makes with every view on (/patroni,
// /cluster, /config, /history and the health endpoints, seeds and discovered members) reaches a real local
// HTTP server as a bodiless GET.
#include <curl/curl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "collectors/exposition.h"
#include "collectors/http_client.h"
#include "collectors/metric_set.h"
#include "collectors/patroni/patroni_collector.h"
#include "tests/support/fake_http_server.h"
#include "tests/support/testdata.h"

namespace patroni_exporter {
namespace {

using patroni_exporter::testing::FakeHttpServer;
using patroni_exporter::testing::FakeReply;
using patroni_exporter::testing::ReadFile;
using patroni_exporter::testing::RecordedRequest;
using patroni_exporter::testing::TestdataPath;
using ::testing::HasSubstr;
using ::testing::Not;

// A request is a URL and TLS settings, nothing else: no method, no body, no headers. This structured binding
// stops compiling when a field is added, so whoever adds one (a method, a body) must come here and prove the
// exporter still sends only GET.
[[maybe_unused]] void HttpRequestHasOnlyUrlAndTls() {
  HttpRequest request;
  auto& [url, tls] = request;
  static_assert(std::is_same_v<decltype(url), std::string>);
  static_assert(std::is_same_v<decltype(tls), const TlsClientOptions*>);
}

std::string Fixture(const std::string& name) { return ReadFile(TestdataPath("patroni/" + name)); }

TEST(HttpGetOnlyTest, EveryEndpointTheCollectorsAskForIsABodilessGet) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  std::string cluster_body;
  const auto handler = [&cluster_body](const std::string& patroni_body) {
    return [&cluster_body, patroni_body](const RecordedRequest& req) {
      if (req.path == "/cluster") return FakeReply{.body = cluster_body};
      if (req.path == "/config") return FakeReply{.body = Fixture("config_baseline_v3.0.2.json")};
      if (req.path == "/history") return FakeReply{.body = Fixture("history_baseline_v3.0.2.json")};
      return FakeReply{.body = patroni_body};
    };
  };
  FakeHttpServer seed(handler(Fixture("patroni_baseline-primary_v3.0.2.json")));
  FakeHttpServer member(handler(Fixture("patroni_baseline-replica_v3.0.2.json")));
  cluster_body = "{\"members\":[{\"name\":\"node1\",\"role\":\"leader\",\"state\":\"running\",\"api_url\":\"" +
                 seed.url() + "/patroni\",\"host\":\"127.0.0.1\",\"port\":5432,\"timeline\":1},{\"name\":\"node2\"," +
                 "\"role\":\"replica\",\"state\":\"running\",\"api_url\":\"" + member.url() +
                 "/patroni\",\"host\":\"127.0.0.1\",\"port\":5433,\"timeline\":1,\"lag\":0}]}";

  PatroniCollectorOptions options;
  ClusterTarget cluster;
  cluster.name = "test";
  std::string error;
  cluster.seeds = {*ParseBaseUrl(seed.url(), &error)};
  cluster.discovery = true;
  options.clusters = {cluster};
  options.cluster_view = options.config_view = options.history_view = options.health_view = true;
  HttpClientOptions http;
  http.timeout = std::chrono::milliseconds(2000);
  PatroniCollector collector(options, std::make_shared<HttpClient>(http),
                             std::make_shared<MemberDirectory>(std::chrono::minutes(10)),
                             std::make_shared<RequestFailures>("patroni"));
  MetricSet set;
  EXPECT_EQ(collector.Collect(ScrapeContext{}, &set), "");
  const std::string text = SerializeText(set);
  EXPECT_THAT(text,
              HasSubstr("patroni_up{target=\"" + member.url() + "\",scope=\"demo\"} 1\n"));  // reached by discovery

  std::set<std::string> seed_paths, member_paths;
  for (const auto* server : {&seed, &member}) {
    for (const RecordedRequest& r : server->requests()) {
      EXPECT_EQ(r.method, "GET") << r.head;
      EXPECT_EQ(r.request_line, "GET " + r.path + " HTTP/1.1");
      EXPECT_EQ(r.extra_bytes, 0u) << "a body was sent: " << r.head;
      EXPECT_THAT(r.head, Not(HasSubstr("Content-Length"))) << r.head;
      EXPECT_THAT(r.head, Not(HasSubstr("Transfer-Encoding"))) << r.head;
      (server == &seed ? seed_paths : member_paths).insert(r.path);
    }
  }
  std::set<std::string> expected_member = {"/patroni"};
  for (const HealthRequest& check : HealthRequests("")) expected_member.insert(check.path);
  std::set<std::string> expected_seed = expected_member;
  expected_seed.insert({"/cluster", "/config", "/history"});
  EXPECT_EQ(seed_paths, expected_seed);
  EXPECT_EQ(member_paths, expected_member);
}

}  // namespace
}  // namespace patroni_exporter
