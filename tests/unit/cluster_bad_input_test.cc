// Bad `GET /cluster` bodies, each with the exact outcome expected from the parse layer: the error, or (for a body
// that still parses) every warning, in order.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "collectors/patroni/cluster_parse.h"

namespace patroni_exporter {
namespace {

struct BadBody {
  std::string name;
  std::string body;
  std::string error;                  // exact error; "" means the body parses (degraded)
  std::vector<std::string> warnings;  // exact warnings when it parses
};

// Failure messages name the case instead of dumping its bytes.
void PrintTo(const BadBody& body, std::ostream* os) { *os << body.name; }

class ClusterBadInputTest : public ::testing::TestWithParam<BadBody> {};

TEST_P(ClusterBadInputTest, ExactOutcome) {
  const ClusterParseResult r = ParseCluster(GetParam().body);
  if (GetParam().error.empty()) {
    EXPECT_TRUE(r.value) << r.error;
    EXPECT_THAT(r.warnings, ::testing::ElementsAreArray(GetParam().warnings));
  } else {
    EXPECT_FALSE(r.value);
    EXPECT_EQ(r.error, GetParam().error);
  }
}

// One member, wrapped: M(R"("lag":"unknown")") is a body whose only member "a" also has that field.
std::string M(const std::string& fields) { return R"({"members":[{"name":"a",)" + fields + "}]}"; }

std::string Field(const std::string& path, const std::string& why) { return "field \"" + path + "\" ignored: " + why; }

INSTANTIATE_TEST_SUITE_P(
    Table, ClusterBadInputTest,
    ::testing::Values(
        // Not a cluster at all: the only failures.
        BadBody{"Empty", "", "invalid JSON: empty body", {}},
        BadBody{"NotJson", "members: node1", "invalid JSON (body starts with \"members: node1\")", {}},
        BadBody{"Html",
                "<!DOCTYPE html><html><body>Bad Gateway</body></html>",
                "invalid JSON (body starts with \"<!DOCTYPE html><html><body>Bad G\")",
                {}},
        BadBody{"Truncated",
                R"({"members":[{"name":"node1","role":"lea)",
                "invalid JSON (body starts with \"{\"members\":[{\"name\":\"node1\",\"rol\")",
                {}},
        BadBody{"DeepNesting",
                "{\"members\":" + std::string(100, '[') + std::string(100, ']') + "}",
                "invalid JSON: nested deeper than 64 levels",
                {}},
        BadBody{"Array", R"([{"name":"node1"}])", "expected a JSON object, got array", {}},
        BadBody{"String", R"("members")", "expected a JSON object, got string", {}},
        BadBody{"Null", "null", "expected a JSON object, got null", {}},
        BadBody{"NoMembers", "{}", "not a Patroni cluster: missing or non-array \"members\"", {}},
        BadBody{"NodeStatusInstead",
                R"({"state":"running","role":"replica","patroni":{"scope":"demo"}})",
                "not a Patroni cluster: missing or non-array \"members\"",
                {}},
        BadBody{"MembersNotArray",
                R"({"members":{"name":"node1"}})",
                "not a Patroni cluster: missing or non-array \"members\"",
                {}},
        BadBody{"MembersNull", R"({"members":null})", "not a Patroni cluster: missing or non-array \"members\"", {}},

        // Entries that are dropped.
        BadBody{"MemberNotObject",
                R"({"members":["node1",null]})",
                "",
                {"a \"members\" entry ignored: expected object, got string",
                 "a \"members\" entry ignored: expected object, got null"}},
        BadBody{"MemberWithoutName",
                R"({"members":[{"role":"leader","state":"running"}]})",
                "",
                {"a \"members\" entry ignored: missing or non-string \"name\""}},
        BadBody{"MemberNameNotString",
                R"({"members":[{"name":7,"role":"leader"}]})",
                "",
                {"a \"members\" entry ignored: missing or non-string \"name\""}},
        BadBody{"DuplicateNames",
                R"({"members":[{"name":"a","role":"leader"},{"name":"b"},{"name":"a","role":"replica"}]})",
                "",
                {"a \"members\" entry ignored: duplicate name \"a\""}},

        // Every field with the wrong type: ignored, one warning each, in the order the parser reads them.
        BadBody{"EveryMemberFieldMistyped",
                M(R"("role":1,"state":[],"api_url":2,"host":true,"port":"5432","timeline":"1","lag":true,)"
                  R"("receive_lag":{},"replay_lag":[1],"lsn":5,"receive_lsn":true,"replay_lsn":{},)"
                  R"("pending_restart":"true","scheduled_restart":"tomorrow","tags":["nofailover"])"),
                "",
                {Field("members[a].role", "expected string, got number"),
                 Field("members[a].state", "expected string, got array"),
                 Field("members[a].api_url", "expected string, got number"),
                 Field("members[a].host", "expected string, got boolean"),
                 Field("members[a].port", "expected number, got string"),
                 Field("members[a].timeline", "expected number, got string"),
                 Field("members[a].lag", "expected number or \"unknown\", got boolean"),
                 Field("members[a].receive_lag", "expected number or \"unknown\", got object"),
                 Field("members[a].replay_lag", "expected number or \"unknown\", got array"),
                 Field("members[a].lsn", "expected LSN text or \"unknown\", got number"),
                 Field("members[a].receive_lsn", "expected LSN text or \"unknown\", got boolean"),
                 Field("members[a].replay_lsn", "expected LSN text or \"unknown\", got object"),
                 Field("members[a].pending_restart", "expected boolean, got string"),
                 Field("members[a].scheduled_restart", "expected object, got string"),
                 Field("members[a].tags", "expected object, got array")}},
        BadBody{"EveryTagMistyped",
                M(R"("tags":{"nofailover":"true","noloadbalance":1,"clonefrom":null,"nosync":"no",)"
                  R"("failover_priority":"2","nostream":0,"replicatefrom":"b","custom":[1]})"),
                "",
                {Field("members[a].tags.nofailover", "expected boolean, got string"),
                 Field("members[a].tags.noloadbalance", "expected boolean, got number"),
                 Field("members[a].tags.nosync", "expected boolean, got string"),
                 Field("members[a].tags.failover_priority", "expected number, got string"),
                 Field("members[a].tags.nostream", "expected boolean, got number")}},
        BadBody{"EveryTopLevelFieldMistyped",
                R"({"members":[],"scope":["demo"],"pause":"true","scheduled_switchover":"2024-09-11T03:00"})",
                "",
                {Field("scope", "expected string, got array"), Field("pause", "expected boolean, got string"),
                 Field("scheduled_switchover", "expected object, got string")}},
        BadBody{"NestedObjectsMistyped",
                R"({"members":[{"name":"a","scheduled_restart":{"schedule":1733455800}}],)"
                R"("scheduled_switchover":{"at":1733455800,"from":0,"to":false}})",
                "",
                {Field("members[a].scheduled_restart.schedule", "expected string, got number"),
                 Field("scheduled_switchover.at", "expected string, got number"),
                 Field("scheduled_switchover.from", "expected string, got number"),
                 Field("scheduled_switchover.to", "expected string, got boolean")}},
        BadBody{"UnreadableTimestamps",
                R"({"members":[{"name":"a","scheduled_restart":{"schedule":"tonight"}}],)"
                R"("scheduled_switchover":{"at":"2024-13-45T99:00:00+00:00"}})",
                "",
                {Field("members[a].scheduled_restart.schedule", "unrecognised timestamp \"tonight\""),
                 Field("scheduled_switchover.at", "unrecognised timestamp \"2024-13-45T99:00:00+00:00\"")}},

        // Lags and positions.
        BadBody{"LagUnknown",
                M(R"("lag":"unknown","receive_lag":"unknown","replay_lag":"unknown","lsn":"unknown")"),
                "",
                {}},
        BadBody{"LagOtherString",
                M(R"("lag":"Unknown","replay_lag":"12")"),
                "",
                {Field("members[a].lag", "expected number or \"unknown\", got \"Unknown\""),
                 Field("members[a].replay_lag", "expected number or \"unknown\", got \"12\"")}},
        BadBody{"LagHugeNumbers", M(R"("lag":1e308,"receive_lag":18446744073709551615,"replay_lag":-5)"), "", {}},
        // nlohmann refuses a literal beyond the double range, so no infinite lag can reach the parser.
        BadBody{"LagOverflowsDouble",
                M(R"("lag":1e400)"),
                "invalid JSON (body starts with \"{\"members\":[{\"name\":\"a\",\"lag\":1e\")",
                {}},
        BadBody{"LsnMalformed",
                M(R"("lsn":"0/ZZ","receive_lsn":"4000060","replay_lsn":"")"),
                "",
                {Field("members[a].lsn", "not an LSN: \"0/ZZ\""),
                 Field("members[a].receive_lsn", "not an LSN: \"4000060\""),
                 Field("members[a].replay_lsn", "not an LSN: \"\"")}},
        BadBody{"LongBadTextIsCut",
                M(R"("lag":")" + std::string(100, 'x') + "\""),
                "",
                {Field("members[a].lag", "expected number or \"unknown\", got \"" + std::string(64, 'x') + "...\"")}},
        BadBody{"UnknownFieldsAreIgnoredSilently",
                M(R"("pending_restart_reason":{"max_connections":{"old_value":"100","new_value":"200"}},)"
                  R"("site":"dc1","latest_end_lsn":"0/1")"),
                "",
                {}}),
    [](const auto& param_info) { return param_info.param.name; });

