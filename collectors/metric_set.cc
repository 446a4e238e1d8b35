#include "collectors/metric_set.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <sstream>

#include "prometheus/text_serializer.h"

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

std::string TruncateUtf8(const std::string& text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // continuation byte
  return text.substr(0, cut);
}

namespace {

void AppendValue(std::string* out, double value) {
  if (std::isnan(value)) {
    out->append("Nan");
  } else if (std::isinf(value)) {
    out->append(value < 0 ? "-Inf" : "+Inf");
  } else {
    // As printf("%.16g"): what an ostream with precision max_digits10 - 1 in the classic locale prints.
    char buffer[64];
    const std::to_chars_result end = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::general,
                                                   std::numeric_limits<double>::max_digits10 - 1);
    out->append(buffer, end.ptr);
  }
}

void AppendLabelValue(std::string* out, const std::string& value) {
  for (const char c : value) {
    if (c == '\n') {
      out->append("\\n");
      continue;
    }
    if (c == '\\' || c == '"') out->push_back('\\');
    out->push_back(c);
  }
}

const char* TypeName(prometheus::MetricType type) {
  switch (type) {
    case prometheus::MetricType::Counter:
      return "counter";
    case prometheus::MetricType::Gauge:
      return "gauge";
    case prometheus::MetricType::Summary:
      return "summary";
    case prometheus::MetricType::Untyped:
      return "untyped";
    case prometheus::MetricType::Histogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

std::string SerializeText(const std::vector<prometheus::MetricFamily>& families) {
  std::size_t size = 0;  // a close upper bound of the length, so the text is built without reallocation
  for (const auto& family : families) {
    size += 2 * family.name.size() + family.help.size() + 32;
    for (const auto& metric : family.metric) {
      size += family.name.size() + 48;
      for (const auto& label : metric.label) size += label.name.size() + label.value.size() + 4;
    }
  }
  std::string out;
  out.reserve(size);
  for (const auto& family : families) {
    if (family.type == prometheus::MetricType::Summary || family.type == prometheus::MetricType::Histogram) {
      std::ostringstream text;  // MetricSet never makes these; prometheus-cpp knows their suffixes
      prometheus::TextSerializer().Serialize(text, {family});
      out.append(text.str());
      continue;
    }
    if (!family.help.empty()) out.append("# HELP ").append(family.name).append(" ").append(family.help).append("\n");
    out.append("# TYPE ").append(family.name).append(" ").append(TypeName(family.type)).append("\n");
    for (const auto& metric : family.metric) {
      out.append(family.name);
      if (!metric.label.empty()) {
        out.push_back('{');
        const char* separator = "";
        for (const auto& label : metric.label) {
          out.append(separator).append(label.name).append("=\"");
          AppendLabelValue(&out, label.value);
          out.push_back('"');
          separator = ",";
        }
        out.push_back('}');
      }
      out.push_back(' ');
      AppendValue(&out, family.type == prometheus::MetricType::Counter ? metric.counter.value
                        : family.type == prometheus::MetricType::Untyped ? metric.untyped.value
                                                                         : metric.gauge.value);
      if (metric.timestamp_ms != 0) out.append(" ").append(std::to_string(metric.timestamp_ms));
      out.push_back('\n');
    }
  }
  return out;
}

}  // namespace patroni_exporter
