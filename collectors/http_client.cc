#include "collectors/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <utility>

namespace patroni_exporter {
namespace {

std::atomic<bool> g_cancelled{false};
std::atomic<int> g_calls{0};

struct CallCount {
  CallCount() { g_calls.fetch_add(1); }
  ~CallCount() { g_calls.fetch_sub(1); }
};
constexpr const char* kCancelled = "cancelled: the exporter is shutting down";

// Bytes libcurl reads from a connection at a time (CURLOPT_BUFFERSIZE; Configure says why not its default).
constexpr long kReceiveBufferBytes = 2048;

// The longest GetAll() waits in curl_multi_poll before it looks again. Socket activity wakes it at once, so this
// only bounds how long a cancelled call lingers (CancelAll in http_client.h promises about 100 ms).
constexpr int kPollIntervalMs = 100;
constexpr const char* kNotSent = "scrape deadline reached before the request could start";

struct Transfer {
  CURL* easy = nullptr;
  HttpResponse* response = nullptr;
  std::size_t max_body_bytes = 0;
  bool body_too_large = false;
  char error_buffer[CURL_ERROR_SIZE] = {0};
  std::chrono::steady_clock::time_point started;
  std::size_t target = 0;  // index of its target in GetAll's queues
  std::size_t index = 0;   // the request's position in GetAll's arguments
};

// What max_in_flight_per_host counts by: "scheme://host:port", the scheme's default port filled in, so
// "http://h/patroni" and "http://h:80/cluster" are one target. A URL libcurl cannot parse is a target of its own
// (libcurl refuses it again when it is sent).
std::string TargetOf(const std::string& url) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> parsed(curl_url(), curl_url_cleanup);
  if (!parsed || curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return url;
  std::string key;
  for (const auto& [part, flags] : {std::pair{CURLUPART_SCHEME, 0u}, std::pair{CURLUPART_HOST, 0u},
                                    std::pair{CURLUPART_PORT, static_cast<unsigned>(CURLU_DEFAULT_PORT)}}) {
    char* value = nullptr;
    if (curl_url_get(parsed.get(), part, &value, flags) != CURLUE_OK || value == nullptr) return url;
    key += value;
    key += part == CURLUPART_SCHEME ? "://" : part == CURLUPART_HOST ? ":" : "";
    curl_free(value);
  }
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return key;
}

// The requests of one GetAll() not yet started, per target, and which of them may start now: the first waiting
// request of every target below its cap, ordered by request index, so requests start in the order given as far
// as the caps allow.
class TargetQueues {
 public:
  TargetQueues(const std::vector<HttpRequest>& requests, std::size_t per_target_cap, std::vector<Transfer>* transfers)
      : cap_(per_target_cap) {
    std::map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < requests.size(); ++i) {
      const auto [it, added] = index.emplace(TargetOf(requests[i].url), targets_.size());
      if (added) targets_.emplace_back();
      (*transfers)[i].target = it->second;
      targets_[it->second].waiting.push_back(i);
    }
    for (std::size_t t = 0; t < targets_.size(); ++t) ready_.emplace(targets_[t].waiting.front(), t);
  }

  bool AnyReady() const { return !ready_.empty(); }

  // Takes the next request that may start (AnyReady() must be true); the caller reports with Started() whether
  // it went out.
  std::size_t TakeNext() {
    const auto [request, t] = *ready_.begin();
    ready_.erase(ready_.begin());
    targets_[t].waiting.pop_front();
    Ready(t);
    return request;
  }
  void Started(std::size_t t) {
    ++targets_[t].in_flight;
    if (targets_[t].in_flight == cap_ && !targets_[t].waiting.empty()) ready_.erase({targets_[t].waiting.front(), t});
  }
  void Finished(std::size_t t) {
    --targets_[t].in_flight;
    Ready(t);
  }
  // Every request still waiting, whether its target has room or not; empties the queues.
  std::vector<std::size_t> TakeAll() {
    std::vector<std::size_t> all;
    for (Target& target : targets_) {
      all.insert(all.end(), target.waiting.begin(), target.waiting.end());
      target.waiting.clear();
    }
    ready_.clear();
    return all;
  }

