// Bad `GET /patroni` bodies, each with the exact outcome expected from the parse layer.
#include <gtest/gtest.h>

#include "collectors/patroni/node_status_parse.h"

namespace patroni_exporter {
namespace {

struct BadBody {
  std::string name;
  std::string body;
  std::string error;  // exact error; "" means the body parses (degraded) and only warnings are expected
};

class NodeStatusBadInputTest : public ::testing::TestWithParam<BadBody> {};

TEST_P(NodeStatusBadInputTest, ExactOutcome) {
  const NodeStatusParseResult r = ParseNodeStatus(GetParam().body);
  if (GetParam().error.empty()) {
    EXPECT_TRUE(r.value) << r.error;
  } else {
    EXPECT_FALSE(r.value);
    EXPECT_EQ(r.error, GetParam().error);
  }
}

const char* kMinimal = R"({"state":"running","role":"replica","patroni":{"version":"3.0.2","scope":"demo"}})";

INSTANTIATE_TEST_SUITE_P(
    Table, NodeStatusBadInputTest,
    ::testing::Values(
        BadBody{"Empty", "", "invalid JSON: empty body"},
        BadBody{"Html", "<!DOCTYPE html><html><body>Bad Gateway</body></html>",
                "invalid JSON (body starts with \"<!DOCTYPE html><html><body>Bad G\")"},
        BadBody{"Truncated", std::string(kMinimal).substr(0, 40),
                "invalid JSON (body starts with \"{\"state\":\"running\",\"role\":\"repli\")"},
        BadBody{"Array", "[1,2,3]", "expected a JSON object, got array"},
        BadBody{"String", "\"running\"", "expected a JSON object, got string"},
        BadBody{"Null", "null", "expected a JSON object, got null"},
        BadBody{"EmptyObject", "{}", "not a Patroni status: missing or non-string \"state\""},
        BadBody{"StateNotString", R"({"state":5,"role":"replica","patroni":{"scope":"s"}})",
                "not a Patroni status: missing or non-string \"state\""},
        BadBody{"NoRole", R"({"state":"running","patroni":{"scope":"s"}})",
                "not a Patroni status: missing or non-string \"role\""},
        BadBody{"NoPatroniObject", R"({"state":"running","role":"replica","patroni":"3.0.2"})",
                "not a Patroni status: missing or non-string \"patroni.scope\""},
        BadBody{"ScopeNotString", R"({"state":"running","role":"replica","patroni":{"scope":["a"]}})",
                "not a Patroni status: missing or non-string \"patroni.scope\""},
        BadBody{"DeepNesting", "{\"a\":" + std::string(200, '[') + std::string(200, ']') + "}",
                "invalid JSON: nested deeper than 64 levels"},
        BadBody{"InvalidUtf8", "{\"state\":\"run\xc3\x28\",\"role\":\"replica\",\"patroni\":{\"scope\":\"s\"}}",
                "invalid JSON (body starts with \"{\"state\":\"run.(\",\"role\":\"replica\")"},
        BadBody{"NaNLiteral", R"({"state":"running","role":"replica","timeline":NaN,"patroni":{"scope":"s"}})",
                "invalid JSON (body starts with \"{\"state\":\"running\",\"role\":\"repli\")"},
        // Degraded but usable: duplicate keys (last wins), huge numbers, every optional field mistyped.
        BadBody{"DuplicateKeys",
                R"({"state":"stopped","state":"running","role":"replica","patroni":{"scope":"s","scope":"t"}})", ""},
        BadBody{
            "HugeNumbers",
            R"({"state":"running","role":"replica","timeline":1e308,"xlog":{"received_location":18446744073709551615},"patroni":{"scope":"s"}})",
            ""},
        BadBody{
            "MistypedOptionals",
            R"({"state":"running","role":"replica","xlog":[],"replication":{},"pause":"true","patroni":{"scope":"s","version":4}})",
            ""}),
    [](const auto& param_info) { return param_info.param.name; });

TEST(NodeStatusBadInputTest, DuplicateKeysTakeTheLastValue) {
  const auto r = ParseNodeStatus(R"({"state":"stopped","state":"running","role":"replica","patroni":{"scope":"s"}})");
  ASSERT_TRUE(r.value);
  EXPECT_EQ(r.value->state, "running");
}

}  // namespace
}  // namespace patroni_exporter
