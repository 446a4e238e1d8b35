#include "collectors/metric_set.h"

#include <functional>
#include <string_view>

namespace patroni_exporter {
namespace {

// A hash of a label set: names and values in order. Each part's hash is mixed into the running one, so the same
// strings split differently ({a="bc"} and {ab="c"}) or in another order hash apart as a rule; equal hashes are
// still compared label by label (SameLabels), so a collision never drops a sample.
void Mix(std::size_t* hash, std::string_view part) {
  *hash ^= std::hash<std::string_view>{}(part) + 0x9e3779b97f4a7c15ULL + (*hash << 6) + (*hash >> 2);
}

std::size_t LabelHash(const Labels& labels) {
  std::size_t hash = labels.size();
  for (const auto& [name, value] : labels) {
    Mix(&hash, name);
    Mix(&hash, value);
  }
  return hash;
}

std::size_t LabelHash(const std::vector<prometheus::ClientMetric::Label>& labels) {
  std::size_t hash = labels.size();
  for (const auto& label : labels) {
    Mix(&hash, label.name);
    Mix(&hash, label.value);
  }
  return hash;
}

bool SameLabels(const Labels& a, const std::vector<prometheus::ClientMetric::Label>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].first != b[i].name || a[i].second != b[i].value) return false;
  }
  return true;
}

bool SameLabels(const std::vector<prometheus::ClientMetric::Label>& a,
                const std::vector<prometheus::ClientMetric::Label>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].value != b[i].value) return false;
  }
  return true;
}

// Records `labels` in `seen`, the index of `family`, at the position their sample is about to take in it; false
// if the family holds an equal label set already.
template <typename LabelsT>
bool Insert(std::unordered_multimap<std::size_t, std::size_t>* seen, const prometheus::MetricFamily& family,
            const LabelsT& labels) {
  const std::size_t hash = LabelHash(labels);
  const auto [first, last] = seen->equal_range(hash);
  for (auto it = first; it != last; ++it) {
    if (SameLabels(labels, family.metric[it->second].label)) return false;
  }
  seen->emplace(hash, family.metric.size());
  return true;
}

}  // namespace

bool MetricSet::AddGauge(std::string_view name, std::string_view help, const Labels& labels, double value) {
  return Add(name, help, prometheus::MetricType::Gauge, labels, value);
}

bool MetricSet::AddCounter(std::string_view name, std::string_view help, const Labels& labels, double value) {
  return Add(name, help, prometheus::MetricType::Counter, labels, value);
}

prometheus::MetricFamily& MetricSet::FamilyFor(std::string_view name, std::string_view help,
                                               prometheus::MetricType type) {
  auto it = index_.find(name);
  if (it != index_.end()) return families_[it->second];
  index_.emplace(std::string(name), families_.size());
  prometheus::MetricFamily family;
  family.name = std::string(name);
  family.help = std::string(help);
  family.type = type;
  families_.push_back(std::move(family));
  seen_.emplace_back();
  return families_.back();
}

bool MetricSet::Add(std::string_view name, std::string_view help, prometheus::MetricType type, const Labels& labels,
                    double value) {
  // A new family's first sample is new by definition, so creating the family before the check changes nothing.
  prometheus::MetricFamily& family = FamilyFor(name, help, type);
  if (!Insert(&seen_[&family - families_.data()], family, labels)) return false;
  prometheus::ClientMetric metric;
  metric.label.reserve(labels.size());
  for (const auto& [label_name, label_value] : labels) metric.label.push_back({label_name, label_value});
  if (family.type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(std::move(metric));
  return true;
}

void MetricSet::Merge(MetricSet&& other) {
  if (&other == this) return;
  if (families_.empty()) {
    // Nothing here to collide with: take the other set whole (the scrape's first and largest collector).
    families_ = std::move(other.families_);
    index_ = std::move(other.index_);
    seen_ = std::move(other.seen_);
  } else {
    for (auto& family : other.families_) {
      const std::size_t at = &FamilyFor(family.name, family.help, family.type) - families_.data();
      const bool counter = families_[at].type == prometheus::MetricType::Counter;
      for (auto& metric : family.metric) {
        if (!Insert(&seen_[at], families_[at], metric.label)) continue;
        if (family.type != families_[at].type) {  // the first declaration's type wins, as in Add
          const double value =
              family.type == prometheus::MetricType::Counter ? metric.counter.value : metric.gauge.value;
          prometheus::ClientMetric moved;
          moved.label = std::move(metric.label);
          (counter ? moved.counter.value : moved.gauge.value) = value;
          families_[at].metric.push_back(std::move(moved));
        } else {
          families_[at].metric.push_back(std::move(metric));
        }
      }
    }
  }
  other.families_.clear();
  other.index_.clear();
  other.seen_.clear();
}

std::size_t MetricSet::SampleCount() const {
  std::size_t count = 0;
  for (const auto& family : families_) count += family.metric.size();
  return count;
}

std::vector<prometheus::MetricFamily> MetricSet::TakeFamilies() && {
  index_.clear();
  seen_.clear();
  return std::move(families_);
}

}  // namespace patroni_exporter
