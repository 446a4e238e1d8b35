// The libcurl client against a real local HTTP server that misbehaves on purpose.
#include "collectors/http_client.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

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
  HttpClient Client(milliseconds timeout = milliseconds(1000), std::size_t max_body = 1 << 20,
                    std::size_t max_per_host = kDefaultMaxInFlightPerHost) {
    HttpClientOptions options;
    options.timeout = timeout;
    options.max_body_bytes = max_body;
    options.max_in_flight_per_host = max_per_host;
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
  const std::vector<HttpResponse> responses =
      Client(milliseconds(3000), 1 << 20, /*max_per_host=*/20).GetAll(urls);  // one server stands for 20 members
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(responses.size(), urls.size());
  for (int i = 0; i < 20; ++i) EXPECT_EQ(responses[i].body, "/m" + std::to_string(i));  // order kept
  EXPECT_LT(elapsed, milliseconds(2000));                                               // one at a time would take 4 s
}

// Answers that complete in the same turn of the loop are reaped together (every message read before any handle is
// removed): each must still reach its own request, whatever its outcome, and the handler see each once.
TEST_F(HttpClientTest, AnswersCompletingTogetherEachReachTheirOwnRequest) {
  FakeHttpServer server([](const RecordedRequest& req) {
    const std::string kind = req.path.substr(0, req.path.find('/', 1));
    if (kind == "/down") {
      return FakeReply{
          .status = 503, .content_type = "text/plain", .body = req.path, .stall_before = milliseconds(150)};
    }
    if (kind == "/big") return FakeReply{.body = std::string(4096, 'x'), .stall_before = milliseconds(150)};
    return FakeReply{.body = req.path, .stall_before = milliseconds(150)};
  });
  int refused_port;
  {
    FakeHttpServer gone([](const RecordedRequest&) { return FakeReply{}; });
    refused_port = gone.port();
  }
  const char* const kinds[] = {"/ok", "/down", "/big", "/refused"};
  std::vector<HttpRequest> requests;
  for (int i = 0; i < 60; ++i) {
    const std::string kind = kinds[i % 4];
    const std::string base = kind == "/refused" ? "http://127.0.0.1:" + std::to_string(refused_port) : server.url();
    requests.push_back({base + kind + "/" + std::to_string(i), nullptr});
  }
  std::vector<int> handed(requests.size(), 0);
  const std::vector<HttpResponse> responses =
      Client(milliseconds(3000), 1024, /*max_per_host=*/64)
          .GetAll(requests, Deadline::max(), [&](std::size_t i, const HttpResponse&) { ++handed[i]; });
  ASSERT_EQ(responses.size(), requests.size());
  for (int i = 0; i < 60; ++i) {
    const HttpResponse& r = responses[i];
    EXPECT_EQ(handed[i], 1) << i;
    const std::string path = std::string(kinds[i % 4]) + "/" + std::to_string(i);
    switch (i % 4) {
      case 0:
        EXPECT_TRUE(r.ok()) << i << ": " << r.error;
        EXPECT_EQ(r.body, path);
        break;
      case 1:
        EXPECT_TRUE(r.transport_ok()) << i << ": " << r.error;
        EXPECT_EQ(r.status, 503) << i;
        EXPECT_EQ(r.body, path);
        break;
      case 2:
        EXPECT_EQ(r.error, "response body exceeds 1024 bytes") << i;
        EXPECT_EQ(r.body, "");
        break;
      default:
        EXPECT_FALSE(r.transport_ok()) << i;
        EXPECT_EQ(r.status, 0) << i;
    }
  }
}

