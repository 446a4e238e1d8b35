#include "collectors/exposition.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace patroni_exporter {
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

// The TYPE line's word; empty for the types this serializer leaves out.
const char* TypeName(prometheus::MetricType type) {
  switch (type) {
    case prometheus::MetricType::Counter:
      return "counter";
    case prometheus::MetricType::Gauge:
      return "gauge";
    case prometheus::MetricType::Untyped:
      return "untyped";
    case prometheus::MetricType::Summary:
    case prometheus::MetricType::Histogram:
      return "";
  }
  return "";
}

}  // namespace

std::string TruncateUtf8(const std::string& text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // continuation byte
  return text.substr(0, cut);
}

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
    const char* type = TypeName(family.type);
    if (*type == '\0') continue;  // summary or histogram: MetricSet never makes one (see the header)
    if (!family.help.empty()) out.append("# HELP ").append(family.name).append(" ").append(family.help).append("\n");
    out.append("# TYPE ").append(family.name).append(" ").append(type).append("\n");
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
      AppendValue(&out, family.type == prometheus::MetricType::Counter   ? metric.counter.value
                        : family.type == prometheus::MetricType::Untyped ? metric.untyped.value
                                                                         : metric.gauge.value);
      out.push_back('\n');
    }
  }
  return out;
}

}  // namespace patroni_exporter
