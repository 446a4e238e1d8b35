#include "collectors/postgres/postgres_collector.h"

#include <set>
#include <thread>

#include "collectors/log.h"
#include "collectors/postgres/replication_slots.h"
#include "collectors/postgres/server_state.h"
#include "collectors/postgres/stat_replication.h"
#include "collectors/postgres/wal_receiver.h"

namespace patroni_exporter {
namespace {

std::string Quoted(const std::string& value) {
  std::string out = "'";
  for (const char c : value) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "'";
}

}  // namespace

void PostgresScraper::CollectOne(const PgTarget& target, Server* server, std::chrono::steady_clock::time_point deadline,
                                 MetricSet* out) {
  const Labels labels = {{"scope", target.scope}, {"name", target.name}};
  const std::string where = target.host + ":" + std::to_string(target.port);
  std::string error;
  std::optional<ServerState> state;
  PgSession& session = *server->session;
  if (session.Ensure(deadline, &error)) {
    // The server gives up too, a little before the scrape does.
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    const int version = session.server_version();
    if (session.Query("SET statement_timeout = " + std::to_string(std::max<long long>(left, 1)), deadline, &error)) {
      if (auto rows = session.Query(ServerStateSql(version), deadline, &error)) {
        state = ParseServerState(*rows);
        if (!state) error = "unexpected answer to the server state query";
      }
    }
    if (state) {
      TranslateServerState(*state, labels, out);
      const struct {
        std::string (*sql)(int);
        void (*translate)(const PgRows&, const ServerState&, const Labels&, MetricSet*);
      } views[] = {{StatReplicationSql, TranslateStatReplication},
                   {ReplicationSlotsSql, TranslateReplicationSlots},
                   {WalReceiverSql, TranslateWalReceiver}};
      for (const auto& view : views) {
        std::string view_error;
        if (auto rows = session.Query(view.sql(version), deadline, &view_error)) {
          view.translate(*rows, *state, labels, out);
        } else if (error.empty()) {
          error = view_error;
        }
      }
      if (!state->monitor_privilege && !server->warned_privilege) {
        server->warned_privilege = true;
        Log(LogLevel::kWarn,
            "the exporter's PostgreSQL role cannot read other sessions' replication data; run: GRANT pg_monitor TO "
            "<the role of --postgres.dsn-template>",
            {{"collector", "postgres"}, {"server", where}, {"scope", target.scope}, {"name", target.name}});
      }
    }
  }
  out->AddGauge("patroni_pg_up", "1 if the member's PostgreSQL answered the exporter's queries, 0 otherwise.", labels,
                state && error.empty() ? 1 : 0);
  const std::string failure = state && error.empty() ? "" : error;
  if (failure != server->last_failure) {
    if (failure.empty()) {
      Log(LogLevel::kInfo, "PostgreSQL recovered", {{"collector", "postgres"}, {"server", where}});
    } else {
      Log(LogLevel::kWarn, "PostgreSQL failed", {{"collector", "postgres"}, {"server", where}, {"err", failure}});
    }
    server->last_failure = failure;
  }
}

void PostgresScraper::Collect(const std::vector<PgTarget>& targets, std::chrono::steady_clock::time_point deadline,
                              MetricSet* out) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<Server*> servers;
  std::set<std::string> keep;
  std::vector<PgTarget> unique;
  for (const PgTarget& target : targets) {
    const std::string key = target.host + ":" + std::to_string(target.port);
    if (!keep.insert(key).second) continue;  // one server, one session, one thread
    unique.push_back(target);
    Server& server = servers_[key];
    if (!server.session) {
      server.session = std::make_unique<PgSession>("host=" + Quoted(target.host) +
                                                   " port=" + std::to_string(target.port) + " " + dsn_template_);
    }
    servers.push_back(&server);
  }
  // Members that left the cluster: close their connections.
  for (auto it = servers_.begin(); it != servers_.end();) {
    it = keep.count(it->first) ? std::next(it) : servers_.erase(it);
  }
  std::vector<MetricSet> results(unique.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < unique.size(); ++i) {
    threads.emplace_back([&, i] { CollectOne(unique[i], servers[i], deadline, &results[i]); });
  }
  for (std::thread& t : threads) t.join();
  for (MetricSet& r : results) out->Merge(std::move(r));
}

}  // namespace patroni_exporter
