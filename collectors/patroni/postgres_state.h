// The numeric PostgreSQL state of native `patroni_postgres_state` (Patroni 4.1.0+), for every Patroni version.
//
// The numbers never change (Patroni's PostgresqlState enum order): 0 "initializing new cluster" ...
// 5 "running" ... 14 "crashed"; -1 for any other string (e.g. "unknown", sent when the status query failed).
// Pure; never throws.
#pragma once

#include <string_view>

namespace patroni_exporter {

int PostgresStateNumber(std::string_view state);

// The string for a number 0..14, or "" for any other number (documentation and tests).
std::string_view PostgresStateName(int number);

// Help text of the family, listing every value.
const char* PostgresStateHelp();

}  // namespace patroni_exporter
