// The server-wide facts every view's translation needs, from one row: recovery or not, the current WAL
// positions, the replay timestamp's age, and whether the role may read other sessions' replication data.
// Pure apart from the SQL text; never throws. PostgreSQL 10 to 17.
#pragma once

#include <optional>
#include <string>

#include "collectors/metric_set.h"
#include "collectors/postgres/pg_rows.h"

namespace patroni_exporter {

struct ServerState {
  bool in_recovery = false;
  std::optional<std::string> current_lsn;              // primary: pg_current_wal_lsn(); replica: last received
  std::optional<std::string> received_lsn;             // replica: pg_last_wal_receive_lsn()
  std::optional<std::string> replayed_lsn;             // replica: pg_last_wal_replay_lsn()
  std::optional<double> replay_timestamp_age_seconds;  // now() - pg_last_xact_replay_timestamp()
  bool monitor_privilege = false;                      // superuser or member of pg_monitor (pg_read_all_stats)
};

// One row: in_recovery, current_lsn, received_lsn, replayed_lsn, replay_age_seconds, monitor.
std::string ServerStateSql(int server_version);
std::optional<ServerState> ParseServerState(const PgRows& rows);

// patroni_pg_in_recovery, patroni_pg_monitor_privilege, and on a replica patroni_pg_replay_lag_bytes (received
// minus replayed) and patroni_pg_replay_delay_seconds: 0 when everything received has been replayed (so an idle
// primary does not look like lag), else the age of the last replayed transaction, which grows while replay
// stands still. `labels`: scope, name.
void TranslateServerState(const ServerState& state, const Labels& labels, MetricSet* out);

}  // namespace patroni_exporter
