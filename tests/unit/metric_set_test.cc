#include "collectors/metric_set.h"

#include <gtest/gtest.h>

#include <cmath>
#include <iterator>

namespace patroni_exporter {
namespace {

TEST(MetricSetTest, FamiliesAndSamplesKeepInsertionOrder) {
  MetricSet set;
  set.AddGauge("b_metric", "B.", {{"scope", "x"}}, 1);
  set.AddGauge("a_metric", "A.", {{"scope", "x"}}, 2);
  set.AddGauge("b_metric", "B.", {{"scope", "y"}}, 3);
  EXPECT_EQ(SerializeText(set.families()),
            "# HELP b_metric B.\n# TYPE b_metric gauge\nb_metric{scope=\"x\"} 1\nb_metric{scope=\"y\"} 3\n"
            "# HELP a_metric A.\n# TYPE a_metric gauge\na_metric{scope=\"x\"} 2\n");
  EXPECT_EQ(set.SampleCount(), 3u);
}

TEST(MetricSetTest, DuplicateLabelSetIsDroppedNotSerializedTwice) {
  MetricSet set;
  EXPECT_TRUE(set.AddGauge("m", "M.", {{"a", "1"}}, 1));
  EXPECT_FALSE(set.AddGauge("m", "M.", {{"a", "1"}}, 2));
  EXPECT_EQ(set.SampleCount(), 1u);
}

TEST(MetricSetTest, MergeAppendsToFamiliesOfTheSameName) {
  MetricSet a, b;
  a.AddGauge("m", "M.", {{"t", "1"}}, 1);
  b.AddGauge("m", "M.", {{"t", "2"}}, 2);
  b.AddCounter("c_total", "C.", {}, 7);
  a.Merge(std::move(b));
  EXPECT_EQ(SerializeText(a.families()),
            "# HELP m M.\n# TYPE m gauge\nm{t=\"1\"} 1\nm{t=\"2\"} 2\n# HELP c_total C.\n# TYPE c_total counter\n"
            "c_total 7\n");
}

TEST(MetricSetTest, LabelValuesAreEscaped) {
  MetricSet set;
  set.AddInfo("i", "I.", {{"v", "a\"b\\c\nd"}});
  EXPECT_EQ(SerializeText(set.families()), "# HELP i I.\n# TYPE i gauge\ni{v=\"a\\\"b\\\\c\\nd\"} 1\n");
}

// SerializeText writes values as prometheus-cpp's TextSerializer did (bench/micro_bench.cc checks every fixture).
TEST(MetricSetTest, ValuesAreWrittenAsPrometheusCppDid) {
  MetricSet set;
  const double values[] = {0.1, 1e-7, 1760393137.660428, 12079595680, -0.0, std::nan(""), HUGE_VAL, -HUGE_VAL};
  for (std::size_t i = 0; i < std::size(values); ++i) set.AddGauge("v", "V.", {{"i", std::to_string(i)}}, values[i]);
  EXPECT_EQ(SerializeText(set.families()),
            "# HELP v V.\n# TYPE v gauge\nv{i=\"0\"} 0.1\nv{i=\"1\"} 1e-07\nv{i=\"2\"} 1760393137.660428\n"
            "v{i=\"3\"} 12079595680\nv{i=\"4\"} -0\nv{i=\"5\"} Nan\nv{i=\"6\"} +Inf\nv{i=\"7\"} -Inf\n");
}

TEST(MetricSetTest, MergeKeepsTheFirstDeclarationAndDropsDuplicates) {
  MetricSet a, b;
  a.AddGauge("m", "M.", {{"t", "1"}}, 1);
  b.AddCounter("m", "Other.", {{"t", "1"}}, 5);  // same label set: dropped
  b.AddCounter("m", "Other.", {{"t", "2"}}, 2);  // kept, as a gauge like the first declaration
  a.Merge(std::move(b));
  EXPECT_EQ(SerializeText(a.families()), "# HELP m M.\n# TYPE m gauge\nm{t=\"1\"} 1\nm{t=\"2\"} 2\n");
  EXPECT_EQ(a.SampleCount(), 2u);
}

TEST(MetricSetTest, TruncateUtf8NeverSplitsACharacter) {
  EXPECT_EQ(TruncateUtf8("abcdef", 4), "abcd");
  EXPECT_EQ(TruncateUtf8("abc", 4), "abc");
  EXPECT_EQ(TruncateUtf8("ab\xc3\xa9z", 3), "ab");  // "é" is two bytes: not cut in half
  EXPECT_EQ(TruncateUtf8("ab\xc3\xa9z", 4), "ab\xc3\xa9");
}

}  // namespace
}  // namespace patroni_exporter
