// DynamicConfig: what `GET /config` says, as plain values: Patroni's dynamic configuration as stored in the DCS
// (api.py do_GET_config returns `cluster.config.data` unchanged), for every Patroni version 1.6 to 4.x.
//
// Filled by ParseDynamicConfig (dynamic_config_parse.h), read by TranslateDynamicConfig
// (dynamic_config_translate.h, which also holds the table of Patroni's defaults for absent keys).
// Values are read the way Patroni reads them (utils.py parse_bool / int()), so `"on"`, `"true"`, `1` and `true`
// are all true, and `"30"` is 30. Nothing here is defaulted: an absent key stays absent.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace patroni_exporter {

// One setting of /config, in one of three states:
// - absent: the key is missing or null; Patroni then uses its own default (if it has one);
// - readable: `value` holds what Patroni reads from it;
// - unreadable: the key holds something Patroni cannot read as this type (`unreadable` is true; the parse
//   result has a warning). What Patroni does then differs by key and version, so no value is assumed.
template <typename T>
struct ConfigSetting {
  std::optional<T> value;
  bool unreadable = false;

  bool absent() const { return !value && !unreadable; }
};

// `synchronous_mode` as written: a boolean (true/false, "on"/"off", ...), or "quorum" (4.0+, any case).
enum class SynchronousModeSetting { kOff, kOn, kQuorum };

struct DynamicConfig {
  // Integers (seconds, bytes, a count): a JSON integer, an integral JSON number, or decimal text.
  ConfigSetting<double> ttl;
  ConfigSetting<double> loop_wait;
  ConfigSetting<double> retry_timeout;
  ConfigSetting<double> primary_start_timeout;  // Patroni 3.0+ name
  ConfigSetting<double> master_start_timeout;   // the older name, still read by 3.x/4.x when the new one is absent
  ConfigSetting<double> maximum_lag_on_failover;
  ConfigSetting<double> synchronous_node_count;

  ConfigSetting<SynchronousModeSetting> synchronous_mode;
  ConfigSetting<bool> synchronous_mode_strict;
  ConfigSetting<bool> failsafe_mode;  // 3.0+
  ConfigSetting<bool> pause;          // present only while paused: `patronictl resume` deletes the key

  // `standby_cluster`: true when it is an object with a truthy `host`, `port` or `restore_command`, Patroni's own
  // test (global_config.py is_standby_cluster); false for an object without them.
  ConfigSetting<bool> standby_cluster;

  // Under `postgresql`.
  ConfigSetting<bool> use_slots;
  ConfigSetting<bool> use_pg_rewind;

  // `postgresql.parameters`: lower-case name -> value as text. A string as is; a number or boolean as its JSON
  // text (`100`, `0.9`, `true`). Null, arrays and objects are left out (with a warning for the last two), and
  // so is a name given more than once in different cases (PostgreSQL names are case-insensitive).
  std::map<std::string, std::string> postgresql_parameters;

  // A fingerprint of the whole body, every key included (archive_command, restore_command, tags of
  // standby_cluster, unknown keys...), so that any edit changes it: 64-bit FNV-1a over the canonical JSON text
  // (the parsed value re-serialized with object keys sorted and no whitespace), folded to 52 bits
  // (ConfigFingerprint in dynamic_config_parse.h). Set by ParseDynamicConfig for every body it accepts; empty in
  // a DynamicConfig not made from a body.
  std::optional<std::uint64_t> fingerprint;
};

}  // namespace patroni_exporter
