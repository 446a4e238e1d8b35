// Prober: GET /probe?target=URL[&discovery=off], in the blackbox_exporter style: Prometheus service discovery
// and relabelling choose which Patroni cluster one scrape covers, so fleets can be sharded.
//
// A probe runs the patroni collector on one seed (with discovery unless `discovery=off`) under the scrape
// deadline, and adds probe_success (1 if the target answered GET /patroni) and probe_duration_seconds.
//
// Not an open proxy: a target is allowed only if its HOST:PORT is a configured seed, a member of a configured
// cluster that the member directory remembers (seen by /metrics within --patroni.member-retention), or fully
// matches a --probe.allowed-target expression.
// Anything else is refused with 403. The target's TLS settings are those of the configured cluster it belongs
// to, else the --patroni.* TLS flags. Concurrent probes of the same target share one round of requests.
// Thread-safe; never throws.
#pragma once

#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "collectors/http_client.h"
#include "collectors/member_directory.h"
#include "collectors/patroni/patroni_collector.h"
#include "collectors/request_failures.h"
#include "exporter/single_flight.h"

namespace patroni_exporter {

struct ProbeResponse {
  int status = 200;
  std::string content_type = "text/plain; version=0.0.4; charset=utf-8";
  std::string body;
};

struct ProberOptions {
  std::vector<ClusterTarget> clusters;       // the configured ones
  TlsClientOptions default_tls;              // for targets allowed only by an expression
  std::vector<std::string> allowed_targets;  // regular expressions over HOST:PORT
  // The same views as the main collector (cluster, config, history, health); its clusters are ignored.
  PatroniCollectorOptions views;
};

class Prober {
 public:
  // `members`: the main scrape's member directory (for the allow-list); may be null.
  Prober(ProberOptions options, std::shared_ptr<const HttpClient> client,
         std::shared_ptr<const MemberDirectory> members);

  // `query` is the raw query string of the request ("target=...&discovery=off").
  ProbeResponse Probe(const std::string& query, const ScrapeContext& context);

  // Whether a probe of `target` would be allowed, and the reason when not (tests, logs).
  bool Allowed(const BaseUrl& target, std::string* reason) const;

 private:
  std::shared_ptr<const std::string> Run(const BaseUrl& target, bool discovery, const ScrapeContext& context);
  std::string RunOnce(const BaseUrl& target, bool discovery, const ScrapeContext& context);

  ProberOptions options_;
  std::shared_ptr<const HttpClient> client_;
  std::shared_ptr<const MemberDirectory> members_;
  std::shared_ptr<RequestFailures> failures_;  // log state across probes; probes export no counter
  std::vector<std::regex> allowed_;
  SingleFlight<std::string> flight_;
};

// Decodes one query parameter ("target") from a raw query string; empty when absent.
std::string QueryParameter(const std::string& query, const std::string& name);

}  // namespace patroni_exporter
