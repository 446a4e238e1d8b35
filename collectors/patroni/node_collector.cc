#include "collectors/patroni/node_collector.h"

#include <set>
#include <utility>

#include "collectors/log.h"
#include "collectors/patroni/member_name.h"
#include "collectors/patroni/node_status_parse.h"

namespace patroni_exporter {

NodeCollector::NodeCollector(NodeCollectorOptions options, std::shared_ptr<const HttpClient> client)
    : options_(std::move(options)), client_(std::move(client)), state_(options_.targets.size()) {}

void NodeCollector::RecordOutcome(std::size_t index, const std::string& failure) {
  TargetState& state = state_[index];
  const std::string target = options_.targets[index].ToString();
  if (failure == state.last_failure) {
    if (!failure.empty()) {
      Log(LogLevel::kDebug, "Patroni target still failing",
          {{"collector", "node"}, {"target", target}, {"err", failure}});
    }
    return;
  }
  if (failure.empty()) {
    Log(LogLevel::kInfo, "Patroni target recovered", {{"collector", "node"}, {"target", target}});
  } else {
    Log(LogLevel::kWarn, "Patroni target failed", {{"collector", "node"}, {"target", target}, {"err", failure}});
  }
  state.last_failure = failure;
}

void NodeCollector::ResolveNames(const std::vector<std::size_t>& indexes) {
  std::vector<std::string> urls;
  for (std::size_t i : indexes) urls.push_back(options_.targets[i].Join("/cluster"));
  const std::vector<HttpResponse> responses = client_->GetAll(urls);
  const auto now = std::chrono::steady_clock::now();
  for (std::size_t k = 0; k < indexes.size(); ++k) {
    TargetState& state = state_[indexes[k]];
    std::optional<std::string> name;
    if (responses[k].ok()) name = FindMemberName(responses[k].body, options_.targets[indexes[k]]);
    if (name) {
      state.member_name = std::move(name);
      continue;
    }
    // /cluster hangs for retry_timeout while the DCS is away (shared/LAB-NOTES.md): do not pay that every scrape.
    state.next_name_lookup = now + options_.name_lookup_retry;
    Log(LogLevel::kDebug, "member name not found in /cluster; using HOST:PORT",
        {{"collector", "node"},
         {"target", options_.targets[indexes[k]].ToString()},
         {"err", responses[k].ok() ? "no member with this api_url" : responses[k].FailureReason()}});
  }
}

std::string NodeCollector::Collect(MetricSet* out) {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::size_t n = options_.targets.size();
  std::vector<std::string> urls;
  urls.reserve(n);
  for (const BaseUrl& target : options_.targets) urls.push_back(target.Join("/patroni"));
  const std::vector<HttpResponse> responses = client_->GetAll(urls);

  std::vector<std::optional<NodeStatus>> statuses(n);
  std::vector<std::string> failures(n);
  std::vector<std::size_t> need_name;
  const auto now = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < n; ++i) {
    if (!responses[i].ok()) {
      failures[i] = responses[i].FailureReason();
      continue;
    }
    NodeStatusParseResult parsed = ParseNodeStatus(responses[i].body);
    if (!parsed.value) {
      failures[i] = "GET /patroni: " + parsed.error;
      continue;
    }
    for (const std::string& warning : parsed.warnings) {
      Log(LogLevel::kDebug, warning, {{"collector", "node"}, {"target", options_.targets[i].ToString()}});
    }
    statuses[i] = std::move(parsed.value);
    if (!statuses[i]->name && !state_[i].member_name && now >= state_[i].next_name_lookup) need_name.push_back(i);
  }
  if (!need_name.empty()) ResolveNames(need_name);

  std::set<std::pair<std::string, std::string>> members_seen;
  std::size_t failed = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string target = options_.targets[i].ToString();
    if (statuses[i]) {
      const std::string name =
          statuses[i]->name.value_or(state_[i].member_name.value_or(options_.targets[i].HostPort()));
      if (members_seen.emplace(statuses[i]->scope, name).second) {
        TranslateNodeStatus(*statuses[i], name, options_.translate, out);
      } else {
        Log(LogLevel::kWarn, "two targets are the same Patroni member; exporting it once",
            {{"collector", "node"}, {"target", target}, {"scope", statuses[i]->scope}, {"name", name}});
      }
    }
    out->AddGauge("patroni_up",
                  "1 if the Patroni REST API at target answered GET /patroni with a valid status, 0 otherwise.",
                  {{"target", target}}, statuses[i] ? 1 : 0);
    RecordOutcome(i, failures[i]);
    if (!failures[i].empty()) ++failed;
  }
  if (failed == 0) return "";
  return std::to_string(failed) + " of " + std::to_string(n) + " Patroni targets failed";
}

}  // namespace patroni_exporter
