// fetch_bench: the cost of the exporter's HTTP client alone (HttpClient::GetAll, collectors/http_client.h),
// without parsing or translating: one GetAll of every URL per round, as one discovery round of a scrape makes.
//
//   fetch_bench ROUNDS MAX_IN_FLIGHT URL...
// prints one line: rounds, requests per round, failures, median and p95 wall ms per round, and user and system
// CPU ms per round (getrusage of this process). bench/fanout.py runs it against the fake fleet.
// With MAX_IN_FLIGHT "raw" it uses no libcurl: a minimal epoll client (connect, one write, read to EOF, close,
// all at once), the floor for one fresh TCP connection per member (http://127.0.0.1:PORT/PATH URLs only).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "collectors/http_client.h"
#include <curl/curl.h>

namespace {

double Ms(const timeval& t) { return t.tv_sec * 1e3 + t.tv_usec / 1e3; }

// One GET of every URL at once over raw sockets; returns how many failed.
int RawRound(const std::vector<std::string>& urls) {
  const int epoll = epoll_create1(0);
  struct Conn {
    int fd = -1;
    std::string request;
    std::size_t received = 0;
  };
  std::vector<Conn> conns(urls.size());
  int failed = 0, open = 0;
  for (std::size_t i = 0; i < urls.size(); ++i) {
    const std::string& url = urls[i];  // http://127.0.0.1:PORT/PATH
    const std::size_t colon = url.rfind(':'), slash = url.find('/', colon);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(std::atoi(url.substr(colon + 1, slash - colon - 1).c_str())));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    conns[i].request = "GET " + url.substr(slash) + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    conns[i].fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    connect(conns[i].fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    epoll_event event{};
    event.events = EPOLLOUT;
    event.data.u64 = i;
    epoll_ctl(epoll, EPOLL_CTL_ADD, conns[i].fd, &event);
    ++open;
  }
  std::vector<epoll_event> events(256);
  char buffer[16384];
  while (open > 0) {
    const int n = epoll_wait(epoll, events.data(), static_cast<int>(events.size()), 5000);
    if (n <= 0) break;
    for (int e = 0; e < n; ++e) {
      Conn& c = conns[events[e].data.u64];
      if (events[e].events & EPOLLOUT) {
        if (write(c.fd, c.request.data(), c.request.size()) != static_cast<ssize_t>(c.request.size())) ++failed;
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.u64 = events[e].data.u64;
        epoll_ctl(epoll, EPOLL_CTL_MOD, c.fd, &event);
        continue;
      }
      const ssize_t got = read(c.fd, buffer, sizeof buffer);
      if (got > 0) {
        c.received += static_cast<std::size_t>(got);
        continue;
      }
      if (got < 0 || c.received == 0) ++failed;
      close(c.fd);  // also leaves the epoll set
      --open;
    }
  }
  failed += open;
  close(epoll);
  return failed;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: fetch_bench ROUNDS MAX_IN_FLIGHT URL...\n");
    return 2;
  }
  const int rounds = std::atoi(argv[1]);
  const bool raw = std::string(argv[2]) == "raw";
  curl_global_init(CURL_GLOBAL_DEFAULT);
  patroni_exporter::HttpClientOptions options;
  options.max_in_flight = static_cast<std::size_t>(std::atoi(argv[2]));
  const patroni_exporter::HttpClient client(options);
  const std::vector<std::string> urls(argv + 3, argv + argc);
  if (!raw) client.GetAll(urls);  // warm-up
  std::vector<double> wall;
  int failed = 0;
  rusage before{}, after{};
  getrusage(RUSAGE_SELF, &before);
  for (int i = 0; i < rounds; ++i) {
    const auto start = std::chrono::steady_clock::now();
    if (raw) {
      failed += RawRound(urls);
    } else {
      for (const auto& response : client.GetAll(urls)) failed += response.ok() ? 0 : 1;
    }
    wall.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  getrusage(RUSAGE_SELF, &after);
  std::sort(wall.begin(), wall.end());
  std::printf("%d %zu %d %.2f %.2f %.2f %.2f\n", rounds, urls.size(), failed, wall[wall.size() / 2],
              wall[std::min(wall.size() - 1, static_cast<std::size_t>(wall.size() * 0.95))],
              (Ms(after.ru_utime) - Ms(before.ru_utime)) / rounds, (Ms(after.ru_stime) - Ms(before.ru_stime)) / rounds);
  curl_global_cleanup();
  return failed == 0 ? 0 : 1;
}