// Patroni's REST API listens with a backlog of 5: a burst of requests to one member overflows it, and each
// dropped connection costs a 1 s SYN retransmission (HttpClientOptions::max_in_flight_per_host).
TEST_F(HttpClientTest, AtMostTheCapToOneTargetWhileOtherTargetsRunBeside) {
  EXPECT_EQ(HttpClientOptions{}.max_in_flight_per_host, kDefaultMaxInFlightPerHost);
  EXPECT_EQ(kDefaultMaxInFlightPerHost, 2u);
  const FakeHttpServer* servers[2] = {nullptr, nullptr};
  std::atomic<int> peak_both{0};  // connections open to the two servers together, at its highest
  auto handler = [&](const RecordedRequest& req) {
    const int both = servers[0]->open_connections() + servers[1]->open_connections();
    for (int peak = peak_both.load(); both > peak && !peak_both.compare_exchange_weak(peak, both);) {
    }
    return FakeReply{.body = req.path, .stall_before = milliseconds(300)};
  };
  FakeHttpServer a(handler), b(handler);
  servers[0] = &a;
  servers[1] = &b;
  // Interleaved, and spelled in ways that are still one target each: paths differ, the scheme's case too.
  std::vector<std::string> urls;
  for (int i = 0; i < 6; ++i) {
    urls.push_back((i % 2 == 0 ? a.url() : "HTTP" + a.url().substr(4)) + "/a" + std::to_string(i));
    urls.push_back(b.url() + "/b" + std::to_string(i));
  }
  const std::vector<HttpResponse> responses = Client(milliseconds(5000)).GetAll(urls);
  ASSERT_EQ(responses.size(), urls.size());
  for (std::size_t i = 0; i < urls.size(); ++i) {
    EXPECT_TRUE(responses[i].ok()) << urls[i] << ": " << responses[i].error;
    EXPECT_EQ(responses[i].body, urls[i].substr(urls[i].rfind('/'))) << "results in request order";
  }
  EXPECT_EQ(a.requests().size(), 6u);
  EXPECT_EQ(b.requests().size(), 6u);
  EXPECT_EQ(a.peak_open_connections(), 2);
  EXPECT_EQ(b.peak_open_connections(), 2);
  EXPECT_EQ(peak_both.load(), 4);  // the other target's requests ran beside, not after
}

TEST_F(HttpClientTest, MaxInFlightStillHoldsBesideThePerTargetCap) {
  FakeHttpServer a([](const RecordedRequest&) { return FakeReply{.body = "{}", .stall_before = milliseconds(200)}; });
  FakeHttpServer b([](const RecordedRequest&) { return FakeReply{.body = "{}", .stall_before = milliseconds(200)}; });
  HttpClientOptions options;
  options.max_in_flight = 1;
  options.max_in_flight_per_host = 3;
  std::vector<std::string> urls;
  for (int i = 0; i < 3; ++i) urls.insert(urls.end(), {a.url(), b.url()});
  for (const HttpResponse& r : HttpClient(options).GetAll(urls)) EXPECT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(a.peak_open_connections(), 1);
  EXPECT_EQ(b.peak_open_connections(), 1);
}

// Queued requests to one target each get their whole timeout: it starts when a request is sent. Four requests
// of 300 ms one after the other end 1.2 s after the call began, each well within its own 800 ms.
TEST_F(HttpClientTest, TimeoutOfAQueuedRequestStartsWhenItIsSent) {
  FakeHttpServer server(
      [](const RecordedRequest& req) { return FakeReply{.body = req.path, .stall_before = milliseconds(300)}; });
  std::vector<std::string> urls;
  for (int i = 0; i < 4; ++i) urls.push_back(server.url() + "/q" + std::to_string(i));
  const std::vector<HttpResponse> responses = Client(milliseconds(800), 1 << 20, 1).GetAll(urls);
  for (std::size_t i = 0; i < urls.size(); ++i) {
    EXPECT_TRUE(responses[i].ok()) << urls[i] << ": " << responses[i].error;
    EXPECT_EQ(responses[i].body, "/q" + std::to_string(i));
  }
  EXPECT_EQ(server.peak_open_connections(), 1);
}

// A target whose first requests stall holds its queued requests back, but only until the deadline: then they
// fail unsent, the stalled ones time out, the call returns; another target's requests are served meanwhile.
// (libcurl may end a transfer up to a millisecond or two before its timeout: a queued request can then still go
// out with that much time left, and time out by the deadline too. Hence "at least one unsent", not "six".)
TEST_F(HttpClientTest, QueuedBehindAStalledRequestTheyFailUnsentByTheDeadline) {
  FakeHttpServer stalled(
      [](const RecordedRequest&) { return FakeReply{.body = "{}", .stall_before = milliseconds(20000)}; });
  FakeHttpServer fine([](const RecordedRequest& req) { return FakeReply{.body = req.path}; });
  std::vector<std::string> urls;
  for (int i = 0; i < 8; ++i) urls.insert(urls.end(), {stalled.url() + "/s", fine.url() + "/f" + std::to_string(i)});
  const auto start = std::chrono::steady_clock::now();
  const std::vector<HttpResponse> responses = Client(milliseconds(10000)).GetAll(urls, start + milliseconds(700));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, milliseconds(3000));  // generous: the point is "by the deadline, not the 10 s timeout"
  ASSERT_EQ(responses.size(), urls.size());
  int timed_out = 0, unsent = 0;
  for (std::size_t i = 0; i < urls.size(); i += 2) {
    timed_out += responses[i].error.find("imed out") != std::string::npos;
    unsent += responses[i].error == "scrape deadline reached before the request could start";
    EXPECT_TRUE(responses[i].body.empty());
    EXPECT_TRUE(responses[i + 1].ok()) << responses[i + 1].error;
    EXPECT_EQ(responses[i + 1].body, "/f" + std::to_string(i / 2));
  }
  EXPECT_EQ(timed_out + unsent, 8);
  EXPECT_GE(timed_out, 2);  // at least the two first in flight, cut short by the deadline
  EXPECT_GE(unsent, 1);     // and those still waiting at the deadline never went out:
  EXPECT_LE(stalled.requests().size(), static_cast<std::size_t>(8 - unsent));
}

