#include "collectors/metric_set.h"

#include <functional>

namespace patroni_exporter {
namespace {

// Names and values in order, each hashed whole and mixed in (boost's hash_combine), so ("ab","c") and ("a","bc")
// differ.
std::size_t Mix(std::size_t seed, std::string_view part) {
  return seed ^ (std::hash<std::string_view>{}(part) + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
}

std::size_t HashLabels(const Labels& labels) {
  std::size_t hash = labels.size();
  for (const auto& [name, value] : labels) hash = Mix(Mix(hash, name), value);
  return hash;
}

std::size_t HashLabels(const std::vector<prometheus::ClientMetric::Label>& labels) {
  std::size_t hash = labels.size();
  for (const auto& label : labels) hash = Mix(Mix(hash, label.name), label.value);
  return hash;
}

bool SameLabels(const std::vector<prometheus::ClientMetric::Label>& a, const Labels& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].first || a[i].value != b[i].second) return false;
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

}  // namespace

template <typename LabelList>
bool MetricSet::SampleIndex::Insert(const std::vector<prometheus::ClientMetric>& metric, const LabelList& labels) {
  if ((used_ + 1) * 2 > entries_.size()) Grow();
  const std::size_t hash = HashLabels(labels);
  const std::size_t mask = entries_.size() - 1;
  for (std::size_t at = hash & mask;; at = (at + 1) & mask) {
    Entry& entry = entries_[at];
    if (entry.position == 0) {
      entry = {hash, metric.size() + 1};
      ++used_;
      return true;
    }
    if (entry.hash == hash && SameLabels(metric[entry.position - 1].label, labels)) return false;
  }
}

void MetricSet::SampleIndex::Grow() {
  std::vector<Entry> old = std::move(entries_);
  entries_.assign(old.empty() ? 8 : old.size() * 2, Entry{});
  const std::size_t mask = entries_.size() - 1;
  for (const Entry& entry : old) {
    if (entry.position == 0) continue;
    std::size_t at = entry.hash & mask;
    while (entries_[at].position != 0) at = (at + 1) & mask;
    entries_[at] = entry;
  }
}

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
  if (!seen_[&family - families_.data()].Insert(family.metric, labels)) return false;
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
    for (std::size_t j = 0; j < other.families_.size(); ++j) {
      prometheus::MetricFamily& family = other.families_[j];
      if (index_.find(family.name) == index_.end()) {
        // A family new here: taken whole with its keys, as sample by sample it would end the same.
        index_.emplace(family.name, families_.size());
        families_.push_back(std::move(family));
        seen_.push_back(std::move(other.seen_[j]));
        continue;
      }
      const std::size_t at = &FamilyFor(family.name, family.help, family.type) - families_.data();
      const bool counter = families_[at].type == prometheus::MetricType::Counter;
      for (auto& metric : family.metric) {
        if (!seen_[at].Insert(families_[at].metric, metric.label)) continue;
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
