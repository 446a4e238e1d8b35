#include "exporter/probe.h"

#include <chrono>
#include <cstdio>

#include "collectors/exposition.h"
#include "collectors/log.h"
#include "collectors/metric_set.h"
#include "exporter/heap_release.h"

namespace patroni_exporter {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string UrlDecode(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 && HexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

ProbeResponse Refuse(int status, const std::string& message) {
  ProbeResponse response;
  response.status = status;
  response.content_type = "text/plain; charset=utf-8";
  response.body = message + "\n";
  return response;
}

}  // namespace

std::string QueryParameter(const std::string& query, const std::string& name) {
  std::size_t pos = 0;
  while (pos <= query.size()) {
    const std::size_t end = std::min(query.find('&', pos), query.size());
    const std::string pair = query.substr(pos, end - pos);
    const std::size_t eq = pair.find('=');
    if (UrlDecode(pair.substr(0, eq)) == name) return eq == std::string::npos ? "" : UrlDecode(pair.substr(eq + 1));
    pos = end + 1;
  }
  return "";
}

Prober::Prober(ProberOptions options, std::shared_ptr<const HttpClient> client,
               std::shared_ptr<const MemberDirectory> members)
    : options_(std::move(options)),
      client_(std::move(client)),
      members_(std::move(members)),
      failures_(std::make_shared<RequestFailures>("probe")) {
  for (const std::string& pattern : options_.allowed_targets) allowed_.emplace_back(pattern);  // validated
}

bool Prober::Allowed(const BaseUrl& target, std::string* reason) const {
  const std::string host_port = target.HostPort();
  for (const ClusterTarget& cluster : options_.clusters) {
    for (const BaseUrl& seed : cluster.seeds) {
      if (seed.HostPort() == host_port) return true;
    }
  }
  if (members_ != nullptr) {
    for (const std::string& member : members_->ApiHostPorts()) {
      if (member == host_port) return true;
    }
  }
  for (const std::regex& re : allowed_) {
    if (std::regex_match(host_port, re)) return true;
  }
  *reason = "target " + host_port +
            " is not allowed: not a configured seed, not a discovered member, and matches no --probe.allowed-target";
  return false;
}

ProbeResponse Prober::Probe(const std::string& query, const ScrapeContext& context) {
  const std::string target_text = QueryParameter(query, "target");
  if (target_text.empty()) return Refuse(400, "missing parameter: target=http[s]://HOST:PORT");
  std::string error;
  const std::optional<BaseUrl> target = ParseBaseUrl(target_text, &error);
  if (!target) return Refuse(400, "bad target: " + error);
  const std::string discovery_text = QueryParameter(query, "discovery");
  if (!discovery_text.empty() && discovery_text != "on" && discovery_text != "off") {
    return Refuse(400, "discovery must be on or off");
  }
  if (!Allowed(*target, &error)) {
    Log(LogLevel::kWarn, "probe refused", {{"target", target->ToString()}, {"err", error}});
    return Refuse(403, error);
  }
  ProbeResponse response;
  response.body = *Run(*target, discovery_text != "off", context);
  return response;
}

std::shared_ptr<const std::string> Prober::Run(const BaseUrl& target, bool discovery, const ScrapeContext& context) {
  return flight_.Do(target.ToString() + (discovery ? "" : "#nodiscovery"), [&]() -> std::shared_ptr<const std::string> {
    try {
      return std::make_shared<const std::string>(RunOnce(target, discovery, context));
    } catch (...) {
      return std::make_shared<const std::string>();
    }
  });
}

std::string Prober::RunOnce(const BaseUrl& target, bool discovery, const ScrapeContext& context) {
  ClusterTarget cluster;
  cluster.name = "probe";
  cluster.seeds = {target};
  cluster.discovery = discovery;
  cluster.tls = options_.default_tls;
  for (const ClusterTarget& configured : options_.clusters) {
    for (const BaseUrl& seed : configured.seeds) {
      if (seed.HostPort() == target.HostPort()) cluster.tls = configured.tls;
    }
  }
  PatroniCollectorOptions collector_options = options_.views;
  collector_options.clusters = {cluster};
  collector_options.export_failure_counter = false;
  // A directory of its own: a probe is one look at one target, and must not change what /metrics remembers.
  auto directory = std::make_shared<MemberDirectory>(std::chrono::hours(1));
  PatroniCollector collector(collector_options, client_, directory, failures_);

  const auto start = std::chrono::steady_clock::now();
  MetricSet metrics;
  collector.Collect(context, &metrics);
  const bool success = directory->PatroniAnswered(target).value_or(false);
  metrics.AddGauge("probe_success", "1 if the probed target answered GET /patroni with a valid status.", {},
                   success ? 1 : 0);
  metrics.AddGauge("probe_duration_seconds", "How long the probe took.", {},
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  std::string text = SerializeText(metrics);
  metrics = MetricSet();         // freed before the heap is handed back
  ReleaseFreeHeap(text.size());  // a probe of a large cluster, like a large scrape (exporter/heap_release.h)
  return text;
}

}  // namespace patroni_exporter
