// FakeHttpServer: a real HTTP server on 127.0.0.1 for what a real Patroni cannot do on demand: garbage bodies,
// stalls, resets, wrong lengths, huge bodies, old versions' JSON. Not a mock of our code: the exporter's real
// libcurl client talks to it over TCP.
//
// Each connection is served on its own thread; the destructor stops accepting, wakes stalled replies and joins.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace patroni_exporter::testing {

struct FakeReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // Patroni's own server speaks HTTP/1.0 without Content-Length and closes the connection; that is the default.
  bool send_content_length = false;
  long content_length_override = -1;            // >= 0: announce this length instead of the real one
  std::chrono::milliseconds stall_before{0};    // wait before sending anything
  std::chrono::milliseconds stall_mid_body{0};  // send half the body, then wait
  bool close_without_response = false;          // accept, read the request, close
  bool reset = false;                           // send half the body then reset the connection (RST)
  std::size_t repeat_body_bytes = 0;            // > 0: stream this many bytes of 'x' instead of body (huge bodies)
};

struct RecordedRequest {
  std::string method;
  std::string path;
  std::string request_line;     // as received, without CRLF: "GET /patroni HTTP/1.1"
  std::string head;             // everything received up to the blank line (request line and headers)
  std::size_t extra_bytes = 0;  // bytes received after the head within the first read(s): a body, if any
};

class FakeHttpServer {
 public:
  using Handler = std::function<FakeReply(const RecordedRequest&)>;

  explicit FakeHttpServer(Handler handler);
  ~FakeHttpServer();

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<RecordedRequest> requests() const;
  // Connections open now, and the most ever open at once: counted from accept() to just before the server ends
  // the connection, so a client's next connection never overlaps the count of the one it waited for.
  int open_connections() const { return open_.load(); }
  int peak_open_connections() const { return peak_open_.load(); }

 private:
  void AcceptLoop();
  void Serve(int fd);
  void Close(int fd);                              // ends a connection, counting it closed first
  bool Sleep(std::chrono::milliseconds duration);  // false when stopping

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> open_{0};
  std::atomic<int> peak_open_{0};
  std::thread accept_thread_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::thread> workers_;
  std::vector<RecordedRequest> requests_;
};

}  // namespace patroni_exporter::testing
