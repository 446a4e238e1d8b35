// A password given where it must not be (the DSN template) is refused with an error that does not repeat it,
// whatever shape the mistake takes: libpq's own parse errors quote pieces of the connection string, so they
// must not reach the user verbatim. The end-to-end check with the real binary is
// tests/integration/secrets_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "collectors/postgres/pg_session.h"
#include "exporter/config.h"

namespace patroni_exporter {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kSecret = "pe-planted-Zq8wX2";

struct BadDsn {
  std::string dsn;
  std::string reason_part;  // the error must still say what is wrong
};

void PrintTo(const BadDsn& bad, std::ostream* os) { *os << bad.dsn; }

class DsnSecretTest : public ::testing::TestWithParam<BadDsn> {};

TEST_P(DsnSecretTest, RefusedWithoutRepeatingTheSecret) {
  const std::string reason = CheckConninfo(GetParam().dsn);
  EXPECT_THAT(reason, HasSubstr(GetParam().reason_part)) << GetParam().dsn;
  EXPECT_THAT(reason, Not(HasSubstr(kSecret)));
  EXPECT_THAT(reason, Not(HasSubstr("Zq8wX2")));

  // And through the flag parser, which is what a user sees (exit 2 with this line).
  const std::string flag = "--postgres.dsn-template=" + GetParam().dsn;
  const char* argv[] = {"patroni_exporter", flag.c_str()};
  const FlagsResult result = ParseFlags(2, argv);
  EXPECT_FALSE(result.config.has_value());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.output, HasSubstr("--postgres.dsn-template"));
  EXPECT_THAT(result.output, Not(HasSubstr("Zq8wX2"))) << result.output;
}

const std::string S = kSecret;
INSTANTIATE_TEST_SUITE_P(
    Shapes, DsnSecretTest,
    ::testing::Values(BadDsn{"user=postgres password=" + S, "must not contain a password"},
                      BadDsn{"user=postgres password='" + S + "' dbname=postgres", "must not contain a password"},
                      BadDsn{"postgresql://postgres:" + S + "@127.0.0.1/postgres", "must not contain a password"},
                      BadDsn{"postgresql://127.0.0.1/postgres?password=" + S, "must not contain a password"},
                      // Parse errors, where libpq's message would quote the offending token.
                      BadDsn{"user=postgres " + S, "missing \"=\""},                     // the password as a bare word
                      BadDsn{"user=postgres password '" + S + "'", "missing \"=\""},     // "=" forgotten
                      BadDsn{"user=postgres " + S + "=x", "invalid connection option"},  // pasted in keyword position
                      BadDsn{"postgresql://postgres:" + S + "%zz@127.0.0.1/", "percent"},  // bad escape in the URI
                      BadDsn{"user=postgres password='" + S, "unterminated quoted string"}),
    [](const ::testing::TestParamInfo<BadDsn>& param) { return "Case" + std::to_string(param.index); });

}  // namespace
}  // namespace patroni_exporter