 private:
  struct Target {
    std::deque<std::size_t> waiting;  // request indices, in request order
    std::size_t in_flight = 0;
  };
  void Ready(std::size_t t) {
    if (targets_[t].in_flight < cap_ && !targets_[t].waiting.empty()) ready_.emplace(targets_[t].waiting.front(), t);
  }

  std::size_t cap_;
  std::vector<Target> targets_;
  std::set<std::pair<std::size_t, std::size_t>> ready_;  // (first waiting request, target) of targets below the cap
};

std::size_t WriteBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  if (transfer->response->body.size() + bytes > transfer->max_body_bytes) {
    // Returning less than `bytes` makes curl abort the transfer with CURLE_WRITE_ERROR: a huge or endless body
    // costs at most max_body_bytes of memory.
    transfer->body_too_large = true;
    return 0;
  }
  transfer->response->body.append(data, bytes);
  return bytes;
}

void Configure(Transfer& t, const std::string& url, const HttpClientOptions& o, const TlsClientOptions& tls,
               std::chrono::milliseconds timeout, CURLSH* share) {
  CURL* e = t.easy;
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  // Signals are not thread-safe; without this, a DNS timeout would use SIGALRM.
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(o.max_body_bytes));
  curl_easy_setopt(e, CURLOPT_USERAGENT, o.user_agent.c_str());
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.error_buffer);
  curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
  // Patroni answers HTTP/1.0 and closes every connection (docs/performance.md, traps): reuse would buy nothing.
  curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
  // Handles are reused across calls (HandlePool); what they would carry from one call to the next is turned
  // off so that a request behaves as on new handles: no TLS session resumed from an earlier call, the CA file
  // read again (not kept by the multi handle for a day), and the name cache that of this call only.
  curl_easy_setopt(e, CURLOPT_SSL_SESSIONID_CACHE, 0L);
  curl_easy_setopt(e, CURLOPT_CA_CACHE_TIMEOUT, 0L);
  curl_easy_setopt(e, CURLOPT_SHARE, share);
  // That cache lives no longer than the call, so its entries need no expiry: with one (the default 60 s),
  // libcurl 7.88 walks the whole cache for stale entries each time a transfer ends, quadratic in a fan-out's
  // members (a cache entry per host and port). Only a call longer than 60 s could tell the difference.
  curl_easy_setopt(e, CURLOPT_DNS_CACHE_TIMEOUT, -1L);
  // libcurl allocates its receive buffer (16 KiB by default) when a transfer starts and holds it to the end, so a
  // fan-out of 512 requests in flight held 8 MB of buffers at the scrape's memory peak (docs/performance.md). A
  // /patroni answer with its headers is 0.5-2 KB and fits one read of 2 KiB; a larger body (a /cluster of many
  // members) takes more reads, all kept by the same write callback and limit as before.
  curl_easy_setopt(e, CURLOPT_BUFFERSIZE, kReceiveBufferBytes);
  if (!tls.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, tls.ca_file.c_str());
  if (!tls.cert_file.empty()) curl_easy_setopt(e, CURLOPT_SSLCERT, tls.cert_file.c_str());
  if (!tls.key_file.empty()) curl_easy_setopt(e, CURLOPT_SSLKEY, tls.key_file.c_str());
  if (tls.insecure_skip_verify) {
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
  }
}

void Finish(Transfer& t, CURLcode code) {
  HttpResponse& r = *t.response;
  r.duration_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t.started).count();
  if (t.body_too_large || code == CURLE_FILESIZE_EXCEEDED) {
    r.error = "response body exceeds " + std::to_string(t.max_body_bytes) + " bytes";
  } else if (code != CURLE_OK) {
    r.error = t.error_buffer[0] != '\0' ? t.error_buffer : curl_easy_strerror(code);
  }
  curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &r.status);
  char* content_type = nullptr;
  if (curl_easy_getinfo(t.easy, CURLINFO_CONTENT_TYPE, &content_type) == CURLE_OK && content_type != nullptr) {
    r.content_type = content_type;
  }
  if (!r.error.empty()) r.body.clear();  // a partial body is never parsed
}

