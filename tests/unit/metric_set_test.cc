#include "collectors/metric_set.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "collectors/exposition.h"

namespace patroni_exporter {
namespace {

TEST(MetricSetTest, FamiliesAndSamplesKeepInsertionOrder) {
  MetricSet set;
  set.AddGauge("b_metric", "B.", {{"scope", "x"}}, 1);
  set.AddGauge("a_metric", "A.", {{"scope", "x"}}, 2);
  set.AddGauge("b_metric", "B.", {{"scope", "y"}}, 3);
  EXPECT_EQ(SerializeText(set),
            "# HELP b_metric B.\n# TYPE b_metric gauge\nb_metric{scope=\"x\"} 1\nb_metric{scope=\"y\"} 3\n"
            "# HELP a_metric A.\n# TYPE a_metric gauge\na_metric{scope=\"x\"} 2\n");
  EXPECT_EQ(set.SampleCount(), 3u);
}

// FamilyFor guesses the next family from the order of the last adds (metric_set.cc); adds in a changing order,
// with a new family in between and after a Merge, still land in their own families.
TEST(MetricSetTest, SamplesLandInTheirFamilyWhateverTheOrderOfAdds) {
  MetricSet set;
  const std::vector<std::vector<std::string>> orders = {{"a", "b", "c"},      {"a", "b", "c"}, {"a", "c", "b"},
                                                        {"c", "a", "d", "b"}, {"b", "b", "a"}, {"d", "c", "a"}};
  std::map<std::string, std::vector<std::string>> expected;  // family -> its samples' label values, in order
  std::vector<std::string> family_order;
  for (std::size_t round = 0; round < orders.size(); ++round) {
    if (round == 4) {
      MetricSet other;
      other.AddGauge("e", "E.", {{"m", "merged"}}, 0);
      other.AddGauge("a", "A.", {{"m", "merged"}}, 0);
      set.Merge(std::move(other));
      for (const char* family : {"e", "a"}) {
        if (!expected.count(family)) family_order.push_back(family);
        expected[family].push_back("merged");
      }
    }
    for (std::size_t k = 0; k < orders[round].size(); ++k) {
      const std::string& family = orders[round][k];
      const std::string value = std::to_string(round) + "." + std::to_string(k);
      EXPECT_TRUE(set.AddGauge(family, "H.", {{"m", value}}, 1));
      if (!expected.count(family)) family_order.push_back(family);
      expected[family].push_back(value);
    }
  }
  std::string text;
  for (const std::string& family : family_order) {
    text += "# HELP " + family + " " + (family == "e" ? "E." : "H.") + "\n# TYPE " + family + " gauge\n";
    for (const std::string& value : expected[family])
      text += family + "{m=\"" + value + "\"} " + (value == "merged" ? "0" : "1") + "\n";
  }
  EXPECT_EQ(SerializeText(set), text);
}

TEST(MetricSetTest, DuplicateLabelSetIsDroppedNotSerializedTwice) {
  MetricSet set;
  EXPECT_TRUE(set.AddGauge("m", "M.", {{"a", "1"}}, 1));
  EXPECT_FALSE(set.AddGauge("m", "M.", {{"a", "1"}}, 2));
  EXPECT_EQ(set.SampleCount(), 1u);
}

// The duplicate check compares label sets, not their hashes: the same strings split or ordered differently are
// other label sets, and an equal one is found among many.
TEST(MetricSetTest, DuplicateMeansTheSameNamesAndValuesInTheSameOrder) {
  MetricSet set;
  EXPECT_TRUE(set.AddGauge("m", "M.", {{"a", "bc"}}, 1));
  EXPECT_TRUE(set.AddGauge("m", "M.", {{"ab", "c"}}, 2));
  EXPECT_TRUE(set.AddGauge("m", "M.", {{"a", "1"}, {"b", "2"}}, 3));
  EXPECT_TRUE(set.AddGauge("m", "M.", {{"b", "2"}, {"a", "1"}}, 4));
  EXPECT_TRUE(set.AddGauge("m", "M.", {{"a", "1"}, {"b", ""}}, 5));
  EXPECT_TRUE(set.AddGauge("m", "M.", {{"a", "1"}}, 6));
  EXPECT_TRUE(set.AddGauge("m", "M.", {}, 7));
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(set.AddGauge("m", "M.", {{"member", std::to_string(i)}}, i));
  EXPECT_FALSE(set.AddGauge("m", "M.", {{"a", "bc"}}, 8));
  EXPECT_FALSE(set.AddGauge("m", "M.", {{"b", "2"}, {"a", "1"}}, 9));
  EXPECT_FALSE(set.AddGauge("m", "M.", {}, 10));
  EXPECT_FALSE(set.AddGauge("m", "M.", {{"member", "999"}}, 11));
  EXPECT_TRUE(set.AddGauge("other", "O.", {{"a", "bc"}}, 12));  // per family
  EXPECT_EQ(set.SampleCount(), 1008u);

  MetricSet more;
  for (int i = 990; i < 1010; ++i) more.AddGauge("m", "M.", {{"member", std::to_string(i)}}, -i);
  more.AddGauge("m", "M.", {{"ab", "c"}}, 13);
  set.Merge(std::move(more));
  EXPECT_EQ(set.SampleCount(), 1018u);  // 990-999 and {ab="c"} were there already
  const std::string text = SerializeText(set);
  EXPECT_NE(text.find("m{member=\"999\"} 999\n"), std::string::npos);  // the first one stays
  EXPECT_NE(text.find("m{member=\"1009\"} -1009\n"), std::string::npos);
  EXPECT_EQ(text.find("m{member=\"999\"} -999"), std::string::npos);
}

TEST(MetricSetTest, MergeAppendsToFamiliesOfTheSameName) {
  MetricSet a, b;
  a.AddGauge("m", "M.", {{"t", "1"}}, 1);
  b.AddGauge("m", "M.", {{"t", "2"}}, 2);
  b.AddCounter("c_total", "C.", {}, 7);
  a.Merge(std::move(b));
  EXPECT_EQ(SerializeText(a),
            "# HELP m M.\n# TYPE m gauge\nm{t=\"1\"} 1\nm{t=\"2\"} 2\n# HELP c_total C.\n# TYPE c_total counter\n"
            "c_total 7\n");
}

TEST(MetricSetTest, MergeKeepsTheFirstDeclarationAndDropsDuplicates) {
  MetricSet a, b;
  a.AddGauge("m", "M.", {{"t", "1"}}, 1);
  b.AddCounter("m", "Other.", {{"t", "1"}}, 5);  // same label set: dropped
  b.AddCounter("m", "Other.", {{"t", "2"}}, 2);  // kept, as a gauge like the first declaration
  a.Merge(std::move(b));
  EXPECT_EQ(SerializeText(a), "# HELP m M.\n# TYPE m gauge\nm{t=\"1\"} 1\nm{t=\"2\"} 2\n");
  EXPECT_EQ(a.SampleCount(), 2u);
}

// The duplicate check compares whole label sets: names and values in order, not their concatenation, and it
// still holds once a family has grown past many resizes of its index.
TEST(MetricSetTest, DuplicateCheckTellsLabelSetsApartExactly) {
  MetricSet set;
  EXPECT_TRUE(set.AddGauge("m", "M.", {{"a", "bc"}}, 1));
  EXPECT_TRUE(set.AddGauge("m", "M.", {{"ab", "c"}}, 2));
  EXPECT_TRUE(set.AddGauge("m", "M.", {{"a", "b"}, {"c", ""}}, 3));
  EXPECT_TRUE(set.AddGauge("m", "M.", {{"c", ""}, {"a", "b"}}, 4));  // same pairs, other order: another series
  EXPECT_TRUE(set.AddGauge("m", "M.", {}, 5));
  EXPECT_FALSE(set.AddGauge("m", "M.", {}, 6));
  EXPECT_FALSE(set.AddGauge("m", "M.", {{"a", "b"}, {"c", ""}}, 7));
  constexpr int kMany = 5000;
  for (int i = 0; i < kMany; ++i) {
    EXPECT_TRUE(set.AddGauge("m", "M.", {{"name", "member" + std::to_string(i)}, {"scope", "s"}}, i));
  }
  for (int i = 0; i < kMany; i += 7) {
    EXPECT_FALSE(set.AddGauge("m", "M.", {{"name", "member" + std::to_string(i)}, {"scope", "s"}}, -1));
  }
  EXPECT_EQ(set.SampleCount(), 5u + kMany);
  // Samples keep their order and values: the first of each label set wins.
  const std::vector<prometheus::ClientMetric> samples = set.families().front().metric;  // families() builds a copy
  for (int i = 0; i < kMany; ++i) ASSERT_EQ(samples[5 + i].gauge.value, i);
}

// Merging into a set that has other families: a family new there arrives whole, one it has gets only the label
// sets it lacks, and both keep checking duplicates afterwards.
TEST(MetricSetTest, MergedFamiliesKeepTheirDuplicateChecks) {
  MetricSet a, b;
  a.AddGauge("x", "X.", {{"t", "1"}}, 1);
  a.AddGauge("m", "M.", {{"t", "1"}}, 1);
  b.AddGauge("n", "N.", {{"t", "1"}}, 3);
  b.AddGauge("n", "N.", {{"t", "2"}}, 4);
  b.AddGauge("m", "M.", {{"t", "1"}}, 9);
  b.AddGauge("m", "M.", {{"t", "3"}}, 5);
  a.Merge(std::move(b));
  EXPECT_FALSE(a.AddGauge("n", "N.", {{"t", "2"}}, 0));
  EXPECT_FALSE(a.AddGauge("m", "M.", {{"t", "3"}}, 0));
  EXPECT_TRUE(a.AddGauge("n", "N.", {{"t", "3"}}, 6));
  EXPECT_EQ(SerializeText(a),
            "# HELP x X.\n# TYPE x gauge\nx{t=\"1\"} 1\n# HELP m M.\n# TYPE m gauge\nm{t=\"1\"} 1\nm{t=\"3\"} 5\n"
            "# HELP n N.\n# TYPE n gauge\nn{t=\"1\"} 3\nn{t=\"2\"} 4\nn{t=\"3\"} 6\n");
}

}  // namespace
}  // namespace patroni_exporter
