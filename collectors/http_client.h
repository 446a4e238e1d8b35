// HttpClient: GET requests over libcurl, many in parallel, each bounded in time and size.
//
// The only network code the Patroni collectors use. It speaks HTTP and HTTPS only (no redirects followed, no
// other protocols), sends nothing but GET, and never asks for compressed bodies.
//
// Contract:
// - GetAll() returns one HttpResponse per request, in the order given. Every request has its own total timeout,
//   connect included: `timeout`, counted from when the request is sent (not while it waits its turn) and cut
//   short by the deadline when one is given, so the call returns by the deadline (plus scheduling noise).
// - Requests run concurrently, at most `max_in_flight` at once, and at most `max_in_flight_per_host` at once to
//   one target (scheme, host as written, and port, the scheme's default filled in: one Patroni REST API).
//   A request beyond its target's cap waits, in request order, until one of that target's requests finishes;
//   requests to other targets proceed meanwhile. A request whose turn comes after the deadline fails without
//   being sent, "scrape deadline reached before the request could start", even when its target is still busy.
// - With an `on_response` handler, GetAll() hands each request's response to it as soon as that response is
//   final (answered, failed, timed out, refused unsent or cancelled): exactly once per request, on the calling
//   thread, in the order they finish, with the request's index. The handler sees the very HttpResponse GetAll()
//   returns at that index and may change it (e.g. drop a body it has parsed). Requests that may start are sent
//   before the handlers of those just finished run, so the handler's work overlaps the transfers still in
//   flight; meanwhile no socket is read, so the handler's time counts against their timeouts: keep it short
//   (a parse, not a blocking call). An exception from the handler leaves GetAll() (its transfers abandoned).
//   Both caps hold per call: two GetAll() calls at once may each have their caps' worth in flight.
// - A transport failure (refused, reset, timeout, TLS failure, body over `max_body_bytes`) is reported in
//   HttpResponse::error; an HTTP answer of any status is a response, not an error: callers judge the status.
// - CancelAll() (shutdown) ends every GetAll() in progress within about 100 ms: unfinished requests fail with
//   "cancelled: the exporter is shutting down", and later calls send nothing.
// - Never throws (short of std::bad_alloc). Thread-safe: every call in progress has curl handles of its own,
//   taken from the client's pool of idle handles and given back at its end (copies of a client share the pool).
//   A reused handle is reset first and keeps nothing that changes an answer: every request still goes out on a
//   fresh connection with a fresh TLS handshake (no session resumption), names are cached only within one call,
//   and the CA file is read again for every TLS connection.
// - curl_global_init() must have run before the first call while only one thread exists (main does it).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace patroni_exporter {

struct TlsClientOptions {
  std::string ca_file;                // PEM bundle to verify the server against; empty: the system's CAs
  std::string cert_file;              // client certificate (PEM), for restapi.verify_client: required
  std::string key_file;               // its private key (PEM)
  bool insecure_skip_verify = false;  // skip server certificate and host name checks; off by default
};

// Requests in flight at once to one target, by default. Patroni's REST API (Python's http.server, one thread
// per connection) listens with a backlog of 5: a burst of more connections than it accepts in time overflows the
// accept queue, and each dropped SYN is sent again only after the kernel's 1 s retransmission timeout. With the
// health view a member gets 9 requests a scrape (/patroni, /cluster, 7 health endpoints), so a scrape that sent
// them at once took 1.02 s instead of 9 ms (docs/performance.md, "Health view: requests per member"). On the
// lab, caps of 1 to 4 cost a scrape about the same and 5 already overflowed now and then. Two stays within the
// backlog even when a scrape's two concurrent rounds ask the same member (2 + 2 = 4 < 5), with room left for
// the load balancer's and Kubernetes' own probes of the same port.
// --patroni.max-parallel-requests-per-member sets it.
inline constexpr std::size_t kDefaultMaxInFlightPerHost = 2;

// The exporter's defaults (--patroni.timeout, --patroni.max-body-size, --patroni.max-parallel-requests; their
// bounds are in exporter/config.h). 512 in flight: 500 members answering in 100 ms are one wave, not 8
// (docs/performance.md).
inline constexpr std::chrono::milliseconds kDefaultRequestTimeout{5000};
inline constexpr std::size_t kDefaultMaxBodyBytes = 8u << 20;
inline constexpr std::size_t kDefaultMaxInFlight = 512;

struct HttpClientOptions {
  std::chrono::milliseconds timeout = kDefaultRequestTimeout;
  std::size_t max_body_bytes = kDefaultMaxBodyBytes;
  std::size_t max_in_flight = kDefaultMaxInFlight;                  // at once in one call; 0 counts as 1
  std::size_t max_in_flight_per_host = kDefaultMaxInFlightPerHost;  // at once to one target; 0 counts as 1
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

// Called by GetAll() with a request's index and its final response (see the contract above).
using ResponseHandler = std::function<void(std::size_t index, HttpResponse& response)>;

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options);

  std::vector<HttpResponse> GetAll(const std::vector<HttpRequest>& requests, Deadline deadline = Deadline::max()) const;
  // The same, handing each response to `on_response` as soon as it is final (may be empty: none).
  std::vector<HttpResponse> GetAll(const std::vector<HttpRequest>& requests, Deadline deadline,
                                   const ResponseHandler& on_response) const;
  std::vector<HttpResponse> GetAll(const std::vector<std::string>& urls, Deadline deadline = Deadline::max()) const;
  HttpResponse Get(const std::string& url, Deadline deadline = Deadline::max()) const;

  // Process-wide and final: every client's GetAll() in progress gives up its unfinished requests within about
  // 100 ms, and every later request fails unsent. For shutdown, so that a scrape waiting on a stalled Patroni
  // does not hold the exit for its whole timeout. Async-signal-safe (one atomic store).
  static void CancelAll();
  static bool Cancelled();
  // GetAll() calls in progress in the whole process (after CancelAll: those still winding down).
  static int CallsInProgress();

 private:
  HttpClientOptions options_;
  // Idle curl handles, kept across calls: a new multi handle per call (its socketpair included) and a new easy
  // handle per request cost more than the rest of a node scrape's libcurl work.
  struct HandlePool;
  std::shared_ptr<HandlePool> pool_;
};

}  // namespace patroni_exporter
