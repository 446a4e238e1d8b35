// HttpServer: the exporter's HTTP endpoint on CivetWeb.
//
//   GET <telemetry path>  one scrape (exporter/scraper.h), text exposition format 0.0.4
//   GET /probe?target=U   one cluster chosen by the caller (exporter/probe.h)
//   GET /                 landing page linking to it
//   GET /-/healthy        200 "OK" while the process serves requests (liveness; no upstream call)
// Anything else is 404, any method but GET and HEAD 405. Every response is written in one buffer and one
// write (CivetWeb's header helpers cost a send() per line), with Connection: close, so a worker thread is never
// parked on an idle keep-alive client; CivetWeb's request timeout bounds slow clients.
//
// Scrape deadline: X-Prometheus-Scrape-Timeout-Seconds minus a margin (10 %, at least 100 ms, at most 500 ms)
// for the time to serialize and send, else the default scrape timeout minus the same margin. ScrapeDeadline()
// computes it.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "exporter/probe.h"
#include "exporter/scraper.h"

struct mg_context;
struct mg_connection;

namespace patroni_exporter {

struct HttpServerOptions {
  std::string listening_ports;  // CivetWeb syntax: "9547" or "127.0.0.1:9547"
  std::string telemetry_path = "/metrics";
  std::chrono::milliseconds default_scrape_timeout{10000};
  int threads = 4;
  int request_timeout_ms = 30000;
};

class HttpServer {
 public:
  // Starts serving; on failure returns null and sets *error (e.g. the port is taken). `scraper` and `prober`
  // (may be null: no /probe) must outlive the server. Never throws.
  static std::unique_ptr<HttpServer> Start(const HttpServerOptions& options, Scraper* scraper, Prober* prober,
                                           std::string* error);
  ~HttpServer();  // stops serving; in-flight requests finish first

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The TCP port actually bound (useful with port 0 in tests).
  int port() const;

 private:
  HttpServer(HttpServerOptions options, Scraper* scraper, Prober* prober)
      : options_(std::move(options)), scraper_(scraper), prober_(prober) {}
  static int HandleRequest(::mg_connection* conn, void* self);
  int Handle(::mg_connection* conn);

  HttpServerOptions options_;
  Scraper* scraper_;
  Prober* prober_;
  mg_context* context_ = nullptr;
};

// The deadline for a scrape starting at `now`: `header` is X-Prometheus-Scrape-Timeout-Seconds (null if absent
// or unreadable).
std::chrono::steady_clock::time_point ScrapeDeadline(std::chrono::steady_clock::time_point now, const char* header,
                                                     std::chrono::milliseconds default_timeout);

}  // namespace patroni_exporter
