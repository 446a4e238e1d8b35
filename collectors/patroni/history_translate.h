// TranslateHistory: History (`GET /history`) -> the patroni_history_* families. Pure: no I/O, no clock, never
// throws. Every family is a gauge labelled {scope} first; `scope` comes from the caller because /history does not
// carry it.
//
//   patroni_history_timeline_switches{scope}                  number of rows in /history (0 for `[]`), a row of
//                                                             the wrong shape included. A gauge, not a counter:
//                                                             Patroni resets the history to [] when the cluster
//                                                             is back on timeline 1, and max_timelines_history
//                                                             (when set) keeps only the newest rows.
// Of the newest row, only when it has the right shape:
//   patroni_history_last_switch_timestamp_seconds{scope}      its timestamp in epoch seconds; absent when the
//                                                             row has none (3 elements, null) or it is unreadable
//   patroni_history_last_switch_timeline{scope}               the timeline the cluster switched TO: the row's
//                                                             (parent) timeline + 1, as Patroni assumes (history.h)
//   patroni_history_last_switch_info{scope,new_leader,reason} 1; new_leader is "" before 2.1.1 (or when the row
//                                                             has none); reason is cut to kMaxReasonChars
//                                                             characters so a long recovery-target text cannot
//                                                             blow up the label
//
// The timestamp is when the new primary's history file was written, i.e. when the promotion happened.
#pragma once

#include <cstddef>
#include <string>

#include "collectors/metric_set.h"
#include "collectors/patroni/history.h"

namespace patroni_exporter {

inline constexpr std::size_t kMaxReasonChars = 100;  // Unicode characters, not bytes

void TranslateHistory(const History& history, const std::string& scope, MetricSet* out);

}  // namespace patroni_exporter
