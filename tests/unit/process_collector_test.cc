#include "collectors/process/process_collector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "collectors/exposition.h"

namespace patroni_exporter {
namespace {

TEST(ProcessCollectorTest, ParsesProcStatCountingFromTheLastParenthesis) {
  // A real /proc/PID/stat line of a CivetWeb-serving exporter, with a command name holding ") (" on purpose.
  const std::string stat =
      "4242 (patroni) (exp) S 1 4242 4242 0 -1 4194560 1513 0 0 0 250 50 0 0 20 0 7 0 123400 "
      "289406976 3300 18446744073709551615 1 1 0 0 0 0 0 4096 16384 0 0 0 17 1 0 0 0 0 0";
  const auto s = ParseProcStat(stat, 100, 4096);
  ASSERT_TRUE(s);
  EXPECT_DOUBLE_EQ(s->cpu_seconds, 3.0);  // (250 + 50) ticks / 100
  EXPECT_DOUBLE_EQ(s->start_seconds_after_boot, 1234.0);
  EXPECT_DOUBLE_EQ(s->virtual_memory_bytes, 289406976);
  EXPECT_DOUBLE_EQ(s->resident_memory_bytes, 3300.0 * 4096);
}

TEST(ProcessCollectorTest, MalformedStatIsAbsent) {
  EXPECT_FALSE(ParseProcStat("", 100, 4096));
  EXPECT_FALSE(ParseProcStat("4242 (x) S 1 2 3", 100, 4096));
  EXPECT_FALSE(ParseProcStat("4242 (x) S 1 4242 4242 0 -1 4194560 1513 0 0 0 a b 0 0 20 0 7 0 1 2 3 4", 100, 4096));
}

TEST(ProcessCollectorTest, CollectsOwnProcess) {
  ProcessCollector collector;
  MetricSet set;
  EXPECT_EQ(collector.Collect(ScrapeContext{}, &set), "");
  const std::string text = SerializeText(set.families());
  for (const char* family : {"process_cpu_seconds_total ", "process_resident_memory_bytes ",
                             "process_virtual_memory_bytes ", "process_start_time_seconds ", "process_open_fds "}) {
    EXPECT_THAT(text, ::testing::HasSubstr(family));
  }
}

}  // namespace
}  // namespace patroni_exporter
