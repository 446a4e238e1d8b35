#include "collectors/exposition.h"

#include <gtest/gtest.h>

#include <cmath>
#include <iterator>

#include "collectors/metric_set.h"

namespace patroni_exporter {
namespace {

TEST(ExpositionTest, LabelValuesAreEscaped) {
  MetricSet set;
  set.AddInfo("i", "I.", {{"v", "a\"b\\c\nd"}});
  EXPECT_EQ(SerializeText(set.families()), "# HELP i I.\n# TYPE i gauge\ni{v=\"a\\\"b\\\\c\\nd\"} 1\n");
}

// SerializeText writes values as prometheus-cpp's TextSerializer did (bench/micro_bench.cc checks every fixture).
TEST(ExpositionTest, ValuesAreWrittenAsPrometheusCppDid) {
  MetricSet set;
  const double values[] = {0.1, 1e-7, 1760393137.660428, 12079595680, -0.0, std::nan(""), HUGE_VAL, -HUGE_VAL};
  for (std::size_t i = 0; i < std::size(values); ++i) set.AddGauge("v", "V.", {{"i", std::to_string(i)}}, values[i]);
  EXPECT_EQ(SerializeText(set.families()),
            "# HELP v V.\n# TYPE v gauge\nv{i=\"0\"} 0.1\nv{i=\"1\"} 1e-07\nv{i=\"2\"} 1760393137.660428\n"
            "v{i=\"3\"} 12079595680\nv{i=\"4\"} -0\nv{i=\"5\"} Nan\nv{i=\"6\"} +Inf\nv{i=\"7\"} -Inf\n");
}

TEST(ExpositionTest, TruncateUtf8NeverSplitsACharacter) {
  EXPECT_EQ(TruncateUtf8("abcdef", 4), "abcd");
  EXPECT_EQ(TruncateUtf8("abc", 4), "abc");
  EXPECT_EQ(TruncateUtf8("ab\xc3\xa9z", 3), "ab");  // "é" is two bytes: not cut in half
  EXPECT_EQ(TruncateUtf8("ab\xc3\xa9z", 4), "ab\xc3\xa9");
}

// What MetricSet never makes is not written: a summary family and a sample's timestamp (the header's contract).
TEST(ExpositionTest, WritesCountersGaugesAndUntypedWithoutTimestamps) {
  MetricSet set;
  set.AddGauge("g", "G.", {}, 1);
  std::vector<prometheus::MetricFamily> families = set.families();
  families.front().metric.front().timestamp_ms = 1700000000123;
  prometheus::MetricFamily untyped;
  untyped.name = "u";
  untyped.type = prometheus::MetricType::Untyped;
  untyped.metric.emplace_back();
  untyped.metric.back().untyped.value = 3.25;
  families.push_back(untyped);
  prometheus::MetricFamily summary;
  summary.name = "s";
  summary.help = "S.";
  summary.type = prometheus::MetricType::Summary;
  summary.metric.emplace_back();
  summary.metric.back().summary.sample_count = 2;
  families.push_back(summary);
  EXPECT_EQ(SerializeText(families), "# HELP g G.\n# TYPE g gauge\ng 1\n# TYPE u untyped\nu 3.25\n");
}

}  // namespace
}  // namespace patroni_exporter
