// PostgresScraper: PostgreSQL's own view of replication, over libpq, for the members the patroni collector
// polls -> patroni_pg_up{scope,name} and the families of server_state.h, stat_replication.h,
// replication_slots.h and wal_receiver.h.
//
// Where it connects: "host=H port=P " + the DSN template, with H and P the member's PostgreSQL address from
// /cluster, so after a failover the primary's view comes from the new primary without reconfiguration. A
// host or port in the template wins (libpq takes the last value), e.g. a Unix socket next to the node. The
// password comes from PGPASSWORD or a passfile only (the template may not hold one).
//
// One connection per server, kept across scrapes, rebuilt after a failure, closed when the member leaves.
// Members are queried concurrently; every connect and query ends by the scrape deadline (statement_timeout
// tied to it, and a client-side cancel). A server that cannot be reached or queried gets patroni_pg_up 0 and a
// log line on each change of its reason; the rest of the scrape is unaffected. A role without pg_monitor gets
// patroni_pg_monitor_privilege 0 and one log line with the GRANT to run. Thread-safe; never throws.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "collectors/metric_set.h"
#include "collectors/postgres/pg_session.h"

namespace patroni_exporter {

struct PgTarget {
  std::string scope;
  std::string name;  // member
  std::string host;
  int port = 5432;
};

class PostgresScraper {
 public:
  explicit PostgresScraper(std::string dsn_template) : dsn_template_(std::move(dsn_template)) {}

  void Collect(const std::vector<PgTarget>& targets, std::chrono::steady_clock::time_point deadline, MetricSet* out);

 private:
  struct Server {
    std::unique_ptr<PgSession> session;
    std::string last_failure;
    bool warned_privilege = false;
  };
  void CollectOne(const PgTarget& target, Server* server, std::chrono::steady_clock::time_point deadline,
                  MetricSet* out);

  std::string dsn_template_;
  std::mutex mutex_;
  std::map<std::string, Server> servers_;  // "host:port" -> connection and log state
};

}  // namespace patroni_exporter
