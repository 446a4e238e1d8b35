#include "collectors/request_failures.h"

#include "collectors/log.h"

namespace patroni_exporter {
namespace {

bool Contains(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

}  // namespace

std::string FailureKind(const HttpResponse& response) {
  const std::string& e = response.error;
  if (e.empty()) {
    if (response.status == 404) return "not_found";
    return "http_status";
  }
  // libcurl's error buffer texts (7.88): "Operation timed out after ...", "Connection timed out after ...",
  // "Failed to connect to ... Connection refused", "SSL certificate problem: ...", "OpenSSL SSL_connect: ...",
  // "Recv failure: Connection reset by peer", "Empty reply from server"; and the client's own texts.
  if (Contains(e, "cancelled")) return "cancelled";
  if (Contains(e, "exceeds")) return "too_large";
  if (Contains(e, "timed out") || Contains(e, "deadline") || Contains(e, "Timeout")) return "timeout";
  if (Contains(e, "SSL") || Contains(e, "TLS") || Contains(e, "certificate") || Contains(e, "alert")) return "tls";
  if (Contains(e, "refused") || Contains(e, "Failed to connect") || Contains(e, "resolve") ||
      Contains(e, "unreachable")) {
    return "refused";
  }
  if (Contains(e, "reset") || Contains(e, "Empty reply") || Contains(e, "Recv failure") ||
      Contains(e, "Send failure") || Contains(e, "closed")) {
    return "reset";
  }
  return "other";
}

void RequestFailures::Record(const std::string& source, const std::string& endpoint, const std::string& kind,
                             const std::string& detail, bool expected) {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::string now = kind.empty() ? "" : kind + ": " + detail;
  if (!kind.empty()) count_[{endpoint, kind}] += 1;
  std::string& last = last_[source];
  // The message texts are an interface: operators and tests/faults grep for them.
  const LogFields fields = {{"collector", collector_}, {"target", source}, {"reason", kind}, {"err", detail}};
  if (now == last) {
    if (!now.empty()) Log(LogLevel::kDebug, "Patroni target still failing", fields);
    return;
  }
  if (now.empty()) {
    Log(LogLevel::kInfo, "Patroni target recovered", {{"collector", collector_}, {"target", source}});
  } else if (expected) {
    Log(LogLevel::kInfo, "Patroni endpoint not available on this target", fields);
  } else {
    Log(LogLevel::kWarn, "Patroni target failed", fields);
  }
  last = now;
}

void RequestFailures::AddTo(MetricSet* out) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [key, n] : count_) {
    out->AddCounter("patroni_exporter_request_failures_total",
                    "Requests to Patroni that gave no usable answer, by endpoint and reason (timeout, refused, tls, "
                    "reset, too_large, not_found, http_status, bad_body, missing_scope, no_api_url, cancelled, "
                    "other).",
                    {{"endpoint", key.first}, {"reason", key.second}}, n);
  }
}

}  // namespace patroni_exporter
