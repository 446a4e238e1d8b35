// HttpClient: GET requests over libcurl, many in parallel, each bounded in time and size.
//
// The only network code the Patroni collectors use. It speaks HTTP and HTTPS only (no redirects followed, no
// other protocols), sends nothing but GET, and never asks for compressed bodies.
//
// Contract:
// - GetAll() returns one HttpResponse per request, in the order given. Every request has its own total timeout,
//   connect included: `timeout`, cut short by the deadline when one is given, so the call returns by the
//   deadline (plus scheduling noise). Requests run concurrently, at most `max_in_flight` at once; a request
//   whose turn comes after the deadline fails without being sent.
// - A transport failure (refused, reset, timeout, TLS failure, body over `max_body_bytes`) is reported in
//   HttpResponse::error; an HTTP answer of any status is a response, not an error: callers judge the status.
// - CancelAll() (shutdown) ends every GetAll() in progress within about 100 ms: unfinished requests fail with
//   "cancelled: the exporter is shutting down", and later calls send nothing.
// - Never throws (short of std::bad_alloc). Thread-safe: every call uses its own curl handles.
// - curl_global_init() must have run before the first call while only one thread exists (main does it).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace patroni_exporter {

struct TlsClientOptions {
  std::string ca_file;                // PEM bundle to verify the server against; empty: the system's CAs
  std::string cert_file;              // client certificate (PEM), for restapi.verify_client: required
  std::string key_file;               // its private key (PEM)
  bool insecure_skip_verify = false;  // skip server certificate and host name checks; off by default
};

struct HttpClientOptions {
  std::chrono::milliseconds timeout{5000};
  std::size_t max_body_bytes = 8u << 20;
  std::size_t max_in_flight = 64;
  std::string user_agent = "patroni_exporter";
  TlsClientOptions tls;
};

struct HttpResponse {
  std::string error;  // empty when an HTTP response arrived
  long status = 0;    // HTTP status code, 0 when none arrived
  std::string content_type;
  std::string body;
  double duration_seconds = 0;

  bool transport_ok() const { return error.empty(); }
  bool ok() const { return error.empty() && status >= 200 && status < 300; }
  // "HTTP 503", or the transport error, or "" when ok(): a reason fit for a log line.
  std::string FailureReason() const;
};

struct HttpRequest {
  std::string url;
  // TLS settings for this request; null: the client's own. Lets one client serve clusters with different CAs
  // and client certificates in one concurrent round. Must outlive the call.
  const TlsClientOptions* tls = nullptr;
};

using Deadline = std::chrono::steady_clock::time_point;

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options) : options_(std::move(options)) {}

  std::vector<HttpResponse> GetAll(const std::vector<HttpRequest>& requests, Deadline deadline = Deadline::max()) const;
  std::vector<HttpResponse> GetAll(const std::vector<std::string>& urls, Deadline deadline = Deadline::max()) const;
  HttpResponse Get(const std::string& url, Deadline deadline = Deadline::max()) const;

  // Process-wide and final: every client's GetAll() in progress gives up its unfinished requests within about
  // 100 ms, and every later request fails unsent. For shutdown, so that a scrape waiting on a stalled Patroni
  // does not hold the exit for its whole timeout. Async-signal-safe (one atomic store).
  static void CancelAll();
  static bool Cancelled();
  // GetAll() calls in progress in the whole process (after CancelAll: those still winding down).
  static int CallsInProgress();

  const HttpClientOptions& options() const { return options_; }

 private:
  HttpClientOptions options_;
};

}  // namespace patroni_exporter
