#include "tests/support/fake_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

namespace patroni_exporter::testing {
namespace {

bool SendAll(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

FakeHttpServer::FakeHttpServer(Handler handler) : handler_(std::move(handler)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listen_fd_ < 0) throw std::runtime_error("socket failed");
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 128) != 0) {
    throw std::runtime_error("bind/listen failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  accept_thread_ = std::thread(&FakeHttpServer::AcceptLoop, this);
}

FakeHttpServer::~FakeHttpServer() {
  stopping_ = true;
  wake_.notify_all();
  ::shutdown(listen_fd_, SHUT_RDWR);
  accept_thread_.join();
  ::close(listen_fd_);
  std::vector<std::thread> workers;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    workers.swap(workers_);
  }
  for (std::thread& t : workers) t.join();
}

std::vector<RecordedRequest> FakeHttpServer::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

bool FakeHttpServer::Sleep(std::chrono::milliseconds duration) {
  std::unique_lock<std::mutex> lock(mutex_);
  return !wake_.wait_for(lock, duration, [this] { return stopping_.load(); });
}

void FakeHttpServer::AcceptLoop() {
  while (!stopping_) {
    pollfd pfd{listen_fd_, POLLIN, 0};
    if (::poll(&pfd, 1, 50) <= 0) continue;
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    const int open = open_.fetch_add(1) + 1;
    for (int peak = peak_open_.load(); open > peak && !peak_open_.compare_exchange_weak(peak, open);) {
    }
    std::lock_guard<std::mutex> lock(mutex_);
    workers_.emplace_back(&FakeHttpServer::Serve, this, fd);
  }
}

void FakeHttpServer::Close(int fd) {
  open_.fetch_sub(1);
  ::close(fd);
}

void FakeHttpServer::Serve(int fd) {
  std::string request;
  char buf[4096];
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < 65536) {
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, 2000) <= 0) break;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    request.append(buf, static_cast<std::size_t>(n));
  }
  RecordedRequest recorded;
  const std::size_t sp1 = request.find(' ');
  const std::size_t sp2 = sp1 == std::string::npos ? sp1 : request.find(' ', sp1 + 1);
  if (sp2 != std::string::npos) {
    recorded.method = request.substr(0, sp1);
    recorded.path = request.substr(sp1 + 1, sp2 - sp1 - 1);
  }
  const std::size_t end_of_line = request.find("\r\n");
  recorded.request_line = request.substr(0, end_of_line);
  const std::size_t end_of_head = request.find("\r\n\r\n");
  recorded.head = request.substr(0, end_of_head);
  if (end_of_head != std::string::npos) recorded.extra_bytes = request.size() - end_of_head - 4;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    requests_.push_back(recorded);
  }
  const FakeReply reply = handler_(recorded);
  if (reply.close_without_response || !Sleep(reply.stall_before)) {
    Close(fd);
    return;
  }
  const std::size_t body_size = reply.repeat_body_bytes > 0 ? reply.repeat_body_bytes : reply.body.size();
  std::string head = (reply.send_content_length ? "HTTP/1.1 " : "HTTP/1.0 ") + std::to_string(reply.status) +
                     " X\r\nServer: fake\r\nContent-Type: " + reply.content_type + "\r\n";
  if (reply.send_content_length || reply.content_length_override >= 0) {
    const long length =
        reply.content_length_override >= 0 ? reply.content_length_override : static_cast<long>(body_size);
    head += "Content-Length: " + std::to_string(length) + "\r\n";
  }
  head += "Connection: close\r\n\r\n";
  if (!SendAll(fd, head)) {
    Close(fd);
    return;
  }
  if (reply.repeat_body_bytes > 0) {
    const std::string chunk(64 * 1024, 'x');
    std::size_t sent = 0;
    while (sent < reply.repeat_body_bytes && !stopping_) {
      const std::size_t n = std::min(chunk.size(), reply.repeat_body_bytes - sent);
      if (!SendAll(fd, chunk.substr(0, n))) break;
      sent += n;
    }
  } else {
    const std::size_t half = reply.body.size() / 2;
    const bool split = reply.stall_mid_body.count() > 0 || reply.reset;
    if (split) {
      SendAll(fd, reply.body.substr(0, half));
      if (reply.reset) {
        linger hard{1, 0};  // close with RST instead of FIN
        ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
        Close(fd);
        return;
      }
      if (!Sleep(reply.stall_mid_body)) {
        Close(fd);
        return;
      }
      SendAll(fd, reply.body.substr(half));
    } else {
      SendAll(fd, reply.body);
    }
  }
  open_.fetch_sub(1);
  ::shutdown(fd, SHUT_WR);
  ::close(fd);
}

}  // namespace patroni_exporter::testing
