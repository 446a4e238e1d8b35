#include "collectors/exposition.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string_view>

namespace patroni_exporter {
namespace {

void AppendValue(std::string* out, double value) {
  if (std::isnan(value)) {
    out->append("Nan");
  } else if (std::isinf(value)) {
    out->append(value < 0 ? "-Inf" : "+Inf");
  } else {
    char buffer[64];
    std::to_chars_result end;
    // Most values are whole numbers (flags, states, versions, byte positions). For those %.16g prints every digit,
    // without exponent or point, while the number has at most 16 digits: below 1e15 that is what the integer's
    // own to_chars prints, several times faster. -0 is left to the general case, which prints "-0".
    constexpr double kWholeLimit = 1e15;
    if (value > -kWholeLimit && value < kWholeLimit && value == std::trunc(value) &&
        !(value == 0 && std::signbit(value))) {
      end = std::to_chars(buffer, buffer + sizeof buffer, static_cast<std::int64_t>(value));
    } else {
      // As printf("%.16g"): what an ostream with precision max_digits10 - 1 in the classic locale prints.
      end = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::general,
                          std::numeric_limits<double>::max_digits10 - 1);
    }
    out->append(buffer, end.ptr);
  }
}

// True when one of the 8 bytes of `word` is a backslash, a double quote or a newline: each compare is the classic
// test for a zero byte (exact about whether there is one, which is all that is asked here).
bool HasByteToEscape(std::uint64_t word) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
  const auto has_zero = [](std::uint64_t v) { return ((v - kOnes) & ~v & kHighs) != 0; };
  return has_zero(word ^ (kOnes * '\\')) || has_zero(word ^ (kOnes * '"')) || has_zero(word ^ (kOnes * '\n'));
}

void AppendLabelValue(std::string* out, std::string_view value) {
  // Label values almost never hold a character to escape: they are checked 8 bytes at a time, and the runs between
  // escapes are copied whole (label values are most of a scrape's text).
  const char* data = value.data();
  const std::size_t size = value.size();
  std::size_t run = 0;  // start of the bytes not yet copied
  std::size_t i = 0;
  const auto look_at = [&](std::size_t at) {
    const char c = data[at];
    if (c != '\\' && c != '"' && c != '\n') return;
    out->append(data + run, at - run);
    out->append(c == '\n' ? "\\n" : c == '\\' ? "\\\\" : "\\\"");
    run = at + 1;
  };
  for (; i + 8 <= size; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, data + i, sizeof word);
    if (!HasByteToEscape(word)) continue;
    for (std::size_t at = i; at < i + 8; ++at) look_at(at);
  }
  if (i < size) {  // the last 1 to 7 bytes, padded with zero bytes, which need no escape
    std::uint64_t word = 0;
    std::memcpy(&word, data + i, size - i);
    if (HasByteToEscape(word)) {
      for (; i < size; ++i) look_at(i);
    }
  }
  out->append(data + run, size - run);
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

// The family's HELP (if any) and TYPE lines; false, writing nothing, for the types this serializer leaves out.
bool AppendFamilyHeader(std::string* out, std::string_view name, std::string_view help, prometheus::MetricType type) {
  const char* type_name = TypeName(type);
  if (*type_name == '\0') return false;  // summary or histogram: MetricSet never makes one (see the header)
  if (!help.empty()) out->append("# HELP ").append(name).append(" ").append(help).append("\n");
  out->append("# TYPE ").append(name).append(" ").append(type_name).append("\n");
  return true;
}

// One sample line, `name{a="x",b="y"} value`: the labels one by one, then the value. Both serializers write
// through it, so they cannot drift apart.
class SampleWriter {
 public:
  SampleWriter(std::string* out, std::string_view name) : out_(out) { out_->append(name); }
  void Label(std::string_view name, std::string_view value) {
    out_->push_back(labels_ ? ',' : '{');
    labels_ = true;
    out_->append(name).append("=\"");
    AppendLabelValue(out_, value);
    out_->push_back('"');
  }
  void End(double value) {
    if (labels_) out_->push_back('}');
    out_->push_back(' ');
    AppendValue(out_, value);
    out_->push_back('\n');
  }

 private:
  std::string* out_;
  bool labels_ = false;
};

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
    if (!AppendFamilyHeader(&out, family.name, family.help, family.type)) continue;
    for (const auto& metric : family.metric) {
      SampleWriter sample(&out, family.name);
      for (const auto& label : metric.label) sample.Label(label.name, label.value);
      sample.End(family.type == prometheus::MetricType::Counter   ? metric.counter.value
                 : family.type == prometheus::MetricType::Untyped ? metric.untyped.value
                                                                  : metric.gauge.value);
    }
  }
  return out;
}

std::string SerializeText(const MetricSet& set) {
  // As above. A label pair printed (name, value and 4 bytes: `="`, `"` and `,` or a brace) takes at most twice
  // its bytes in the arena (name, value and at least 2 length bytes).
  std::size_t size = 0;
  for (const MetricSet::Family& family : set.compact_families()) {
    size += 2 * family.name().size() + family.help().size() + 32 + 2 * family.label_bytes() +
            family.size() * (family.name().size() + 48);
  }
  std::string out;
  out.reserve(size);
  for (const MetricSet::Family& family : set.compact_families()) {
    if (!AppendFamilyHeader(&out, family.name(), family.help(), family.type())) continue;
    for (std::size_t i = 0; i < family.size(); ++i) {
      SampleWriter sample(&out, family.name());
      MetricSet::LabelReader labels = family.labels(i);
      std::string_view name, value;
      while (labels.Next(&name, &value)) sample.Label(name, value);
      sample.End(family.value(i));
    }
  }
  return out;
}

}  // namespace patroni_exporter
