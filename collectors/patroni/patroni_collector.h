// PatroniCollector ("patroni"): Patroni's REST API of one or more clusters -> the native node families
// (node_status_translate.h), the cluster view (cluster_translate.h), and their up gauges.
//
// One scrape is two concurrent rounds of GET requests, all under the scrape deadline:
//   1. every seed of every cluster: GET /patroni, and GET /cluster (for the cluster view, for discovery, for
//      member names Patroni < 3.2 does not send, and to pick the seed that speaks for the cluster);
//   2. with discovery on: GET /patroni of every member the cluster's first answering seed (in configured order)
//      listed, unless round 1 already asked it; and GET /config and GET /history once per cluster, from that
//      seed (cluster-wide data: never once per member). No seed answering /cluster (the DCS is away, and these
//      endpoints would hang too) skips /config and /history; the node families are served regardless.
//   With the health view on, each /patroni request comes with GETs of Patroni's health endpoints (kHealthChecks)
//   on the same member, in the same round. With discovery, round 1's /patroni (and health) requests run on a
//   thread of their own, beside /cluster and round 2, so neither a slow seed nor a hanging /cluster delays the
//   other.
// A seed or member that does not answer costs the others nothing beyond its own timeout: its up gauge is 0,
// and a log line says why (on each change of its reason; repeats go to debug). One cluster failing never
// touches another's metrics.
//
// Families of its own:
//   patroni_up{target}                 1 if GET /patroni of target gave a valid status
//   patroni_cluster_up{target}         1 if GET /cluster of the seed target gave a valid cluster
//   patroni_cluster_running_primaries{scope}  members this scrape polled whose own /patroni says primary and
//                                      running: 2 or more is split brain, visible in one scrape
//   patroni_health_check{scope,name,endpoint}  1 if the endpoint answered 200, 0 if 503 (health view only)
// and, through the translate layers: node (node_status_translate.h), cluster (cluster_translate.h), config
// (dynamic_config_translate.h) and history (history_translate.h) families.
// Member names (`name`): patroni.name (3.2+), else the /cluster member whose api_url is the target, else the
// target's HOST:PORT. Two targets that are the same member (scope, name) are exported once.
// Collect() is thread-safe (a mutex serializes it; the scrape wrapper coalesces concurrent scrapes anyway).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "collectors/collector.h"
#include "collectors/http_client.h"
#include "collectors/patroni/node_status_translate.h"
#include "collectors/postgres/postgres_collector.h"
#include "collectors/url.h"

namespace patroni_exporter {

struct ClusterTarget {
  std::string name;            // for logs ("default" for --patroni.url)
  std::vector<BaseUrl> seeds;  // REST APIs of members; the first that answers /cluster speaks for the cluster
  bool discovery = false;      // poll every member /cluster lists
  TlsClientOptions tls;
};

struct PatroniCollectorOptions {
  std::vector<ClusterTarget> clusters;
  NodeTranslateOptions node;
  bool cluster_view = true;  // export the /cluster families (GET /cluster is still made for discovery and names)
  bool config_view = true;   // GET /config once per cluster
  bool history_view = true;  // GET /history once per cluster
  bool health_view = false;  // GET the health endpoints of every member polled (7 more requests per member)
  // PostgreSQL's replication view of every member polled, at the address /cluster gives; null: off.
  std::shared_ptr<PostgresScraper> postgres;
};

// The health endpoints the health view asks, in this order: what HAProxy or Kubernetes probes see.
inline constexpr const char* kHealthChecks[] = {"/primary", "/replica",  "/read-only", "/sync",
                                                "/async",   "/liveness", "/readiness"};

class PatroniCollector : public Collector {
 public:
  PatroniCollector(PatroniCollectorOptions options, std::shared_ptr<const HttpClient> client);

  std::string Name() const override { return "patroni"; }
  std::string Collect(const ScrapeContext& context, MetricSet* out) override;

  // Member REST APIs (HOST:PORT) this collector found through discovery in its latest scrape: /probe allows
  // them as targets.
  std::vector<std::string> DiscoveredHostPorts() const;

 private:
  void RecordOutcome(const std::string& target, const std::string& failure);

  PatroniCollectorOptions options_;
  std::shared_ptr<const HttpClient> client_;
  mutable std::mutex mutex_;
  std::map<std::string, std::string> last_failure_;                  // target -> reason; "" while healthy
  std::map<std::string, std::string> known_names_;                   // target -> member name learned from /cluster
  std::map<std::string, std::pair<std::string, int>> pg_addresses_;  // "scope/name" -> PostgreSQL host, port
  std::vector<std::string> discovered_;
};

}  // namespace patroni_exporter
