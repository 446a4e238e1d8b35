// ParseCluster: the body of Patroni's `GET /cluster` -> ClusterView. Pure: no I/O, no clock, never throws.
//
// Handles every version that has the endpoint, 1.6.1 to 4.x (see docs/patroni-api.md and
// tests/testdata/patroni/README.md): 1.6 (host/port always sent, replicas `running`), 3.0.4+ (replication state as
// the member state), 3.2.0+ (top-level `scope`), 4.0+ (`quorum_standby`), 4.1.0+ (lsn, receive_lsn, replay_lsn,
// receive_lag, replay_lag). Key order is not relied on.
//
// Fails (value empty, error set) only when the body is not a JSON object with a `members` array. Everything else
// degrades and adds a line to `warnings`: a `members` entry that is not an object, has no string `name`, or repeats
// an earlier name is dropped (the first one wins); a field of an unexpected type, a lag or position that is neither
// a number/position nor "unknown", and an unreadable timestamp are left empty. Null counts as absent.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/patroni/cluster.h"

namespace patroni_exporter {

struct ClusterParseResult {
  std::optional<ClusterView> value;
  std::string error;                  // set when value is empty
  std::vector<std::string> warnings;  // entries dropped and fields ignored
};

ClusterParseResult ParseCluster(std::string_view body);

// A PostgreSQL LSN as Patroni's format_lsn prints it ("0/4000060": two hexadecimal numbers of 1 to 8 digits,
// upper or lower case) -> its byte position, (high << 32) + low. Empty for anything else. Exact up to 2^53 bytes
// (8 PiB of WAL); beyond that a double rounds.
std::optional<double> ParseLsn(std::string_view text);

}  // namespace patroni_exporter
