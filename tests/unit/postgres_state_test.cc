#include "collectors/patroni/postgres_state.h"

#include <gtest/gtest.h>

namespace patroni_exporter {
namespace {

TEST(PostgresStateTest, NumbersMatchPatroniEnumOrder) {
  EXPECT_EQ(PostgresStateNumber("initializing new cluster"), 0);
  EXPECT_EQ(PostgresStateNumber("running"), 5);
  EXPECT_EQ(PostgresStateNumber("start failed"), 8);
  EXPECT_EQ(PostgresStateNumber("restart failed"), 10);
  EXPECT_EQ(PostgresStateNumber("stopped"), 12);
  EXPECT_EQ(PostgresStateNumber("stop failed"), 13);
  EXPECT_EQ(PostgresStateNumber("crashed"), 14);
}

TEST(PostgresStateTest, EveryNumberRoundTrips) {
  for (int n = 0; n <= 14; ++n) EXPECT_EQ(PostgresStateNumber(PostgresStateName(n)), n);
  EXPECT_EQ(PostgresStateName(15), "");
  EXPECT_EQ(PostgresStateName(-1), "");
}

TEST(PostgresStateTest, UnknownStringsAreMinusOne) {
  EXPECT_EQ(PostgresStateNumber("unknown"), -1);
  EXPECT_EQ(PostgresStateNumber("streaming"), -1);  // a /cluster member state, not a PostgreSQL state
  EXPECT_EQ(PostgresStateNumber("Running"), -1);
  EXPECT_EQ(PostgresStateNumber(""), -1);
}

}  // namespace
}  // namespace patroni_exporter
