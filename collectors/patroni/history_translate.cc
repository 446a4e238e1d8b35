#include "collectors/patroni/history_translate.h"

namespace patroni_exporter {
namespace {

// Cuts `text` after `max_chars` code points. The parse layer only hands over valid UTF-8 (nlohmann rejects
// anything else), so counting lead bytes is enough and a multi-byte character is never split.
std::string Truncate(const std::string& text, std::size_t max_chars) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (chars == max_chars) return text.substr(0, i);
    ++chars;
  }
  return text;
}

}  // namespace

void TranslateHistory(const History& history, const std::string& scope, MetricSet* out) {
  const Labels labels = {{"scope", scope}};
  out->AddGauge("patroni_history_timeline_switches",
                "Number of timeline switches (failovers and switchovers) Patroni keeps in the cluster history.", labels,
                static_cast<double>(history.rows.size()));
  if (history.rows.empty() || !history.rows.back()) return;
  const HistoryRow& last = *history.rows.back();
  if (last.timestamp) {
    out->AddGauge("patroni_history_last_switch_timestamp_seconds",
                  "Epoch seconds of the newest timeline switch in the cluster history.", labels, *last.timestamp);
  }
  out->AddGauge("patroni_history_last_switch_timeline",
                "Timeline the cluster switched to in the newest entry of the cluster history.", labels,
                static_cast<double>(last.timeline + 1));
  out->AddInfo("patroni_history_last_switch_info",
               "The newest timeline switch in the cluster history: the member promoted (empty before Patroni 2.1.1) "
               "and PostgreSQL's reason, cut to 100 characters.",
               {{"scope", scope},
                {"new_leader", last.new_leader.value_or("")},
                {"reason", Truncate(last.reason, kMaxReasonChars)}});
}

}  // namespace patroni_exporter