// The curl handles of one GetAll() call: its multi handle, the name cache its requests share, and the easy
// handles it has finished with, which its later requests take before any new one is made. Given back to the
// client's pool at the end of the call.
struct CallHandles {
  CURLM* multi = nullptr;
  CURLSH* share = nullptr;
  std::vector<CURL*> spare;                      // reset, on no multi handle, share detached
  std::vector<std::pair<CURL*, CURLcode>> done;  // ReapFinished's list, kept to spare an allocation per turn

  CURL* TakeEasy() {
    if (spare.empty()) return curl_easy_init();
    CURL* easy = spare.back();
    spare.pop_back();
    return easy;
  }
  // `easy` must be off the multi handle.
  void GiveEasy(CURL* easy) {
    curl_easy_setopt(easy, CURLOPT_SHARE, nullptr);
    curl_easy_reset(easy);
    spare.push_back(easy);
  }
};

// Starts one transfer on the call's multi handle; false (and t->response->error set) when it could not be
// started.
bool Send(Transfer* t, const HttpRequest& request, const HttpClientOptions& options, std::chrono::milliseconds timeout,
          CallHandles* handles) {
  t->easy = handles->TakeEasy();
  if (t->easy == nullptr) {
    t->response->error = "curl_easy_init failed";
    return false;
  }
  Configure(*t, request.url, options, request.tls != nullptr ? *request.tls : options.tls, timeout, handles->share);
  t->started = std::chrono::steady_clock::now();
  if (curl_multi_add_handle(handles->multi, t->easy) != CURLM_OK) {
    t->response->error = "curl_multi_add_handle failed";
    handles->GiveEasy(t->easy);
    t->easy = nullptr;
    return false;
  }
  return true;
}

// Finishes every transfer libcurl reports done, frees its target's place, appends its index to `finished`;
// returns how many.
int ReapFinished(CallHandles* handles, TargetQueues* queues, std::vector<std::size_t>* finished) {
  CURLM* multi = handles->multi;
  // Every message is read before any handle is removed: curl_multi_remove_handle (libcurl 7.88) looks through
  // the messages still queued for the handle's own, so removing each handle as its message is read walks the
  // rest of the queue every time, quadratic in the transfers finishing at once (hundreds in a fan-out).
  // The result is copied out of each message, which points into the multi handle's state.
  std::vector<std::pair<CURL*, CURLcode>>& done = handles->done;
  done.clear();
  int queued = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
    if (msg->msg == CURLMSG_DONE) done.emplace_back(msg->easy_handle, msg->data.result);
  }
  for (const auto& [easy, code] : done) {
    Transfer* t = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &t);
    Finish(*t, code);
    curl_multi_remove_handle(multi, easy);
    handles->GiveEasy(easy);
    t->easy = nullptr;
    queues->Finished(t->target);
    finished->push_back(t->index);
  }
  return static_cast<int>(done.size());
}

// Shutdown: every transfer still running fails as cancelled, its partial body dropped.
void AbortRunning(CURLM* multi, std::vector<Transfer>* transfers, std::vector<std::size_t>* finished) {
  for (Transfer& t : *transfers) {
    if (t.easy == nullptr) continue;
    curl_multi_remove_handle(multi, t.easy);
    curl_easy_cleanup(t.easy);
    t.easy = nullptr;
    t.response->error = kCancelled;
    t.response->body.clear();
    finished->push_back(t.index);
  }
}

}  // namespace

