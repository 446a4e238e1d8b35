// patroni_exporter: flags -> config -> collectors -> scraper -> HTTP server; then wait for SIGTERM/SIGINT.
#include <arpa/inet.h>
#include <civetweb.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "collectors/http_client.h"
#include "collectors/log.h"
#include "exporter/build_info.h"
#include "exporter/config.h"
#include "exporter/health_check.h"
#include "exporter/http_server.h"
#include "exporter/scraper.h"
#include "exporter/systemd_socket.h"
#include "exporter/wiring.h"

using namespace patroni_exporter;

namespace {

// CivetWeb's master thread polls its listening sockets in quanta of SOCKET_TIMEOUT_QUANTUM (2000 ms in
// civetweb.c, compiled into Debian's libcivetweb) and reads its stop flag only between two polls, so mg_stop()
// alone takes up to 2 s. A connection to our own port ends the poll at once; it is closed unsent, so the worker
// that may pick it up reads an empty request and moves on.
void WakeListener(const std::string& host, int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) return;
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  // Non-blocking: the SYN is what wakes the poll; nothing waits for the handshake.
  connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
  close(fd);
}

// mg_stop() with WakeListener() every 50 ms until it returns (one wake-up can land before the stop flag is set).
void StopServer(std::unique_ptr<HttpServer> server) {
  const int port = server->port();
  const std::string host = server->local_host();
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  std::thread waker([&] {
    std::unique_lock<std::mutex> lock(mutex);
    while (!done) {
      lock.unlock();
      WakeListener(host, port);
      lock.lock();
      done_cv.wait_for(lock, std::chrono::milliseconds(50), [&] { return done; });
    }
  });
  server.reset();
  {
    std::lock_guard<std::mutex> lock(mutex);
    done = true;
  }
  done_cv.notify_one();
  waker.join();
}

std::string JoinListenAddresses(const Config& config) {
  std::string joined;
  for (const std::string& address : config.listen_addresses) {
    if (!joined.empty()) joined += ',';
    joined += address;
  }
  return joined;
}

void TuneMalloc() {
  // Each CivetWeb worker otherwise grows its own glibc arena: RSS doubles for no speed (docs/performance.md).
  // One arena: a scrape allocates on a worker and on the seeds' fetch thread, and two arenas each grew to the
  // scrape's peak (500 members: 58 MB RSS with 2 arenas, 33-35 MB with 1, same CPU; docs/performance.md).
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 1);
  // glibc raises its mmap threshold to the size of every mmapped block freed (up to 32 MiB), so after one large
  // body (the 8 MiB cap) later large buffers come from the heap and stay there: the fault matrix saw RSS go from
  // 16 to 33 MB after its 100 MB bodies, on some runs only. A fixed threshold turns that adjustment off: buffers of
  // 256 KiB and more are mapped and go back to the kernel when freed (a 1000-member /cluster is about 0.5 MB).
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") == nullptr) mallopt(M_MMAP_THRESHOLD, 256 * 1024);
}

// "" when CivetWeb took over every socket systemd passed (exporter/systemd_socket.h); one it did not would mean
// CivetWeb listens on a socket of its own beside systemd's, which nobody connects to.
std::string CheckSystemdSockets(const HttpServerOptions& web) {
  const int sockets = 1 + static_cast<int>(std::count(web.listening_ports.begin(), web.listening_ports.end(), ','));
  if (AdoptedSystemdSockets() == sockets) return "";
  return "CivetWeb did not take over systemd's sockets (" + std::to_string(AdoptedSystemdSockets()) + " of " +
         std::to_string(sockets) + ")";
}

