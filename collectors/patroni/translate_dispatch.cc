#include "collectors/patroni/translate_dispatch.h"

#include "collectors/log.h"
#include "collectors/patroni/cluster_parse.h"
#include "collectors/patroni/dynamic_config_parse.h"
#include "collectors/patroni/dynamic_config_translate.h"
#include "collectors/patroni/history_parse.h"
#include "collectors/patroni/history_translate.h"
#include "collectors/patroni/node_status_parse.h"
#include "collectors/request_failures.h"

namespace patroni_exporter {
namespace {

// The transport or status failure of a response that is not ok(); the detail keeps the text logs have always
// carried ("GET /cluster: HTTP ...").
bool TransportFailed(const HttpResponse& response, const std::string& prefix, SlotFailure* failure) {
  if (response.ok()) return false;
  failure->kind = FailureKind(response);
  failure->detail = prefix + response.FailureReason();
  return true;
}

}  // namespace

std::optional<NodeStatus> ReadPatroniAnswer(const HttpResponse& response, const std::string& target,
                                            SlotFailure* failure) {
  if (TransportFailed(response, "", failure)) return std::nullopt;
  NodeStatusParseResult parsed = ParseNodeStatus(response.body);
  if (!parsed.value) {
    *failure = {"bad_body", "GET /patroni: " + parsed.error};
    return std::nullopt;
  }
  for (const std::string& warning : parsed.warnings) {
    Log(LogLevel::kDebug, warning, {{"collector", "patroni"}, {"target", target}});
  }
  return std::move(parsed.value);
}

std::optional<ClusterView> ReadClusterAnswer(const HttpResponse& response, SlotFailure* failure) {
  if (TransportFailed(response, "GET /cluster: ", failure)) return std::nullopt;
  ClusterParseResult parsed = ParseCluster(response.body);
  if (!parsed.value) {
    *failure = {"bad_body", "GET /cluster: " + parsed.error};
    return std::nullopt;
  }
  return std::move(parsed.value);
}

void TranslateClusterWideAnswer(Endpoint endpoint, const HttpResponse& response,
                                const std::optional<std::string>& scope, MetricSet* out, SlotFailure* failure,
                                std::optional<bool>* failsafe_mode) {
  const std::string path = endpoint == Endpoint::kConfig ? "/config" : "/history";
  if (TransportFailed(response, "GET " + path + ": ", failure)) return;
  if (endpoint == Endpoint::kConfig) {
    DynamicConfigParseResult parsed = ParseDynamicConfig(response.body);
    if (!parsed.value) {
      *failure = {"bad_body", "GET /config: " + parsed.error};
    } else {
      if (scope) TranslateDynamicConfig(*parsed.value, *scope, out);
      if (failsafe_mode != nullptr) {
        const ConfigSetting<bool>& setting = parsed.value->failsafe_mode;
        *failsafe_mode = setting.absent() ? std::optional<bool>(false) : setting.value;
      }
    }
    return;
  }
  HistoryParseResult parsed = ParseHistory(response.body);
  if (!parsed.value) {
    *failure = {"bad_body", "GET /history: " + parsed.error};
  } else if (scope) {
    TranslateHistory(*parsed.value, *scope, out);
  }
}

std::optional<bool> ReadHealthAnswer(const HttpResponse& response, SlotFailure* failure) {
  if (response.transport_ok() && (response.status == 200 || response.status == 503)) return response.status == 200;
  failure->kind = FailureKind(response);
  failure->detail = response.FailureReason();
  failure->expected = failure->kind == "not_found";
  return std::nullopt;
}

}  // namespace patroni_exporter
