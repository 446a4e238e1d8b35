#include "collectors/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>

namespace patroni_exporter {
namespace {

std::atomic<bool> g_cancelled{false};
std::atomic<int> g_calls{0};

struct CallCount {
  CallCount() { g_calls.fetch_add(1); }
  ~CallCount() { g_calls.fetch_sub(1); }
};
constexpr const char* kCancelled = "cancelled: the exporter is shutting down";

struct Transfer {
  CURL* easy = nullptr;
  HttpResponse* response = nullptr;
  std::size_t max_body_bytes = 0;
  bool body_too_large = false;
  char error_buffer[CURL_ERROR_SIZE] = {0};
  std::chrono::steady_clock::time_point started;
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
               std::chrono::milliseconds timeout) {
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

}  // namespace

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
  const CallCount count;
  std::vector<HttpResponse> responses(requests.size());
  if (requests.empty()) return responses;

  std::unique_ptr<CURLM, decltype(&curl_multi_cleanup)> multi(curl_multi_init(), curl_multi_cleanup);
  std::vector<Transfer> transfers(requests.size());
  if (!multi) {
    for (auto& r : responses) r.error = "curl_multi_init failed";
    return responses;
  }

  const std::size_t cap = std::max<std::size_t>(1, options_.max_in_flight);
  std::size_t next = 0;
  int running = 0;
  auto start_more = [&] {
    while (next < requests.size() && static_cast<std::size_t>(running) < cap) {
      Transfer& t = transfers[next];
      t.response = &responses[next];
      t.max_body_bytes = options_.max_body_bytes;
      if (g_cancelled.load()) {
        t.response->error = kCancelled;
        ++next;
        continue;
      }
      const auto now = std::chrono::steady_clock::now();
      std::chrono::milliseconds timeout = options_.timeout;
      if (deadline != Deadline::max()) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
        if (left.count() <= 0) {
          t.response->error = "scrape deadline reached before the request could start";
          ++next;
          continue;
        }
        timeout = std::min(timeout, left);
      }
      t.easy = curl_easy_init();
      if (t.easy == nullptr) {
        t.response->error = "curl_easy_init failed";
        ++next;
        continue;
      }
      const HttpRequest& request = requests[next];
      Configure(t, request.url, options_, request.tls != nullptr ? *request.tls : options_.tls, timeout);
      t.started = std::chrono::steady_clock::now();
      if (curl_multi_add_handle(multi.get(), t.easy) != CURLM_OK) {
        t.response->error = "curl_multi_add_handle failed";
        curl_easy_cleanup(t.easy);
        t.easy = nullptr;
      } else {
        ++running;
      }
      ++next;
    }
  };

  start_more();
  while (running > 0) {
    int still_running = 0;
    curl_multi_perform(multi.get(), &still_running);
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi.get(), &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      // Read the result before removing the handle: msg points into the multi handle's state.
      CURL* easy = msg->easy_handle;
      const CURLcode code = msg->data.result;
      Transfer* t = nullptr;
      curl_easy_getinfo(easy, CURLINFO_PRIVATE, &t);
      Finish(*t, code);
      curl_multi_remove_handle(multi.get(), easy);
      curl_easy_cleanup(easy);
      t->easy = nullptr;
      --running;
    }
    start_more();
    if (running > 0) curl_multi_poll(multi.get(), nullptr, 0, 100, nullptr);
    if (running > 0 && g_cancelled.load()) {
      // The 100 ms poll above bounds how long a cancelled call lingers.
      for (Transfer& t : transfers) {
        if (t.easy == nullptr) continue;
        curl_multi_remove_handle(multi.get(), t.easy);
        curl_easy_cleanup(t.easy);
        t.easy = nullptr;
        t.response->error = kCancelled;
        t.response->body.clear();
      }
      running = 0;
      start_more();  // fails whatever was still queued
    }
  }
  return responses;
}

HttpResponse HttpClient::Get(const std::string& url, Deadline deadline) const {
  return std::move(GetAll(std::vector<std::string>{url}, deadline).front());
}

}  // namespace patroni_exporter