TEST_F(HttpClientTest, OnlyHttpAndHttpsAreSpoken) {
  const HttpResponse r = Client().Get("file:///etc/passwd");
  EXPECT_FALSE(r.transport_ok());
  EXPECT_TRUE(r.body.empty());
}

// The client keeps its curl handles across calls: an answer must never carry anything of an earlier one.
TEST_F(HttpClientTest, ReusedHandlesCarryNothingFromTheCallBefore) {
  FakeHttpServer server([](const RecordedRequest& request) {
    if (request.path == "/big") return FakeReply{.body = std::string(4096, 'x')};
    if (request.path == "/down") return FakeReply{.status = 503, .content_type = "text/plain", .body = "no"};
    if (request.path == "/slow") return FakeReply{.body = "{}", .stall_before = milliseconds(2000)};
    return FakeReply{.body = "{\"a\":1}"};
  });
  int refused_port;
  {
    FakeHttpServer gone([](const RecordedRequest&) { return FakeReply{}; });
    refused_port = gone.port();
  }
  const HttpClient client = Client(milliseconds(300), 1024);
  for (int round = 0; round < 2; ++round) {
    const HttpResponse ok = client.Get(server.url() + "/patroni");
    EXPECT_TRUE(ok.ok()) << ok.error;
    EXPECT_EQ(ok.body, "{\"a\":1}");
    const HttpResponse refused = client.Get("http://127.0.0.1:" + std::to_string(refused_port) + "/patroni");
    EXPECT_FALSE(refused.transport_ok());
    EXPECT_EQ(refused.status, 0);
    EXPECT_EQ(refused.content_type, "");
    EXPECT_EQ(refused.body, "");
    const HttpResponse down = client.Get(server.url() + "/down");
    EXPECT_TRUE(down.transport_ok()) << down.error;
    EXPECT_EQ(down.status, 503);
    EXPECT_EQ(down.content_type, "text/plain");
    const HttpResponse big = client.Get(server.url() + "/big");
    EXPECT_EQ(big.error, "response body exceeds 1024 bytes");
    const HttpResponse slow = client.Get(server.url() + "/slow");
    EXPECT_FALSE(slow.transport_ok());
    EXPECT_THAT(slow.error, ::testing::HasSubstr("timed out"));
    const HttpResponse after = client.Get(server.url() + "/patroni");
    EXPECT_TRUE(after.ok()) << after.error;
    EXPECT_EQ(after.status, 200);
    EXPECT_EQ(after.content_type, "application/json");
    EXPECT_EQ(after.body, "{\"a\":1}");
  }
}

