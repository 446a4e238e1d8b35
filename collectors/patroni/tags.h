// Patroni member tags (`tags` in GET /patroni and in each GET /cluster member), read and labelled the same way
// for both. Pure; never throws.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "collectors/metric_set.h"

namespace patroni_exporter {

// The tags the exporter uses. Patroni puts a boolean tag in /cluster only when it is true (Tags._filter_tags),
// so an empty optional usually means "false by default"; 3.2.2+ also keeps an explicit `nofailover: false` next
// to `failover_priority`. Custom tags and `replicatefrom` are not kept.
struct PatroniTags {
  std::optional<bool> nofailover;
  std::optional<bool> noloadbalance;
  std::optional<bool> clonefrom;
  std::optional<bool> nosync;
  std::optional<double> failover_priority;  // 3.2.0+
  std::optional<bool> nostream;             // 3.3.0+
};

// Reads `tags` (an object) with the typed readers of json_util.h; `path` prefixes field names in warnings.
PatroniTags ReadTags(const nlohmann::json& tags, const std::string& path, std::vector<std::string>* warnings);

// Appends the tag labels in their fixed order: nofailover, noloadbalance, clonefrom, nosync, failover_priority.
// Booleans as "true"/"false", the priority as an integer text, "" where a tag is not set.
void AppendTagLabels(const PatroniTags& tags, Labels* labels);

// "" for an empty optional, else the shortest text that reads back as the same double ("100", "1.5").
std::string NumberText(const std::optional<double>& value);

}  // namespace patroni_exporter
