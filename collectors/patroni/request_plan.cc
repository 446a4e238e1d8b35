#include "collectors/patroni/request_plan.h"

#include <algorithm>

namespace patroni_exporter {

std::vector<HealthRequest> HealthRequests(const std::string& max_lag) {
  std::vector<HealthRequest> requests;
  for (const HealthCheck& check : kHealthChecks) {
    requests.push_back({check.path, check.since});
    if (!max_lag.empty() && check.lag_since >= 0) {
      requests.push_back({std::string(check.path) + "?lag=" + max_lag, std::max(check.since, check.lag_since)});
    }
  }
  return requests;
}

bool ValidHealthMaxLag(const std::string& text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  // 18 digits stay below 2^63: Patroni reads the number as a Python int, we never read it at all.
  if (digits == 0 || digits > 18) return false;
  const std::string unit = text.substr(digits);
  return unit.empty() || unit == "B" || unit == "kB" || unit == "MB" || unit == "GB" || unit == "TB";
}

std::size_t RequestPlan::Add(Endpoint endpoint, std::size_t cluster, const BaseUrl& url, const std::string& path,
                             int since) {
  slots_.push_back({endpoint, cluster, url, path, since});
  responses_.emplace_back();
  failures_.emplace_back();
  return slots_.size() - 1;
}

std::vector<std::size_t> RequestPlan::AddMember(std::size_t cluster, const BaseUrl& url, bool health) {
  std::vector<std::size_t> added;
  if (!polled_.insert(url.ToString()).second) return added;
  added.push_back(Add(Endpoint::kPatroni, cluster, url, "/patroni"));
  if (!health) return added;
  for (const HealthRequest& check : health_) {
    added.push_back(Add(Endpoint::kHealth, cluster, url, check.path, check.since));
  }
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
