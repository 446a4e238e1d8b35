// `patroni_exporter healthcheck [PID]`: the container image's health check. It asks /-/healthy of the exporter it
// runs beside, the way that exporter is configured, so a HEALTHCHECK needs no copy of the flags:
//
//   1. the serving process: PID if given, else the only other process in this PID namespace (a container's) that
//      runs this same binary and is not itself a health check;
//   2. its command line (/proc/PID/cmdline) parsed by ParseFlags, the exporter's own parser; the environment is
//      this process's, which in a container is the exporter's too;
//   3. GET /-/healthy on its first listen address (0.0.0.0 and localhost as 127.0.0.1), over HTTPS when its
//      --web.config.file has tls_server_config. The server certificate is not verified (this is the exporter's
//      own endpoint on an address of its own host: the check is about the server answering, and the certificate
//      rarely names 127.0.0.1); when client_auth_type requires a client certificate, the server's own key pair
//      is presented, which RequireAnyClientCert takes and RequireAndVerifyClientCert takes only when client_ca_file
//      issued the server certificate and it may serve client authentication (extendedKeyUsage clientAuth or none;
//      OpenSSL refuses a serverAuth-only certificate there).
//
// Exit status 0 when /-/healthy answered 200, 1 otherwise (Docker's healthy/unhealthy); one line on stdout or
// stderr says which URL was asked and what happened.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "exporter/config.h"

namespace patroni_exporter {

// What to ask and how: the URL of /-/healthy and, when the server demands one, the client key pair.
struct HealthCheckTarget {
  std::string url;  // http[s]://HOST:PORT/-/healthy
  std::string client_cert_file;
  std::string client_key_file;
};

// Pure: the target of a running exporter configured as `config`.
HealthCheckTarget HealthCheckTargetFor(const Config& config);

// Pure: /proc/PID/cmdline's NUL-separated bytes as words (a trailing NUL ends the last word, not a new one).
std::vector<std::string> SplitCmdline(const std::string& bytes);

// True when argv is a health check's own command line (`patroni_exporter healthcheck ...`).
bool IsHealthCheckCommand(const std::vector<std::string>& argv);

// The subcommand: argv is the health check's own (argv[1] == "healthcheck", argv[2] an optional PID). Never
// throws; returns the exit status.
int RunHealthCheck(int argc, const char* const argv[]);

}  // namespace patroni_exporter
