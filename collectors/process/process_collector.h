// ProcessCollector ("process"): the exporter's own process from /proc/self -> the standard process_* families
// every Prometheus client exports (process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_open_fds, process_max_fds, process_start_time_seconds).
//
// ParseProcStat and ParseBootTime are pure (text in, values out) so recorded /proc text tests them; Collect()
// reads /proc/self with plain read(2) into a stack buffer and counts descriptors with getdents64: no iostreams,
// no heap for the reads, and it never blocks on the network, so the scrape wrapper runs it on the scraping
// thread (MayBlock() is false). Never throws; a value that cannot be read is absent.
#pragma once

#include <atomic>
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

// `proc_stat` is the text of /proc/stat: the value of its `btime` line (boot time, seconds since the epoch).
std::optional<double> ParseBootTime(std::string_view proc_stat);

class ProcessCollector : public Collector {
 public:
  std::string Name() const override { return "process"; }
  std::string Collect(const ScrapeContext& context, MetricSet* out) override;
  bool MayBlock() const override { return false; }

 private:
  // The boot time never changes while the process runs, so /proc/stat (several KB on a many-core host) is read
  // until it once answers, not at every scrape. Negative: not read yet.
  std::atomic<double> boot_time_{-1};
};

}  // namespace patroni_exporter
