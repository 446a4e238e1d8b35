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
// --web.config.file (exporter/web_config.h, docs/security.md): with TLS the listener speaks only HTTPS, set up
// by ConfigureServerContext after CheckCivetwebTls passed (exporter/tls_support.h); with basic_auth_users every
// path but /-/healthy answers 401 without valid credentials; its headers go on every response.
//
// Bounds (docs/security.md, "Bounds of the own HTTP server"): a request head larger than max_request_size is
// refused by CivetWeb (413) or the connection closed; at most 64 header lines are read (CivetWeb's
// MG_MAX_HEADERS); a client has request_timeout_ms to send its request head (and each response write has as
// long); `threads` workers serve at once, so fewer than `threads` slow clients never delay a scrape.
//
// Scrape deadline: X-Prometheus-Scrape-Timeout-Seconds minus a margin (10 %, at least 100 ms, at most 500 ms)
// for the time to serialize and send, else the default scrape timeout minus the same margin. ScrapeDeadline()
// computes it.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "exporter/basic_auth.h"
#include "exporter/probe.h"
#include "exporter/scraper.h"
#include "exporter/web_config.h"

struct mg_context;
struct mg_connection;

namespace patroni_exporter {

struct HttpServerOptions {
  std::string listening_ports;  // CivetWeb syntax: "9547" or "127.0.0.1:9547"
  std::string telemetry_path = "/metrics";
  std::chrono::milliseconds default_scrape_timeout{10000};
  int threads = 16;
  int request_timeout_ms = 10000;
  int max_request_size = 8192;  // bytes of request line and headers
  WebConfig web;                // from --web.config.file; default: plain HTTP, no authentication
};

class HttpServer {
 public:
  // Starts serving; on failure returns null and sets *error to one line (the port is taken, TLS cannot be
  // served: the check and, when no client certificate is required, a self-test handshake run before this
  // returns). `scraper` and `prober` (may be null: no /probe) must outlive the server. Never throws.
  static std::unique_ptr<HttpServer> Start(const HttpServerOptions& options, Scraper* scraper, Prober* prober,
                                           std::string* error);
  ~HttpServer();  // stops serving; in-flight requests finish first

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The TCP port actually bound (useful with port 0 in tests).
  int port() const;

 private:
  HttpServer(HttpServerOptions options, Scraper* scraper, Prober* prober);
  static int HandleRequest(::mg_connection* conn, void* self);
  static int InitSsl(void* ssl_ctx, void* self);
  int Handle(::mg_connection* conn);
  // Respond() with the configured headers added.
  int Reply(::mg_connection* conn, int status, std::string_view content_type, std::string_view body, bool head,
            std::string_view extra_headers = "");

  HttpServerOptions options_;
  Scraper* scraper_;
  Prober* prober_;
  std::unique_ptr<BasicAuth> auth_;  // null: no authentication
  std::string common_headers_;       // "Name: value\r\n" lines from the web config
  std::string tls_error_;            // set by InitSsl when the context cannot be configured
  mg_context* context_ = nullptr;
};

// The deadline for a scrape starting at `now`: `header` is X-Prometheus-Scrape-Timeout-Seconds (null if absent
// or unreadable).
std::chrono::steady_clock::time_point ScrapeDeadline(std::chrono::steady_clock::time_point now, const char* header,
                                                     std::chrono::milliseconds default_timeout);

}  // namespace patroni_exporter
