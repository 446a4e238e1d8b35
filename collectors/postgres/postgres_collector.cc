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

std::string ServerKey(const PgTarget& t) {
  return t.host.empty() ? "local/" + t.scope + "/" + t.name : t.host + ":" + std::to_string(t.port);
}

}  // namespace

std::vector<PgTarget> PlanPgTargets(const std::vector<DirectoryMember>& members,
                                    const std::vector<ClusterTarget>& clusters, bool template_names_server,
                                    const MemberDirectory& directory) {
  std::vector<PgTarget> targets;
  std::set<std::string> seen;
  for (const ClusterTarget& cluster : clusters) {
    if (template_names_server && cluster.seeds.size() == 1 && !cluster.discovery) {
      // Local mode: the template names the seed's own server, queried whether Patroni answers or not.
      const BaseUrl& seed = cluster.seeds.front();
      PgTarget t;
      t.name = seed.HostPort();
      t.patroni_answered = directory.PatroniAnswered(seed);
      for (const DirectoryMember& m : members) {
        if (!m.api_url || !SameRestApi(*m.api_url, seed)) continue;
        t.scope = m.scope;
        t.name = m.name;
        t.holds_leader_lock = m.holds_leader_lock;
      }
      targets.push_back(std::move(t));
      continue;
    }
    for (const DirectoryMember& m : members) {
      if (m.cluster != cluster.name || !m.pg_host || !m.pg_port) continue;
      bool polled = cluster.discovery;
      for (const BaseUrl& seed : cluster.seeds) polled = polled || (m.api_url && SameRestApi(*m.api_url, seed));
      if (!polled) continue;
      PgTarget t{m.scope, m.name, *m.pg_host, *m.pg_port, m.holds_leader_lock, m.patroni_answered};
      if (!seen.insert(ServerKey(t)).second) continue;  // one server, one session
      targets.push_back(std::move(t));
    }
  }
  return targets;
}

std::optional<bool> OrphanedPrimary(bool in_recovery, const PgTarget& target,
                                    const std::function<bool()>& holds_lock_now) {
  if (in_recovery) return false;
  if (target.patroni_answered == false) return true;
  if (!target.patroni_answered) return std::nullopt;  // Patroni never asked yet: nothing to compare with
  if (target.holds_leader_lock) return false;
  return !holds_lock_now();
}

PostgresCollector::PostgresCollector(PostgresCollectorOptions options, std::shared_ptr<MemberDirectory> directory)
    : options_(std::move(options)),
      directory_(std::move(directory)),
      template_names_server_(ConninfoNamesServer(options_.dsn_template)) {}

std::string PostgresCollector::CollectOne(const PgTarget& planned, Server* server,
                                          std::chrono::steady_clock::time_point deadline,
                                          const std::function<bool(const PgTarget&)>& holds_lock_now,
                                          MetricSet* out) {
  PgTarget target = planned;
  const std::string where =
      target.host.empty() ? "the --postgres.dsn-template server" : target.host + ":" + std::to_string(target.port);
  std::string error;
  std::optional<ServerState> state;
  PgSession& session = *server->session;
  if (session.Ensure(deadline, &error)) {
    // The server ends each statement by the time the scrape's deadline is left at the SET; the client cancels
    // any statement still running at the deadline itself (PgSession).
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    const int version = session.server_version();
    if (session.Query("SET statement_timeout = " + std::to_string(std::max<long long>(left, 1)), deadline, &error)) {
      if (target.scope.empty()) {
        // Local mode before Patroni ever answered: Patroni sets cluster_name to the scope.
        if (auto rows = session.Query("SELECT current_setting('cluster_name') AS cluster_name", deadline, &error)) {
          if (!rows->empty()) target.scope = PgText(rows->front(), "cluster_name").value_or("");
        }
      }
      if (error.empty()) {
        if (auto rows = session.Query(ServerStateSql(version), deadline, &error)) {
          state = ParseServerState(*rows);
          if (!state) error = "unexpected answer to the server state query";
        }
      }
    }
  }
  const Labels labels = {{"scope", target.scope}, {"name", target.name}};
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
      if (auto rows = session.Query(view.sql(session.server_version()), deadline, &view_error)) {
        view.translate(*rows, *state, labels, out);
      } else if (error.empty()) {
        error = view_error;
      }
    }
    if (const std::optional<bool> orphaned =
            OrphanedPrimary(state->in_recovery, target, [&] { return holds_lock_now(planned); })) {
      out->AddGauge("patroni_pg_orphaned_primary",
                    "1 if the member's PostgreSQL accepts writes while the member does not hold Patroni's leader "
                    "lock or its Patroni does not answer (split brain risk), 0 otherwise.",
                    labels, *orphaned ? 1 : 0);
    }
    if (!state->monitor_privilege && !server->warned_privilege) {
      server->warned_privilege = true;
      Log(LogLevel::kWarn,
          "the exporter's PostgreSQL role cannot read other sessions' replication data; run: GRANT pg_monitor TO "
          "<the role of --postgres.dsn-template>",
          {{"collector", "postgres"}, {"server", where}, {"scope", target.scope}, {"name", target.name}});
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
  return failure;
}

