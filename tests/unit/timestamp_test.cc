#include "collectors/patroni/timestamp.h"

#include <gtest/gtest.h>

namespace patroni_exporter {
namespace {

TEST(TimestampTest, PythonIsoFormatWithMicroseconds) {
  // tests/testdata/patroni/patroni_baseline-primary_v3.0.2.json: its .native.prom prints 1795311445.546313.
  EXPECT_EQ(ParsePatroniTimestamp("2026-11-22 01:37:25.546313+00:00"), 1795311445.546313);
}

// Every fraction digit is read and counted in order, whatever the length: the digit loop of timestamp.cc once
// drew a -Wmaybe-uninitialized warning at -O3, and a digit read wrongly (or not at all) shows here as a wrong
// value or a wrong scale.
TEST(TimestampTest, FractionDigitsOfEveryLength) {
  EXPECT_EQ(ParsePatroniTimestamp("1970-01-01 00:00:01.5+00:00"), 1.5);
  EXPECT_EQ(ParsePatroniTimestamp("1970-01-01 00:00:01.05Z"), 1.05);
  EXPECT_EQ(ParsePatroniTimestamp("1970-01-01 00:00:01.987654+00:00"), 1.987654);
  EXPECT_EQ(ParsePatroniTimestamp("1970-01-01 00:00:01.000001+00:00"), 1.000001);
  EXPECT_EQ(ParsePatroniTimestamp("1970-01-01 00:00:01.9999999 UTC"), 1.999999);  // truncated, as Python does
  EXPECT_EQ(ParsePatroniTimestamp("1970-01-01 00:00:01.12345678901234567890+00:00"), 1.123456);
  EXPECT_EQ(ParsePatroniTimestamp("2026-11-22 01:37:25.546313Z"), 1795311445.546313);
  EXPECT_FALSE(ParsePatroniTimestamp("1970-01-01 00:00:01."));
  EXPECT_FALSE(ParsePatroniTimestamp("1970-01-01 00:00:01.5"));
}

TEST(TimestampTest, NumericOffsetsShiftToUtc) {
  EXPECT_EQ(ParsePatroniTimestamp("2024-08-28 21:39:26+02:00"), ParsePatroniTimestamp("2024-08-28 19:39:26+00:00"));
  EXPECT_EQ(ParsePatroniTimestamp("2024-08-28 14:39:26-0500"), ParsePatroniTimestamp("2024-08-28 19:39:26Z"));
  EXPECT_EQ(ParsePatroniTimestamp("2024-08-28 21:39:26+02"), ParsePatroniTimestamp("2024-08-28T19:39:26+00:00"));
  EXPECT_EQ(ParsePatroniTimestamp("1970-01-01 00:00:00+00:00"), 0.0);
}

TEST(TimestampTest, OldPostgresTextWithZoneAbbreviation) {
  // Patroni < 2.1.0 passed PostgreSQL's text through: "2019-09-24 09:22:32.555 CEST" is 07:22:32.555 UTC.
  EXPECT_EQ(ParsePatroniTimestamp("2019-09-24 09:22:32.555 CEST"), 1569309752.555);
  EXPECT_EQ(ParsePatroniTimestamp("2019-09-24 07:22:32.555 UTC"), 1569309752.555);
  EXPECT_EQ(ParsePatroniTimestamp("2019-09-24 09:22:32.555+02"), 1569309752.555);
}

TEST(TimestampTest, AmbiguousOrUnknownZoneIsAbsentNotGuessed) {
  EXPECT_FALSE(ParsePatroniTimestamp("2019-09-24 09:22:32.555 IST"));
  EXPECT_FALSE(ParsePatroniTimestamp("2019-09-24 09:22:32.555"));
  EXPECT_FALSE(ParsePatroniTimestamp("2019-09-24 09:22:32.555 XYZ"));
}

TEST(TimestampTest, MalformedIsAbsent) {
  for (const char* bad : {"", "null", "unknown", "2024-13-01 00:00:00+00:00", "2024-08-28", "2024-08-28 25:00:00Z",
                          "2024-08-28 19:39:26.+00:00", "2024-08-28 19:39:26+99:00", "1795311445"}) {
    EXPECT_FALSE(ParsePatroniTimestamp(bad)) << bad;
  }
}

}  // namespace
}  // namespace patroni_exporter
