#include "collectors/postgres/replication_slots.h"

namespace patroni_exporter {

std::string ReplicationSlotsSql(int server_version) {
  // Retained bytes computed here, as a number (pg_rows.h). wal_status and safe_wal_size exist from PostgreSQL 13.
  return std::string("SELECT slot_name, slot_type, active::text AS active, pg_wal_lsn_diff(") + kCurrentWalLsnSql +
         ", restart_lsn) AS retained_bytes" +
         (server_version >= 130000 ? ", wal_status, safe_wal_size::text AS safe_wal_size" : "") +
         " FROM pg_replication_slots ORDER BY slot_name";
}

void TranslateReplicationSlots(const PgRows& rows, const ServerState& /*state*/, const Labels& member, MetricSet* out) {
  static const char* kWalStatus[] = {"reserved", "extended", "unreserved", "lost"};
  for (const PgRow& row : rows) {
    Labels labels = member;
    labels.emplace_back("slot_name", PgText(row, "slot_name").value_or(""));
    labels.emplace_back("slot_type", PgText(row, "slot_type").value_or(""));
    if (const std::optional<bool> active = PgBool(row, "active")) {
      out->AddGauge("patroni_pg_replication_slot_active", "1 if a consumer is connected to the slot.", labels,
                    *active ? 1 : 0);
    }
    // NULL restart_lsn: the slot holds no WAL (never used, or invalidated): no sample rather than 0 bytes.
    if (const std::optional<double> retained = PgNumber(row, "retained_bytes")) {
      out->AddGauge("patroni_pg_replication_slot_retained_bytes", "Bytes of WAL the slot keeps from being removed.",
                    labels, *retained);
    }
    if (const std::optional<double> safe = PgNumber(row, "safe_wal_size")) {
      out->AddGauge("patroni_pg_replication_slot_safe_wal_size_bytes",
                    "Bytes that can still be written before the slot is in danger of losing WAL (PG 13+).", labels,
                    *safe);
    }
    if (const std::optional<std::string> status = PgText(row, "wal_status")) {
      for (const char* value : kWalStatus) {
        Labels with_status = labels;
        with_status.emplace_back("wal_status", value);
        out->AddGauge("patroni_pg_replication_slot_wal_status",
                      "State of the slot's WAL (PG 13+): reserved, extended, unreserved or lost; exactly one is 1.",
                      with_status, *status == value ? 1 : 0);
      }
    }
  }
}

}  // namespace patroni_exporter