TEST_F(HttpClientTest, ConcurrentCallsOnOneClientEachGetTheirOwnAnswers) {
  FakeHttpServer server([](const RecordedRequest& request) { return FakeReply{.body = request.path}; });
  const HttpClient client = Client();
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int call = 0; call < 10; ++call) {
        std::vector<std::string> urls;
        for (int i = 0; i < 3; ++i) {
          urls.push_back(server.url() + "/t" + std::to_string(t) + "c" + std::to_string(call) + "r" +
                         std::to_string(i));
        }
        const std::vector<HttpResponse> answers = client.GetAll(urls);
        for (int i = 0; i < 3; ++i) {
          if (!answers[i].ok() || "http://127.0.0.1:" + std::to_string(server.port()) + answers[i].body != urls[i]) {
            ++wrong;
          }
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(server.requests().size(), 120u);
}

// A server that would keep connections open (HTTP/1.1, Content-Length, keep-alive) still sees one connection
// per request, across calls too: handles are reused, connections are not.
TEST_F(HttpClientTest, EveryRequestGetsAFreshConnectionEvenWhereTheServerWouldKeepIt) {
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(listener, 16), 0);
  socklen_t length = sizeof address;
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const std::string url = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/patroni";
  std::atomic<int> accepted{0};
  std::atomic<int> answered{0};
  std::vector<std::thread> connections;
  std::thread acceptor([&] {
    for (;;) {
      const int fd = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;  // the listener was shut down
      ++accepted;
      connections.emplace_back([fd, &answered] {
        std::string received;
        char buf[4096];
        for (;;) {  // answer every request on this connection, and keep it open
          const ssize_t n = read(fd, buf, sizeof buf);
          if (n <= 0) break;
          received.append(buf, static_cast<std::size_t>(n));
          for (std::size_t end; (end = received.find("\r\n\r\n")) != std::string::npos;) {
            received.erase(0, end + 4);
            const std::string reply =
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
                "Connection: keep-alive\r\n\r\n{}";
            if (write(fd, reply.data(), reply.size()) != static_cast<ssize_t>(reply.size())) break;
            ++answered;
          }
        }
        close(fd);
      });
    }
  });
  {
    const HttpClient client = Client();
    for (int call = 0; call < 3; ++call) {
      for (const HttpResponse& r : client.GetAll(std::vector<std::string>{url, url})) {
        EXPECT_TRUE(r.ok()) << r.error;
        EXPECT_EQ(r.body, "{}");
      }
    }
  }
  shutdown(listener, SHUT_RDWR);
  acceptor.join();
  for (std::thread& connection : connections) connection.join();
  close(listener);
  EXPECT_EQ(answered.load(), 6);
  EXPECT_EQ(accepted.load(), 6);
}

