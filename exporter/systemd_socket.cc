#include "exporter/systemd_socket.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace patroni_exporter {
namespace {

constexpr int kListenFdsStart = 3;  // SD_LISTEN_FDS_START
// More sockets than any unit lists; keeps a malformed LISTEN_FDS from meaning "every descriptor".
constexpr int kMaxListenFds = 64;

struct Registered {
  int fd;
  sockaddr_in address;
  bool adopted;
};

std::mutex registry_mutex;
std::vector<Registered> registry;  // guarded by registry_mutex

// A whole decimal number without sign, or -1.
long ParseUnsigned(const char* text) {
  if (text == nullptr || *text == '\0' || std::strlen(text) > 9) return -1;
  for (const char* p = text; *p != '\0'; ++p) {
    if (*p < '0' || *p > '9') return -1;
  }
  return std::strtol(text, nullptr, 10);
}

std::string Describe(const sockaddr_in& address) {
  char ip[INET_ADDRSTRLEN] = {0};
  inet_ntop(AF_INET, &address.sin_addr, ip, sizeof ip);
  return std::string(ip) + ":" + std::to_string(ntohs(address.sin_port));
}

// The descriptor's address if it is a listening IPv4 TCP socket, else "" and *error.
bool ListeningInet(int fd, sockaddr_in* address, std::string* error) {
  const std::string which = "systemd socket (descriptor " + std::to_string(fd) + ")";
  int type = 0;
  int listening = 0;
  socklen_t size = sizeof type;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &size) != 0) {
    *error = which + " is not a socket: " + std::strerror(errno);
    return false;
  }
  size = sizeof listening;
  if (type != SOCK_STREAM || getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) != 0 || listening != 1) {
    *error = which + " is not a listening stream socket (ListenStream= in the .socket unit, Accept=no)";
    return false;
  }
  sockaddr_storage storage{};
  size = sizeof storage;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &size) != 0 || storage.ss_family != AF_INET) {
    *error = which + " is not IPv4: Debian 12's CivetWeb has no IPv6; write ListenStream=0.0.0.0:PORT or IP:PORT";
    return false;
  }
  std::memcpy(address, &storage, sizeof *address);
  return true;
}

using BindFunction = int (*)(int, const sockaddr*, socklen_t);

BindFunction RealBind() {
  static const BindFunction real = reinterpret_cast<BindFunction>(dlsym(RTLD_NEXT, "bind"));
  return real;
}

// Takes over `fd` (a socket CivetWeb just created) with the registered socket bound to `address`, if any.
// Returns true when it did.
bool Adopt(int fd, const sockaddr* address, socklen_t size) {
  if (address == nullptr || size < sizeof(sockaddr_in) || address->sa_family != AF_INET) return false;
  sockaddr_in wanted;
  std::memcpy(&wanted, address, sizeof wanted);
  std::lock_guard<std::mutex> lock(registry_mutex);
  for (Registered& entry : registry) {
    if (entry.adopted || entry.address.sin_port != wanted.sin_port ||
        entry.address.sin_addr.s_addr != wanted.sin_addr.s_addr) {
      continue;
    }
    // What CivetWeb set on its own socket (non-blocking mode, close-on-exec) it expects of the one it keeps.
    const int status_flags = fcntl(fd, F_GETFL);
    const int descriptor_flags = fcntl(fd, F_GETFD);
    if (dup2(entry.fd, fd) < 0) return false;
    if (status_flags >= 0) fcntl(fd, F_SETFL, status_flags);
    if (descriptor_flags >= 0) fcntl(fd, F_SETFD, descriptor_flags);
    close(entry.fd);
    entry.adopted = true;
    return true;
  }
  return false;
}

}  // namespace

std::optional<std::vector<int>> ParseListenFds(const char* listen_pid, const char* listen_fds, pid_t pid,
                                               std::string* error) {
  if (listen_pid == nullptr || listen_fds == nullptr) {
    *error = "--web.systemd-socket: LISTEN_PID and LISTEN_FDS are not set (start it from a .socket unit)";
    return std::nullopt;
  }
  const long for_pid = ParseUnsigned(listen_pid);
  const long count = ParseUnsigned(listen_fds);
  if (for_pid <= 0 || count < 0) {
    *error = "--web.systemd-socket: LISTEN_PID \"" + std::string(listen_pid) + "\" or LISTEN_FDS \"" +
             std::string(listen_fds) + "\" is not a number";
    return std::nullopt;
  }
  if (for_pid != static_cast<long>(pid)) {
    *error = "--web.systemd-socket: the sockets are meant for process " + std::to_string(for_pid) + ", not " +
             std::to_string(pid) + " (LISTEN_PID)";
    return std::nullopt;
  }
  if (count == 0 || count > kMaxListenFds) {
    *error = "--web.systemd-socket: LISTEN_FDS is " + std::to_string(count) + ", expected 1 to " +
             std::to_string(kMaxListenFds);
    return std::nullopt;
  }
  std::vector<int> fds;
  for (int fd = kListenFdsStart; fd < kListenFdsStart + count; ++fd) fds.push_back(fd);
  return fds;
}

std::optional<std::string> TakeSystemdSockets(std::string* error) {
  const std::optional<std::vector<int>> fds =
      ParseListenFds(std::getenv("LISTEN_PID"), std::getenv("LISTEN_FDS"), getpid(), error);
  unsetenv("LISTEN_PID");
  unsetenv("LISTEN_FDS");
  unsetenv("LISTEN_FDNAMES");
  if (!fds) return std::nullopt;
  std::string ports;
  std::vector<Registered> found;
  for (const int fd : *fds) {
    sockaddr_in address{};
    if (!ListeningInet(fd, &address, error)) return std::nullopt;
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    if (!ports.empty()) ports += ',';
    ports += address.sin_addr.s_addr == htonl(INADDR_ANY) ? std::to_string(ntohs(address.sin_port)) : Describe(address);
    found.push_back(Registered{fd, address, false});
  }
  std::lock_guard<std::mutex> lock(registry_mutex);
  registry.insert(registry.end(), found.begin(), found.end());
  return ports;
}

int AdoptedSystemdSockets() {
  std::lock_guard<std::mutex> lock(registry_mutex);
  int adopted = 0;
  for (const Registered& entry : registry) adopted += entry.adopted ? 1 : 0;
  return adopted;
}

}  // namespace patroni_exporter

// The process's bind(): libcivetweb's (and every other library's) calls resolve here first. Registered
// addresses are adopted (see the header); everything else is libc's bind().
extern "C" int bind(int fd, const sockaddr* address, socklen_t size) {
  if (patroni_exporter::Adopt(fd, address, size)) return 0;
  const patroni_exporter::BindFunction real = patroni_exporter::RealBind();
  if (real == nullptr) {
    errno = ENOSYS;
    return -1;
  }
  return real(fd, address, size);
}
