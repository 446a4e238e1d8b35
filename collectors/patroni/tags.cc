#include "collectors/patroni/tags.h"

#include <charconv>

#include "collectors/json_util.h"

namespace patroni_exporter {
namespace {

std::string BoolText(const std::optional<bool>& value) {
  if (!value) return "";
  return *value ? "true" : "false";
}

}  // namespace

PatroniTags ReadTags(const nlohmann::json& tags, const std::string& path, std::vector<std::string>* warnings) {
  PatroniTags t;
  t.nofailover = ReadBool(tags, "nofailover", path, warnings);
  t.noloadbalance = ReadBool(tags, "noloadbalance", path, warnings);
  t.clonefrom = ReadBool(tags, "clonefrom", path, warnings);
  t.nosync = ReadBool(tags, "nosync", path, warnings);
  t.failover_priority = ReadNumber(tags, "failover_priority", path, warnings);
  t.nostream = ReadBool(tags, "nostream", path, warnings);
  return t;
}

void AppendTagLabels(const PatroniTags& tags, Labels* labels) {
  labels->emplace_back("nofailover", BoolText(tags.nofailover));
  labels->emplace_back("noloadbalance", BoolText(tags.noloadbalance));
  labels->emplace_back("clonefrom", BoolText(tags.clonefrom));
  labels->emplace_back("nosync", BoolText(tags.nosync));
  labels->emplace_back("failover_priority", NumberText(tags.failover_priority));
}

std::string NumberText(const std::optional<double>& value) {
  if (!value) return "";
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), *value);
  return ec == std::errc() ? std::string(buffer, end) : "";
}

}  // namespace patroni_exporter
