// MetricSet: the families one scrape produces, built fresh on every scrape.
//
// Families keep the order in which they were first added, and samples the order in which they were added, so
// the exposition text is deterministic (golden files compare bytes). Adding a sample to a family that already
// exists (same name) appends to it, which lets several targets contribute to one family, as the text format
// requires each family to appear once.
//
// Contract: never throws on valid use. A family re-declared with a different type or help text keeps the first
// declaration (the caller's bug, logged by nobody: tests catch it). A sample whose label set already exists in
// the family is dropped and Add* returns false, so a duplicate never produces an invalid exposition.
// Not thread-safe: one MetricSet per collector per scrape. The text a set becomes: SerializeText
// (collectors/exposition.h).
#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "prometheus/metric_family.h"

namespace patroni_exporter {

// Label pairs in the order they are printed.
using Labels = std::vector<std::pair<std::string, std::string>>;

class MetricSet {
 public:
  bool AddGauge(std::string_view name, std::string_view help, const Labels& labels, double value);
  bool AddCounter(std::string_view name, std::string_view help, const Labels& labels, double value);
  // An "info" series: a gauge fixed at 1 whose labels carry the information.
  bool AddInfo(std::string_view name, std::string_view help, const Labels& labels) {
    return AddGauge(name, help, labels, 1);
  }

  // Moves every family of `other` into this set (appending samples to families of the same name).
  void Merge(MetricSet&& other);

  bool empty() const { return families_.empty(); }
  std::size_t SampleCount() const;
  const std::vector<prometheus::MetricFamily>& families() const { return families_; }
  std::vector<prometheus::MetricFamily> TakeFamilies() &&;

 private:
  bool Add(std::string_view name, std::string_view help, prometheus::MetricType type, const Labels& labels,
           double value);
  prometheus::MetricFamily& FamilyFor(std::string_view name, std::string_view help, prometheus::MetricType type);

  std::vector<prometheus::MetricFamily> families_;
  std::map<std::string, std::size_t, std::less<>> index_;  // family name -> position in families_
  // Per family (same position): a hash of each label set present -> the position of its sample in the family
  // (several on a collision; the labels themselves decide). A hash, not a key string per sample: the duplicate
  // check was 3.7 MB of a 500-member scrape's 19 MB heap peak (docs/performance.md, "Issue 18: memory").
  std::vector<std::unordered_multimap<std::size_t, std::size_t>> seen_;
};

}  // namespace patroni_exporter