std::string PostgresCollector::Collect(const ScrapeContext& context, MetricSet* out) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto start = std::chrono::steady_clock::now();
  // Right after startup nothing is known of the members: wait for the patroni collector's first answers, at most
  // half of the time left, so the first scrape has PostgreSQL's view too.
  if (context.deadline > start) directory_->WaitForFirstUpdate(start + (context.deadline - start) / 2);
  const std::vector<PgTarget> targets = PlanPgTargets(directory_->Snapshot(std::chrono::steady_clock::now()),
                                                      options_.clusters, template_names_server_, *directory_);

  std::vector<Server*> servers;
  std::set<std::string> keep;
  for (const PgTarget& target : targets) {
    const std::string key = ServerKey(target);
    keep.insert(key);
    Server& server = servers_[key];
    if (!server.session) {
      server.session = std::make_unique<PgSession>(
          target.host.empty()
              ? options_.dsn_template
              : "host=" + Quoted(target.host) + " port=" + std::to_string(target.port) + " " + options_.dsn_template);
    }
    servers.push_back(&server);
  }
  // Members that left the directory: close their connections.
  for (auto it = servers_.begin(); it != servers_.end();) {
    it = keep.count(it->first) ? std::next(it) : servers_.erase(it);
  }
  // The newer view OrphanedPrimary may ask for: made once, by the first query thread that needs it, after this
  // scrape's Patroni answers are in. Keyed as the targets are; a member missing from it holds no lock.
  std::once_flag newer_view_made;
  std::map<std::string, bool> holds_lock;
  const auto holds_lock_now = [&](const PgTarget& target) {
    std::call_once(newer_view_made, [&] {
      directory_->WaitForUpdatesBegun(context.deadline);
      for (const PgTarget& t : PlanPgTargets(directory_->Snapshot(std::chrono::steady_clock::now()),
                                             options_.clusters, template_names_server_, *directory_)) {
        holds_lock[ServerKey(t)] = t.holds_leader_lock;
      }
    });
    const auto it = holds_lock.find(ServerKey(target));
    return it != holds_lock.end() && it->second;
  };
  std::vector<MetricSet> results(targets.size());
  std::vector<std::string> failures(targets.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    threads.emplace_back(
        [&, i] { failures[i] = CollectOne(targets[i], servers[i], context.deadline, holds_lock_now, &results[i]); });
  }
  for (std::thread& t : threads) t.join();
  std::size_t failed = 0;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    out->Merge(std::move(results[i]));
    failed += failures[i].empty() ? 0 : 1;
  }
  if (failed == 0) return "";
  return std::to_string(failed) + " of " + std::to_string(targets.size()) + " PostgreSQL servers failed";
}

}  // namespace patroni_exporter
