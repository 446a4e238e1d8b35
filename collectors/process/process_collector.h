// ProcessCollector ("process"): the exporter's own process from /proc/self -> the standard process_* families
// every Prometheus client exports (process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_open_fds, process_max_fds, process_start_time_seconds).
//
// ParseProcStat is pure (text in, values out) so recorded /proc text tests it; Collect() reads /proc/self.
// Never throws; a value that cannot be read is absent.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "collectors/collector.h"

namespace patroni_exporter {

struct ProcStat {
  double cpu_seconds = 0;  // utime + stime
  double start_seconds_after_boot = 0;
  double virtual_memory_bytes = 0;
  double resident_memory_bytes = 0;
};

// `stat` is the text of /proc/PID/stat; clock ticks per second and page size as sysconf gives them.
std::optional<ProcStat> ParseProcStat(std::string_view stat, long ticks_per_second, long page_size);

class ProcessCollector : public Collector {
 public:
  std::string Name() const override { return "process"; }
  std::string Collect(const ScrapeContext& context, MetricSet* out) override;
};

}  // namespace patroni_exporter
