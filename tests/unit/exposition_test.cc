#include "collectors/exposition.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <iterator>
#include <limits>
#include <string>

#include "collectors/metric_set.h"

namespace patroni_exporter {
namespace {

TEST(ExpositionTest, LabelValuesAreEscaped) {
  MetricSet set;
  set.AddInfo("i", "I.", {{"v", "a\"b\\c\nd"}});
  EXPECT_EQ(SerializeText(set), "# HELP i I.\n# TYPE i gauge\ni{v=\"a\\\"b\\\\c\\nd\"} 1\n");
}

// SerializeText writes values as prometheus-cpp's TextSerializer did (bench/micro_bench.cc checks every fixture).
TEST(ExpositionTest, ValuesAreWrittenAsPrometheusCppDid) {
  MetricSet set;
  const double values[] = {0.1, 1e-7, 1760393137.660428, 12079595680, -0.0, std::nan(""), HUGE_VAL, -HUGE_VAL};
  for (std::size_t i = 0; i < std::size(values); ++i) set.AddGauge("v", "V.", {{"i", std::to_string(i)}}, values[i]);
  EXPECT_EQ(SerializeText(set),
            "# HELP v V.\n# TYPE v gauge\nv{i=\"0\"} 0.1\nv{i=\"1\"} 1e-07\nv{i=\"2\"} 1760393137.660428\n"
            "v{i=\"3\"} 12079595680\nv{i=\"4\"} -0\nv{i=\"5\"} Nan\nv{i=\"6\"} +Inf\nv{i=\"7\"} -Inf\n");
}

// Whole numbers take a shorter path than printf("%.16g") (exposition.cc); around its edges and beyond them the
// text must be what printf prints.
TEST(ExpositionTest, WholeNumbersAreWrittenAsPrintfDoes) {
  const double values[] = {0,
                           1,
                           -1,
                           42,
                           1e14 + 0.5,
                           999999999999999,
                           -999999999999999,
                           1e15,
                           -1e15,
                           1e15 + 1,
                           9999999999999998,
                           1e16,
                           12345678901234567890.0,
                           9007199254740992,
                           0.5,
                           -2.5,
                           1e-300,
                           4294967296.0 * 2 + 160,
                           std::nextafter(1e15, 0.0)};
  for (const double value : values) {
    MetricSet set;
    set.AddGauge("v", "V.", {}, value);
    char expected[64];
    std::snprintf(expected, sizeof expected, "%.16g", value);
    EXPECT_EQ(SerializeText(set), std::string("# HELP v V.\n# TYPE v gauge\nv ") + expected + "\n") << value;
  }
}

// Label values are copied in runs between the characters to escape; escapes at either end, in a row, or none.
TEST(ExpositionTest, EscapesAnywhereInALabelValue) {
  const auto reference = [](const std::string& value) {
    std::string escaped;
    for (const char c : value) {
      if (c == '\n') {
        escaped += "\\n";
      } else {
        if (c == '\\' || c == '"') escaped += '\\';
        escaped += c;
      }
    }
    return escaped;
  };
  for (const std::string value : {"", "plain", "\\", "\"\"", "a\n", "\nb", "x\\\"\ny", "\\start and end\"", "a\\\\b"}) {
    MetricSet set;
    set.AddInfo("i", "I.", {{"v", value}});
    EXPECT_EQ(SerializeText(set), "# HELP i I.\n# TYPE i gauge\ni{v=\"" + reference(value) + "\"} 1\n") << value;
  }
}

TEST(ExpositionTest, TruncateUtf8NeverSplitsACharacter) {
  EXPECT_EQ(TruncateUtf8("abcdef", 4), "abcd");
  EXPECT_EQ(TruncateUtf8("abc", 4), "abc");
  EXPECT_EQ(TruncateUtf8("ab\xc3\xa9z", 3), "ab");  // "é" is two bytes: not cut in half
  EXPECT_EQ(TruncateUtf8("ab\xc3\xa9z", 4), "ab\xc3\xa9");
}

// The scrape serializes a MetricSet's compact form directly; it must write byte for byte what the set's
// prometheus-cpp model serializes to (the goldens check the same on every fixture's set: tests/support/golden.h).
TEST(ExpositionTest, CompactPathWritesWhatTheModelDoes) {
  auto both = [](const MetricSet& set) {
    const std::string text = SerializeText(set);
    EXPECT_EQ(text, SerializeText(set.families()));
    return text;
  };
  EXPECT_EQ(both(MetricSet()), "");

  MetricSet set;
  // Escaping, UTF-8, empty values, and values long enough for two- and three-byte length prefixes in the arena.
  const std::string long_value(200, 'x'), longer_value(20000, '\\');
  set.AddInfo("i", "Help with \\ and \"quotes\".", {{"v", "a\"b\\c\nd \xc3\xa9"}, {"empty", ""}});
  set.AddInfo("i", "Help with \\ and \"quotes\".", {{"v", long_value}});
  set.AddInfo("i", "", {{"v", longer_value}, {"w", "after"}});
  // Awkward values, an empty label set, and samples of one family with differing label names.
  const double values[] = {
      -0.0, 1e-7, 9007199254740993.0, std::nan(""), HUGE_VAL, -HUGE_VAL, std::numeric_limits<double>::denorm_min()};
  for (std::size_t i = 0; i < std::size(values); ++i) set.AddGauge("v", "V.", {{"i", std::to_string(i)}}, values[i]);
  set.AddGauge("v", "V.", {}, 5);
  set.AddGauge("v", "V.", {{"other", "1"}, {"i", "0"}}, 6);
  set.AddCounter("c_total", "", {}, 1);
  // Duplicates dropped, in Add and in Merge; a type mismatch in Merge keeps the first type and carries the value.
  EXPECT_FALSE(set.AddGauge("v", "V.", {}, 7));
  MetricSet other;
  other.AddCounter("v", "Other.", {{"i", "0"}}, 8);
  other.AddCounter("v", "Other.", {{"i", "new"}}, 9);
  other.AddGauge("c_total", "Other.", {{"g", "1"}}, 10);
  other.AddGauge("new", "N.", {{"a", "b"}}, 11);
  set.Merge(std::move(other));
  const std::string text = both(set);
  EXPECT_NE(text.find("i{v=\"a\\\"b\\\\c\\nd \xc3\xa9\",empty=\"\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("i{v=\"" + long_value + "\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("i{v=\"" + std::string(40000, '\\') + "\",w=\"after\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("\nv{i=\"3\"} Nan\nv{i=\"4\"} +Inf\nv{i=\"5\"} -Inf\nv{i=\"6\"} 4.940656458412465e-324\n"
                      "v 5\nv{other=\"1\",i=\"0\"} 6\nv{i=\"new\"} 9\n# TYPE c_total counter\nc_total 1\n"
                      "c_total{g=\"1\"} 10\n# HELP new N.\n# TYPE new gauge\nnew{a=\"b\"} 11\n"),
            std::string::npos);
  EXPECT_NE(text.find("v{i=\"0\"} -0\nv{i=\"1\"} 1e-07\nv{i=\"2\"} 9007199254740992\n"), std::string::npos);
  EXPECT_EQ(set.SampleCount(), 3u + 10u + 2u + 1u);  // i, v, c_total, new
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
