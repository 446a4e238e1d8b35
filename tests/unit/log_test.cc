#include "collectors/log.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace patroni_exporter {
namespace {

const auto kTime = std::chrono::system_clock::time_point(std::chrono::milliseconds(1700000000123));

TEST(LogTest, OneLineEscapesEveryControlByte) {
  EXPECT_EQ(OneLine("plain text, \"quoted\" \xc3\xa9"), "plain text, \"quoted\" \xc3\xa9");
  EXPECT_EQ(OneLine(std::string("a\nb\rc\td\0e\x7f\x1b", 11)), "a\\nb\\rc\\td\\x00e\\x7f\\x1b");
}

TEST(LogTest, LogfmtQuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(
      FormatLogLine(kTime, LogLevel::kWarn, "Patroni target failed",
                    {{"target", "http://127.0.0.1:8008"}, {"err", "Connection refused \"x\""}}, LogFormat::kLogfmt),
      "ts=2023-11-14T22:13:20.123Z level=warn msg=\"Patroni target failed\" target=http://127.0.0.1:8008 "
      "err=\"Connection refused \\\"x\\\"\"");
  EXPECT_EQ(FormatLogLine(kTime, LogLevel::kInfo, "ok", {{"empty", ""}, {"nl", "a\nb"}}, LogFormat::kLogfmt),
            "ts=2023-11-14T22:13:20.123Z level=info msg=ok empty=\"\" nl=\"a\\nb\"");
}

TEST(LogTest, JsonIsOneObjectPerLineEvenWithInvalidUtf8) {
  const std::string line =
      FormatLogLine(kTime, LogLevel::kError, "bad", {{"body", "\xff\xfe"}, {"k", "v"}}, LogFormat::kJson);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const auto parsed = nlohmann::json::parse(line);
  EXPECT_EQ(parsed["ts"], "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(parsed["level"], "error");
  EXPECT_EQ(parsed["msg"], "bad");
  EXPECT_EQ(parsed["k"], "v");
}

}  // namespace
}  // namespace patroni_exporter
