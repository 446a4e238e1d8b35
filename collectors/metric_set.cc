#include "collectors/metric_set.h"

#include <charconv>

namespace patroni_exporter {
namespace {

// Tells label sets apart: names and values in order, each value prefixed by its length (a value may hold any
// byte, a label name never holds '=').
void AppendKeyPart(std::string* key, const std::string& name, const std::string& value) {
  char digits[24];
  const std::to_chars_result length = std::to_chars(digits, digits + sizeof digits, value.size());
  key->append(name).append(1, '=').append(digits, length.ptr).append(1, ':').append(value);
}

// Room for a key: every name and value, '=' and ':', and up to 4 length digits each. One allocation instead of
// the string growing part by part (a member's series carry 3 to 6 labels).
constexpr std::size_t kKeyOverheadPerLabel = 6;

std::string LabelKey(const Labels& labels) {
  std::size_t size = 0;
  for (const auto& [name, value] : labels) size += name.size() + value.size() + kKeyOverheadPerLabel;
  std::string key;
  key.reserve(size);
  for (const auto& [name, value] : labels) AppendKeyPart(&key, name, value);
  return key;
}

std::string LabelKey(const std::vector<prometheus::ClientMetric::Label>& labels) {
  std::size_t size = 0;
  for (const auto& label : labels) size += label.name.size() + label.value.size() + kKeyOverheadPerLabel;
  std::string key;
  key.reserve(size);
  for (const auto& label : labels) AppendKeyPart(&key, label.name, label.value);
  return key;
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
  if (!seen_[&family - families_.data()].insert(LabelKey(labels)).second) return false;
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
        if (!seen_[at].insert(LabelKey(metric.label)).second) continue;
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
