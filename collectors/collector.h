// Collector: one source of metrics (a Patroni endpoint, a PostgreSQL view), run once per scrape.
//
// Wired explicitly in exporter/collectors.cc; run by the scrape wrapper (exporter/scraper.h), which times each
// collector, catches anything it throws, and emits patroni_exporter_collector_{duration_seconds,success}.
#pragma once

#include <string>

#include "collectors/metric_set.h"

namespace patroni_exporter {

class Collector {
 public:
  virtual ~Collector() = default;

  // Stable name: the `collector` label, and log field. Lowercase, no spaces.
  virtual std::string Name() const = 0;

  // Adds this scrape's families to *out, fresh each time. Returns "" when every source it reads answered
  // with usable data, else a one-line reason; whatever could be collected is added either way, and a failing
  // source must show up in its own up-style metric. Must not throw and must return within the configured
  // timeouts. Called from several threads at once only if the implementation says so; the scrape wrapper
  // never overlaps two scrapes.
  virtual std::string Collect(MetricSet* out) = 0;
};

}  // namespace patroni_exporter
