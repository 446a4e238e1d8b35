#include "collectors/patroni/patroni_collector.h"

#include <future>
#include <optional>
#include <set>
#include <system_error>
#include <utility>

#include "collectors/log.h"
#include "collectors/patroni/cluster_parse.h"
#include "collectors/patroni/cluster_translate.h"
#include "collectors/patroni/dynamic_config_parse.h"
#include "collectors/patroni/dynamic_config_translate.h"
#include "collectors/patroni/history_parse.h"
#include "collectors/patroni/history_translate.h"
#include "collectors/patroni/node_status_parse.h"

namespace patroni_exporter {
namespace {

enum class Endpoint { kPatroni, kCluster, kConfig, kHistory, kHealth };

struct Slot {
  Endpoint endpoint;
  std::size_t cluster;  // index into options.clusters
  BaseUrl url;
  std::string path;  // "/patroni", "/cluster", ...
};

// A /patroni request, and with the health view the health checks of the same member.
void AddMember(std::vector<Slot>* slots, std::size_t cluster, const BaseUrl& url, bool health) {
  slots->push_back({Endpoint::kPatroni, cluster, url, "/patroni"});
  if (!health) return;
  for (const char* path : kHealthChecks) slots->push_back({Endpoint::kHealth, cluster, url, path});
}

// The member of `view` whose api_url is `target` (same scheme, host and port).
std::optional<std::string> MemberNameFor(const ClusterView& view, const BaseUrl& target) {
  std::string error;
  for (const ClusterMember& member : view.members) {
    if (!member.api_url) continue;
    const std::optional<BaseUrl> url = ParseBaseUrl(*member.api_url, &error);
    if (url && url->scheme == target.scheme && url->host == target.host && url->port == target.port) {
      return member.name;
    }
  }
  return std::nullopt;
}

}  // namespace

PatroniCollector::PatroniCollector(PatroniCollectorOptions options, std::shared_ptr<const HttpClient> client)
    : options_(std::move(options)), client_(std::move(client)) {}

std::vector<std::string> PatroniCollector::DiscoveredHostPorts() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return discovered_;
}

void PatroniCollector::RecordOutcome(const std::string& target, const std::string& failure) {
  std::string& last = last_failure_[target];
  if (failure == last) {
    if (!failure.empty()) {
      Log(LogLevel::kDebug, "Patroni target still failing",
          {{"collector", "patroni"}, {"target", target}, {"err", failure}});
    }
    return;
  }
  if (failure.empty()) {
    Log(LogLevel::kInfo, "Patroni target recovered", {{"collector", "patroni"}, {"target", target}});
  } else {
    Log(LogLevel::kWarn, "Patroni target failed", {{"collector", "patroni"}, {"target", target}, {"err", failure}});
  }
  last = failure;
}

