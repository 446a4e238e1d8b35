#include "exporter/scraper.h"

#include <chrono>
#include <exception>
#include <thread>

#include "collectors/exposition.h"
#include "collectors/log.h"
#include "exporter/build_info.h"
#include "exporter/heap_release.h"

namespace patroni_exporter {
namespace {

struct CollectorRun {
  MetricSet metrics;
  std::string error;
  double seconds = 0;
};

void Run(Collector& collector, const ScrapeContext& context, CollectorRun* run) {
  const auto start = std::chrono::steady_clock::now();
  try {
    run->error = collector.Collect(context, &run->metrics);
  } catch (const std::exception& e) {
    run->error = std::string("collector threw: ") + e.what();
  } catch (...) {
    run->error = "collector threw a non-standard exception";
  }
  run->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Scraper::Scraper(std::vector<std::unique_ptr<Collector>> collectors) : collectors_(std::move(collectors)) {}

MetricSet Scraper::CollectAll(const ScrapeContext& context) {
  std::vector<CollectorRun> runs(collectors_.size());
  {
    // One thread per blocking collector beyond the first: each may wait on the network for up to its timeout.
    // The first blocking one, then every collector that only reads local state (the process collector), runs
    // on this thread: starting a thread cost more than the process collector's reads.
    std::vector<std::thread> threads;
    std::size_t first_blocking = collectors_.size();
    for (std::size_t i = 0; i < collectors_.size(); ++i) {
      if (!collectors_[i]->MayBlock()) continue;
      if (first_blocking == collectors_.size()) {
        first_blocking = i;
      } else {
        threads.emplace_back(Run, std::ref(*collectors_[i]), std::cref(context), &runs[i]);
      }
    }
    if (first_blocking < collectors_.size()) Run(*collectors_[first_blocking], context, &runs[first_blocking]);
    for (std::size_t i = 0; i < collectors_.size(); ++i) {
      if (!collectors_[i]->MayBlock()) Run(*collectors_[i], context, &runs[i]);
    }
    for (std::thread& t : threads) t.join();
  }

  MetricSet out;
  for (std::size_t i = 0; i < collectors_.size(); ++i) {
    const std::string name = collectors_[i]->Name();
    out.Merge(std::move(runs[i].metrics));
    if (!runs[i].error.empty()) {
      Log(LogLevel::kDebug, "collector failed", {{"collector", name}, {"err", runs[i].error}});
    }
  }
  for (std::size_t i = 0; i < collectors_.size(); ++i) {
    const std::string name = collectors_[i]->Name();
    out.AddGauge("patroni_exporter_collector_duration_seconds", "Duration of a collector scrape.",
                 {{"collector", name}}, runs[i].seconds);
    out.AddGauge("patroni_exporter_collector_success",
                 "1 if every source of the collector answered with usable data, 0 otherwise.", {{"collector", name}},
                 runs[i].error.empty() ? 1 : 0);
  }
  out.AddInfo("patroni_exporter_build_info", "Version and revision patroni_exporter was built from.",
              {{"version", kVersion}, {"revision", kRevision}});
  return out;
}

std::shared_ptr<const std::string> Scraper::Scrape(const ScrapeContext& context) {
  return flight_.Do("", [&]() -> std::shared_ptr<const std::string> {
    try {
      // The set is a temporary, freed at the end of this statement.
      auto text = std::make_shared<const std::string>(SerializeText(CollectAll(context)));
      // The families are freed by now: after a large scrape, hand their pages back (exporter/heap_release.h).
      ReleaseFreeHeap(text->size());
      return text;
    } catch (...) {
      // Only allocation failure gets here; serve an empty exposition rather than no answer.
      return std::make_shared<const std::string>();
    }
  });
}

}  // namespace patroni_exporter
