// NodeCollector ("node"): GET /patroni of each configured Patroni REST API -> the native patroni_* families,
// patroni_node_info and patroni_up{target}.
//
// All targets are fetched concurrently; a target that is down, slow, or answers with something that is not a
// Patroni status gets patroni_up 0 and a log line (on each change of its reason; repeats go to debug), and
// costs the others nothing beyond the request timeout.
//
// Member name (the `name` label): `patroni.name` where Patroni sends it (3.2.0+). Older versions do not; then
// the collector asks the same API for `GET /cluster` and takes the name of the member whose api_url matches the
// target (cached for the process's lifetime once found; retried at most every `name_lookup_retry` otherwise),
// and until then uses the target's HOST:PORT.
// Two targets that turn out to be the same member are exported once (the first) and the second is logged.
// Collect() is safe to call from one thread at a time (the scrape wrapper serializes scrapes).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "collectors/collector.h"
#include "collectors/http_client.h"
#include "collectors/patroni/node_status_translate.h"
#include "collectors/url.h"

namespace patroni_exporter {

struct NodeCollectorOptions {
  std::vector<BaseUrl> targets;
  NodeTranslateOptions translate;
  std::chrono::seconds name_lookup_retry{300};
};

class NodeCollector : public Collector {
 public:
  NodeCollector(NodeCollectorOptions options, std::shared_ptr<const HttpClient> client);

  std::string Name() const override { return "node"; }
  std::string Collect(MetricSet* out) override;

 private:
  struct TargetState {
    std::string last_failure;  // "" while healthy: log only when this changes
    std::optional<std::string> member_name;
    std::chrono::steady_clock::time_point next_name_lookup{};
  };

  void ResolveNames(const std::vector<std::size_t>& indexes);
  void RecordOutcome(std::size_t index, const std::string& failure);

  NodeCollectorOptions options_;
  std::shared_ptr<const HttpClient> client_;
  std::mutex mutex_;
  std::vector<TargetState> state_;
};

}  // namespace patroni_exporter
