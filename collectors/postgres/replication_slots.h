// pg_replication_slots -> per-slot families: active, WAL retained in bytes (current position minus
// restart_lsn, computed by pg_wal_lsn_diff() in the query), wal_status as a state set and safe_wal_size (PostgreSQL
// 13+). Labels: scope, name, slot_name, slot_type. Pure; never throws.
#pragma once

#include <string>

#include "collectors/metric_set.h"
#include "collectors/postgres/pg_rows.h"
#include "collectors/postgres/server_state.h"

namespace patroni_exporter {

std::string ReplicationSlotsSql(int server_version);
void TranslateReplicationSlots(const PgRows& rows, const ServerState& state, const Labels& labels, MetricSet* out);

}  // namespace patroni_exporter
