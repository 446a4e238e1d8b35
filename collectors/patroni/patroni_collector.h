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
//      /history once per cluster from the member whose /cluster won (cluster-wide data: never once per member),
//      unless the answers kept from an earlier scrape still hold (see "Cluster-wide answers" below).
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
//   patroni_exporter_cached_answer_age_seconds{scope,endpoint}  seconds since the /config or /history answer
//                                      whose families this scrape serves was fetched (only with a refresh
//                                      interval: without one every answer is fresh)
//
// Cluster-wide answers (/config, /history), with cluster_wide_refresh_interval > 0: a cluster's last good
// answers are kept, parsed, and served again while its /cluster shows the same "signals" as when they were
// fetched (ClusterWideSignals: the leader, the leader's and the highest member timeline, pause, the members with
// pending_restart, the synchronous standbys) and they are younger than the interval. Anything else asks anew: no answer
// kept, a signal changed (a failover writes /history and may touch /config; pause and resume write /config; a parameter
// edit sets pending_restart), the interval expired, or a kept /history that ends on an older timeline than the
// cluster's (Patroni writes the new row a loop after the promotion). A failed request is counted and logged as
// without the cache and drops the kept answer: the families are absent as they would be without the cache, and
// the next scrape asks again. No valid /cluster: nothing is asked and nothing served, as without the cache.
// Member names (`name`): member_naming.h. Scope of a /cluster without one (Patroni < 3.2): member_naming.h; when
// none is known the cluster-wide families are skipped and the failure is counted as missing_scope. Two targets
// that are the same member (scope, name) are exported once.
// Collect() is thread-safe (a mutex serializes it; the scrape wrapper coalesces concurrent scrapes anyway).
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "collectors/cluster_target.h"
#include "collectors/collector.h"
#include "collectors/http_client.h"
#include "collectors/member_directory.h"
#include "collectors/patroni/cluster.h"
#include "collectors/patroni/dynamic_config.h"
#include "collectors/patroni/history.h"
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
  // How long a cluster's last good /config and /history answers may be served again instead of asked anew, when
  // nothing in its /cluster says they may have changed (see "Cluster-wide answers" above). Zero: asked at every
  // scrape, no cache and no age gauge (the default here, and for a /probe's one-off collector).
  std::chrono::milliseconds cluster_wide_refresh_interval{0};
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

  // What of a cluster view tells that /config or /history may have changed since an answer was fetched.
  struct ClusterWideSignals {
    std::string leader;  // "" when no member has the leader or standby_leader role
    std::optional<double> leader_timeline;
    std::optional<double> max_timeline;
    bool paused = false;
    std::vector<std::string> pending_restart;  // names, in the view's order
    // Names of sync_standby and quorum_standby members: their first appearance or last departure follows an
    // edit of synchronous_mode (and synchronous_node_count) in /config.
    std::vector<std::string> synchronous;

    static ClusterWideSignals Of(const ClusterView& view);
    bool operator==(const ClusterWideSignals&) const = default;
  };
  // A cluster's last good answer of one cluster-wide endpoint.
  template <typename T>
  struct CachedAnswer {
    std::optional<T> value;
    std::chrono::steady_clock::time_point fetched;
    ClusterWideSignals signals;
    bool recheck = false;  // ask again next scrape even if nothing changed (a /history behind the timeline)
  };
  struct ClusterWideCache {
    CachedAnswer<DynamicConfig> config;
    CachedAnswer<History> history;
  };
  template <typename T>
  bool NeedsFetch(const CachedAnswer<T>& cached, const ClusterWideSignals& signals,
                  std::chrono::steady_clock::time_point now) const;
  static void PickViews(Scrape* s, const std::vector<std::size_t>& indices);
  void FetchAll(const ScrapeContext& context, Scrape* s) const;
  void EmitMembers(Scrape* s, MetricSet* out) const;
  void EmitClusters(Scrape* s, MetricSet* out) const;
  void EmitClusterWide(Scrape* s, MetricSet* out);
  static void EmitFailsafeEnabled(const Scrape& s, const std::string& scope, bool enabled, MetricSet* out);
  void EmitHealth(Scrape* s, MetricSet* out) const;
  std::string Finish(Scrape* s, MetricSet* out);

  PatroniCollectorOptions options_;
  std::shared_ptr<const HttpClient> client_;
  std::shared_ptr<MemberDirectory> directory_;
  std::shared_ptr<RequestFailures> failures_;
  std::mutex mutex_;
  std::vector<ClusterWideCache> cache_;  // per configured cluster; guarded by mutex_
};

}  // namespace patroni_exporter
