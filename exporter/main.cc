// patroni_exporter: flags -> config -> collectors -> scraper -> HTTP server; then wait for SIGTERM/SIGINT.
#include <civetweb.h>
#include <curl/curl.h>
#include <malloc.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "collectors/log.h"
#include "exporter/build_info.h"
#include "exporter/config.h"
#include "exporter/http_server.h"
#include "exporter/scraper.h"
#include "exporter/wiring.h"

using namespace patroni_exporter;

int main(int argc, char** argv) {
  const FlagsResult flags = ParseFlags(argc, argv);
  if (!flags.config) {
    std::fputs(flags.output.c_str(), flags.exit_code == 0 ? stdout : stderr);
    return flags.exit_code;
  }
  const Config& config = *flags.config;
  ConfigureLogging(config.log_level, config.log_format);

  // Each CivetWeb worker otherwise grows its own glibc arena: RSS doubles for no speed (shared/PERF-NOTES.md).
  // One arena: a scrape allocates on a worker and on the seeds' fetch thread, and two arenas each grew to the
  // scrape's peak (500 members: 58 MB RSS with 2 arenas, 33-35 MB with 1, same CPU; docs/performance.md).
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 1);

  // Both libraries initialise global state that is not thread-safe: do it while only this thread exists.
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    Log(LogLevel::kError, "curl_global_init failed");
    return 1;
  }
  mg_init_library(0);

  // Block the termination signals in every thread (threads inherit the mask) and take them in sigwait below,
  // so no worker thread is interrupted by them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  Components components = BuildComponents(config);
  HttpServerOptions web;
  web.listening_ports = config.civetweb_ports;
  web.telemetry_path = config.telemetry_path;
  web.default_scrape_timeout = config.default_scrape_timeout;
  web.threads = config.web_threads;
  std::string error;
  std::unique_ptr<HttpServer> server =
      HttpServer::Start(web, components.scraper.get(), components.prober.get(), &error);
  if (!server) {
    Log(LogLevel::kError, "cannot start HTTP server", {{"err", error}});
    return 1;
  }
  std::string targets;
  for (const ClusterTarget& cluster : config.clusters) {
    for (const BaseUrl& url : cluster.seeds) targets += (targets.empty() ? "" : ",") + url.ToString();
  }
  Log(LogLevel::kInfo, "patroni_exporter started",
      {{"version", kVersion},
       {"revision", kRevision},
       {"address", config.listen_address},
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

  int received = 0;
  sigwait(&signals, &received);
  Log(LogLevel::kInfo, "shutting down", {{"signal", received == SIGTERM ? "SIGTERM" : "SIGINT"}});
  server.reset();
  mg_exit_library();
  curl_global_cleanup();
  return 0;
}
