// HttpClient::CancelAll(): a shutdown must not wait for a stalled Patroni. CancelAll is process-wide and final,
// so each test runs it in a forked child (a death test) and reports through the exit code.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <thread>

#include "collectors/http_client.h"
#include "tests/support/fake_http_server.h"

namespace patroni_exporter {
namespace {

using patroni_exporter::testing::FakeHttpServer;
using patroni_exporter::testing::FakeReply;
using patroni_exporter::testing::RecordedRequest;

// Exit codes of the child: 0 all as expected, otherwise which check failed.
int CancelInFlight() {
  FakeHttpServer stalled(
      [](const RecordedRequest&) { return FakeReply{.body = "{}", .stall_before = std::chrono::seconds(20)}; });
  HttpClient client(HttpClientOptions{.timeout = std::chrono::seconds(20)});
  const auto start = std::chrono::steady_clock::now();
  auto pending = std::async(std::launch::async, [&] {
    return client.GetAll(std::vector<std::string>{stalled.url(), stalled.url()});
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  if (HttpClient::CallsInProgress() != 1) return 2;
  HttpClient::CancelAll();
  const std::vector<HttpResponse> responses = pending.get();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (seconds > 1.0) return 3;  // 0.2 s before the cancel, at most ~0.1 s after
  for (const HttpResponse& r : responses) {
    if (r.error != "cancelled: the exporter is shutting down" || !r.body.empty()) return 4;
  }
  if (HttpClient::CallsInProgress() != 0) return 5;
  // Later calls send nothing.
  const std::size_t seen = stalled.requests().size();
  if (client.Get(stalled.url()).error != "cancelled: the exporter is shutting down") return 6;
  if (stalled.requests().size() != seen) return 7;
  return 0;
}

// Requests waiting for their target's turn (max_in_flight_per_host) are cancelled too, never sent.
int CancelQueued() {
  FakeHttpServer stalled(
      [](const RecordedRequest&) { return FakeReply{.body = "{}", .stall_before = std::chrono::seconds(20)}; });
  HttpClient client(HttpClientOptions{.timeout = std::chrono::seconds(20), .max_in_flight_per_host = 1});
  const auto start = std::chrono::steady_clock::now();
  auto pending = std::async(std::launch::async, [&] {
    return client.GetAll(std::vector<std::string>{stalled.url() + "/1", stalled.url() + "/2", stalled.url() + "/3"});
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  HttpClient::CancelAll();
  const std::vector<HttpResponse> responses = pending.get();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (seconds > 1.0) return 3;
  for (const HttpResponse& r : responses) {
    if (r.error != "cancelled: the exporter is shutting down") return 4;
  }
  if (stalled.requests().size() != 1) return 5;
  return 0;
}

TEST(HttpClientCancelTest, CancelAllEndsStalledRequestsAndRefusesNewOnes) {
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_EXIT(std::exit(CancelInFlight()), ::testing::ExitedWithCode(0), "");
}

TEST(HttpClientCancelTest, CancelAllAlsoEndsRequestsWaitingForTheirTarget) {
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_EXIT(std::exit(CancelQueued()), ::testing::ExitedWithCode(0), "");
}

TEST(HttpClientCancelTest, NotCancelledUnlessAsked) {
  EXPECT_FALSE(HttpClient::Cancelled());
  EXPECT_EQ(HttpClient::CallsInProgress(), 0);
}

}  // namespace
}  // namespace patroni_exporter