std::string PatroniCollector::Collect(const ScrapeContext& context, MetricSet* out) {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::size_t n_clusters = options_.clusters.size();

  // Round 1: every seed's /patroni and /cluster at once.
  std::vector<Slot> slots;
  std::set<std::string> polled;  // base URLs whose /patroni is asked for in this scrape
  const bool want_cluster = options_.cluster_view || options_.config_view || options_.history_view;
  for (std::size_t c = 0; c < n_clusters; ++c) {
    const ClusterTarget& cluster = options_.clusters[c];
    for (const BaseUrl& seed : cluster.seeds) {
      if (polled.insert(seed.ToString()).second) AddMember(&slots, c, seed, options_.health_view);
      if (cluster.discovery || want_cluster) slots.push_back({Endpoint::kCluster, c, seed, "/cluster"});
    }
  }
  // Slots from `from` on (only the /cluster ones, only the others, or all) and their requests.
  auto requests_for = [&](std::size_t from, std::optional<bool> cluster) {
    std::pair<std::vector<std::size_t>, std::vector<HttpRequest>> picked;
    for (std::size_t i = from; i < slots.size(); ++i) {
      if (cluster && (slots[i].endpoint == Endpoint::kCluster) != *cluster) continue;
      picked.first.push_back(i);
      picked.second.push_back({slots[i].url.Join(slots[i].path), &options_.clusters[slots[i].cluster].tls});
    }
    return picked;
  };
  std::vector<HttpResponse> responses(slots.size());
  // With discovery, the seeds' /patroni requests run on their own thread, beside /cluster and then round 2, so
  // a slow seed never holds back the members (500 members answering in 100 ms: 309 ms a scrape before, two
  // rounds of 100 ms; 217 ms after). Without discovery, round 2 is at most /config and /history: one GetAll of
  // round 1 costs less than a thread (docs/performance.md).
  bool discovery = false;
  for (const ClusterTarget& cluster : options_.clusters) discovery = discovery || cluster.discovery;
  const auto seed_requests = requests_for(0, false);
  const auto cluster_requests = requests_for(0, discovery ? std::optional<bool>(true) : std::nullopt);
  std::future<std::vector<HttpResponse>> seed_responses;
  if (discovery && !seed_requests.first.empty()) {
    auto get = [this, &seed_requests, deadline = context.deadline] {
      return client_->GetAll(seed_requests.second, deadline);
    };
    try {
      seed_responses = std::async(std::launch::async, get);
    } catch (const std::system_error&) {  // no thread to be had: ask them after round 2 instead
      seed_responses = std::async(std::launch::deferred, get);
    }
  }
  std::vector<HttpResponse> got = client_->GetAll(cluster_requests.second, context.deadline);
  for (std::size_t k = 0; k < got.size(); ++k) responses[cluster_requests.first[k]] = std::move(got[k]);

  // The cluster view of each cluster: the first seed, in configured order, whose /cluster is valid.
  std::vector<std::optional<ClusterView>> views(n_clusters);
  std::vector<std::optional<BaseUrl>> speaker(n_clusters);  // the seed whose /cluster won
  std::vector<std::string> failures(slots.size());
  for (std::size_t i = 0; i < slots.size(); ++i) {
    if (slots[i].endpoint != Endpoint::kCluster) continue;
    if (!responses[i].ok()) {
      failures[i] = "GET /cluster: " + responses[i].FailureReason();
      continue;
    }
    ClusterParseResult parsed = ParseCluster(responses[i].body);
    if (!parsed.value) {
      failures[i] = "GET /cluster: " + parsed.error;
      continue;
    }
    if (!views[slots[i].cluster]) {
      views[slots[i].cluster] = std::move(parsed.value);
      speaker[slots[i].cluster] = slots[i].url;
    }
  }

  // Round 2: members the seeds did not cover.
  std::vector<std::string> discovered;
  const std::size_t round2 = slots.size();
  for (std::size_t c = 0; c < n_clusters; ++c) {
    if (!views[c]) continue;
    for (const ClusterMember& member : views[c]->members) {
      std::string error;
      const std::optional<BaseUrl> url = member.api_url ? ParseBaseUrl(*member.api_url, &error) : std::nullopt;
      if (!url) continue;
      if (options_.clusters[c].discovery) discovered.push_back(url->HostPort());
      if (options_.clusters[c].discovery && polled.insert(url->ToString()).second) {
        AddMember(&slots, c, *url, options_.health_view);
      }
    }
    if (options_.config_view) slots.push_back({Endpoint::kConfig, c, *speaker[c], "/config"});
    if (options_.history_view) slots.push_back({Endpoint::kHistory, c, *speaker[c], "/history"});
  }
  if (slots.size() > round2) {
    std::vector<HttpResponse> more = client_->GetAll(requests_for(round2, false).second, context.deadline);
    for (HttpResponse& r : more) responses.push_back(std::move(r));
    failures.resize(slots.size());
  }
  if (seed_responses.valid()) {
    got = seed_responses.get();
    for (std::size_t k = 0; k < got.size(); ++k) responses[seed_requests.first[k]] = std::move(got[k]);
  }
  discovered_ = std::move(discovered);

  // Node families of every /patroni answer, and what the cluster families need from them.
  std::set<std::pair<std::string, std::string>> members_seen;
  std::vector<std::optional<std::string>> scope_of_cluster(n_clusters);
  std::map<std::string, std::pair<std::string, std::string>> identity;  // target -> (scope, name)
  std::map<std::string, int> running_primaries;  // scope -> count, in first-seen order of scopes below
  std::vector<std::string> scopes_in_order;
  for (std::size_t i = 0; i < slots.size(); ++i) {
    if (slots[i].endpoint != Endpoint::kPatroni) continue;
    const std::string target = slots[i].url.ToString();
    std::optional<NodeStatus> status;
    if (!responses[i].ok()) {
      failures[i] = responses[i].FailureReason();
    } else {
      NodeStatusParseResult parsed = ParseNodeStatus(responses[i].body);
      if (!parsed.value) {
        failures[i] = "GET /patroni: " + parsed.error;
      } else {
        for (const std::string& warning : parsed.warnings) {
          Log(LogLevel::kDebug, warning, {{"collector", "patroni"}, {"target", target}});
        }
        status = std::move(parsed.value);
      }
    }
    if (status) {
      const std::size_t c = slots[i].cluster;
      std::optional<std::string> name = status->name;
      if (!name && views[c]) {
        name = MemberNameFor(*views[c], slots[i].url);
        if (name) known_names_[target] = *name;
      }
      if (!name && known_names_.count(target)) name = known_names_[target];
      const std::string member = name.value_or(slots[i].url.HostPort());
      identity[target] = {status->scope, member};
      if (members_seen.emplace(status->scope, member).second) {
        TranslateNodeStatus(*status, member, options_.node, out);
      } else {
        Log(LogLevel::kWarn, "two targets are the same Patroni member; exporting it once",
            {{"collector", "patroni"}, {"target", target}, {"scope", status->scope}, {"name", member}});
      }
      if (!scope_of_cluster[c]) scope_of_cluster[c] = status->scope;
      if (running_primaries.emplace(status->scope, 0).second) scopes_in_order.push_back(status->scope);
      if ((status->role == "master" || status->role == "primary") && status->state == "running") {
        ++running_primaries[status->scope];
      }
    }
    out->AddGauge("patroni_up",
                  "1 if the Patroni REST API at target answered GET /patroni with a valid status, 0 otherwise.",
                  {{"target", target}}, status ? 1 : 0);
    RecordOutcome(target, failures[i]);
  }

  for (const std::string& scope : scopes_in_order) {
    out->AddGauge("patroni_cluster_running_primaries",
                  "Members polled in this scrape whose own GET /patroni says primary with PostgreSQL running; "
                  "more than 1 is split brain.",
                  {{"scope", scope}}, running_primaries[scope]);
  }

  for (std::size_t i = 0; i < round2; ++i) {
    if (slots[i].endpoint != Endpoint::kCluster) continue;
    const std::string target = slots[i].url.ToString();
    out->AddGauge("patroni_cluster_up",
                  "1 if the Patroni REST API at target answered GET /cluster with a valid cluster, 0 otherwise.",
                  {{"target", target}}, failures[i].empty() ? 1 : 0);
    RecordOutcome(target + "/cluster", failures[i]);
  }

  // /cluster names its scope from Patroni 3.2 on; before, the members' /patroni does. /config and /history
  // never do.
  std::vector<std::optional<std::string>> cluster_scope(n_clusters);
  for (std::size_t c = 0; c < n_clusters; ++c) {
    if (!views[c]) continue;
    cluster_scope[c] = views[c]->scope ? views[c]->scope : scope_of_cluster[c];
    if (!cluster_scope[c]) {
      Log(LogLevel::kDebug, "cluster-wide families skipped: no member answered /patroni to name the scope",
          {{"collector", "patroni"}, {"cluster", options_.clusters[c].name}});
    } else if (options_.cluster_view) {
      TranslateCluster(*views[c], *cluster_scope[c], out);
    }
  }

  for (std::size_t i = round2; i < slots.size(); ++i) {
    const Endpoint endpoint = slots[i].endpoint;
    if (endpoint != Endpoint::kConfig && endpoint != Endpoint::kHistory) continue;
    const std::string target = slots[i].url.ToString();
    const std::optional<std::string>& scope = cluster_scope[slots[i].cluster];
    if (!responses[i].ok()) {
      failures[i] = "GET " + slots[i].path + ": " + responses[i].FailureReason();
    } else if (endpoint == Endpoint::kConfig) {
      DynamicConfigParseResult parsed = ParseDynamicConfig(responses[i].body);
      if (!parsed.value) {
        failures[i] = "GET /config: " + parsed.error;
      } else if (scope) {
        TranslateDynamicConfig(*parsed.value, *scope, out);
      }
    } else {
      HistoryParseResult parsed = ParseHistory(responses[i].body);
      if (!parsed.value) {
        failures[i] = "GET /history: " + parsed.error;
      } else if (scope) {
        TranslateHistory(*parsed.value, *scope, out);
      }
    }
    RecordOutcome(target + slots[i].path, failures[i]);
  }

  if (options_.postgres) {
    // Addresses from this scrape's /cluster, else the last ones seen (a DCS outage must not hide PostgreSQL).
    for (std::size_t c = 0; c < n_clusters; ++c) {
      if (!views[c] || !cluster_scope[c]) continue;
      for (const ClusterMember& m : views[c]->members) {
        if (m.host && m.port) pg_addresses_[*cluster_scope[c] + "/" + m.name] = {*m.host, static_cast<int>(*m.port)};
      }
    }
    std::vector<PgTarget> pg_targets;
    std::set<std::string> seen;
    for (const auto& [target, who] : identity) {
      const auto address = pg_addresses_.find(who.first + "/" + who.second);
      if (address == pg_addresses_.end() || !seen.insert(address->first).second) continue;
      pg_targets.push_back({who.first, who.second, address->second.first, address->second.second});
    }
    options_.postgres->Collect(pg_targets, context.deadline, out);
  }

  // Health checks answer 200 or 503 with a body; anything else (404 on a version without the endpoint, no
  // answer) leaves the sample out. They do not count as failures: /patroni of the same member already does.
  for (std::size_t i = 0; i < slots.size(); ++i) {
    if (slots[i].endpoint != Endpoint::kHealth) continue;
    const auto who = identity.find(slots[i].url.ToString());
    const long status = responses[i].transport_ok() ? responses[i].status : 0;
    if (who == identity.end() || (status != 200 && status != 503)) continue;
    out->AddGauge("patroni_health_check",
                  "1 if the member's health endpoint answers 200 (what a load balancer or probe sees), 0 if 503.",
                  {{"scope", who->second.first}, {"name", who->second.second}, {"endpoint", slots[i].path}},
                  status == 200 ? 1 : 0);
  }

  std::size_t failed = 0;
  for (const std::string& failure : failures) failed += failure.empty() ? 0 : 1;
  if (failed == 0) return "";
  return std::to_string(failed) + " of " + std::to_string(slots.size()) + " Patroni requests failed";
}

}  // namespace patroni_exporter
