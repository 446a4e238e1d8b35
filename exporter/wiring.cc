#include "exporter/wiring.h"

#include "collectors/http_client.h"
#include "collectors/patroni/node_collector.h"
#include "collectors/process/process_collector.h"
#include "exporter/build_info.h"

namespace patroni_exporter {

std::vector<std::unique_ptr<Collector>> BuildCollectors(const Config& config) {
  HttpClientOptions http;
  http.timeout = config.patroni_timeout;
  http.max_body_bytes = config.patroni_max_body_bytes;
  http.tls = config.patroni_tls;
  http.user_agent = std::string("patroni_exporter/") + kVersion;
  auto client = std::make_shared<const HttpClient>(http);

  NodeCollectorOptions node;
  node.targets = config.patroni_urls;
  node.translate.legacy_master = config.legacy_master;

  std::vector<std::unique_ptr<Collector>> collectors;
  collectors.push_back(std::make_unique<NodeCollector>(node, client));
  collectors.push_back(std::make_unique<ProcessCollector>());
  return collectors;
}

}  // namespace patroni_exporter
