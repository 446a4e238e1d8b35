#include "collectors/metric_set.h"

#include <sstream>

#include "prometheus/text_serializer.h"

namespace patroni_exporter {

bool MetricSet::AddGauge(const std::string& name, const std::string& help, const Labels& labels, double value) {
  return Add(name, help, prometheus::MetricType::Gauge, labels, value);
}

bool MetricSet::AddCounter(const std::string& name, const std::string& help, const Labels& labels, double value) {
  return Add(name, help, prometheus::MetricType::Counter, labels, value);
}

prometheus::MetricFamily& MetricSet::FamilyFor(const std::string& name, const std::string& help,
                                               prometheus::MetricType type) {
  auto it = index_.find(name);
  if (it != index_.end()) return families_[it->second];
  index_.emplace(name, families_.size());
  prometheus::MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = type;
  families_.push_back(std::move(family));
  return families_.back();
}

bool MetricSet::Add(const std::string& name, const std::string& help, prometheus::MetricType type, const Labels& labels,
                    double value) {
  if (!seen_label_sets_[name].insert(labels).second) return false;
  prometheus::MetricFamily& family = FamilyFor(name, help, type);
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
  for (auto& family : other.families_) {
    for (auto& metric : family.metric) {
      Labels labels;
      labels.reserve(metric.label.size());
      for (auto& label : metric.label) labels.emplace_back(std::move(label.name), std::move(label.value));
      const double value = family.type == prometheus::MetricType::Counter ? metric.counter.value : metric.gauge.value;
      Add(family.name, family.help, family.type, labels, value);
    }
  }
  other.families_.clear();
  other.index_.clear();
  other.seen_label_sets_.clear();
}

std::size_t MetricSet::SampleCount() const {
  std::size_t count = 0;
  for (const auto& family : families_) count += family.metric.size();
  return count;
}

std::vector<prometheus::MetricFamily> MetricSet::TakeFamilies() && {
  index_.clear();
  seen_label_sets_.clear();
  return std::move(families_);
}

std::string TruncateUtf8(const std::string& text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // continuation byte
  return text.substr(0, cut);
}

std::string SerializeText(const std::vector<prometheus::MetricFamily>& families) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace patroni_exporter
