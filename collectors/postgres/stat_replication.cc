#include "collectors/postgres/stat_replication.h"

namespace patroni_exporter {

std::string StatReplicationSql(int server_version) {
  // Bytes and seconds computed here, as numbers (pg_rows.h): interval text would follow the role's IntervalStyle.
  // The position lags are measured from is read in the same statement, after the view's rows (a cascading
  // standby sends too: its position is what it received). sent_lsn tells a hidden row (NULL).
  std::string sql = "SELECT application_name, host(client_addr) AS client_addr, state, sync_state, ";
  sql += "sent_lsn::text AS sent_lsn";
  for (const char* position : {"sent", "write", "flush", "replay"}) {
    sql +=
        std::string(", pg_wal_lsn_diff(") + kCurrentWalLsnSql + ", " + position + "_lsn) AS " + position + "_lag_bytes";
  }
  for (const char* lag : {"write_lag", "flush_lag", "replay_lag"}) {
    sql += std::string(", EXTRACT(EPOCH FROM ") + lag + ")::numeric AS " + lag + "_seconds";
  }
  // reply_time exists from PostgreSQL 12.
  if (server_version >= 120000) sql += ", EXTRACT(EPOCH FROM now() - reply_time)::numeric AS reply_age_seconds";
  return sql + " FROM pg_stat_replication ORDER BY application_name, client_addr";
}

void TranslateStatReplication(const PgRows& rows, const ServerState& /*state*/, const Labels& member, MetricSet* out) {
  int hidden = 0;
  for (const PgRow& row : rows) {
    const std::optional<std::string> sent = PgText(row, "sent_lsn");
    if (!sent) {
      ++hidden;
      continue;
    }
    Labels labels = member;
    labels.emplace_back("application_name", PgText(row, "application_name").value_or(""));
    labels.emplace_back("client_addr", PgText(row, "client_addr").value_or(""));
    labels.emplace_back("state", PgText(row, "state").value_or(""));
    labels.emplace_back("sync_state", PgText(row, "sync_state").value_or(""));
    const struct {
      const char* column;
      const char* family;
      const char* help;
    } positions[] = {
        {"sent_lag_bytes", "patroni_pg_replication_sent_lag_bytes", "Bytes of WAL not yet sent to the standby."},
        {"write_lag_bytes", "patroni_pg_replication_write_lag_bytes", "Bytes of WAL the standby has not written yet."},
        {"flush_lag_bytes", "patroni_pg_replication_flush_lag_bytes", "Bytes of WAL the standby has not flushed yet."},
        {"replay_lag_bytes", "patroni_pg_replication_replay_lag_bytes",
         "Bytes of WAL the standby has not replayed yet."},
    };
    for (const auto& p : positions) {
      // May be below 0 for an instant: positions are read one after the other, not at once.
      if (const std::optional<double> lag = PgNumber(row, p.column)) {
        out->AddGauge(p.family, p.help, labels, *lag);
      }
    }
    const struct {
      const char* column;
      const char* family;
      const char* help;
    } times[] = {
        {"write_lag_seconds", "patroni_pg_replication_write_lag_seconds",
         "PostgreSQL's write_lag: time until recent WAL was written on the standby; absent when NULL (idle)."},
        {"flush_lag_seconds", "patroni_pg_replication_flush_lag_seconds",
         "PostgreSQL's flush_lag: time until recent WAL was flushed on the standby; absent when NULL (idle)."},
        {"replay_lag_seconds", "patroni_pg_replication_replay_lag_seconds",
         "PostgreSQL's replay_lag: time until recent WAL was replayed on the standby; absent when NULL (idle)."},
    };
    for (const auto& t : times) {
      // A duration PostgreSQL measured: below 0 is not one (an unknown value is no sample, never a made-up 0).
      const std::optional<double> seconds = PgNumber(row, t.column);
      if (seconds && *seconds >= 0) {
        out->AddGauge(t.family, t.help, labels, *seconds);
      }
    }
    if (const std::optional<double> age = PgNumber(row, "reply_age_seconds")) {
      out->AddGauge("patroni_pg_replication_reply_age_seconds", "Seconds since the standby's last reply (PG 12+).",
                    labels, *age);
    }
  }
  out->AddGauge("patroni_pg_replication_senders", "WAL senders in pg_stat_replication.", member,
                static_cast<double>(rows.size()));
  out->AddGauge("patroni_pg_replication_hidden_rows",
                "WAL senders whose positions PostgreSQL hid from the exporter's role (it lacks pg_monitor).", member,
                hidden);
}

}  // namespace patroni_exporter