TEST(ClusterBadInputTest, DuplicateNameKeepsTheFirstMember) {
  const ClusterParseResult r =
      ParseCluster(R"({"members":[{"name":"a","role":"leader"},{"name":"b"},{"name":"a","role":"replica"}]})");
  ASSERT_TRUE(r.value);
  ASSERT_EQ(r.value->members.size(), 2u);
  EXPECT_EQ(r.value->members[0].name, "a");
  EXPECT_EQ(r.value->members[0].role, "leader");
  EXPECT_EQ(r.value->members[1].name, "b");
}

TEST(ClusterBadInputTest, MistypedFieldsAreLeftEmpty) {
  const ClusterParseResult r = ParseCluster(M(R"("role":1,"timeline":"1","lag":true,"lsn":"0/ZZ")"));
  ASSERT_TRUE(r.value);
  const ClusterMember& m = r.value->members.at(0);
  EXPECT_EQ(m.role, "");
  EXPECT_FALSE(m.timeline);
  EXPECT_FALSE(m.lag.sent());  // neither a number nor "unknown"
  EXPECT_FALSE(m.lsn.sent());  // unreadable is not "unknown"
}

TEST(ClusterBadInputTest, HugeLagIsKeptAsSent) {
  const ClusterParseResult r = ParseCluster(M(R"("lag":18446744073709551615)"));
  ASSERT_TRUE(r.value);
  EXPECT_EQ(r.value->members.at(0).lag.bytes, 18446744073709551615.0);
}

}  // namespace
}  // namespace patroni_exporter
