// NodeCollector end to end over real HTTP: fixture bodies served by local fake Patroni APIs.
#include "collectors/patroni/node_collector.h"

#include <curl/curl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

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

BaseUrl Url(const std::string& text) {
  std::string error;
  return *ParseBaseUrl(text, &error);
}

// A /cluster body in Patroni's schema naming `name` as the member at `api_base`.
std::string ClusterBody(const std::string& name, const std::string& api_base) {
  return R"({"members":[{"name":"other","role":"leader","state":"running","api_url":"http://10.9.9.9:8008/patroni"},)"
         R"({"name":")" +
         name + R"(","role":"replica","state":"running","api_url":")" + api_base + R"(/patroni"}]})";
}

class NodeCollectorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { curl_global_init(CURL_GLOBAL_DEFAULT); }

  std::string Collect(const std::vector<BaseUrl>& targets, std::string* error = nullptr) {
    if (!collector_) {
      HttpClientOptions http;
      http.timeout = std::chrono::milliseconds(1000);
      NodeCollectorOptions options;
      options.targets = targets;
      collector_ = std::make_unique<NodeCollector>(options, std::make_shared<HttpClient>(http));
    }
    MetricSet set;
    const std::string e = collector_->Collect(&set);
    if (error) *error = e;
    return SerializeText(set.families());
  }

  std::unique_ptr<NodeCollector> collector_;
};

TEST_F(NodeCollectorTest, OldPatroniGetsItsNameFromClusterAndADeadTargetIsUpZero) {
  const std::string body = ReadFile(TestdataPath("patroni/patroni_baseline-primary_v3.0.2.json"));
  std::string self_url;
  FakeHttpServer live([&](const RecordedRequest& req) {
    if (req.path == "/cluster") return FakeReply{.body = ClusterBody("node1", self_url)};
    return FakeReply{.body = body};
  });
  self_url = live.url();
  int dead_port;
  {
    FakeHttpServer gone([](const RecordedRequest&) { return FakeReply{}; });
    dead_port = gone.port();
  }
  const std::string dead_url = "http://127.0.0.1:" + std::to_string(dead_port);

  std::string error;
  const std::string text = Collect({Url(live.url()), Url(dead_url)}, &error);
  EXPECT_EQ(error, "1 of 2 Patroni targets failed");
  EXPECT_THAT(text, HasSubstr("patroni_primary{scope=\"demo\",name=\"node1\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("patroni_up{target=\"" + live.url() + "\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("patroni_up{target=\"" + dead_url + "\"} 0\n"));

  // The name is cached: the second scrape asks /patroni only.
  Collect({});
  std::vector<std::string> paths;
  for (const auto& r : live.requests()) paths.push_back(r.method + " " + r.path);
  EXPECT_THAT(paths, ::testing::ElementsAre("GET /patroni", "GET /cluster", "GET /patroni"));
}

TEST_F(NodeCollectorTest, NewPatroniNeedsNoClusterLookup) {
  const std::string body = ReadFile(TestdataPath("patroni/patroni_replica_v4.1.0.json"));
  FakeHttpServer server([&](const RecordedRequest&) { return FakeReply{.body = body}; });
  const std::string text = Collect({Url(server.url())});
  EXPECT_THAT(text, HasSubstr("patroni_replica{scope=\"batman\",name=\"postgresql1\"} 1\n"));
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].path, "/patroni");
}

TEST_F(NodeCollectorTest, UnknownMemberFallsBackToHostPortAndBacksOff) {
  const std::string body = ReadFile(TestdataPath("patroni/patroni_baseline-replica_v3.0.2.json"));
  FakeHttpServer server([&](const RecordedRequest& req) {
    if (req.path == "/cluster") return FakeReply{.status = 503, .body = "{}"};
    return FakeReply{.body = body};
  });
  const std::string text = Collect({Url(server.url())});
  EXPECT_THAT(
      text, HasSubstr("patroni_replica{scope=\"demo\",name=\"127.0.0.1:" + std::to_string(server.port()) + "\"} 1\n"));
  Collect({});
  EXPECT_EQ(server.requests().size(), 3u);  // /patroni, /cluster, /patroni: no second /cluster within the backoff
}

TEST_F(NodeCollectorTest, GarbageAndErrorsAreUpZeroWithNoNodeFamilies) {
  FakeHttpServer html([](const RecordedRequest&) {
    return FakeReply{.content_type = "text/html", .body = "<html>maintenance</html>"};
  });
  FakeHttpServer error503([](const RecordedRequest&) { return FakeReply{.status = 503, .body = "{}"}; });
  std::string error;
  const std::string text = Collect({Url(html.url()), Url(error503.url())}, &error);
  EXPECT_EQ(error, "2 of 2 Patroni targets failed");
  EXPECT_THAT(text, HasSubstr("patroni_up{target=\"" + html.url() + "\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("patroni_up{target=\"" + error503.url() + "\"} 0\n"));
  EXPECT_THAT(text, Not(HasSubstr("patroni_primary")));
}

TEST_F(NodeCollectorTest, TheSameMemberTwiceIsExportedOnce) {
  const std::string body = ReadFile(TestdataPath("patroni/patroni_primary_v3.2.2.json"));
  FakeHttpServer a([&](const RecordedRequest&) { return FakeReply{.body = body}; });
  FakeHttpServer b([&](const RecordedRequest&) { return FakeReply{.body = body}; });
  const std::string text = Collect({Url(a.url()), Url(b.url())});
  std::size_t count = 0;
  for (std::size_t pos = text.find("patroni_primary{"); pos != std::string::npos;
       pos = text.find("patroni_primary{", pos + 1)) {
    ++count;
  }
  EXPECT_EQ(count, 1u);
  EXPECT_THAT(text, HasSubstr("patroni_up{target=\"" + b.url() + "\"} 1\n"));
}

TEST_F(NodeCollectorTest, SlowTargetDoesNotDelayOthersBeyondTheTimeout) {
  const std::string body = ReadFile(TestdataPath("patroni/patroni_primary_v4.0.4.json"));
  FakeHttpServer fast([&](const RecordedRequest&) { return FakeReply{.body = body}; });
  FakeHttpServer slow([&](const RecordedRequest&) {
    return FakeReply{.body = body, .stall_before = std::chrono::milliseconds(10000)};
  });
  const auto start = std::chrono::steady_clock::now();
  const std::string text = Collect({Url(slow.url()), Url(fast.url())});
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(4000));
  EXPECT_THAT(text, HasSubstr("patroni_up{target=\"" + fast.url() + "\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("patroni_up{target=\"" + slow.url() + "\"} 0\n"));
}

}  // namespace
}  // namespace patroni_exporter
