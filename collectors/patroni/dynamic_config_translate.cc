#include "collectors/patroni/dynamic_config_translate.h"

#include <optional>
#include <string_view>

namespace patroni_exporter {
namespace {

// The defaults of the table in the header; each applies only to an absent key, never to an unreadable one.
constexpr double kDefaultTtl = 30;
constexpr double kDefaultLoopWait = 10;
constexpr double kDefaultRetryTimeout = 10;
constexpr double kDefaultPrimaryStartTimeout = 300;
constexpr double kDefaultMaximumLagOnFailover = 1048576;
constexpr double kDefaultSynchronousNodeCount = 1;

template <typename T>
std::optional<T> OrDefault(const ConfigSetting<T>& setting, std::optional<T> fallback) {
  if (setting.absent()) return fallback;
  return setting.value;
}

// The four states of patroni_config_synchronous_mode; empty when /config does not let us tell.
std::optional<const char*> SynchronousMode(const DynamicConfig& c) {
  const std::optional<SynchronousModeSetting> mode = OrDefault(c.synchronous_mode, {SynchronousModeSetting::kOff});
  if (!mode) return std::nullopt;
  switch (*mode) {
    case SynchronousModeSetting::kOff:
      return "off";
    case SynchronousModeSetting::kQuorum:
      return "quorum";
    case SynchronousModeSetting::kOn:
      break;
  }
  const std::optional<bool> strict = OrDefault(c.synchronous_mode_strict, {false});
  if (!strict) return std::nullopt;
  return *strict ? "strict" : "on";
}

double Flag(bool value) { return value ? 1 : 0; }

}  // namespace

void TranslateDynamicConfig(const DynamicConfig& c, const std::string& scope, MetricSet* out) {
  const Labels labels = {{"scope", scope}};

  if (const auto v = OrDefault(c.ttl, {kDefaultTtl})) {
    out->AddGauge("patroni_config_ttl_seconds", "Leader lock TTL from the dynamic configuration (ttl).", labels, *v);
  }
  if (const auto v = OrDefault(c.loop_wait, {kDefaultLoopWait})) {
    out->AddGauge("patroni_config_loop_wait_seconds",
                  "Seconds Patroni sleeps between HA loops, from the dynamic configuration (loop_wait).", labels, *v);
  }
  if (const auto v = OrDefault(c.retry_timeout, {kDefaultRetryTimeout})) {
    out->AddGauge("patroni_config_retry_timeout_seconds",
                  "Timeout of DCS and PostgreSQL operation retries, from the dynamic configuration (retry_timeout).",
                  labels, *v);
  }
  // global_config.py: the new name decides as soon as the key exists, even when its value is unreadable.
  const std::optional<double> start_timeout = c.primary_start_timeout.absent()
                                                  ? OrDefault(c.master_start_timeout, {kDefaultPrimaryStartTimeout})
                                                  : c.primary_start_timeout.value;
  if (start_timeout) {
    out->AddGauge("patroni_config_primary_start_timeout_seconds",
                  "Seconds a failed primary may take to recover before a failover, from the dynamic configuration "
                  "(primary_start_timeout, formerly master_start_timeout).",
                  labels, *start_timeout);
  }
  if (const auto v = OrDefault(c.maximum_lag_on_failover, {kDefaultMaximumLagOnFailover})) {
    out->AddGauge("patroni_config_maximum_lag_on_failover_bytes",
                  "Largest replication lag that still lets a replica become leader, from the dynamic configuration "
                  "(maximum_lag_on_failover).",
                  labels, *v);
  }
  if (const auto v = OrDefault(c.synchronous_node_count, {kDefaultSynchronousNodeCount})) {
    out->AddGauge("patroni_config_synchronous_nodes",
                  "Number of synchronous standbys wanted in synchronous mode, from the dynamic configuration "
                  "(synchronous_node_count).",
                  labels, *v);
  }
  if (const std::optional<const char*> mode = SynchronousMode(c)) {
    for (const char* state : {"off", "on", "strict", "quorum"}) {
      out->AddGauge("patroni_config_synchronous_mode",
                    "Synchronous replication mode from the dynamic configuration (synchronous_mode and "
                    "synchronous_mode_strict): 1 for the configured mode, 0 for the others.",
                    {{"scope", scope}, {"mode", state}}, std::string_view(state) == *mode ? 1 : 0);
    }
  }
  if (const auto v = OrDefault(c.failsafe_mode, {false})) {
    out->AddGauge("patroni_config_failsafe_mode_enabled",
                  "Value is 1 if failsafe_mode is enabled in the dynamic configuration, 0 otherwise.", labels,
                  Flag(*v));
  }
  if (const auto v = OrDefault(c.use_slots, {true})) {
    out->AddGauge("patroni_config_use_slots",
                  "Value is 1 if Patroni manages replication slots (postgresql.use_slots), 0 otherwise.", labels,
                  Flag(*v));
  }
  // No default: a member's patroni.yml may set use_pg_rewind for itself, so absence here says nothing.
  if (c.use_pg_rewind.value) {
    out->AddGauge("patroni_config_use_pg_rewind",
                  "Value is 1 if the dynamic configuration enables pg_rewind (postgresql.use_pg_rewind), 0 if it "
                  "disables it.",
                  labels, Flag(*c.use_pg_rewind.value));
  }
  if (const auto v = OrDefault(c.standby_cluster, {false})) {
    out->AddGauge("patroni_config_standby_cluster",
                  "Value is 1 if the dynamic configuration makes this a standby cluster (standby_cluster with a host, "
                  "port or restore_command), 0 otherwise.",
                  labels, Flag(*v));
  }
  if (c.pause.value) {
    out->AddGauge("patroni_config_paused",
                  "Value is 1 if the dynamic configuration has pause set (maintenance mode), 0 if it has it unset.",
                  labels, Flag(*c.pause.value));
  }
  for (const char* parameter : kHaParameters) {
    const auto it = c.postgresql_parameters.find(parameter);
    if (it == c.postgresql_parameters.end()) continue;
    out->AddInfo("patroni_config_postgresql_parameter_info",
                 "A PostgreSQL parameter relevant to HA as set in the dynamic configuration (postgresql.parameters), "
                 "value as stored.",
                 {{"scope", scope}, {"parameter", parameter}, {"value", it->second}});
  }
  if (c.fingerprint) {
    out->AddGauge("patroni_config_hash",
                  "Fingerprint of the whole dynamic configuration (GET /config, every key), for changes(): the "
                  "64-bit FNV-1a hash of its JSON with keys sorted and no whitespace, xor-folded to 52 bits. Equal "
                  "configurations give equal values on every exporter, version and restart; the number means "
                  "nothing else.",
                  labels, static_cast<double>(*c.fingerprint));
  }
}

}  // namespace patroni_exporter
