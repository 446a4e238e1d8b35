#include "collectors/patroni/request_plan.h"

namespace patroni_exporter {

std::size_t RequestPlan::Add(Endpoint endpoint, std::size_t cluster, const BaseUrl& url, const std::string& path) {
  slots_.push_back({endpoint, cluster, url, path});
  responses_.emplace_back();
  failures_.emplace_back();
  return slots_.size() - 1;
}

std::vector<std::size_t> RequestPlan::AddMember(std::size_t cluster, const BaseUrl& url, bool health) {
  std::vector<std::size_t> added;
  if (!polled_.insert(url.ToString()).second) return added;
  added.push_back(Add(Endpoint::kPatroni, cluster, url, "/patroni"));
  if (!health) return added;
  for (const char* path : kHealthChecks) added.push_back(Add(Endpoint::kHealth, cluster, url, path));
  return added;
}

std::vector<HttpRequest> RequestPlan::Requests(const std::vector<std::size_t>& indices) const {
  std::vector<HttpRequest> requests;
  requests.reserve(indices.size());
  for (const std::size_t i : indices) {
    requests.push_back({slots_[i].url.Join(slots_[i].path), &clusters_[slots_[i].cluster].tls});
  }
  return requests;
}

void RequestPlan::Store(const std::vector<std::size_t>& indices, std::vector<HttpResponse> answers) {
  for (std::size_t k = 0; k < indices.size() && k < answers.size(); ++k) responses_[indices[k]] = std::move(answers[k]);
}

void RequestPlan::Fetch(const HttpClient& client, const std::vector<std::size_t>& indices, Deadline deadline) {
  if (indices.empty()) return;
  Store(indices, client.GetAll(Requests(indices), deadline));
}

}  // namespace patroni_exporter
