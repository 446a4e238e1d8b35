// The one place where components are chosen and built from the validated Config: the collectors, the scraper,
// the prober, and the options of the HTTP server.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "collectors/http_client.h"
#include "exporter/config.h"
#include "exporter/http_server.h"
#include "exporter/probe.h"
#include "exporter/scraper.h"

namespace patroni_exporter {

struct Components {
  std::shared_ptr<const HttpClient> client;
  std::unique_ptr<Scraper> scraper;  // /metrics
  std::unique_ptr<Prober> prober;    // /probe; reads the member directory the scrape fills
};

Components BuildComponents(const Config& config);

// The HTTP server's options. With --web.systemd-socket it takes systemd's sockets (exporter/systemd_socket.h):
// call it once, before the server starts. Empty + *error (one line) when those cannot be had.
std::optional<HttpServerOptions> BuildServerOptions(const Config& config, std::string* error);

}  // namespace patroni_exporter
