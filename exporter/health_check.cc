#include "exporter/health_check.h"

#include <curl/curl.h>
#include <dirent.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

namespace patroni_exporter {
namespace {

std::optional<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::optional<std::string> ExeOf(const std::string& pid) {
  char buffer[4096];
  const ssize_t n = readlink(("/proc/" + pid + "/exe").c_str(), buffer, sizeof buffer - 1);
  if (n <= 0) return std::nullopt;
  return std::string(buffer, static_cast<std::size_t>(n));
}

bool AllDigits(const char* text) {
  if (*text == '\0') return false;
  for (; *text != '\0'; ++text) {
    if (*text < '0' || *text > '9') return false;
  }
  return true;
}

// The exporter processes of this PID namespace other than health checks, by /proc/PID/exe: the same binary as
// ours. A process whose exe cannot be read (another user's) is not ours to check.
std::vector<std::string> ServingProcesses(std::string* error) {
  const std::optional<std::string> self = ExeOf("self");
  if (!self) {
    *error = std::string("cannot read /proc/self/exe: ") + std::strerror(errno);
    return {};
  }
  const std::string own_pid = std::to_string(getpid());
  std::vector<std::string> found;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) {
    *error = std::string("cannot list /proc: ") + std::strerror(errno);
    return {};
  }
  while (const dirent* entry = readdir(proc)) {
    if (!AllDigits(entry->d_name) || own_pid == entry->d_name) continue;
    const std::optional<std::string> exe = ExeOf(entry->d_name);
    if (!exe || *exe != *self) continue;
    const std::optional<std::string> cmdline = ReadWholeFile(std::string("/proc/") + entry->d_name + "/cmdline");
    if (!cmdline || IsHealthCheckCommand(SplitCmdline(*cmdline))) continue;
    found.emplace_back(entry->d_name);
  }
  closedir(proc);
  return found;
}

std::size_t Discard(char*, std::size_t size, std::size_t count, void*) { return size * count; }

// GET target.url: "" when it answered 200, else what went wrong.
std::string Get(const HealthCheckTarget& target) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return "cannot create a libcurl handle";
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, target.url.c_str());
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");  // our own address: never through a proxy of the environment
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 4000L);   // inside Docker's default health-check timeout
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);  // see the header: liveness of our own endpoint
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  if (!target.client_cert_file.empty()) {
    curl_easy_setopt(curl, CURLOPT_SSLCERT, target.client_cert_file.c_str());
    curl_easy_setopt(curl, CURLOPT_SSLKEY, target.client_key_file.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Discard);
  const CURLcode code = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  if (code != CURLE_OK) return error[0] != '\0' ? std::string(error) : std::string(curl_easy_strerror(code));
  if (status != 200) return "answered HTTP " + std::to_string(status);
  return "";
}

int Unhealthy(const std::string& message) {
  std::fprintf(stderr, "patroni_exporter healthcheck: unhealthy: %s\n", message.c_str());
  return 1;
}

}  // namespace

HealthCheckTarget HealthCheckTargetFor(const Config& config) {
  // The first of its listen addresses. With --web.systemd-socket the flags do not say the address: the default
  // (:9547) is the port of the Debian package's socket unit.
  const std::string& listen =
      config.listen_addresses.empty() ? std::string(kDefaultListenAddress) : config.listen_addresses.front();
  const std::size_t colon = listen.rfind(':');
  std::string host = colon == std::string::npos ? "" : listen.substr(0, colon);
  const std::string port = colon == std::string::npos ? listen : listen.substr(colon + 1);
  // The exporter listens on IPv4 only (Debian 12's CivetWeb); every interface includes the loopback one.
  if (host.empty() || host == "0.0.0.0" || host == "localhost") host = "127.0.0.1";
  HealthCheckTarget target;
  const bool tls = config.web.tls.has_value();
  target.url = std::string(tls ? "https" : "http") + "://" + host + ":" + port + "/-/healthy";
  if (tls && (config.web.tls->client_auth == ClientAuth::kRequireAnyClientCert ||
              config.web.tls->client_auth == ClientAuth::kRequireAndVerifyClientCert)) {
    target.client_cert_file = config.web.tls->cert_file;
    target.client_key_file = config.web.tls->key_file;
  }
  return target;
}

std::vector<std::string> SplitCmdline(const std::string& bytes) {
  std::vector<std::string> words;
  std::size_t start = 0;
  while (start < bytes.size()) {
    std::size_t end = bytes.find('\0', start);
    if (end == std::string::npos) end = bytes.size();
    words.push_back(bytes.substr(start, end - start));
    start = end + 1;
  }
  return words;
}

bool IsHealthCheckCommand(const std::vector<std::string>& argv) { return argv.size() >= 2 && argv[1] == "healthcheck"; }

int RunHealthCheck(int argc, const char* const argv[]) {
  if (argc > 3 || (argc == 3 && !AllDigits(argv[2]))) {
    std::fputs("usage: patroni_exporter healthcheck [PID]\n", stderr);
    return 1;
  }
  std::string pid;
  if (argc == 3) {
    pid = argv[2];
  } else {
    std::string error;
    const std::vector<std::string> found = ServingProcesses(&error);
    if (!error.empty()) return Unhealthy(error);
    if (found.empty()) return Unhealthy("no patroni_exporter process runs beside this one");
    if (found.size() > 1) {
      std::string list;
      for (const std::string& p : found) list += (list.empty() ? "" : ", ") + p;
      return Unhealthy("several patroni_exporter processes (" + list + "): name one, healthcheck PID");
    }
    pid = found.front();
  }
  const std::optional<std::string> cmdline = ReadWholeFile("/proc/" + pid + "/cmdline");
  if (!cmdline || cmdline->empty()) return Unhealthy("cannot read the command line of process " + pid);
  const std::vector<std::string> words = SplitCmdline(*cmdline);
  std::vector<const char*> process_argv;
  for (const std::string& word : words) process_argv.push_back(word.c_str());
  process_argv.push_back(nullptr);
  const FlagsResult flags = ParseFlags(static_cast<int>(words.size()), process_argv.data());
  if (!flags.config) {
    std::string output = flags.output;
    while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
    return Unhealthy("process " + pid + " does not run as an exporter with these flags: " + output);
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const HealthCheckTarget target = HealthCheckTargetFor(*flags.config);
  const std::string problem = Get(target);
  curl_global_cleanup();
  if (!problem.empty()) return Unhealthy(target.url + ": " + problem);
  std::printf("patroni_exporter healthcheck: healthy: %s answered 200 (process %s)\n", target.url.c_str(), pid.c_str());
  return 0;
}

}  // namespace patroni_exporter
