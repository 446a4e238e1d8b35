// TranslateDynamicConfig: DynamicConfig (`GET /config`) -> the patroni_config_* families. Pure: no I/O, no clock,
// never throws. Every family is a gauge labelled {scope} first; `scope` comes from the caller because /config does
// not carry it.
//
//   patroni_config_ttl_seconds{scope}                         ttl
//   patroni_config_loop_wait_seconds{scope}                   loop_wait
//   patroni_config_retry_timeout_seconds{scope}               retry_timeout
//   patroni_config_primary_start_timeout_seconds{scope}       primary_start_timeout, else master_start_timeout
//   patroni_config_maximum_lag_on_failover_bytes{scope}       maximum_lag_on_failover
//   patroni_config_synchronous_nodes{scope}                   synchronous_node_count (not "..._node_count": promtool
//                                                             reserves _count for histograms and summaries)
//   patroni_config_synchronous_mode{scope,mode}               one series per mode off, on, strict, quorum; one is 1
//   patroni_config_failsafe_mode_enabled{scope}               failsafe_mode (configured; whether it is in effect
//                                                             now is the node's patroni_failsafe_mode_is_active)
//   patroni_config_use_slots{scope}                           postgresql.use_slots
//   patroni_config_use_pg_rewind{scope}                       postgresql.use_pg_rewind
//   patroni_config_standby_cluster{scope}                     1 if standby_cluster names a host, port or
//                                                             restore_command (Patroni's own test)
//   patroni_config_paused{scope}                              pause; only when /config has the key
//   patroni_config_postgresql_parameter_info{scope,parameter,value} 1, for kHaParameters found in
//                                                             postgresql.parameters
//   patroni_config_hash{scope}                                fingerprint of the whole body (DynamicConfig::
//                                                             fingerprint), so that changes() sees an edit of
//                                                             any key, not only of those above
//
// patroni_config_hash is named like the other /config families (patroni_config_ prefix, one gauge per scope)
// and like Alertmanager's alertmanager_config_hash (a gauge whose value only matters when it changes). No unit
// suffix: it is an identifier, not a quantity; not an *_info series: as a label the hash would make a new series
// per edit, and changes() sees a value change where it cannot see one series end and another begin.
//
// Values are what /config holds, as Patroni reads them (see dynamic_config.h). They are not adjusted the way
// Patroni adjusts them at run time (recent releases raise ttl < 20, loop_wait < 1, retry_timeout < 3 and keep
// loop_wait + 2 * retry_timeout <= ttl; synchronous_node_count is at least 1 in strict mode), and Patroni ignores
// synchronous_mode in a standby cluster: these families show the configuration, not its effect.
//
// An absent key gets Patroni's default only where Patroni itself uses a fixed default for an absent key, and the
// key can be set nowhere else than the dynamic configuration (the local patroni.yml cannot override it):
//
// | key                                   | default when absent  | where Patroni applies it                          |
// |---------------------------------------|----------------------|---------------------------------------------------|
// | ttl                                   | 30                   | config.py Config.__DEFAULT_CONFIG (all versions)  |
// | loop_wait                             | 10                   | config.py Config.__DEFAULT_CONFIG (all versions)  |
// | retry_timeout                         | 10                   | config.py Config.__DEFAULT_CONFIG (all versions)  |
// | primary_start_timeout (older name:    | 300                  | global_config.py primary_start_timeout (newer);   |
// |   master_start_timeout)               |                      | config.py __DEFAULT_CONFIG master_start_timeout   |
// |                                       |                      | (older)                                           |
// | maximum_lag_on_failover               | 1048576              | global_config.py maximum_lag_on_failover (newer); |
// |                                       |                      | config.py __DEFAULT_CONFIG (older)                |
// | synchronous_node_count                | 1                    | global_config.py synchronous_node_count (newer);  |
// |                                       |                      | config.py __DEFAULT_CONFIG (2.x)                  |
// | synchronous_mode                      | off                  | global_config.py check_mode (bool(parse_bool(     |
// |                                       |                      | None)) is False); config.py __DEFAULT_CONFIG False|
// | synchronous_mode_strict               | false (so not strict)| same as synchronous_mode                          |
// | failsafe_mode                         | 0                    | global_config.py check_mode (3.0+; no failsafe    |
// |                                       |                      | before 3.0, so 0 is true there too)               |
// | standby_cluster                       | 0                    | global_config.py is_standby_cluster               |
// | postgresql.use_slots                  | 1                    | config.py __DEFAULT_CONFIG postgresql.use_slots;  |
// |                                       |                      | global_config.py use_slots (4.0+)                 |
// | postgresql.use_pg_rewind              | none: no sample      | a member's patroni.yml may set it (config.py      |
// |                                       |                      | _build_effective_configuration: local postgresql.*|
// |                                       |                      | overrides dynamic, except use_slots)              |
// | pause                                 | none: no sample      | `patronictl resume` deletes the key; per member   |
// |                                       |                      | use patroni_is_paused                             |
// | postgresql.parameters.*               | none: no series      | postgresql/config.py CMDLINE_OPTIONS defaults     |
// |                                       |                      | differ by release and from the docs (docs: max_   |
// |                                       |                      | wal_senders 5, code: 10) and are adjusted per     |
// |                                       |                      | node; the rest come from the member's own files   |
// |                                       |                      | or PostgreSQL's defaults                          |
//
// primary_start_timeout vs. master_start_timeout: like global_config.py, primary_start_timeout wins when the key
// is present, and master_start_timeout is used only when it is absent. Releases before the master -> primary
// rename (begun in 3.0) read only master_start_timeout; a /config with primary_start_timeout was written for a
// release that reads it.
//
// A key that is present but unreadable (dynamic_config.h) gives no sample for its family; for
// synchronous_mode, also an unreadable synchronous_mode_strict while synchronous_mode is on (on or strict
// cannot be told apart). "quorum" wins over synchronous_mode_strict (strict keeps working in quorum mode).
#pragma once

#include <array>
#include <string>

#include "collectors/metric_set.h"
#include "collectors/patroni/dynamic_config.h"

namespace patroni_exporter {

// The postgresql.parameters exported by patroni_config_postgresql_parameter_info, in output order: those that must
// match between members or bound replication (Patroni's CMDLINE_OPTIONS and the ones docs call dynamic-only),
// plus the synchronous and archiving settings an HA dashboard needs. Not secrets (no *_command, no conninfo).
inline constexpr std::array<const char*, 16> kHaParameters = {"max_connections",
                                                              "max_wal_senders",
                                                              "max_replication_slots",
                                                              "max_worker_processes",
                                                              "max_prepared_transactions",
                                                              "max_locks_per_transaction",
                                                              "wal_level",
                                                              "hot_standby",
                                                              "wal_log_hints",
                                                              "wal_keep_size",
                                                              "wal_keep_segments",
                                                              "max_slot_wal_keep_size",
                                                              "synchronous_commit",
                                                              "synchronous_standby_names",
                                                              "track_commit_timestamp",
                                                              "archive_mode"};

void TranslateDynamicConfig(const DynamicConfig& config, const std::string& scope, MetricSet* out);

}  // namespace patroni_exporter
