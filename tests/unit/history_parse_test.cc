// ParseHistory on the real 3.0.2 captures, on the row shapes of each version, and on a table of bad bodies with
// the exact error or warnings expected.
#include "collectors/patroni/history_parse.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/testdata.h"

namespace patroni_exporter {
namespace {

using patroni_exporter::testing::ReadFile;
using patroni_exporter::testing::TestdataPath;
using ::testing::IsEmpty;

History ParseFixture(const std::string& name) {
  HistoryParseResult r = ParseHistory(ReadFile(TestdataPath("patroni/" + name)));
  EXPECT_TRUE(r.value) << r.error;
  EXPECT_THAT(r.warnings, IsEmpty());
  return r.value.value_or(History{});
}

TEST(HistoryParseTest, RealEmptyCapture302) {
  EXPECT_THAT(ParseFixture("history_baseline_v3.0.2.json").rows, IsEmpty());
}

TEST(HistoryParseTest, RealSwitchoverCapture302) {
  const History h = ParseFixture("history_switchover-done_v3.0.2.json");
  ASSERT_EQ(h.rows.size(), 5u);
  for (std::size_t i = 0; i < h.rows.size(); ++i) {
    ASSERT_TRUE(h.rows[i]);
    EXPECT_EQ(h.rows[i]->timeline, static_cast<std::int64_t>(i + 1));
    EXPECT_EQ(h.rows[i]->reason, "no recovery target specified");
    EXPECT_TRUE(h.rows[i]->timestamp);
  }
  const HistoryRow& last = *h.rows.back();
  EXPECT_EQ(last.lsn, 240733080u);
  EXPECT_EQ(last.timestamp_text, "2026-11-22T01:52:21.892809+00:00");
  EXPECT_EQ(last.timestamp, 1795312341.892809);
  EXPECT_EQ(last.new_leader, "node3");
}

TEST(HistoryParseTest, FourElementRowsBefore211HaveNoLeader) {
  const History h = ParseFixture("history_four-element-rows_v2.1.0.json");
  ASSERT_EQ(h.rows.size(), 3u);
  ASSERT_TRUE(h.rows[2]);
  EXPECT_FALSE(h.rows[2]->new_leader);
  EXPECT_EQ(h.rows[2]->timestamp, 1627974775.003612);  // 2021-08-03T09:12:55.003612+02:00
}

TEST(HistoryParseTest, ThreeElementRowsHaveNoTime) {
  const History h = ParseFixture("history_mixed-rows_v3.2.2.json");
  ASSERT_EQ(h.rows.size(), 3u);
  ASSERT_TRUE(h.rows[0]);
  EXPECT_FALSE(h.rows[0]->timestamp_text);
  EXPECT_FALSE(h.rows[0]->timestamp);
  EXPECT_FALSE(h.rows[0]->new_leader);
  ASSERT_TRUE(h.rows[1]);
  EXPECT_TRUE(h.rows[1]->timestamp);
  EXPECT_FALSE(h.rows[1]->new_leader);
  ASSERT_TRUE(h.rows[2]);
  EXPECT_EQ(h.rows[2]->new_leader, "postgresql0");
}

TEST(HistoryParseTest, TimestampShapesOfEachVersion) {
  // 1.x read the file time through pg_stat_file (whole seconds, the session's zone); later Python isoformat()
  // drops the fraction when it is zero.
  const HistoryParseResult r =
      ParseHistory(R"([[1,1,"r","2020-09-24T09:22:32+02:00"],[2,2,"r","2024-03-12T10:05:03+00:00","n"],)"
                   R"([3,3,"r","2024-03-12T10:05:03.000001-05:00","n"]])");
  ASSERT_TRUE(r.value);
  EXPECT_THAT(r.warnings, IsEmpty());
  EXPECT_EQ(r.value->rows[0]->timestamp, 1600932152);
  EXPECT_EQ(r.value->rows[1]->timestamp, 1710237903);
  EXPECT_EQ(r.value->rows[2]->timestamp, 1710255903.000001);
}

TEST(HistoryParseTest, ExtraElementsAreIgnored) {
  const HistoryParseResult r = ParseHistory(R"([[1,1,"r","2024-03-12T10:05:03+00:00","n",{"future":true},7]])");
  ASSERT_TRUE(r.value);
  EXPECT_THAT(r.warnings, IsEmpty());
  EXPECT_EQ(r.value->rows[0]->new_leader, "n");
}

TEST(HistoryParseTest, WrongRowIsKeptAsAnEmptyEntry) {
  const HistoryParseResult r = ParseHistory(R"([[1,1,"r"],"oops",[3,3,"r"]])");
  ASSERT_TRUE(r.value);
  ASSERT_EQ(r.value->rows.size(), 3u);
  EXPECT_TRUE(r.value->rows[0]);
  EXPECT_FALSE(r.value->rows[1]);
  EXPECT_TRUE(r.value->rows[2]);
}

// --- Bad input ---------------------------------------------------------------------------------------------------

struct BadHistory {
  std::string name;
  std::string body;
  std::string error;                  // exact error; "" means the body parses (degraded)
  std::vector<std::string> warnings;  // exact warnings, in order, when it parses
  std::size_t valid_rows = 0;         // rows that survive, when it parses
};

class HistoryBadInputTest : public ::testing::TestWithParam<BadHistory> {};

TEST_P(HistoryBadInputTest, ExactOutcome) {
  const HistoryParseResult r = ParseHistory(GetParam().body);
  if (GetParam().error.empty()) {
    ASSERT_TRUE(r.value) << r.error;
    EXPECT_EQ(r.warnings, GetParam().warnings);
    std::size_t valid = 0;
    for (const auto& row : r.value->rows) valid += row ? 1 : 0;
    EXPECT_EQ(valid, GetParam().valid_rows);
  } else {
    EXPECT_FALSE(r.value);
    EXPECT_EQ(r.error, GetParam().error);
    EXPECT_THAT(r.warnings, IsEmpty());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, HistoryBadInputTest,
    ::testing::Values(
        BadHistory{"Empty", "", "invalid JSON: empty body", {}, 0},
        BadHistory{"Html",
                   "<html><head><title>502 Bad Gateway</title></head></html>",
                   "invalid JSON (body starts with \"<html><head><title>502 Bad Gatew\")",
                   {},
                   0},
        BadHistory{"Truncated",
                   R"([[1,25165984,"no recovery target spec)",
                   "invalid JSON (body starts with \"[[1,25165984,\"no recovery target\")",
                   {},
                   0},
        BadHistory{
            "ConfigInsteadOfHistory", R"({"ttl":30,"loop_wait":10})", "expected a JSON array, got object", {}, 0},
        BadHistory{"EmptyObject", "{}", "expected a JSON array, got object", {}, 0},
        BadHistory{"String", R"("[]")", "expected a JSON array, got string", {}, 0},
        BadHistory{"Number", "5", "expected a JSON array, got number", {}, 0},
        BadHistory{"Null", "null", "expected a JSON array, got null", {}, 0},
        BadHistory{"DeepNesting",
                   std::string(65, '[') + std::string(65, ']'),
                   "invalid JSON: nested deeper than 64 levels",
                   {},
                   0},
        BadHistory{"InvalidUtf8",
                   "[[1,1,\"no recovery target \xc3\x28\"]]",
                   "invalid JSON (body starts with \"[[1,1,\"no recovery target .(\"]]\")",
                   {},
                   0},
        // Degraded: each wrong row is skipped with its reason, the others are kept.
        BadHistory{
            "RowsOfTheWrongShape",
            R"([{"timeline":1},[],[1,2],[1,2,"r"],"1 2 r",null,[[1,2,"r"]]])",
            "",
            {"history[0] ignored: expected an array, got object",
             "history[1] ignored: expected at least 3 elements, got 0",
             "history[2] ignored: expected at least 3 elements, got 2",
             "history[4] ignored: expected an array, got string", "history[5] ignored: expected an array, got null",
             "history[6] ignored: expected at least 3 elements, got 1"},
            1},
        BadHistory{"WrongElementTypes",
                   R"([["1",2,"r"],[1.0,2,"r"],[0,2,"r"],[-1,2,"r"],[1,"0/3000060","r"],[1,-5,"r"],[1,2.5,"r"],)"
                   R"([1,2,null],[1,2,["r"]],[1,2,7]])",
                   "",
                   {"history[0] ignored: timeline: expected an integer from 1 to 4294967295, got \"1\"",
                    "history[1] ignored: timeline: expected an integer from 1 to 4294967295, got 1.0",
                    "history[2] ignored: timeline: expected an integer from 1 to 4294967295, got 0",
                    "history[3] ignored: timeline: expected an integer from 1 to 4294967295, got -1",
                    "history[4] ignored: lsn: expected a non-negative integer, got \"0/3000060\"",
                    "history[5] ignored: lsn: expected a non-negative integer, got -5",
                    "history[6] ignored: lsn: expected a non-negative integer, got 2.5",
                    "history[7] ignored: reason: expected a string, got null",
                    "history[8] ignored: reason: expected a string, got array",
                    "history[9] ignored: reason: expected a string, got 7"},
                   0},
        BadHistory{"HugeNumbers",
                   R"([[4294967295,18446744073709551615,"max"],[4294967296,1,"r"],[1e308,1,"r"],)"
                   R"([1,18446744073709551616,"r"],[99999999999999999999,1,"r"]])",
                   "",
                   {"history[1] ignored: timeline: expected an integer from 1 to 4294967295, got 4294967296",
                    "history[2] ignored: timeline: expected an integer from 1 to 4294967295, got 1e+308",
                    "history[3] ignored: lsn: expected a non-negative integer, got 1.8446744073709552e+19",
                    "history[4] ignored: timeline: expected an integer from 1 to 4294967295, got 1e+20"},
                   1},
        BadHistory{"BadTimestampAndLeaderKeepTheRow",
                   R"([[1,2,"r",1732240996,"n"],[2,3,"r","yesterday",["n"]],[3,4,"r","2024-13-40T99:00:00+00:00",5]])",
                   "",
                   {"history[0].timestamp ignored: expected a string, got 1732240996",
                    "history[1].timestamp ignored: unrecognised timestamp \"yesterday\"",
                    "history[1].new_leader ignored: expected a string, got array",
                    "history[2].timestamp ignored: unrecognised timestamp \"2024-13-40T99:00:00+00:00\"",
                    "history[2].new_leader ignored: expected a string, got 5"},
                   3},
        BadHistory{"NullTimestampAndLeaderAreQuiet", R"([[1,2,"r",null,null]])", "", {}, 1},
        BadHistory{"EmptyReasonIsFine", R"([[1,2,""]])", "", {}, 1},
        BadHistory{"DuplicateTimelinesAreKept", R"([[1,2,"r"],[1,2,"r"]])", "", {}, 2}),
    [](const auto& param_info) { return param_info.param.name; });

TEST(HistoryBadInputTest, MaximumValuesAreExact) {
  const HistoryParseResult r = ParseHistory(R"([[4294967295,18446744073709551615,"max"]])");
  ASSERT_TRUE(r.value);
  ASSERT_TRUE(r.value->rows[0]);
  EXPECT_EQ(r.value->rows[0]->timeline, 4294967295);
  EXPECT_EQ(r.value->rows[0]->lsn, 18446744073709551615u);
}

}  // namespace
}  // namespace patroni_exporter