// A signal one thread gives and another waits for, with a bound so that a broken client fails the test instead
// of hanging it (the bound is a safety net, not a timing assertion: every wait here is met at once when the
// client behaves).
class Flag {
 public:
  void Set() {
    const std::lock_guard<std::mutex> lock(mutex_);
    set_ = true;
    changed_.notify_all();
  }
  bool WaitFor() {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(10), [&] { return set_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool set_ = false;
};

// The handler gets each response as soon as it is complete, in the order they complete, once each, while the
// other requests are still in flight: the server answers /second only after the handler has seen /first, and
// /third only after it has seen /second.
TEST_F(HttpClientTest, HandlerGetsEachResponseOnceAsItCompletesWhileTheOthersAreInFlight) {
  Flag first_handed, second_handed;
  FakeHttpServer server([&](const RecordedRequest& req) {
    if (req.path == "/second") return FakeReply{.body = first_handed.WaitFor() ? "after first" : "not released"};
    if (req.path == "/third") return FakeReply{.body = second_handed.WaitFor() ? "after second" : "not released"};
    return FakeReply{.body = "first"};
  });
  const std::vector<std::string> urls = {server.url() + "/third", server.url() + "/second", server.url() + "/first"};
  std::vector<HttpRequest> requests;
  for (const std::string& url : urls) requests.push_back({url, nullptr});
  std::vector<std::size_t> handed;
  std::vector<std::string> bodies_handed;
  const std::thread::id caller = std::this_thread::get_id();
  bool on_caller_thread = true;
  const std::vector<HttpResponse> responses =
      Client(milliseconds(15000), 1 << 20, /*max_per_host=*/3)
          .GetAll(requests, Deadline::max(), [&](std::size_t i, HttpResponse& r) {
            on_caller_thread = on_caller_thread && std::this_thread::get_id() == caller;
            handed.push_back(i);
            bodies_handed.push_back(r.body);
            if (i == 2) first_handed.Set();
            if (i == 1) second_handed.Set();
            if (i == 0) r.body = "changed by the handler";
          });
  EXPECT_THAT(handed, ::testing::ElementsAre(2u, 1u, 0u));
  EXPECT_THAT(bodies_handed, ::testing::ElementsAre("first", "after first", "after second"));
  EXPECT_TRUE(on_caller_thread);
  ASSERT_EQ(responses.size(), 3u);
  for (const HttpResponse& r : responses) EXPECT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(responses[0].body, "changed by the handler");  // the handler's response is the one returned
  EXPECT_EQ(responses[1].body, "after first");
  EXPECT_EQ(responses[2].body, "first");
}

// Requests that may start are under way before the handler works on the answer that freed their place: with
// one request in flight at a time, the handler of the first answer finds the second one's connection already
// accepted by the server (polled for with a bound, so that a broken client fails instead of hanging).
TEST_F(HttpClientTest, NextRequestsAreUnderWayBeforeTheHandlerRuns) {
  FakeHttpServer server([](const RecordedRequest& req) { return FakeReply{.body = req.path}; });
  HttpClientOptions options;
  options.timeout = milliseconds(15000);
  options.max_in_flight = 1;
  std::vector<HttpRequest> requests = {{server.url() + "/a", nullptr}, {server.url() + "/b", nullptr}};
  bool second_was_under_way = false;
  std::vector<std::size_t> handed;
  const std::vector<HttpResponse> responses =
      HttpClient(options).GetAll(requests, Deadline::max(), [&](std::size_t i, HttpResponse&) {
        handed.push_back(i);
        if (i != 0) return;
        // The first connection is counted closed before its answer ends, so one open connection is the second.
        for (int tries = 0; tries < 1000 && !second_was_under_way; ++tries) {
          second_was_under_way = server.open_connections() == 1 || server.requests().size() == 2;
          if (!second_was_under_way) std::this_thread::sleep_for(milliseconds(10));
        }
      });
  EXPECT_TRUE(second_was_under_way);
  EXPECT_THAT(handed, ::testing::ElementsAre(0u, 1u));
  EXPECT_EQ(responses[0].body, "/a");
  EXPECT_EQ(responses[1].body, "/b");
}

// Failures are responses too: refused, timed out, and queued past the deadline, each handed over once with the
// error GetAll() returns. The deadline still ends the call: the requests queued behind the stalled target fail
// unsent (its requests are held to one at a time), and the 30 s timeout is never waited for. (libcurl may end
// a transfer a millisecond before its timeout, so the next one may still go out with that much time left and
// time out by the deadline: hence "at least one unsent".)
TEST_F(HttpClientTest, HandlerGetsFailuresTimeoutsAndUnsentRequestsToo) {
  int refused_port;
  {
    FakeHttpServer gone([](const RecordedRequest&) { return FakeReply{}; });
    refused_port = gone.port();
  }
  FakeHttpServer stalled(
      [](const RecordedRequest&) { return FakeReply{.body = "{}", .stall_before = milliseconds(60000)}; });
  FakeHttpServer fine([](const RecordedRequest& req) { return FakeReply{.body = req.path}; });
  std::vector<HttpRequest> requests = {{stalled.url() + "/s0", nullptr},
                                       {"http://127.0.0.1:" + std::to_string(refused_port) + "/gone", nullptr},
                                       {stalled.url() + "/s1", nullptr},
                                       {fine.url() + "/ok", nullptr},
                                       {stalled.url() + "/s2", nullptr}};
  std::map<std::size_t, std::string> errors_handed;
  std::vector<std::size_t> handed;
  const std::vector<HttpResponse> responses =
      Client(milliseconds(30000), 1 << 20, /*max_per_host=*/1)
          .GetAll(requests, std::chrono::steady_clock::now() + milliseconds(500), [&](std::size_t i, HttpResponse& r) {
            handed.push_back(i);
            errors_handed[i] = r.error;
          });
  EXPECT_THAT(handed, ::testing::UnorderedElementsAre(0u, 1u, 2u, 3u, 4u));
  ASSERT_EQ(responses.size(), requests.size());
  for (std::size_t i = 0; i < responses.size(); ++i) EXPECT_EQ(errors_handed[i], responses[i].error) << i;
  EXPECT_THAT(responses[0].error, ::testing::HasSubstr("imed out"));
  EXPECT_THAT(responses[1].error, ::testing::HasSubstr("onnect"));
  EXPECT_TRUE(responses[3].ok()) << responses[3].error;
  std::size_t unsent = 0;
  for (const std::size_t i : {2u, 4u}) {
    const bool not_sent = responses[i].error == "scrape deadline reached before the request could start";
    unsent += not_sent;
    EXPECT_TRUE(not_sent || responses[i].error.find("imed out") != std::string::npos) << responses[i].error;
  }
  EXPECT_GE(unsent, 1u);
  EXPECT_EQ(stalled.requests().size(), 3u - unsent);
}

// Without a handler (an empty one), GetAll() behaves as the plain call.
TEST_F(HttpClientTest, AnEmptyHandlerIsNoHandler) {
  FakeHttpServer server([](const RecordedRequest& req) { return FakeReply{.body = req.path}; });
  const std::vector<HttpResponse> responses =
      Client().GetAll(std::vector<HttpRequest>{{server.url() + "/x", nullptr}}, Deadline::max(), ResponseHandler());
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].body, "/x");
}

}  // namespace
}  // namespace patroni_exporter
