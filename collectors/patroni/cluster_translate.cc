#include "collectors/patroni/cluster_translate.h"

#include <array>
#include <charconv>
#include <string_view>
#include <vector>

#include "collectors/patroni/postgres_state.h"

namespace patroni_exporter {
namespace {

// Every role /cluster has sent in a release (utils.py cluster_as_json, 1.6.1 to 4.x; never master/primary): 1.6 to
// 3.x say sync_standby for a synchronous standby, exactly like 4.x; quorum_standby replaces it in quorum mode (4.0+).
// Anything else (development versions after 4.1 add "promoted") is "other", the last value of the set.
constexpr std::array<std::string_view, 6> kRoles = {"leader",         "standby_leader", "sync_standby",
                                                    "quorum_standby", "replica",        "other"};

// Member states that are not a PostgreSQL state: from 3.0.4 on, cluster_as_json shows a non-leader's replication
// state ("streaming", "in archive recovery") instead of "running"; "unknown" is what a failed status query gives.
constexpr std::string_view kStreaming = "streaming";
constexpr std::string_view kInArchiveRecovery = "in archive recovery";
constexpr std::string_view kUnknownState = "unknown";
constexpr std::string_view kOther = "other";
constexpr int kRunning = 5;
constexpr int kPostgresStates = 15;

// Each member's {scope, member} labels, built once for all of its families (a member has about 40 series here).
std::vector<Labels> MemberLabels(const std::string& scope, const ClusterView& view) {
  std::vector<Labels> labels;
  labels.reserve(view.members.size());
  for (const ClusterMember& m : view.members) labels.push_back({{"scope", scope}, {"member", m.name}});
  return labels;
}

// A member's labels plus one more, `name`, whose value the caller sets per sample (labels.back().second): the
// state sets write 25 samples per member that differ only in that value, so one set of labels serves them all.
Labels With(const Labels& member, const char* name) {
  Labels labels;
  labels.reserve(member.size() + 1);
  labels.insert(labels.end(), member.begin(), member.end());
  labels.emplace_back(name, std::string());
  return labels;
}

std::string_view RoleValue(const std::string& role) {
  for (const std::string_view known : kRoles) {
    if (role == known) return known;
  }
  return kRoles.back();
}

std::string_view StateValue(const std::string& state) {
  if (PostgresStateNumber(state) >= 0 || state == kStreaming || state == kInArchiveRecovery || state == kUnknownState)
    return state;
  return kOther;
}

// A replication state implies PostgreSQL is up and in recovery, i.e. running. "unknown" and unrecognised strings
// give no number: unlike native patroni_postgres_state (-1 for them) an absent sample cannot be mistaken for a
// state, and `unknown` often only means Patroni could not query PostgreSQL, not that it is down.
std::optional<int> PostgresStateOf(const std::string& state) {
  if (state == kStreaming || state == kInArchiveRecovery) return kRunning;
  const int number = PostgresStateNumber(state);
  return number >= 0 ? std::optional<int>(number) : std::nullopt;
}

struct WalFamily {
  const char* name;
  const char* help;
  ClusterWalValue ClusterMember::*field;
};

// Lags are against the leader's last position in the DCS, written once per Patroni loop: stale by up to loop_wait.
constexpr std::array<WalFamily, 6> kWalFamilies = {{
    {"patroni_cluster_member_lag_bytes",
     "Bytes the member's WAL position is behind the leader's last position known to the DCS (refreshed every "
     "loop_wait). Absent for the leader and when Patroni reports it unknown.",
     &ClusterMember::lag},
    {"patroni_cluster_member_receive_lag_bytes",
     "Bytes the member's received WAL is behind the leader's last position known to the DCS (Patroni 4.1+).",
     &ClusterMember::receive_lag},
    {"patroni_cluster_member_replay_lag_bytes",
     "Bytes the member's replayed WAL is behind the leader's last position known to the DCS (Patroni 4.1+).",
     &ClusterMember::replay_lag},
    {"patroni_cluster_member_lsn_bytes",
     "WAL position the member last published to the DCS, in bytes (Patroni 4.1+). Absent for the leader.",
     &ClusterMember::lsn},
    {"patroni_cluster_member_receive_lsn_bytes",
     "Received WAL position the member last published to the DCS, in bytes (Patroni 4.1+).",
     &ClusterMember::receive_lsn},
    {"patroni_cluster_member_replay_lsn_bytes",
     "Replayed WAL position the member last published to the DCS, in bytes (Patroni 4.1+).",
     &ClusterMember::replay_lsn},
}};

struct LagKind {
  const char* kind;
  ClusterWalValue ClusterMember::*field;
};

constexpr std::array<LagKind, 3> kLagKinds = {{
    {"lag", &ClusterMember::lag},
    {"receive_lag", &ClusterMember::receive_lag},
    {"replay_lag", &ClusterMember::replay_lag},
}};

}  // namespace

void TranslateCluster(const ClusterView& view, const std::string& scope, MetricSet* out) {
  const Labels cluster = {{"scope", scope}};
  double leaders = 0;
  for (const ClusterMember& m : view.members) {
    if (m.role == "leader" || m.role == "standby_leader") ++leaders;
  }
  out->AddGauge("patroni_cluster_members", "Number of members in the cluster, as GET /cluster lists them.", cluster,
                static_cast<double>(view.members.size()));
  out->AddGauge("patroni_cluster_leader_members",
                "Members whose role is leader or standby_leader: 1 in a healthy cluster, 0 while nobody holds the "
                "leader lock.",
                cluster, leaders);
  // `pause` is sent only when true, in every version that has /cluster: its absence is a real 0.
  out->AddGauge("patroni_cluster_paused", "Value is 1 if the cluster is in maintenance mode (paused), 0 otherwise.",
                cluster, view.pause.value_or(false) ? 1 : 0);
  if (view.scheduled_switchover_at) {
    out->AddGauge("patroni_cluster_scheduled_switchover_timestamp_seconds",
                  "Epoch seconds at which a scheduled switchover is due.", cluster, *view.scheduled_switchover_at);
  }
  // The whole record whenever one is pending, even with an unreadable `at`: who hands over to whom. `to` is
  // empty when Patroni may pick the candidate; `from` is always written by patronictl and the REST API.
  if (view.scheduled_switchover_at_text || view.scheduled_switchover_from || view.scheduled_switchover_to) {
    out->AddInfo("patroni_cluster_scheduled_switchover_info",
                 "A scheduled switchover: the leader it is from and the member it is to (empty: Patroni picks).",
                 {{"scope", scope},
                  {"from", view.scheduled_switchover_from.value_or("")},
                  {"to", view.scheduled_switchover_to.value_or("")}});
  }

  const std::vector<Labels> member_labels = MemberLabels(scope, view);
  const std::size_t members = view.members.size();

  // Family by family, so the family order does not depend on which member comes first.
  for (std::size_t i = 0; i < members; ++i) {
    const std::string_view role = RoleValue(view.members[i].role);
    Labels labels = With(member_labels[i], "role");
    for (const std::string_view value : kRoles) {
      labels.back().second.assign(value);
      out->AddGauge("patroni_cluster_member_role",
                    "Role of the member as GET /cluster reports it; exactly one role is 1 per member.", labels,
                    value == role ? 1 : 0);
    }
  }

  constexpr const char* kStateHelp =
      "State of the member as GET /cluster reports it: its PostgreSQL state, or from Patroni 3.0.4 a non-leader's "
      "replication state (streaming, in archive recovery); exactly one state is 1 per member.";
  for (std::size_t i = 0; i < members; ++i) {
    const std::string_view state = StateValue(view.members[i].state);
    Labels labels = With(member_labels[i], "state");
    for (int n = 0; n < kPostgresStates; ++n) {
      const std::string_view value = PostgresStateName(n);
      labels.back().second.assign(value);
      out->AddGauge("patroni_cluster_member_state", kStateHelp, labels, value == state ? 1 : 0);
    }
    for (const std::string_view value : {kStreaming, kInArchiveRecovery, kUnknownState, kOther}) {
      labels.back().second.assign(value);
      out->AddGauge("patroni_cluster_member_state", kStateHelp, labels, value == state ? 1 : 0);
    }
  }

  for (std::size_t i = 0; i < members; ++i) {
    if (const std::optional<int> number = PostgresStateOf(view.members[i].state)) {
      out->AddGauge("patroni_cluster_member_postgres_state",
                    "PostgreSQL state of the member, numbered as patroni_postgres_state (streaming and in archive "
                    "recovery count as 5, running). Absent when the state is unknown or not a PostgreSQL state.",
                    member_labels[i], *number);
    }
  }

  for (std::size_t i = 0; i < members; ++i) {
    if (view.members[i].timeline) {
      out->AddGauge("patroni_cluster_member_timeline",
                    "PostgreSQL timeline of the member. Absent while its PostgreSQL is not running.", member_labels[i],
                    *view.members[i].timeline);
    }
  }

  for (const WalFamily& family : kWalFamilies) {
    for (std::size_t i = 0; i < members; ++i) {
      const ClusterWalValue& value = view.members[i].*family.field;
      if (value.bytes) out->AddGauge(family.name, family.help, member_labels[i], *value.bytes);
    }
  }

  for (std::size_t i = 0; i < members; ++i) {
    Labels labels = With(member_labels[i], "kind");
    for (const LagKind& kind : kLagKinds) {
      const ClusterWalValue& value = view.members[i].*kind.field;
      if (!value.sent()) continue;
      labels.back().second.assign(kind.kind);
      out->AddGauge("patroni_cluster_member_lag_unknown",
                    "Value is 1 if Patroni reports the member's lag of this kind as unknown (no WAL position "
                    "published), 0 if it reports a number of bytes.",
                    labels, value.unknown ? 1 : 0);
    }
  }

  // `pending_restart` is sent only when true, in every version that has /cluster: its absence is a real 0.
  for (std::size_t i = 0; i < members; ++i) {
    out->AddGauge("patroni_cluster_member_pending_restart",
                  "Value is 1 if the member's PostgreSQL needs a restart to apply a changed parameter, 0 otherwise.",
                  member_labels[i], view.members[i].pending_restart.value_or(false) ? 1 : 0);
  }

  for (std::size_t i = 0; i < members; ++i) {
    if (view.members[i].scheduled_restart) {
      out->AddGauge("patroni_cluster_member_scheduled_restart_timestamp_seconds",
                    "Epoch seconds at which a restart of the member is scheduled.", member_labels[i],
                    *view.members[i].scheduled_restart);
    }
  }

  for (std::size_t i = 0; i < members; ++i) {
    const ClusterMember& m = view.members[i];
    Labels labels = member_labels[i];
    AppendTagLabels(m.tags, &labels);
    out->AddInfo("patroni_cluster_member_tags_info",
                 "Tags of the member: true or false where set, empty where not set (Patroni's default applies); "
                 "failover_priority as a number.",
                 labels);
  }

  for (std::size_t i = 0; i < members; ++i) {
    const ClusterMember& m = view.members[i];
    Labels labels = member_labels[i];
    labels.emplace_back("host", m.host.value_or(""));
    labels.emplace_back("port", NumberText(m.port));
    labels.emplace_back("api_url", m.api_url.value_or(""));
    out->AddInfo("patroni_cluster_member_info",
                 "Addresses of the member: PostgreSQL host and port, Patroni REST API URL (empty when not sent).",
                 labels);
  }
}

}  // namespace patroni_exporter
