// PatroniCollector ("patroni"): Patroni's REST API of one or more clusters -> the native node families
// (node_status_translate.h), the cluster view (cluster_translate.h), and their up gauges. It writes what it learns
// of each member into the member directory (collectors/member_directory.h), which the postgres collector and
// /probe read.
//
// One scrape, all under the scrape deadline (the rounds: patroni_collector.cc):
//   1. GET /patroni of every seed and, with discovery, of every member the directory remembers (listed by
//      /cluster or answering within --patroni.member-retention), beside GET /cluster of every seed (for the
//      cluster view, for discovery, for member names Patroni < 3.2 does not send, and to pick the seed that speaks
//      for the cluster). With discovery the /patroni requests run on a thread of their own, so neither a slow
//      member nor a hanging /cluster delays the other.
//   2. With discovery, when no seed's /cluster is valid: GET /cluster of the remembered members, in name order,
//      so discovery survives the death of the seed it started from.
//   3. GET /patroni of members the view lists that round 1 did not ask (discovery), and GET /config and GET
//      /history once per cluster from the member whose /cluster won (cluster-wide data: never once per member).
//      No valid /cluster (the DCS is away, and these endpoints would hang too) skips /config and /history.
//   With the health view on, each /patroni request comes with GETs of Patroni's health endpoints (kHealthChecks,
//   HealthRequests) on the same member, in the same round; the HTTP client keeps at most 2 of one host's
//   requests in flight, so a member sees them a couple at a time.
// A member that does not answer costs the others nothing beyond its own timeout. Every failed request is counted
// (patroni_exporter_request_failures_total{endpoint,reason}) and logged on each change of its reason
// (request_failures.h). One cluster failing never touches another's metrics.
//
// Families of its own:
//   patroni_up{target,scope}           1 if GET /patroni of target gave a valid status; for seeds, members the
//                                      latest cluster view lists, and remembered members that answer (a member
//                                      /cluster no longer lists and whose Patroni is gone gets no sample: scale-in)
//   patroni_cluster_up{target,scope}   1 if GET /cluster of the seed target gave a valid cluster
//     `scope` on both: the scope the target's answer named, else the one the member directory remembers for
//     that REST API (so a target that went down keeps it), else the cluster view's; no `scope` label while none
//     is known (a seed that never answered since the exporter started).
//   patroni_cluster_running_primaries{scope}  members this scrape polled whose own /patroni says primary and
//                                      running: 2 or more is split brain, visible in one scrape
//   patroni_health_check{scope,name,endpoint}  1 if the endpoint answered 200, 0 if 503 (health view only);
//                                      `endpoint` is the path asked, with its query ("/replica?lag=1MB"); none for
//                                      an endpoint older than the member's Patroni version (kHealthChecks)
//   patroni_failsafe_mode_enabled{scope,name}  failsafe_mode of the scope's GET /config, for each member of the
//                                      scope this scrape polled whose Patroni (3.0+) has failsafe mode
// and, through the translate layers: node (node_status_translate.h), cluster (cluster_translate.h), config
// (dynamic_config_translate.h) and history (history_translate.h) families.
// Member names (`name`): member_naming.h. Scope of a /cluster without one (Patroni < 3.2): member_naming.h; when
// none is known the cluster-wide families are skipped and the failure is counted as missing_scope. Two targets
// that are the same member (scope, name) are exported once.
// Collect() is thread-safe (a mutex serializes it; the scrape wrapper coalesces concurrent scrapes anyway).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "collectors/cluster_target.h"
#include "collectors/collector.h"
#include "collectors/http_client.h"
#include "collectors/member_directory.h"
#include "collectors/patroni/node_status_translate.h"
#include "collectors/patroni/request_plan.h"
#include "collectors/request_failures.h"
#include "collectors/url.h"

namespace patroni_exporter {

struct PatroniCollectorOptions {
  std::vector<ClusterTarget> clusters;
  NodeTranslateOptions node;
  bool cluster_view = true;  // export the /cluster families (GET /cluster is still made for discovery and names)
  bool config_view = true;   // GET /config once per cluster
  bool history_view = true;  // GET /history once per cluster
  bool health_view = false;  // GET the health endpoints of every member polled (kHealthChecks: 12 more requests)
  // With the health view: also the ?lag=MAX_LAG form of /replica, /async and /readiness (3 more requests); empty:
  // none. ValidHealthMaxLag() must hold.
  std::string health_max_lag;
  // Add patroni_exporter_request_failures_total to the output (off for a /probe's one-off collector, whose
  // counts would restart at every probe).
  bool export_failure_counter = true;
};

class PatroniCollector : public Collector {
 public:
  // `directory`: where members are recorded (shared with the postgres collector and /probe). `failures`: where
  // failed requests are counted and logged. Neither may be null.
  PatroniCollector(PatroniCollectorOptions options, std::shared_ptr<const HttpClient> client,
                   std::shared_ptr<MemberDirectory> directory, std::shared_ptr<RequestFailures> failures);

  std::string Name() const override { return "patroni"; }
  std::string Collect(const ScrapeContext& context, MetricSet* out) override;

 private:
  struct Scrape;  // one scrape's plan, views and answers (patroni_collector.cc)
  static void PickViews(Scrape* s, const std::vector<std::size_t>& indices);
  void FetchAll(const ScrapeContext& context, Scrape* s) const;
  void EmitMembers(Scrape* s, MetricSet* out) const;
  void EmitClusters(Scrape* s, MetricSet* out) const;
  void EmitClusterWide(Scrape* s, MetricSet* out) const;
  static void EmitFailsafeEnabled(const Scrape& s, const std::string& scope, bool enabled, MetricSet* out);
  void EmitHealth(Scrape* s, MetricSet* out) const;
  std::string Finish(Scrape* s, MetricSet* out);

  PatroniCollectorOptions options_;
  std::shared_ptr<const HttpClient> client_;
  std::shared_ptr<MemberDirectory> directory_;
  std::shared_ptr<RequestFailures> failures_;
  std::mutex mutex_;
};

}  // namespace patroni_exporter
