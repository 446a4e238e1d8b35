#include "collectors/process/process_collector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "collectors/exposition.h"
#include "exporter/scraper.h"

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

TEST(ProcessCollectorTest, ParsesAStatLineWithItsNewlineAndHugeFields) {
  // As read(2) returns it: ending in a newline, with rsslim at 2^64-1 among the fields.
  const std::string stat =
      "77 (patroni_exporte) R 1 77 77 0 -1 4194304 900 0 0 0 7 3 0 0 20 0 3 0 500 "
      "12345678 1000 18446744073709551615 1 1 0 0 0 0 0 4096 16384 0 0 0 17 1 0 0 0 0 0\n";
  const auto s = ParseProcStat(stat, 100, 4096);
  ASSERT_TRUE(s);
  EXPECT_DOUBLE_EQ(s->cpu_seconds, 0.1);
  EXPECT_DOUBLE_EQ(s->start_seconds_after_boot, 5.0);
  EXPECT_DOUBLE_EQ(s->virtual_memory_bytes, 12345678);
  EXPECT_DOUBLE_EQ(s->resident_memory_bytes, 1000.0 * 4096);
}

TEST(ProcessCollectorTest, NumbersMustBeWholeTokensAndNoParenthesisIsAbsent) {
  const std::string tail = " S 1 4242 4242 0 -1 4194560 1513 0 0 0 25x 50 0 0 20 0 7 0 1 2 3 4";
  EXPECT_FALSE(ParseProcStat("4242 (x)" + tail, 100, 4096));
  EXPECT_FALSE(ParseProcStat("4242 x S 1 4242 4242 0 -1 4194560 1513 0 0 0 250 50 0 0 20 0 7 0 1 2 3 4", 100, 4096));
  EXPECT_FALSE(ParseProcStat("4242 (x) S 1 4242 4242 0 -1 4194560 1513 0 0 0 250 50 0 0 20 0 7 0 1 2 3 4", 0, 4096));
}

TEST(ProcessCollectorTest, ParsesBootTimeFromRecordedProcStat) {
  // Abridged /proc/stat of a 2-core host, with its long intr line cut short.
  const std::string text =
      "cpu  86307 213 30105 4517360 2712 0 1402 0 0 0\n"
      "cpu0 43008 104 15133 2258488 1311 0 912 0 0 0\n"
      "cpu1 43299 109 14972 2258872 1401 0 490 0 0 0\n"
      "intr 8312774 9 0 0 0 0 0 0 0 0 0 0 0 144 0 0 0\n"
      "ctxt 15402843\n"
      "btime 1765000000\n"
      "processes 110931\n"
      "procs_running 2\n";
  const auto boot = ParseBootTime(text);
  ASSERT_TRUE(boot);
  EXPECT_DOUBLE_EQ(*boot, 1765000000);
}

TEST(ProcessCollectorTest, BootTimeMissingOrMalformedIsAbsent) {
  EXPECT_FALSE(ParseBootTime(""));
  EXPECT_FALSE(ParseBootTime("cpu  1 2 3\nctxt 5\n"));
  EXPECT_FALSE(ParseBootTime("xbtime 1765000000\n"));
  EXPECT_FALSE(ParseBootTime("btime soon\n"));
  ASSERT_TRUE(ParseBootTime("ctxt 5\nbtime 42"));  // last line without its newline
  EXPECT_DOUBLE_EQ(*ParseBootTime("ctxt 5\nbtime 42"), 42);
}

TEST(ProcessCollectorTest, ProcessCollectorRunsOnTheScrapingThreadAndKeepsItsPlace) {
  // A stand-in for a network collector: the scrape wrapper gives one of two such collectors its own thread.
  class Recording : public Collector {
   public:
    Recording(std::string name, bool may_block, std::thread::id* ran_on)
        : name_(std::move(name)), may_block_(may_block), ran_on_(ran_on) {}
    std::string Name() const override { return name_; }
    bool MayBlock() const override { return may_block_; }
    std::string Collect(const ScrapeContext&, MetricSet* out) override {
      *ran_on_ = std::this_thread::get_id();
      out->AddGauge(name_ + "_value", "A value.", {}, 1);
      return "";
    }

   private:
    std::string name_;
    bool may_block_;
    std::thread::id* ran_on_;
  };
  std::thread::id first, second, process;
  std::vector<std::unique_ptr<Collector>> collectors;
  collectors.push_back(std::make_unique<Recording>("first", true, &first));
  collectors.push_back(std::make_unique<Recording>("second", true, &second));
  collectors.push_back(std::make_unique<Recording>("process", false, &process));
  Scraper scraper(std::move(collectors));
  const std::string text = SerializeText(scraper.CollectAll(ScrapeContext{}));
  EXPECT_EQ(first, std::this_thread::get_id());
  EXPECT_EQ(process, std::this_thread::get_id());
  EXPECT_NE(second, std::this_thread::get_id());
  EXPECT_NE(second, std::thread::id());
  // Families come out in the collectors' order, whichever thread ran them.
  const std::size_t a = text.find("first_value 1"), b = text.find("second_value 1"), c = text.find("process_value 1");
  ASSERT_NE(a, std::string::npos);
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(c, std::string::npos);
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_THAT(text, ::testing::HasSubstr("patroni_exporter_collector_success{collector=\"process\"} 1"));
}

TEST(ProcessCollectorTest, CollectsOwnProcess) {
  ProcessCollector collector;
  MetricSet set;
  EXPECT_EQ(collector.Collect(ScrapeContext{}, &set), "");
  const std::string text = SerializeText(set);
  for (const char* family : {"process_cpu_seconds_total ", "process_resident_memory_bytes ",
                             "process_virtual_memory_bytes ", "process_start_time_seconds ", "process_open_fds "}) {
    EXPECT_THAT(text, ::testing::HasSubstr(family));
  }
}

TEST(ProcessCollectorTest, OpenFdsAndStartTimeMatchTheSystemsAndHoldAcrossScrapes) {
  ProcessCollector collector;
  MetricSet first, second;
  ASSERT_EQ(collector.Collect(ScrapeContext{}, &first), "");
  // directory_iterator holds one descriptor of its own while it counts, as the collector does.
  double entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++entries;
  ASSERT_EQ(collector.Collect(ScrapeContext{}, &second), "");
  const std::string a = SerializeText(first);
  const std::string b = SerializeText(second);
  EXPECT_THAT(a, ::testing::HasSubstr("\nprocess_open_fds " + std::to_string(static_cast<int>(entries - 1)) + "\n"));
  auto start = [](const std::string& text) {
    const std::size_t at = text.find("\nprocess_start_time_seconds ");
    return at == std::string::npos ? std::string() : text.substr(at, text.find('\n', at + 1) - at);
  };
  EXPECT_NE(start(a), "");
  EXPECT_EQ(start(a), start(b));
}

}  // namespace
}  // namespace patroni_exporter
