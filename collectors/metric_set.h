// MetricSet: the families one scrape produces, built fresh on every scrape.
//
// Families keep the order in which they were first added, and samples the order in which they were added, so
// the exposition text is deterministic (golden files compare bytes). Adding a sample to a family that already
// exists (same name) appends to it, which lets several targets contribute to one family, as the text format
// requires each family to appear once.
//
// Contract: never throws on valid use (only std::bad_alloc). A family re-declared with a different type or help
// text keeps the first declaration (the caller's bug, logged by nobody: tests catch it). A sample whose label set
// already exists in the family is dropped and Add* returns false, so a duplicate never produces an invalid
// exposition. Not thread-safe: one MetricSet per collector per scrape. The text a set becomes: SerializeText
// (collectors/exposition.h), which reads the compact form below directly.
//
// Layout (docs/performance.md, "Issue 18: compact samples"): a scrape of 500 members holds 32,500 series, so
// what one sample costs, times that, is much of the scrape's peak memory. Each family keeps one arena, a string
// holding every sample's label pairs one after the other as raw (unescaped) name and value bytes, each preceded by
// its length (LEB128: one byte below 128), and a vector of 16-byte sample records: where its labels start in the
// arena, how many bytes they take, the value (one double: counters and gauges alike). No per-sample object, vector
// or string exists. A record keeps the span's length rather than a label count so that a label set is one span:
// the duplicate check hashes and compares spans byte for byte (the encoding is prefix-free, so equal spans mean
// the same names and values in the same order), and Merge copies a span without decoding it. The check's index
// holds a 32-bit hash and a 32-bit position per entry (8 bytes; equal hashes are confirmed on the bytes). A
// family's labels are limited to 4 GiB (offsets are 32-bit): a sample past that is dropped like a duplicate.
// families() builds prometheus-cpp's model from this on demand, for tests and other readers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "prometheus/metric_family.h"

namespace patroni_exporter {

// Label pairs in the order they are printed.
using Labels = std::vector<std::pair<std::string, std::string>>;

class MetricSet {
 public:
  // The label pairs of one sample, read in order from a family's arena. The views point into the set and are
  // valid until the set is next changed.
  class LabelReader {
   public:
    // The next pair into `name` and `value`; false once every pair was read.
    bool Next(std::string_view* name, std::string_view* value) {
      if (rest_.empty()) return false;
      *name = Take();
      *value = Take();
      return true;
    }

   private:
    friend class MetricSet;  // Family::labels makes readers, of spans the set wrote
    explicit LabelReader(std::string_view encoded) : rest_(encoded) {}
    // One length-prefixed string (LEB128 length, metric_set.cc). Only MetricSet writes the arena, so a span
    // always holds whole pairs.
    std::string_view Take() {
      std::size_t length = 0;
      std::size_t at = 0;
      for (int shift = 0;; shift += 7) {
        const auto byte = static_cast<unsigned char>(rest_[at++]);
        length |= static_cast<std::size_t>(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) break;
      }
      const std::string_view taken = rest_.substr(at, length);
      rest_.remove_prefix(at + length);
      return taken;
    }
    std::string_view rest_;
  };

  // One family in compact form, read-only outside MetricSet.
  class Family {
   public:
    const std::string& name() const { return name_; }
    const std::string& help() const { return help_; }
    prometheus::MetricType type() const { return type_; }
    std::size_t size() const { return samples_.size(); }
    double value(std::size_t i) const { return samples_[i].value; }
    LabelReader labels(std::size_t i) const { return LabelReader(Span(i)); }
    // Bytes of every sample's encoded labels: about what they take printed, for sizing the text up front.
    std::size_t label_bytes() const { return arena_.size(); }

   private:
    friend class MetricSet;
    struct Sample {
      std::uint32_t offset;  // in arena_
      std::uint32_t length;  // bytes of the encoded label pairs
      double value;
    };
    std::string_view Span(std::size_t i) const { return {arena_.data() + samples_[i].offset, samples_[i].length}; }
    // Appends a sample whose encoded labels were just written at arena_[start, arena_.size()), unless its label
    // set is there already (then the bytes are taken back and false returned).
    bool Commit(std::size_t start, double value);

    // The samples by the hash of their label spans: open addressing over positions in samples_, so the duplicate
    // check neither builds a key nor allocates per sample (fan-outs of 1000 members add 65,000 samples a scrape).
    struct Entry {
      std::uint32_t hash = 0;
      std::uint32_t position = 0;  // in samples_, plus 1; 0: empty
    };
    void Grow();

    std::string name_;
    std::string help_;
    prometheus::MetricType type_ = prometheus::MetricType::Gauge;
    std::string arena_;
    std::vector<Sample> samples_;
    std::vector<Entry> index_;  // size 0 or a power of 2, at most half full
    // The family FamilyFor was asked for right after this one, last time (a position in the set's families; only a
    // guess, checked by name, so a stale one after Merge costs a compare).
    std::size_t next_ = static_cast<std::size_t>(-1);
  };

  bool AddGauge(std::string_view name, std::string_view help, const Labels& labels, double value);
  bool AddCounter(std::string_view name, std::string_view help, const Labels& labels, double value);
  // An "info" series: a gauge fixed at 1 whose labels carry the information.
  bool AddInfo(std::string_view name, std::string_view help, const Labels& labels) {
    return AddGauge(name, help, labels, 1);
  }

  // Moves every family of `other` into this set (appending samples to families of the same name; a sample of a
  // family declared here with the other type keeps its value under this set's type). `other` is left empty.
  void Merge(MetricSet&& other);

  bool empty() const { return families_.empty(); }
  std::size_t SampleCount() const;
  // The families as stored, in order: what SerializeText reads.
  const std::vector<Family>& compact_families() const { return families_; }
  // The families in prometheus-cpp's model, built on each call (a copy: 136 bytes and a label vector a sample),
  // values of counters in `counter`, of gauges in `gauge`. For tests and readers that want that model.
  std::vector<prometheus::MetricFamily> families() const;

 private:
  bool Add(std::string_view name, std::string_view help, prometheus::MetricType type, const Labels& labels,
           double value);
  Family& FamilyFor(std::string_view name, std::string_view help, prometheus::MetricType type);

  std::vector<Family> families_;
  std::map<std::string, std::size_t, std::less<>> index_;  // family name -> position in families_
  // The family FamilyFor found last: translators add a family's samples in a row (the cluster view's state sets
  // are 19 samples a member), so most lookups end here, without a walk through index_.
  std::size_t last_ = 0;
};

}  // namespace patroni_exporter
