// --web.systemd-socket: listening sockets passed by systemd (socket activation, sd_listen_fds(3)), served by
// CivetWeb.
//
// systemd passes LISTEN_PID (the pid the sockets are meant for), LISTEN_FDS (how many) and the sockets as file
// descriptors 3, 4, ... CivetWeb 1.15 cannot serve a socket it did not create: its only way to listen is the
// "listening_ports" option, for which it calls socket(), bind() and listen() itself (its API has no call taking
// a descriptor). So the exporter adopts the inherited sockets at CivetWeb's bind(): TakeSystemdSockets() learns
// each socket's address (getsockname) and registers it, the caller gives CivetWeb those addresses, and when
// CivetWeb binds the socket it just created to a registered address, the bind() of this program (which the
// dynamic linker prefers to libc's for every library, libcivetweb's included) replaces that socket by the
// inherited one with dup2() instead of binding. CivetWeb then listen()s on it (a no-op on a listening socket) and
// accepts from it, so connections systemd queued before the exporter ran are served. Every other bind() in the
// process goes to libc unchanged. Only IPv4 TCP sockets (Debian 12's CivetWeb has no IPv6): the .socket unit
// says ListenStream=0.0.0.0:9547 or IP:PORT, not a bare port (that would be an IPv6 socket).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace patroni_exporter {

// The descriptors sd_listen_fds() would return, from the variables' values (null: unset) and this process's
// pid: [3, 3 + LISTEN_FDS). Empty + *error when the variables are missing, malformed or meant for another
// process (LISTEN_PID differs). Pure.
std::optional<std::vector<int>> ParseListenFds(const char* listen_pid, const char* listen_fds, pid_t pid,
                                               std::string* error);

// Reads LISTEN_PID and LISTEN_FDS, checks that each descriptor is a listening IPv4 TCP socket, unsets the
// variables (so no child inherits them), marks the descriptors close-on-exec, registers them for adoption at
// bind() and returns their addresses in CivetWeb's listening_ports syntax, comma-separated ("9547" for
// 0.0.0.0:9547, "127.0.0.1:9547"). Empty + *error (one line) otherwise. Call once, before CivetWeb starts.
std::optional<std::string> TakeSystemdSockets(std::string* error);

// How many registered sockets a bind() has adopted so far (for the start-up log and tests).
int AdoptedSystemdSockets();

}  // namespace patroni_exporter
