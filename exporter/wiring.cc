#include "exporter/wiring.h"

#include "collectors/member_directory.h"
#include "collectors/patroni/patroni_collector.h"
#include "collectors/postgres/postgres_collector.h"
#include "collectors/process/process_collector.h"
#include "collectors/request_failures.h"
#include "exporter/build_info.h"
#include "exporter/systemd_socket.h"

namespace patroni_exporter {

Components BuildComponents(const Config& config) {
  HttpClientOptions http;
  http.timeout = config.patroni_timeout;
  http.max_body_bytes = config.patroni_max_body_bytes;
  http.max_in_flight = config.patroni_max_parallel_requests;
  http.max_in_flight_per_host = config.patroni_max_parallel_requests_per_member;
  http.tls = config.patroni_tls;
  http.user_agent = std::string("patroni_exporter/") + kVersion;

  Components components;
  components.client = std::make_shared<const HttpClient>(http);
  // Written by the patroni collector, read by the postgres collector and /probe.
  auto directory = std::make_shared<MemberDirectory>(config.member_retention);

  PatroniCollectorOptions patroni;
  patroni.clusters = config.clusters;
  patroni.node.legacy_master = config.legacy_master;
  patroni.cluster_view = config.cluster_collector;
  patroni.config_view = config.config_collector;
  patroni.history_view = config.history_collector;
  patroni.health_view = config.health_collector;
  patroni.health_max_lag = config.health_max_lag;

  std::vector<std::unique_ptr<Collector>> collectors;
  collectors.push_back(std::make_unique<PatroniCollector>(patroni, components.client, directory,
                                                          std::make_shared<RequestFailures>("patroni")));
  if (!config.postgres_dsn_template.empty()) {
    PostgresCollectorOptions postgres;
    postgres.dsn_template = config.postgres_dsn_template;
    postgres.clusters = config.clusters;
    collectors.push_back(std::make_unique<PostgresCollector>(postgres, directory));
  }
  if (config.process_collector) collectors.push_back(std::make_unique<ProcessCollector>());
  components.scraper = std::make_unique<Scraper>(std::move(collectors));

  ProberOptions probe;
  probe.clusters = config.clusters;
  probe.default_tls = config.patroni_tls;
  probe.allowed_targets = config.probe_allowed_targets;
  // /probe serves Patroni's view only: PostgreSQL connections belong to the configured clusters (a probe of an
  // arbitrary target would open and churn connections the main scrape owns).
  probe.views = patroni;
  probe.views.clusters.clear();
  components.prober = std::make_unique<Prober>(probe, components.client, directory);
  return components;
}

std::optional<HttpServerOptions> BuildServerOptions(const Config& config, std::string* error) {
  HttpServerOptions web;
  web.listening_ports = config.civetweb_ports;
  if (config.systemd_socket) {
    std::optional<std::string> ports = TakeSystemdSockets(error);
    if (!ports) return std::nullopt;
    web.listening_ports = *ports;
  }
  web.telemetry_path = config.telemetry_path;
  web.default_scrape_timeout = config.default_scrape_timeout;
  web.threads = config.web_threads;
  web.web = config.web;
  web.web_config_file = config.web_config_file;
  return web;
}

}  // namespace patroni_exporter
