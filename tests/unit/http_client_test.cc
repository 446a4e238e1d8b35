// The libcurl client against a real local HTTP server that misbehaves on purpose.
#include "collectors/http_client.h"

#include <curl/curl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "tests/support/fake_http_server.h"

namespace patroni_exporter {
namespace {

using patroni_exporter::testing::FakeHttpServer;
using patroni_exporter::testing::FakeReply;
using patroni_exporter::testing::RecordedRequest;
using std::chrono::milliseconds;

class HttpClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  HttpClient Client(milliseconds timeout = milliseconds(1000), std::size_t max_body = 1 << 20) {
    HttpClientOptions options;
    options.timeout = timeout;
    options.max_body_bytes = max_body;
    return HttpClient(options);
  }
};

TEST_F(HttpClientTest, Http10WithoutContentLengthLikePatroni) {
  FakeHttpServer server([](const RecordedRequest&) { return FakeReply{.body = "{\"a\":1}"}; });
  const HttpResponse r = Client().Get(server.url() + "/patroni");
  EXPECT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"a\":1}");
  EXPECT_EQ(r.content_type, "application/json");
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].method, "GET");
  EXPECT_EQ(server.requests()[0].path, "/patroni");
}

TEST_F(HttpClientTest, ConnectionRefused) {
  int port;
  {
    FakeHttpServer gone([](const RecordedRequest&) { return FakeReply{}; });
    port = gone.port();
  }
  const HttpResponse r = Client().Get("http://127.0.0.1:" + std::to_string(port) + "/patroni");
  EXPECT_FALSE(r.transport_ok());
  EXPECT_THAT(r.error, ::testing::HasSubstr("onnect"));
}

TEST_F(HttpClientTest, StallBeforeHeadersTimesOut) {
  FakeHttpServer server(
      [](const RecordedRequest&) { return FakeReply{.body = "{}", .stall_before = milliseconds(5000)}; });
  const auto start = std::chrono::steady_clock::now();
  const HttpResponse r = Client(milliseconds(300)).Get(server.url() + "/patroni");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(r.transport_ok());
  EXPECT_THAT(r.error, ::testing::HasSubstr("imed out"));
  EXPECT_LT(elapsed, milliseconds(3000));  // generous bound: the point is "not 5 s"
}

TEST_F(HttpClientTest, StallMidBodyTimesOutAndDropsThePartialBody) {
  FakeHttpServer server([](const RecordedRequest&) {
    return FakeReply{.body = std::string(1000, 'a'), .stall_mid_body = milliseconds(5000)};
  });
  const HttpResponse r = Client(milliseconds(300)).Get(server.url());
  EXPECT_FALSE(r.transport_ok());
  EXPECT_TRUE(r.body.empty());
}

TEST_F(HttpClientTest, ResetMidBody) {
  FakeHttpServer server(
      [](const RecordedRequest&) { return FakeReply{.body = std::string(1000, 'a'), .reset = true}; });
  const HttpResponse r = Client().Get(server.url());
  EXPECT_FALSE(r.transport_ok());
  EXPECT_TRUE(r.body.empty());
}

TEST_F(HttpClientTest, ClosedWithoutResponse) {
  FakeHttpServer server([](const RecordedRequest&) { return FakeReply{.close_without_response = true}; });
  const HttpResponse r = Client().Get(server.url());
  EXPECT_FALSE(r.transport_ok());
  EXPECT_FALSE(r.error.empty());
}

TEST_F(HttpClientTest, BodyOverTheLimitIsAbortedEarly) {
  FakeHttpServer server([](const RecordedRequest&) { return FakeReply{.repeat_body_bytes = 100u << 20}; });
  const HttpResponse r = Client(milliseconds(5000), 64 << 10).Get(server.url());
  EXPECT_EQ(r.error, "response body exceeds 65536 bytes");
  EXPECT_TRUE(r.body.empty());
}

TEST_F(HttpClientTest, AnnouncedContentLengthOverTheLimitIsRefused) {
  FakeHttpServer server([](const RecordedRequest&) {
    return FakeReply{.body = std::string(100 << 10, 'a'), .send_content_length = true};
  });
  const HttpResponse r = Client(milliseconds(2000), 64 << 10).Get(server.url());
  EXPECT_EQ(r.error, "response body exceeds 65536 bytes");
}

TEST_F(HttpClientTest, ContentLengthLongerThanTheBodyIsAnError) {
  FakeHttpServer server([](const RecordedRequest&) { return FakeReply{.body = "{}", .content_length_override = 100}; });
  const HttpResponse r = Client().Get(server.url());
  EXPECT_FALSE(r.transport_ok());
}

TEST_F(HttpClientTest, ServerErrorIsAResponseButNotOk) {
  FakeHttpServer server([](const RecordedRequest&) { return FakeReply{.status = 503, .body = "{}"}; });
  const HttpResponse r = Client().Get(server.url());
  EXPECT_TRUE(r.transport_ok());
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.FailureReason(), "unexpected HTTP status 503");
}

TEST_F(HttpClientTest, ManyRequestsRunConcurrently) {
  FakeHttpServer server(
      [](const RecordedRequest& req) { return FakeReply{.body = req.path, .stall_before = milliseconds(200)}; });
  std::vector<std::string> urls;
  for (int i = 0; i < 20; ++i) urls.push_back(server.url() + "/m" + std::to_string(i));
  const auto start = std::chrono::steady_clock::now();
  const std::vector<HttpResponse> responses = Client(milliseconds(3000)).GetAll(urls);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(responses.size(), urls.size());
  for (int i = 0; i < 20; ++i) EXPECT_EQ(responses[i].body, "/m" + std::to_string(i));  // order kept
  EXPECT_LT(elapsed, milliseconds(2000));                                               // one at a time would take 4 s
}

TEST_F(HttpClientTest, OnlyHttpAndHttpsAreSpoken) {
  const HttpResponse r = Client().Get("file:///etc/passwd");
  EXPECT_FALSE(r.transport_ok());
  EXPECT_TRUE(r.body.empty());
}

}  // namespace
}  // namespace patroni_exporter
