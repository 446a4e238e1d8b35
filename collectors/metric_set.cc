#include "collectors/metric_set.h"

#include <cstring>
#include <functional>
#include <limits>

namespace patroni_exporter {
namespace {

// Lengths as LEB128 (7 bits a byte, high bit: more follows): one byte for every name and nearly every value, so a
// label pair costs its bytes plus 2, and the encoding stays prefix-free for any length.
std::size_t LengthBytes(std::size_t length) {
  std::size_t bytes = 1;
  while (length >= 0x80) {
    length >>= 7;
    ++bytes;
  }
  return bytes;
}

char* WriteLength(char* at, std::size_t length) {
  while (length >= 0x80) {
    *at++ = static_cast<char>((length & 0x7f) | 0x80);
    length >>= 7;
  }
  *at++ = static_cast<char>(length);
  return at;
}

char* WriteBytes(char* at, const std::string& text) {
  at = WriteLength(at, text.size());
  std::memcpy(at, text.data(), text.size());
  return at + text.size();
}

// The arena grows once a sample, by the exact size of its encoded labels (a thousand members add 65,000 samples).
void AppendLabels(std::string* arena, const Labels& labels) {
  std::size_t bytes = 0;
  for (const auto& [name, value] : labels) {
    bytes += LengthBytes(name.size()) + name.size() + LengthBytes(value.size()) + value.size();
  }
  const std::size_t start = arena->size();
  arena->resize(start + bytes);
  char* at = arena->data() + start;
  for (const auto& [name, value] : labels) at = WriteBytes(WriteBytes(at, name), value);
}

}  // namespace

bool MetricSet::Family::Commit(std::size_t start, double value) {
  const std::size_t length = arena_.size() - start;
  constexpr std::size_t kMax = std::numeric_limits<std::uint32_t>::max();
  if (arena_.size() > kMax || samples_.size() >= kMax) {  // the 4 GiB limit of the header
    arena_.resize(start);
    return false;
  }
  if ((samples_.size() + 1) * 2 > index_.size()) Grow();
  const std::string_view span(arena_.data() + start, length);
  const auto hash = static_cast<std::uint32_t>(std::hash<std::string_view>{}(span));
  const std::size_t mask = index_.size() - 1;
  for (std::size_t at = hash & mask;; at = (at + 1) & mask) {
    Entry& entry = index_[at];
    if (entry.position == 0) {
      entry = {hash, static_cast<std::uint32_t>(samples_.size() + 1)};
      samples_.push_back({static_cast<std::uint32_t>(start), static_cast<std::uint32_t>(length), value});
      return true;
    }
    if (entry.hash == hash && Span(entry.position - 1) == span) {
      arena_.resize(start);
      return false;
    }
  }
}

void MetricSet::Family::Grow() {
  std::vector<Entry> old = std::move(index_);
  index_.assign(old.empty() ? 8 : old.size() * 2, Entry{});
  const std::size_t mask = index_.size() - 1;
  for (const Entry& entry : old) {
    if (entry.position == 0) continue;
    std::size_t at = entry.hash & mask;
    while (index_[at].position != 0) at = (at + 1) & mask;
    index_[at] = entry;
  }
}

bool MetricSet::AddGauge(std::string_view name, std::string_view help, const Labels& labels, double value) {
  return Add(name, help, prometheus::MetricType::Gauge, labels, value);
}

bool MetricSet::AddCounter(std::string_view name, std::string_view help, const Labels& labels, double value) {
  return Add(name, help, prometheus::MetricType::Counter, labels, value);
}

MetricSet::Family& MetricSet::FamilyFor(std::string_view name, std::string_view help, prometheus::MetricType type) {
  const bool had_last = last_ < families_.size();
  if (had_last) {
    Family* last = &families_[last_];
    if (last->name_ == name) return *last;
    // A translator adds its families in the same order for every member: the family that came after this one
    // last time most likely comes after it again.
    if (last->next_ < families_.size() && families_[last->next_].name_ == name) {
      last_ = last->next_;
      return families_[last_];
    }
  }
  std::size_t position = families_.size();
  const auto it = index_.find(name);
  if (it != index_.end()) {
    position = it->second;
  } else {
    index_.emplace(std::string(name), position);
    Family& family = families_.emplace_back();
    family.name_ = std::string(name);
    family.help_ = std::string(help);
    family.type_ = type;
  }
  if (had_last) families_[last_].next_ = position;
  last_ = position;
  return families_[position];
}

bool MetricSet::Add(std::string_view name, std::string_view help, prometheus::MetricType type, const Labels& labels,
                    double value) {
  // A new family's first sample is new by definition, so creating the family before the check changes nothing.
  Family& family = FamilyFor(name, help, type);
  // Encoded straight into the arena and taken back if a duplicate: no key is built elsewhere.
  const std::size_t start = family.arena_.size();
  AppendLabels(&family.arena_, labels);
  return family.Commit(start, value);
}

void MetricSet::Merge(MetricSet&& other) {
  if (&other == this) return;
  if (families_.empty()) {
    // Nothing here to collide with: take the other set whole (the scrape's first and largest collector).
    families_ = std::move(other.families_);
    index_ = std::move(other.index_);
  } else {
    for (Family& family : other.families_) {
      const auto it = index_.find(family.name_);
      if (it == index_.end()) {
        // A family new here: taken whole with its index, as sample by sample it would end the same.
        index_.emplace(family.name_, families_.size());
        families_.push_back(std::move(family));
        continue;
      }
      // The first declaration's type and help win, as in Add; a value is one double whatever the type, so a
      // counter's value becomes the gauge's, or the reverse, as Add would have stored it.
      Family& into = families_[it->second];
      for (std::size_t i = 0; i < family.samples_.size(); ++i) {
        const std::size_t start = into.arena_.size();
        into.arena_.append(family.Span(i));
        into.Commit(start, family.samples_[i].value);
      }
    }
  }
  other.families_.clear();
  other.index_.clear();
}

std::size_t MetricSet::SampleCount() const {
  std::size_t count = 0;
  for (const Family& family : families_) count += family.size();
  return count;
}

std::vector<prometheus::MetricFamily> MetricSet::families() const {
  std::vector<prometheus::MetricFamily> out;
  out.reserve(families_.size());
  for (const Family& family : families_) {
    prometheus::MetricFamily& built = out.emplace_back();
    built.name = family.name_;
    built.help = family.help_;
    built.type = family.type_;
    built.metric.reserve(family.size());
    for (std::size_t i = 0; i < family.size(); ++i) {
      prometheus::ClientMetric& metric = built.metric.emplace_back();
      LabelReader labels = family.labels(i);
      std::string_view name, value;
      while (labels.Next(&name, &value)) metric.label.push_back({std::string(name), std::string(value)});
      if (family.type_ == prometheus::MetricType::Counter) {
        metric.counter.value = family.value(i);
      } else {
        metric.gauge.value = family.value(i);
      }
    }
  }
  return out;
}

}  // namespace patroni_exporter
