// Collector: one source of metrics (a Patroni endpoint, a PostgreSQL view), run once per scrape.
//
// Wired explicitly in exporter/wiring.cc; run by the scrape wrapper (exporter/scraper.h), which times each
// collector, catches anything it throws, and emits patroni_exporter_collector_{duration_seconds,success}.
#pragma once

#include <chrono>
#include <string>

#include "collectors/metric_set.h"

namespace patroni_exporter {

struct ScrapeContext {
  // Every upstream call of this scrape ends by then: Prometheus' X-Prometheus-Scrape-Timeout-Seconds minus a
  // margin, or the exporter's default scrape timeout (exporter/http_server.cc).
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

class Collector {
 public:
  virtual ~Collector() = default;

  // Stable name: the `collector` label, and log field. Lowercase, no spaces.
  virtual std::string Name() const = 0;

  // Adds this scrape's families to *out, fresh each time. Returns "" when every source it reads answered
  // with usable data, else a one-line reason; whatever could be collected is added either way, and a failing
  // source must show up in its own up-style metric. Must not throw and must return within the configured
  // timeouts and by the context's deadline. Called from several threads at once only if the implementation
  // says so; the scrape wrapper never overlaps two scrapes of one collector.
  virtual std::string Collect(const ScrapeContext& context, MetricSet* out) = 0;

  // True when Collect() may wait on the network or another process. The scrape wrapper gives each such
  // collector but one a thread of its own; a collector that only reads local state (false) runs on the
  // scraping thread, sparing a thread start per scrape.
  virtual bool MayBlock() const { return true; }
};

}  // namespace patroni_exporter
