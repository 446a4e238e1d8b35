#include "collectors/patroni/postgres_state.h"

#include <array>

namespace patroni_exporter {
namespace {

constexpr std::array<std::string_view, 15> kStates = {
    "initializing new cluster",         // 0
    "initdb failed",                    // 1
    "running custom bootstrap script",  // 2
    "custom bootstrap failed",          // 3
    "creating replica",                 // 4
    "running",                          // 5
    "starting",                         // 6
    "starting after custom bootstrap",  // 7
    "start failed",                     // 8
    "restarting",                       // 9
    "restart failed",                   // 10
    "stopping",                         // 11
    "stopped",                          // 12
    "stop failed",                      // 13
    "crashed",                          // 14
};

}  // namespace

int PostgresStateNumber(std::string_view state) {
  for (std::size_t i = 0; i < kStates.size(); ++i) {
    if (kStates[i] == state) return static_cast<int>(i);
  }
  return -1;
}

std::string_view PostgresStateName(int number) {
  if (number < 0 || number >= static_cast<int>(kStates.size())) return "";
  return kStates[static_cast<std::size_t>(number)];
}

const char* PostgresStateHelp() {
  return "Numeric representation of Postgres state. Values: 0=initializing new cluster, 1=initdb failed, "
         "2=running custom bootstrap script, 3=custom bootstrap failed, 4=creating replica, 5=running, "
         "6=starting, 7=starting after custom bootstrap, 8=start failed, 9=restarting, 10=restart failed, "
         "11=stopping, 12=stopped, 13=stop failed, 14=crashed, -1=any other state (e.g. unknown).";
}

}  // namespace patroni_exporter
