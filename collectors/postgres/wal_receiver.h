// pg_stat_wal_receiver (a standby's connection to its upstream) -> patroni_pg_wal_receiver_info{status,
// sender_host, sender_port, slot_name} 1, patroni_pg_wal_receiver_streaming (1 if status is streaming, 0 if there
// is no receiver or another status: replication broken) and patroni_pg_wal_receiver_last_message_age_seconds.
// Only on a standby (in recovery). Labels: scope, name. Pure; never throws.
#pragma once

#include <string>

#include "collectors/metric_set.h"
#include "collectors/postgres/pg_rows.h"
#include "collectors/postgres/server_state.h"

namespace patroni_exporter {

std::string WalReceiverSql(int server_version);
void TranslateWalReceiver(const PgRows& rows, const ServerState& state, const Labels& labels, MetricSet* out);

}  // namespace patroni_exporter
