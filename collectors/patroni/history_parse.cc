#include "collectors/patroni/history_parse.h"

#include "collectors/json_util.h"
#include "collectors/patroni/timestamp.h"

namespace patroni_exporter {
namespace {

using nlohmann::json;

constexpr std::uint64_t kMaxTimeline = 4294967295;  // PostgreSQL's TimeLineID is a uint32

std::optional<std::int64_t> Timeline(const json& value) {
  // nlohmann stores every non-negative integer as unsigned; a negative one cannot be a timeline anyway.
  if (!value.is_number_unsigned()) return std::nullopt;
  const std::uint64_t timeline = value.get<std::uint64_t>();
  if (timeline < 1 || timeline > kMaxTimeline) return std::nullopt;
  return static_cast<std::int64_t>(timeline);
}

// Returns the row, or an empty optional after adding the warning that says why the row is skipped.
std::optional<HistoryRow> ParseRow(const json& row, const std::string& where, std::vector<std::string>* warnings) {
  auto skip = [&](const std::string& why) {
    warnings->push_back(where + " ignored: " + why);
    return std::nullopt;
  };
  if (!row.is_array()) return skip("expected an array, got " + TypeName(row));
  if (row.size() < 3) return skip("expected at least 3 elements, got " + std::to_string(row.size()));
  HistoryRow r;
  const std::optional<std::int64_t> timeline = Timeline(row[0]);
  if (!timeline) return skip("timeline: expected an integer from 1 to 4294967295, got " + ShownValue(row[0]));
  r.timeline = *timeline;
  if (!row[1].is_number_unsigned()) return skip("lsn: expected a non-negative integer, got " + ShownValue(row[1]));
  r.lsn = row[1].get<std::uint64_t>();
  if (!row[2].is_string()) return skip("reason: expected a string, got " + ShownValue(row[2]));
  r.reason = row[2].get<std::string>();

  // Null is how a row says "no time / no leader recorded", so it is not worth a warning.
  if (row.size() > 3 && !row[3].is_null()) {
    if (!row[3].is_string()) {
      warnings->push_back(where + ".timestamp ignored: expected a string, got " + ShownValue(row[3]));
    } else {
      r.timestamp_text = row[3].get<std::string>();
      r.timestamp = ParsePatroniTimestamp(*r.timestamp_text);
      if (!r.timestamp) {
        warnings->push_back(where + ".timestamp ignored: unrecognised timestamp " + ShownValue(row[3]));
      }
    }
  }
  if (row.size() > 4 && !row[4].is_null()) {
    if (row[4].is_string()) {
      r.new_leader = row[4].get<std::string>();
    } else {
      warnings->push_back(where + ".new_leader ignored: expected a string, got " + ShownValue(row[4]));
    }
  }
  return r;
}

}  // namespace

HistoryParseResult ParseHistory(std::string_view body) {
  HistoryParseResult result;
  std::optional<json> doc = ParseJsonArray(body, &result.error);
  if (!doc) return result;
  History history;
  history.rows.reserve(doc->size());
  for (std::size_t i = 0; i < doc->size(); ++i) {
    history.rows.push_back(ParseRow((*doc)[i], "history[" + std::to_string(i) + "]", &result.warnings));
  }
  result.value = std::move(history);
  return result;
}

}  // namespace patroni_exporter
