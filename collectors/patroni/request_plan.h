// RequestPlan: the GET requests of one patroni-collector scrape, their answers and their failures, by slot.
//
// A slot is one request (endpoint, cluster, member REST API). Slots are added round by round; Fetch() sends a set
// of them at once through the HTTP client and stores the answers. Pure bookkeeping apart from Fetch. Not
// thread-safe: one scrape owns one plan (Requests() copies what a second thread needs).
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include "collectors/cluster_target.h"
#include "collectors/http_client.h"

namespace patroni_exporter {

enum class Endpoint { kPatroni, kCluster, kConfig, kHistory, kHealth };

// The health endpoints the health view asks, in this order: what HAProxy or Kubernetes probes see.
inline constexpr const char* kHealthChecks[] = {"/primary", "/replica",  "/read-only", "/sync",
                                                "/async",   "/liveness", "/readiness"};

struct Slot {
  Endpoint endpoint;
  std::size_t cluster;  // index into the configured clusters
  BaseUrl url;
  std::string path;  // "/patroni", "/cluster", ...
};

// Why a slot gave nothing usable (request_failures.h reasons); empty kind: it answered.
struct SlotFailure {
  std::string kind;
  std::string detail;
  bool expected = false;  // a health endpoint this version lacks

  bool failed() const { return !kind.empty(); }
};

class RequestPlan {
 public:
  explicit RequestPlan(const std::vector<ClusterTarget>& clusters) : clusters_(clusters) {}

  // GET /patroni of a member (and with `health` its health checks), unless this scrape asks it already.
  // Returns the indices added.
  std::vector<std::size_t> AddMember(std::size_t cluster, const BaseUrl& url, bool health);
  std::size_t Add(Endpoint endpoint, std::size_t cluster, const BaseUrl& url, const std::string& path);
  bool Polls(const BaseUrl& url) const { return polled_.count(url.ToString()) > 0; }

  // The requests of `indices`, each with its cluster's TLS settings (pointers into the clusters, which outlive
  // the plan).
  std::vector<HttpRequest> Requests(const std::vector<std::size_t>& indices) const;
  // Stores answers got for Requests(indices).
  void Store(const std::vector<std::size_t>& indices, std::vector<HttpResponse> answers);
  // Requests(indices), sent at once, answers stored.
  void Fetch(const HttpClient& client, const std::vector<std::size_t>& indices, Deadline deadline);

  const std::vector<Slot>& slots() const { return slots_; }
  const Slot& slot(std::size_t i) const { return slots_[i]; }
  const HttpResponse& response(std::size_t i) const { return responses_[i]; }
  SlotFailure& failure(std::size_t i) { return failures_[i]; }
  const std::vector<SlotFailure>& failures() const { return failures_; }

 private:
  const std::vector<ClusterTarget>& clusters_;
  std::vector<Slot> slots_;
  std::vector<HttpResponse> responses_;
  std::vector<SlotFailure> failures_;
  std::set<std::string> polled_;  // base URLs whose /patroni this scrape asks
};

}  // namespace patroni_exporter
