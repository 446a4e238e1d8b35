#include "collectors/postgres/server_state.h"

#include <algorithm>

namespace patroni_exporter {

const char kCurrentWalLsnSql[] =
    "CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn() ELSE pg_current_wal_lsn() END";

std::string ServerStateSql(int /*server_version*/) {
  // The functions are the same from PostgreSQL 10 (the WAL renames) to 17. Numbers, not interval or float8 text:
  // a role's IntervalStyle or extra_float_digits cannot change them (pg_rows.h).
  return "SELECT pg_is_in_recovery() AS in_recovery, "
         "pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()) AS replay_lag_bytes, "
         "EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::numeric AS replay_age_seconds, "
         "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user) OR "
         "pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER') AS monitor";
}

std::optional<ServerState> ParseServerState(const PgRows& rows) {
  if (rows.size() != 1) return std::nullopt;
  const PgRow& row = rows.front();
  const std::optional<bool> in_recovery = PgBool(row, "in_recovery");
  if (!in_recovery) return std::nullopt;
  ServerState s;
  s.in_recovery = *in_recovery;
  s.replay_lag_bytes = PgNumber(row, "replay_lag_bytes");
  s.replay_timestamp_age_seconds = PgNumber(row, "replay_age_seconds");
  s.monitor_privilege = PgBool(row, "monitor").value_or(false);
  return s;
}

void TranslateServerState(const ServerState& s, const Labels& labels, MetricSet* out) {
  out->AddGauge("patroni_pg_in_recovery", "1 if PostgreSQL is in recovery (a standby), 0 if it is a primary.", labels,
                s.in_recovery ? 1 : 0);
  out->AddGauge("patroni_pg_monitor_privilege",
                "1 if the exporter's role may read other sessions' replication data (superuser or pg_monitor / "
                "pg_read_all_stats); without it PostgreSQL hides their LSNs and lag.",
                labels, s.monitor_privilege ? 1 : 0);
  if (!s.in_recovery) return;
  const std::optional<double> behind = s.replay_lag_bytes;
  if (behind) {
    out->AddGauge("patroni_pg_replay_lag_bytes", "Bytes received by this standby but not replayed yet.", labels,
                  *behind);
  }
  // Nothing left to replay: not behind, however old the last transaction is (an idle primary writes none).
  if (behind && *behind <= 0) {
    out->AddGauge("patroni_pg_replay_delay_seconds",
                  "Seconds replay is behind: 0 when all received WAL is replayed, else the age of the last replayed "
                  "transaction.",
                  labels, 0);
  } else if (behind && s.replay_timestamp_age_seconds) {
    out->AddGauge("patroni_pg_replay_delay_seconds",
                  "Seconds replay is behind: 0 when all received WAL is replayed, else the age of the last replayed "
                  "transaction.",
                  labels, std::max(0.0, *s.replay_timestamp_age_seconds));
  }
}

}  // namespace patroni_exporter
