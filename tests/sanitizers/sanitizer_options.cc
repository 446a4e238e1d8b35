// Sanitizer runtime defaults for every executable of a -DPATRONI_EXPORTER_SANITIZE=ON build: CMakeLists.txt links
// this object into each executable (the exporter, the test binaries, anything added later), so the options hold
// however the process is started: by ctest, by a Python check with an environment of its own, or by hand.
// ASAN_OPTIONS, UBSAN_OPTIONS and LSAN_OPTIONS still override them key by key (scripts/test.sh sets log_path).
// What each option is for: docs/sanitizers.md.
#include <fcntl.h>
#include <sanitizer/common_interface_defs.h>
#include <unistd.h>

#ifndef PATRONI_EXPORTER_LSAN_SUPPRESSIONS
#error "PATRONI_EXPORTER_LSAN_SUPPRESSIONS: the absolute path of tests/sanitizers/lsan.supp"
#endif

// The runtime calls these before main, before its own initialisation is complete: they return literals only.
extern "C" {
__attribute__((visibility("default"), used)) const char* __asan_default_options() {
  return "detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=1:check_initialization_order=1:"
         "strict_init_order=1:detect_odr_violation=2:print_summary=1";
}

__attribute__((visibility("default"), used)) const char* __ubsan_default_options() {
  return "halt_on_error=1:print_stacktrace=1:print_summary=1";
}

__attribute__((visibility("default"), used)) const char* __lsan_default_options() {
  return "suppressions=" PATRONI_EXPORTER_LSAN_SUPPRESSIONS;
}
}

namespace {

// With log_path set (scripts/test.sh sets it, so that a report of a process whose output a test discards is kept
// on disk), the runtime writes the report to that file only. Copy it to stderr as well when the process dies of
// it, so ctest --output-on-failure shows it next to the failing test. Plain system calls: this runs inside the
// runtime's Die(), after the report is complete.
void EchoReportToStderr() {
  const char* path = __sanitizer_get_report_path();
  if (path == nullptr) return;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) {
    if (write(STDERR_FILENO, buf, static_cast<size_t>(n)) != n) break;
  }
  close(fd);
}

__attribute__((constructor)) void InstallEcho() { __sanitizer_set_death_callback(EchoReportToStderr); }

}  // namespace
