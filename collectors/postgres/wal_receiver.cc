#include "collectors/postgres/wal_receiver.h"

namespace patroni_exporter {

std::string WalReceiverSql(int server_version) {
  // sender_host and sender_port exist from PostgreSQL 11. The age as numeric: float8 text follows the role's
  // extra_float_digits (pg_rows.h).
  return std::string("SELECT status, slot_name, ") +
         (server_version >= 110000 ? "sender_host, sender_port::text AS sender_port, "
                                   : "NULL::text AS sender_host, NULL::text AS sender_port, ") +
         "EXTRACT(EPOCH FROM now() - last_msg_receipt_time)::numeric AS last_message_age_seconds "
         "FROM pg_stat_wal_receiver";
}

void TranslateWalReceiver(const PgRows& rows, const ServerState& state, const Labels& member, MetricSet* out) {
  if (!state.in_recovery) return;
  bool streaming = false;
  for (const PgRow& row : rows) {
    const std::string status = PgText(row, "status").value_or("");
    streaming = streaming || status == "streaming";
    Labels labels = member;
    labels.emplace_back("status", status);
    labels.emplace_back("sender_host", PgText(row, "sender_host").value_or(""));
    labels.emplace_back("sender_port", PgText(row, "sender_port").value_or(""));
    labels.emplace_back("slot_name", PgText(row, "slot_name").value_or(""));
    out->AddInfo("patroni_pg_wal_receiver_info", "The standby's WAL receiver: status and upstream.", labels);
    if (const std::optional<double> age = PgNumber(row, "last_message_age_seconds")) {
      out->AddGauge("patroni_pg_wal_receiver_last_message_age_seconds",
                    "Seconds since the WAL receiver last heard from its upstream.", member, *age);
    }
  }
  out->AddGauge("patroni_pg_wal_receiver_streaming",
                "1 if the standby's WAL receiver is streaming, 0 if it has none or another status.", member,
                streaming ? 1 : 0);
}

}  // namespace patroni_exporter
