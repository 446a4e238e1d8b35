// Scraper: one scrape = every collector run once (concurrently), plus the exporter's own metrics, as text.
//
// The wrapper of cross-cutting concerns: it times each collector, catches anything a collector throws (an
// exception must never reach the HTTP thread), logs a failing collector with its name, and emits
//   patroni_exporter_collector_duration_seconds{collector}, patroni_exporter_collector_success{collector},
//   patroni_exporter_build_info{version,revision}.
//
// Concurrent scrapes share work: a scrape that arrives while another is running waits for that one and
// serves its result, so N simultaneous Prometheus servers cost Patroni one request per target (the result is
// at most one scrape duration old). Thread-safe; never throws.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "collectors/collector.h"
#include "exporter/single_flight.h"

namespace patroni_exporter {

class Scraper {
 public:
  explicit Scraper(std::vector<std::unique_ptr<Collector>> collectors);

  // The exposition text of one scrape. A scrape that joins one in flight gets that one's result (gathered
  // under that one's deadline).
  std::shared_ptr<const std::string> Scrape(const ScrapeContext& context);

  // One scrape's families without sharing or serializing (tests, /probe).
  MetricSet CollectAll(const ScrapeContext& context);

 private:
  std::vector<std::unique_ptr<Collector>> collectors_;
  SingleFlight<std::string> flight_;
};

}  // namespace patroni_exporter