struct HttpClient::HandlePool {
  // Idle handles beyond these are freed: enough for the calls a scrape and a /probe run at once (a node scrape
  // has at most 2 requests in flight per round), without holding a fan-out's worth for good: an idle easy
  // handle keeps its state and receive buffer, and a fan-out may have 512 in flight (max_in_flight).
  static constexpr std::size_t kMaxIdleMultis = 4;
  static constexpr std::size_t kMaxIdleEasies = 16;

  std::mutex mutex;
  std::vector<CURLM*> multis;
  std::vector<CURL*> easies;

  ~HandlePool() {
    for (CURLM* multi : multis) curl_multi_cleanup(multi);
    for (CURL* easy : easies) curl_easy_cleanup(easy);
  }

  // A multi handle and the easy handles the call may need, from the idle ones; a new multi handle when none is
  // idle. `multi` stays null when curl_multi_init fails.
  CallHandles Take(std::size_t requests) {
    CallHandles handles;
    {
      const std::lock_guard<std::mutex> lock(mutex);
      if (!multis.empty()) {
        handles.multi = multis.back();
        multis.pop_back();
      }
      const std::size_t n = std::min(requests, easies.size());
      handles.spare.assign(easies.end() - static_cast<std::ptrdiff_t>(n), easies.end());
      easies.resize(easies.size() - n);
    }
    if (handles.multi == nullptr) handles.multi = curl_multi_init();
    handles.share = curl_share_init();
    if (handles.share != nullptr) curl_share_setopt(handles.share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    return handles;
  }

  // Every easy handle of the call must be off its multi handle (in handles.spare). The name cache goes with
  // the call.
  void Give(CallHandles handles) {
    if (handles.share != nullptr) curl_share_cleanup(handles.share);
    std::vector<CURL*> excess;
    CURLM* excess_multi = nullptr;
    {
      const std::lock_guard<std::mutex> lock(mutex);
      if (handles.multi != nullptr) {
        if (multis.size() < kMaxIdleMultis) {
          multis.push_back(handles.multi);
        } else {
          excess_multi = handles.multi;
        }
      }
      for (CURL* easy : handles.spare) {
        if (easies.size() < kMaxIdleEasies) {
          easies.push_back(easy);
        } else {
          excess.push_back(easy);
        }
      }
    }
    if (excess_multi != nullptr) curl_multi_cleanup(excess_multi);
    for (CURL* easy : excess) curl_easy_cleanup(easy);
  }
};

HttpClient::HttpClient(HttpClientOptions options)
    : options_(std::move(options)), pool_(std::make_shared<HandlePool>()) {}

void HttpClient::CancelAll() { g_cancelled.store(true); }

bool HttpClient::Cancelled() { return g_cancelled.load(); }

int HttpClient::CallsInProgress() { return g_calls.load(); }

std::string HttpResponse::FailureReason() const {
  if (!error.empty()) return error;
  if (status < 200 || status >= 300) return "unexpected HTTP status " + std::to_string(status);
  return "";
}

std::vector<HttpResponse> HttpClient::GetAll(const std::vector<std::string>& urls, Deadline deadline) const {
  std::vector<HttpRequest> requests;
  requests.reserve(urls.size());
  for (const std::string& url : urls) requests.push_back({url, nullptr});
  return GetAll(requests, deadline);
}

std::vector<HttpResponse> HttpClient::GetAll(const std::vector<HttpRequest>& requests, Deadline deadline) const {
  return GetAll(requests, deadline, nullptr);
}

std::vector<HttpResponse> HttpClient::GetAll(const std::vector<HttpRequest>& requests, Deadline deadline,
                                             const ResponseHandler& on_response) const {
  const CallCount count;
  std::vector<HttpResponse> responses(requests.size());
  if (requests.empty()) return responses;
  // Requests whose response became final since the handler last ran, in the order they did.
  std::vector<std::size_t> finished;
  auto hand_over = [&] {
    if (on_response) {
      for (const std::size_t i : finished) on_response(i, responses[i]);
    }
    finished.clear();
  };

  // The call's handles from the pool, given back on every way out once every transfer has left the multi
  // handle (a transfer cut short by shutdown takes its easy handle with it: AbortRunning).
  struct PooledHandles {
    HandlePool* pool;
    CallHandles call;
    ~PooledHandles() {
      if (std::uncaught_exceptions() == 0) {
        pool->Give(std::move(call));
      } else {  // allocation failure mid-call: transfers may still be on the multi handle, which is not reused
        curl_multi_cleanup(call.multi);
        call.multi = nullptr;
        pool->Give(std::move(call));
      }
    }
    CURLM* get() const { return call.multi; }
  } multi{pool_.get(), pool_->Take(requests.size())};
  std::vector<Transfer> transfers(requests.size());
  if (multi.call.multi == nullptr || multi.call.share == nullptr) {
    const char* error = multi.call.multi == nullptr ? "curl_multi_init failed" : "curl_share_init failed";
    for (std::size_t i = 0; i < responses.size(); ++i) {
      responses[i].error = error;
      finished.push_back(i);
    }
    hand_over();
    return responses;
  }

  const std::size_t cap = std::max<std::size_t>(1, options_.max_in_flight);
  TargetQueues queues(requests, std::max<std::size_t>(1, options_.max_in_flight_per_host), &transfers);
  int running = 0;
  // The total timeout of a request sent now (its own timeout starts when it is sent, not when GetAll() was
  // called), cut short by the deadline; none once the deadline has passed.
  auto timeout_if_sent_now = [&]() -> std::optional<std::chrono::milliseconds> {
    if (deadline == Deadline::max()) return options_.timeout;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    return std::min(options_.timeout, left);
  };
  // Returns how many requests it sent.
  auto start_more = [&]() -> int {
    // Past the deadline or cancelled, nothing more is sent: every waiting request fails now, also those whose
    // target is still busy, so none waits on a stalled one.
    const char* refusal = g_cancelled.load() ? kCancelled : !timeout_if_sent_now() ? kNotSent : nullptr;
    if (refusal != nullptr) {
      for (std::size_t i : queues.TakeAll()) {
        responses[i].error = refusal;
        finished.push_back(i);
      }
      return 0;
    }
    int sent = 0;
    while (queues.AnyReady() && static_cast<std::size_t>(running) < cap) {
      const std::size_t next = queues.TakeNext();
      Transfer& t = transfers[next];
      t.response = &responses[next];
      t.index = next;
      t.max_body_bytes = options_.max_body_bytes;
      const std::optional<std::chrono::milliseconds> timeout = timeout_if_sent_now();
      if (!timeout) {
        t.response->error = kNotSent;
        finished.push_back(next);
        continue;
      }
      if (!Send(&t, requests[next], options_, *timeout, &multi.call)) {
        finished.push_back(next);
        continue;
      }
      queues.Started(t.target);
      ++running;
      ++sent;
    }
    return sent;
  };

  start_more();
  hand_over();
  while (running > 0) {
    int still_running = 0;
    curl_multi_perform(multi.get(), &still_running);
    running -= ReapFinished(&multi.call, &queues, &finished);
    // The next requests go out (connected and written, as far as the sockets allow at once) before the handler
    // works on the answers just in, so that its work overlaps their round trips.
    if (start_more() > 0 && on_response && !finished.empty()) curl_multi_perform(multi.get(), &still_running);
    hand_over();
    if (running > 0) curl_multi_poll(multi.get(), nullptr, 0, kPollIntervalMs, nullptr);
    if (running > 0 && g_cancelled.load()) {
      // The poll above (kPollIntervalMs) bounds how long a cancelled call lingers.
      AbortRunning(multi.get(), &transfers, &finished);
      running = 0;
      start_more();  // fails whatever was still queued
      hand_over();
    }
  }
  return responses;
}

HttpResponse HttpClient::Get(const std::string& url, Deadline deadline) const {
  return std::move(GetAll(std::vector<std::string>{url}, deadline).front());
}

}  // namespace patroni_exporter
