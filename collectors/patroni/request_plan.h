// RequestPlan: the GET requests of one patroni-collector scrape, their answers and their failures, by slot.
//
// A slot is one request (endpoint, cluster, member REST API). Slots are added round by round; Fetch() sends a set
// of them at once through the HTTP client and stores the answers. Pure bookkeeping apart from Fetch. Not
// thread-safe: one scrape owns one plan (Requests() copies what a second thread needs).
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "collectors/cluster_target.h"
#include "collectors/http_client.h"

namespace patroni_exporter {

enum class Endpoint { kPatroni, kCluster, kConfig, kHistory, kHealth };

// The health endpoints the health view asks, in this order: what HAProxy or Kubernetes probes see. `since`: the
// first Patroni version (patroni_version's number, 40000 = 4.0.0) where the endpoint means what its name says;
// before it Patroni answers an unknown path with its generic check (503), which would read as "down", so a member
// of an older version gets no sample for it. `lag_since`: the first version documented to honour `?lag=` on it
// (-1: Patroni takes no lag there); the ?lag= form is asked only with --collector.health.max-lag.
struct HealthCheck {
  const char* path;
  int since = 0;
  int lag_since = -1;
};

// /quorum: quorum commit is 4.0+. /readiness takes ?lag= (and &mode=) from 4.1.0; older versions ignore the
// query and give plain /readiness.
inline constexpr HealthCheck kHealthChecks[] = {
    {"/primary"},        {"/replica", 0, 0},  {"/read-only"},           {"/sync"},
    {"/async", 0, 0},    {"/liveness"},       {"/readiness", 0, 40100}, {"/leader"},
    {"/standby-leader"}, {"/read-only-sync"}, {"/quorum", 40000},       {"/health"},
};

// One health request of a member: the path with its query ("/replica?lag=1MB"), also the `endpoint` label.
struct HealthRequest {
  std::string path;
  int since = 0;
};

// Every check of kHealthChecks and, when `max_lag` is not empty, the ?lag=MAX_LAG form of those that take one,
// each right after its plain form.
std::vector<HealthRequest> HealthRequests(const std::string& max_lag);

// Whether `text` is a lag Patroni reads in ?lag=: an integer number of bytes, optionally followed by B, kB, MB,
// GB or TB (Patroni's parse_int with base unit B).
bool ValidHealthMaxLag(const std::string& text);

struct Slot {
  Endpoint endpoint;
  std::size_t cluster;  // index into the configured clusters
  BaseUrl url;
  std::string path;  // "/patroni", "/cluster", ... (health checks: with their query)
  int since = 0;     // health checks: HealthRequest::since
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
  // `health`: the health requests AddMember adds for each member when asked to (HealthRequests()).
  RequestPlan(const std::vector<ClusterTarget>& clusters, std::vector<HealthRequest> health)
      : clusters_(clusters), health_(std::move(health)) {}

  // GET /patroni of a member (and with `health` its health requests), unless this scrape asks it already.
  // Returns the indices added.
  std::vector<std::size_t> AddMember(std::size_t cluster, const BaseUrl& url, bool health);
  std::size_t Add(Endpoint endpoint, std::size_t cluster, const BaseUrl& url, const std::string& path, int since = 0);
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
  const std::vector<HealthRequest> health_;
  std::vector<Slot> slots_;
  std::vector<HttpResponse> responses_;
  std::vector<SlotFailure> failures_;
  std::set<std::string> polled_;  // base URLs whose /patroni this scrape asks
};

}  // namespace patroni_exporter