void LogStarted(const Config& config, const HttpServerOptions& web) {
  std::string targets;
  for (const ClusterTarget& cluster : config.clusters) {
    for (const BaseUrl& url : cluster.seeds) {
      // Appended piece by piece: GCC 12 at -O3 in C++20 mode reports a bogus -Wrestrict overlap for
      // `"," + std::string` (libstdc++'s operator+ prepends in place).
      if (!targets.empty()) targets += ',';
      targets += url.ToString();
    }
  }
  Log(LogLevel::kInfo, "patroni_exporter started",
      {{"version", kVersion},
       {"revision", kRevision},
       {"address", config.systemd_socket ? "systemd:" + web.listening_ports : JoinListenAddresses(config)},
       {"telemetry_path", config.telemetry_path},
       {"targets", targets}});

  // Said at every start, not just once in the docs: with verification off, anyone on the path can pose as Patroni.
  bool warned_insecure = false;
  for (const ClusterTarget& cluster : config.clusters) {
    if (cluster.tls.insecure_skip_verify) {
      Log(LogLevel::kWarn, "TLS verification of Patroni's certificate is off (insecure_skip_verify)",
          {{"cluster", cluster.name}});
      warned_insecure = true;
    }
  }
  if (config.patroni_tls.insecure_skip_verify && !warned_insecure) {  // then it only applies to /probe targets
    Log(LogLevel::kWarn, "TLS verification of Patroni's certificate is off for /probe targets",
        {{"flag", "--patroni.insecure-skip-verify"}});
  }
}

// Shutdown, before mg_stop(): cancel the requests to Patroni and let the scrapes answer.
void DrainScrapes(std::chrono::steady_clock::time_point stopping) {
  // Scrapes in flight give up their Patroni requests (within ~100 ms) and answer with what they have, so the
  // workers mg_stop() joins are free at once even while a target stalls.
  HttpClient::CancelAll();
  // CivetWeb refuses writes once mg_stop() has begun: give those scrapes a moment to send their answer (the
  // cancelled calls end within ~100 ms, the answer follows within a few ms), at most 1 s.
  const auto drain_until = stopping + std::chrono::seconds(1);
  while (HttpClient::CallsInProgress() > 0 && std::chrono::steady_clock::now() < drain_until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

}  // namespace

int main(int argc, char** argv) {
  // The image's health check (exporter/health_check.h): a subcommand, decided before any flag is parsed.
  if (argc >= 2 && std::string(argv[1]) == "healthcheck") return RunHealthCheck(argc, argv);
  const FlagsResult flags = ParseFlags(argc, argv);
  if (!flags.config) {
    std::fputs(flags.output.c_str(), flags.exit_code == 0 ? stdout : stderr);
    return flags.exit_code;
  }
  const Config& config = *flags.config;
  ConfigureLogging(config.log_level, config.log_format);
  TuneMalloc();

  // Both libraries initialise global state that is not thread-safe: do it while only this thread exists.
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    Log(LogLevel::kError, "curl_global_init failed");
    return 1;
  }
  mg_init_library(0);

  // Block the termination and reload signals in every thread (threads inherit the mask) and take them in sigwait
  // below, so no worker thread is interrupted by them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::string error;
  // First: with --web.systemd-socket this takes the inherited sockets, and a bad one is a start-up error.
  const std::optional<HttpServerOptions> web = BuildServerOptions(config, &error);
  if (!web) {
    Log(LogLevel::kError, "cannot start HTTP server", {{"err", error}});
    return 1;
  }
  Components components = BuildComponents(config);
  std::unique_ptr<HttpServer> server =
      HttpServer::Start(*web, components.scraper.get(), components.prober.get(), &error);
  if (server != nullptr && config.systemd_socket) error = CheckSystemdSockets(*web);
  if (server == nullptr || !error.empty()) {
    Log(LogLevel::kError, "cannot start HTTP server", {{"err", error}});
    return 1;
  }

  LogStarted(config, *web);

  // SIGHUP (systemctl reload): reread --web.config.file; the flags stay as they are.
  int received = 0;
  while (sigwait(&signals, &received) == 0 && received == SIGHUP) {
    Log(LogLevel::kInfo, "SIGHUP: rereading the web config");
    server->ReloadWebConfig();
  }
  const auto stopping = std::chrono::steady_clock::now();
  Log(LogLevel::kInfo, "shutting down", {{"signal", received == SIGTERM ? "SIGTERM" : "SIGINT"}});
  DrainScrapes(stopping);
  StopServer(std::move(server));
  components = Components{};
  mg_exit_library();
  curl_global_cleanup();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - stopping).count();
  Log(LogLevel::kInfo, "patroni_exporter stopped", {{"duration_seconds", std::to_string(seconds)}});
  return 0;
}
