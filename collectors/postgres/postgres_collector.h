// PostgresCollector ("postgres"): PostgreSQL's own view of each member, over libpq -> patroni_pg_up{scope,name},
// patroni_pg_orphaned_primary{scope,name}, and the families of server_state.h, stat_replication.h,
// replication_slots.h and wal_receiver.h.
//
// A peer of the patroni collector, not driven by it: the scrape wrapper runs both at once, each under the scrape
// deadline, so a stalled Patroni never costs PostgreSQL its answer. It reads its targets from the member
// directory (collectors/member_directory.h), which the patroni collector fills and which remembers members
// /cluster no longer lists, so a member whose Patroni died is still queried.
//
// Where it connects, per configured cluster:
// - Local mode, the sidecar case: the DSN template (--postgres.dsn-template) names the server (host, hostaddr or
//   port, e.g. a Unix socket next to the node) and the cluster is one seed without discovery. That server is
//   queried with no Patroni answer at all. Its labels are the seed member's remembered (scope, name); before
//   Patroni ever answered, scope is PostgreSQL's own cluster_name setting (Patroni sets it to the scope) and name
//   the seed's HOST:PORT.
// - Cluster mode, otherwise: one server per remembered member of a discovery cluster, or per seed's member
//   without discovery, at "host=H port=P " + the template, with H and P the member's PostgreSQL address from
//   /cluster; after a failover the primary's view comes from the new primary without reconfiguration. A host or
//   port in the template wins there (libpq takes the last value).
// The password comes from PGPASSWORD or a passfile only (the template may not hold one).
//
// Orphaned primary: patroni_pg_orphaned_primary is 1 when the member's PostgreSQL accepts writes (not in
// recovery) while its Patroni does not answer, or while the member holds the leader lock in neither of two views
// of Patroni's: the older one, what the directory knew when this scrape's queries began (from the scrape
// before), and the newer one, the directory once the Patroni answers fetched in this scrape while PostgreSQL was
// asked are in; 0 otherwise; absent when PostgreSQL did not answer, or when the member's Patroni was never
// asked. A planned switchover cannot make it flicker, whichever way the two sources race:
// - the old leader stops its PostgreSQL before it releases the lock: the older view still gives it the lock;
// - the new leader takes the lock before it promotes (on the lab, 0.2 s before PostgreSQL accepts writes): a
//   scrape whose queries see the promotion began with a view that may be from before the lock, but its own
//   Patroni answers, fetched within milliseconds of the query, have it.
// Only a writable member without the lock in the older view waits for the newer one
// (MemberDirectory::WaitForUpdatesBegun, at most to the scrape deadline). "Does not answer" is the older view's:
// Patroni's REST API stays up through a planned switchover.
//
// One connection per server, kept across scrapes, rebuilt after a failure, closed when the member leaves the
// directory. Servers are queried concurrently; every connect and query ends by the scrape deadline. A server
// that cannot be reached or queried gets patroni_pg_up 0 and a log line on each change of its reason. A role
// without pg_monitor gets patroni_pg_monitor_privilege 0 and one log line with the GRANT to run.
// Collect() is thread-safe (serialized); never throws.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "collectors/cluster_target.h"
#include "collectors/collector.h"
#include "collectors/member_directory.h"
#include "collectors/postgres/pg_session.h"

namespace patroni_exporter {

struct PostgresCollectorOptions {
  std::string dsn_template;
  std::vector<ClusterTarget> clusters;  // which members are polled (discovery) and, in local mode, the seeds
};

// One server to query and what the directory knew of its member when the scrape began.
struct PgTarget {
  std::string scope;  // empty in local mode while no Patroni answer named it: cluster_name is asked
  std::string name;
  std::string host;  // empty in local mode: the template names the server
  int port = 0;
  bool holds_leader_lock = false;
  std::optional<bool> patroni_answered;
};

// The servers one scrape queries: pure, from a directory snapshot. `template_names_server`: the DSN template
// names host, hostaddr or port (ConninfoNamesServer). Exposed for tests.
std::vector<PgTarget> PlanPgTargets(const std::vector<DirectoryMember>& members,
                                    const std::vector<ClusterTarget>& clusters, bool template_names_server,
                                    const MemberDirectory& directory);

// 1, 0, or empty (unknown): see the header comment. `target` carries the older view; `holds_lock_now` answers
// from the newer one and is called only when the answer depends on it.
std::optional<bool> OrphanedPrimary(bool in_recovery, const PgTarget& target,
                                    const std::function<bool()>& holds_lock_now);

class PostgresCollector : public Collector {
 public:
  PostgresCollector(PostgresCollectorOptions options, std::shared_ptr<MemberDirectory> directory);

  std::string Name() const override { return "postgres"; }
  std::string Collect(const ScrapeContext& context, MetricSet* out) override;

 private:
  struct Server {
    std::unique_ptr<PgSession> session;
    std::string last_failure;
    bool warned_privilege = false;
  };
  // Returns the failure ("" when every query answered).
  // `holds_lock_now`: OrphanedPrimary's newer view of the target's member.
  std::string CollectOne(const PgTarget& target, Server* server, std::chrono::steady_clock::time_point deadline,
                         const std::function<bool(const PgTarget&)>& holds_lock_now, MetricSet* out);

  PostgresCollectorOptions options_;
  std::shared_ptr<MemberDirectory> directory_;
  bool template_names_server_;
  std::mutex mutex_;
  std::map<std::string, Server> servers_;  // "host:port" (local mode: "local/scope/name") -> connection, log state
};

}  // namespace patroni_exporter
