// Translate dispatch: one answer of a patroni-collector request -> parsed values or families, and the slot's
// failure (request_failures.h reasons) when it gave nothing usable. The glue between the HTTP answers and the
// pure parse and translate layers of this folder. Never throws.
#pragma once

#include <optional>
#include <string>

#include "collectors/http_client.h"
#include "collectors/metric_set.h"
#include "collectors/patroni/cluster.h"
#include "collectors/patroni/node_status.h"
#include "collectors/patroni/request_plan.h"

namespace patroni_exporter {

// GET /patroni: the status, or empty and *failure set. Parse warnings go to the debug log under `target`.
std::optional<NodeStatus> ReadPatroniAnswer(const HttpResponse& response, const std::string& target,
                                            SlotFailure* failure);
// GET /cluster: the view, or empty and *failure set.
std::optional<ClusterView> ReadClusterAnswer(const HttpResponse& response, SlotFailure* failure);
// GET /config or /history (by `endpoint`): its families under `scope` when the scope is known; *failure set when
// the answer is unusable. For a usable /config, *failsafe_mode (when not null) gets its failsafe_mode (false when
// absent, empty when unreadable).
void TranslateClusterWideAnswer(Endpoint endpoint, const HttpResponse& response,
                                const std::optional<std::string>& scope, MetricSet* out, SlotFailure* failure,
                                std::optional<bool>* failsafe_mode = nullptr);
// A health endpoint: true for 200, false for 503 (both answers a load balancer acts on); empty otherwise, with
// *failure set: a 404 is `expected` (a Patroni version without that endpoint), a timeout or any other status is
// not.
std::optional<bool> ReadHealthAnswer(const HttpResponse& response, SlotFailure* failure);

}  // namespace patroni_exporter
