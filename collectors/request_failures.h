// RequestFailures: no upstream request fails silently. Each failed request to Patroni is counted by endpoint and
// reason in patroni_exporter_request_failures_total, and each source (a target's endpoint) logs one warn line
// when it starts failing or changes its reason, and one info line when it recovers; repeats go to debug.
//
// Reasons (bounded, for the label): timeout, refused (connection refused or the host unreachable), tls, reset
// (the connection dropped or nothing came back), too_large (body over --patroni.max-body-size), not_found
// (HTTP 404: a Patroni version without the endpoint), http_status (any other non-2xx), bad_body (not the JSON
// Patroni sends), missing_scope (/cluster without scope and no member known to name it), no_api_url (a member
// /cluster lists without a REST API: discovery cannot poll it), cancelled (shutdown), other.
//
// Log lines: msg="Patroni target failed" target=<url>[<endpoint>] reason=<kind> err=<detail> at warn, "Patroni
// target recovered" at info, "Patroni target still failing" at debug.
// Thread-safe; never throws short of std::bad_alloc.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "collectors/http_client.h"
#include "collectors/metric_set.h"

namespace patroni_exporter {

// The reason label of a response that is not ok(): from libcurl's error text, or the HTTP status.
std::string FailureKind(const HttpResponse& response);

class RequestFailures {
 public:
  // `collector` names the log lines' collector field.
  explicit RequestFailures(std::string collector) : collector_(std::move(collector)) {}

  // The outcome of one source in this scrape: `kind` and `detail` empty when it succeeded. `source` is the
  // log's target field ("http://h:8008/cluster"); `endpoint` is the label ("/cluster"). A failure counts once.
  // `expected` failures (a health endpoint this version lacks) are counted but logged at info, once.
  void Record(const std::string& source, const std::string& endpoint, const std::string& kind,
              const std::string& detail, bool expected = false);

  // patroni_exporter_request_failures_total{endpoint,reason}: every pair counted so far.
  void AddTo(MetricSet* out) const;

 private:
  std::string collector_;
  mutable std::mutex mutex_;
  std::map<std::string, std::string> last_;                      // source -> "kind: detail"; "" while healthy
  std::map<std::pair<std::string, std::string>, double> count_;  // (endpoint, reason) -> failures
};

}  // namespace patroni_exporter
