#include "collectors/patroni/member_name.h"

#include "collectors/json_util.h"

namespace patroni_exporter {

std::optional<std::string> FindMemberName(std::string_view cluster_body, const BaseUrl& target) {
  std::string error;
  const std::optional<nlohmann::json> doc = ParseJson(cluster_body, &error);
  if (!doc) return std::nullopt;
  const nlohmann::json* members = GetArray(*doc, "members");
  if (members == nullptr) return std::nullopt;
  for (const nlohmann::json& member : *members) {
    const std::optional<std::string> name = GetString(member, "name");
    const std::optional<std::string> api_url = GetString(member, "api_url");
    if (!name || !api_url) continue;
    const std::optional<BaseUrl> url = ParseBaseUrl(*api_url, &error);
    if (url && url->scheme == target.scheme && url->host == target.host && url->port == target.port) {
      return name;
    }
  }
  return std::nullopt;
}

}  // namespace patroni_exporter
