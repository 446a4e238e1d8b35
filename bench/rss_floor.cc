// rss_floor [stage]: prints VmRSS, RssAnon and RssFile (kB) after each stage of what main() does before serving,
// up to `stage` (default all): 0 libraries loaded, 1 curl_global_init, 2 mg_init_library. No threads, no server.
// Built as well with RSS_FLOOR_LIBS_ONLY and fewer libraries (bench/CMakeLists.txt): only the "loaded" stage.
#ifndef RSS_FLOOR_LIBS_ONLY
#include <civetweb.h>
#include <curl/curl.h>
#endif

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

void Show(const char* stage) {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return;
  char line[256];
  long rss = 0, anon = 0, file = 0;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::strncmp(line, "VmRSS:", 6) == 0) rss = std::atol(line + 6);
    if (std::strncmp(line, "RssAnon:", 8) == 0) anon = std::atol(line + 8);
    if (std::strncmp(line, "RssFile:", 8) == 0) file = std::atol(line + 8);
  }
  std::fclose(f);
  std::printf("%s %ld %ld %ld\n", stage, rss, anon, file);
}

}  // namespace

int main(int argc, char** argv) {
  const int stages = argc > 1 ? std::atoi(argv[1]) : 2;
  Show("loaded");
#ifdef RSS_FLOOR_LIBS_ONLY
  (void)stages;
#else
  if (stages >= 1) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    Show("curl_global_init");
  }
  if (stages >= 2) {
    mg_init_library(0);
    Show("mg_init_library");
  }
#endif
  return 0;
}
