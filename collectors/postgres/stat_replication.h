// pg_stat_replication (WAL senders of a primary or cascading standby) -> per-standby lag families.
//
// Labels: scope, name (the member whose PostgreSQL was asked), application_name (Patroni sets it to the
// standby's member name), client_addr, state, sync_state. Lags in bytes are the current WAL position (the
// primary's, or a cascading standby's last received) minus sent/write/flush/replay positions, computed by
// pg_wal_lsn_diff() in the query; lags in seconds are PostgreSQL's own write_lag/flush_lag/replay_lag as
// EXTRACT(EPOCH FROM ...) numbers, whatever the role's IntervalStyle, absent when NULL (PostgreSQL's "no recent
// activity") or not a duration, never 0. A row whose positions are all NULL while a state is shown means the role lacks
// pg_monitor: counted by patroni_pg_replication_hidden_rows instead of exported as zeros. Pure; never throws.
#pragma once

#include <string>

#include "collectors/metric_set.h"
#include "collectors/postgres/pg_rows.h"
#include "collectors/postgres/server_state.h"

namespace patroni_exporter {

std::string StatReplicationSql(int server_version);
void TranslateStatReplication(const PgRows& rows, const ServerState& state, const Labels& labels, MetricSet* out);

}  // namespace patroni_exporter
