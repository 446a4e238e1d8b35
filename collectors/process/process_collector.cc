#include "collectors/process/process_collector.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <vector>

namespace patroni_exporter {
namespace {

std::string ReadAll(const char* path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::optional<double> BootTime() {
  std::istringstream in(ReadAll("/proc/stat"));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("btime ", 0) == 0) return std::stod(line.substr(6));
  }
  return std::nullopt;
}

std::optional<double> OpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return std::nullopt;
  double count = 0;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count - 1;  // the descriptor opendir itself holds
}

}  // namespace

std::optional<ProcStat> ParseProcStat(std::string_view stat, long ticks_per_second, long page_size) {
  // The command name (field 2) is in parentheses and may itself contain spaces and ')': fields are counted
  // from the last ')'.
  const std::size_t close = stat.rfind(')');
  if (close == std::string_view::npos || ticks_per_second <= 0 || page_size <= 0) return std::nullopt;
  std::istringstream in{std::string(stat.substr(close + 1))};
  std::vector<std::string> fields;  // fields[0] is field 3 (state)
  for (std::string field; in >> field;) fields.push_back(field);
  if (fields.size() < 22) return std::nullopt;
  try {
    ProcStat s;
    s.cpu_seconds = (std::stod(fields[11]) + std::stod(fields[12])) / ticks_per_second;  // utime, stime
    s.start_seconds_after_boot = std::stod(fields[19]) / ticks_per_second;               // starttime
    s.virtual_memory_bytes = std::stod(fields[20]);                                      // vsize
    s.resident_memory_bytes = std::stod(fields[21]) * page_size;                         // rss pages
    return s;
  } catch (...) {
    return std::nullopt;
  }
}

std::string ProcessCollector::Collect(const ScrapeContext& /*context*/, MetricSet* out) {
  const std::optional<ProcStat> stat =
      ParseProcStat(ReadAll("/proc/self/stat"), sysconf(_SC_CLK_TCK), sysconf(_SC_PAGESIZE));
  if (!stat) return "cannot read /proc/self/stat";
  out->AddCounter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", {},
                  stat->cpu_seconds);
  out->AddGauge("process_resident_memory_bytes", "Resident memory size in bytes.", {}, stat->resident_memory_bytes);
  out->AddGauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", {}, stat->virtual_memory_bytes);
  if (const std::optional<double> boot = BootTime()) {
    out->AddGauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", {},
                  *boot + stat->start_seconds_after_boot);
  }
  if (const std::optional<double> fds = OpenFds()) {
    out->AddGauge("process_open_fds", "Number of open file descriptors.", {}, *fds);
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    out->AddGauge("process_max_fds", "Maximum number of open file descriptors.", {},
                  static_cast<double>(limit.rlim_cur));
  }
  return "";
}

}  // namespace patroni_exporter
