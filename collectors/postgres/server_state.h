// The server-wide facts every view's translation needs, from one row: recovery or not, how far replay is behind
// what was received, the replay timestamp's age, and whether the role may read other sessions' replication
// data. Bytes and seconds are computed in SQL (pg_rows.h). Pure apart from the SQL text; never throws.
// PostgreSQL 10 to 17.
#pragma once

#include <optional>
#include <string>

#include "collectors/metric_set.h"
#include "collectors/postgres/pg_rows.h"

namespace patroni_exporter {

struct ServerState {
  bool in_recovery = false;
  // Replica: pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()); may be below 0 (a standby
  // that replayed WAL from its own pg_wal before streaming started). Primary: none.
  std::optional<double> replay_lag_bytes;
  std::optional<double> replay_timestamp_age_seconds;  // now() - pg_last_xact_replay_timestamp()
  bool monitor_privilege = false;                      // superuser or member of pg_monitor (pg_read_all_stats)
};

// The server's current WAL position as an SQL expression for the views' byte lags: on a primary the WAL written
// so far, on a standby the WAL received so far (NULL until it received any).
extern const char kCurrentWalLsnSql[];

// One row: in_recovery, replay_lag_bytes, replay_age_seconds, monitor.
std::string ServerStateSql(int server_version);
std::optional<ServerState> ParseServerState(const PgRows& rows);

// patroni_pg_in_recovery, patroni_pg_monitor_privilege, and on a replica patroni_pg_replay_lag_bytes (received
// minus replayed) and patroni_pg_replay_delay_seconds: 0 when everything received has been replayed (so an idle
// primary does not look like lag), else the age of the last replayed transaction, which grows while replay
// stands still. `labels`: scope, name.
void TranslateServerState(const ServerState& state, const Labels& labels, MetricSet* out);

}  // namespace patroni_exporter
