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
// Reread like exporter-toolkit does: every request and every TLS handshake first compares the file's and its
// certificate and key files' identity (device, inode, size, modification time) with what was loaded, and
// rereads them when one changed (or on ReloadWebConfig, which SIGHUP calls). The new users, headers, certificate
// and key apply to the next request or handshake; connections already open keep theirs. A file that no longer
// loads is logged once per change and the last good configuration stays. Turning TLS on or off and the other TLS
// settings (client_auth_type, client_ca_file, versions, cipher suites, curves) are set on CivetWeb's context at
// start: a change to them is logged and takes effect after a restart.
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
#include <mutex>
#include <string>
#include <string_view>

#include "exporter/basic_auth.h"
#include "exporter/probe.h"
#include "exporter/scraper.h"
#include "exporter/web_config.h"

struct mg_context;
struct mg_connection;
struct ssl_st;

namespace patroni_exporter {

// Defaults of the flags (--web.telemetry-path, --web.default-scrape-timeout, --web.threads) and the fixed bounds
// of the endpoint; the flags' own bounds are in exporter/config.h.
inline constexpr const char* kDefaultTelemetryPath = "/metrics";
inline constexpr std::chrono::milliseconds kDefaultScrapeTimeout{10000};
// CivetWeb workers: fewer than this many slow clients never delay a scrape (docs/security.md); each costs ~75 KB
// of RSS (docs/performance.md).
inline constexpr int kDefaultWebThreads = 16;
inline constexpr int kRequestTimeoutMs = 10000;  // to send a request head, and for each response write
inline constexpr int kMaxRequestHeadBytes = 8192;

struct HttpServerOptions {
  // CivetWeb syntax, one or more comma-separated: "9547", "127.0.0.1:9547,127.0.0.2:9547".
  std::string listening_ports;
  std::string telemetry_path = kDefaultTelemetryPath;
  std::chrono::milliseconds default_scrape_timeout = kDefaultScrapeTimeout;
  int threads = kDefaultWebThreads;
  int request_timeout_ms = kRequestTimeoutMs;
  int max_request_size = kMaxRequestHeadBytes;  // bytes of request line and headers
  WebConfig web;                                // from --web.config.file; default: plain HTTP, no authentication
  std::string web_config_file;                  // where `web` came from, to reread it; empty: never reread
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

  // The TCP port actually bound, of the first listening address (useful with port 0 in tests).
  int port() const;
  // An address that reaches the first listening socket: its host, or 127.0.0.1 for all interfaces.
  std::string local_host() const;

  // Rereads --web.config.file now, even unchanged (SIGHUP). Logs the outcome. Thread-safe; never throws.
  void ReloadWebConfig();

  struct WebState;  // the web configuration in force (http_server.cc)

 private:
  HttpServer(HttpServerOptions options, Scraper* scraper, Prober* prober);
  static int HandleRequest(::mg_connection* conn, void* self);
  static int InitSsl(void* ssl_ctx, void* self);
  static int OnHandshake(::ssl_st* ssl, void* self);
  int Handle(::mg_connection* conn);
  // Respond() with the configured headers added.
  int Reply(const WebState& web, ::mg_connection* conn, int status, std::string_view content_type,
            std::string_view body, bool head, std::string_view extra_headers = "");
  // The web configuration in force, reread first when its files changed (or always, with `force`).
  std::shared_ptr<const WebState> Web(bool force = false);
  std::shared_ptr<const WebState> Reload(const std::shared_ptr<const WebState>& current, bool force);

  HttpServerOptions options_;
  Scraper* scraper_;
  Prober* prober_;
  std::mutex web_mutex_;                 // guards web_ and failed_stamp_
  std::shared_ptr<const WebState> web_;  // never null
  std::string failed_stamp_;             // the files' identity whose reload failed (logged once)
  std::mutex reload_mutex_;              // one reload at a time
  std::string tls_error_;                // set by InitSsl when the context cannot be configured
  mg_context* context_ = nullptr;
};

// The deadline for a scrape starting at `now`: `header` is X-Prometheus-Scrape-Timeout-Seconds (null if absent
// or unreadable).
std::chrono::steady_clock::time_point ScrapeDeadline(std::chrono::steady_clock::time_point now, const char* header,
                                                     std::chrono::milliseconds default_timeout);

}  // namespace patroni_exporter
