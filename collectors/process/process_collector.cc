#include "collectors/process/process_collector.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstring>
#include <string>

namespace patroni_exporter {
namespace {

// Reads the whole of a /proc file into buf (at most `size` bytes). Returns the length read, or -1 when the file
// cannot be opened or read. /proc files are read with plain read(2): iostreams cost more than the reads did.
ssize_t ReadSmallFile(const char* path, char* buf, std::size_t size) {
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  std::size_t used = 0;
  while (used < size) {
    const ssize_t n = read(fd, buf + used, size - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      close(fd);
      return -1;
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  close(fd);
  return static_cast<ssize_t>(used);
}

// Whole-token number: "12" is 12, "12a" and "" are no number.
std::optional<double> ParseNumber(std::string_view token) {
  double value = 0;
  const char* end = token.data() + token.size();
  const auto [ptr, ec] = std::from_chars(token.data(), end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

// Entries of /proc/self/fd, counted with getdents64 into a stack buffer (readdir allocates its DIR).
std::optional<double> OpenFds() {
  const int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return std::nullopt;
  alignas(8) char buf[4096];
  double count = 0;
  for (;;) {
    const long n = syscall(SYS_getdents64, dir, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      close(dir);
      return std::nullopt;
    }
    if (n == 0) break;
    for (long offset = 0; offset < n;) {
      // struct linux_dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name.
      unsigned short reclen = 0;
      std::memcpy(&reclen, buf + offset + 16, sizeof reclen);
      if (buf[offset + 19] != '.') ++count;
      offset += reclen;
    }
  }
  close(dir);
  return count - 1;  // the descriptor this count itself holds
}

}  // namespace

std::optional<ProcStat> ParseProcStat(std::string_view stat, long ticks_per_second, long page_size) {
  // The command name (field 2) is in parentheses and may itself contain spaces and ')': fields are counted
  // from the last ')'.
  const std::size_t close = stat.rfind(')');
  if (close == std::string_view::npos || ticks_per_second <= 0 || page_size <= 0) return std::nullopt;
  // Fields 3 onwards, whitespace separated; index 0 is field 3 (state). Only indices 11, 12, 19, 20 and 21
  // are used, and at least 22 fields must be present, as before.
  std::string_view fields[22];
  std::size_t count = 0;
  std::size_t i = close + 1;
  while (i < stat.size() && count < 22) {
    while (i < stat.size() && IsSpace(stat[i])) ++i;
    if (i == stat.size()) break;
    const std::size_t start = i;
    while (i < stat.size() && !IsSpace(stat[i])) ++i;
    fields[count++] = stat.substr(start, i - start);
  }
  if (count < 22) return std::nullopt;
  const std::optional<double> utime = ParseNumber(fields[11]);
  const std::optional<double> stime = ParseNumber(fields[12]);
  const std::optional<double> starttime = ParseNumber(fields[19]);
  const std::optional<double> vsize = ParseNumber(fields[20]);
  const std::optional<double> rss = ParseNumber(fields[21]);
  if (!utime || !stime || !starttime || !vsize || !rss) return std::nullopt;
  ProcStat s;
  s.cpu_seconds = (*utime + *stime) / ticks_per_second;
  s.start_seconds_after_boot = *starttime / ticks_per_second;
  s.virtual_memory_bytes = *vsize;
  s.resident_memory_bytes = *rss * page_size;
  return s;
}

std::optional<double> ParseBootTime(std::string_view proc_stat) {
  std::size_t line = 0;
  while (line < proc_stat.size()) {
    std::size_t end = proc_stat.find('\n', line);
    if (end == std::string_view::npos) end = proc_stat.size();
    const std::string_view text = proc_stat.substr(line, end - line);
    if (text.substr(0, 6) == "btime ") {
      std::string_view value = text.substr(6);
      while (!value.empty() && IsSpace(value.front())) value.remove_prefix(1);
      while (!value.empty() && IsSpace(value.back())) value.remove_suffix(1);
      return ParseNumber(value);
    }
    line = end + 1;
  }
  return std::nullopt;
}

std::string ProcessCollector::Collect(const ScrapeContext& /*context*/, MetricSet* out) {
  char buf[1024];  // /proc/self/stat is one line of 52 numbers and a command name of at most 64 bytes
  const ssize_t n = ReadSmallFile("/proc/self/stat", buf, sizeof buf);
  const std::optional<ProcStat> stat = n < 0 ? std::nullopt
                                             : ParseProcStat(std::string_view(buf, static_cast<std::size_t>(n)),
                                                             sysconf(_SC_CLK_TCK), sysconf(_SC_PAGESIZE));
  if (!stat) return "cannot read /proc/self/stat";
  out->AddCounter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", {},
                  stat->cpu_seconds);
  out->AddGauge("process_resident_memory_bytes", "Resident memory size in bytes.", {}, stat->resident_memory_bytes);
  out->AddGauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", {}, stat->virtual_memory_bytes);
  double boot = boot_time_.load(std::memory_order_relaxed);
  if (boot < 0) {
    // Read once (it may be tens of KB where the interrupt line is long): a heap string, not the stack.
    std::string text(256 << 10, '\0');
    const ssize_t len = ReadSmallFile("/proc/stat", text.data(), text.size());
    const std::optional<double> parsed =
        len < 0 ? std::nullopt : ParseBootTime(std::string_view(text.data(), static_cast<std::size_t>(len)));
    if (parsed && *parsed >= 0) {
      boot = *parsed;
      boot_time_.store(boot, std::memory_order_relaxed);
    }
  }
  if (boot >= 0) {
    out->AddGauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", {},
                  boot + stat->start_seconds_after_boot);
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
