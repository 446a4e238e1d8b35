#include "collectors/json_util.h"

#include <gtest/gtest.h>

namespace patroni_exporter {
namespace {

TEST(JsonUtilTest, TypedAccessNeverThrowsOnWrongTypes) {
  std::string error;
  const auto doc =
      ParseJson(R"({"lag": "unknown", "n": 5, "b": true, "s": "x", "nul": null, "o": {}, "a": []})", &error);
  ASSERT_TRUE(doc) << error;
  EXPECT_FALSE(GetNumber(*doc, "lag"));
  EXPECT_EQ(GetNumber(*doc, "n"), 5.0);
  EXPECT_FALSE(GetNumber(*doc, "b"));
  EXPECT_EQ(GetBool(*doc, "b"), true);
  EXPECT_FALSE(GetBool(*doc, "n"));
  EXPECT_EQ(GetString(*doc, "s"), "x");
  EXPECT_FALSE(GetString(*doc, "nul"));
  // Null counts as absent and, unlike a value of another type, earns no warning (json_util.h).
  std::vector<std::string> warnings;
  EXPECT_FALSE(ReadString(*doc, "nul", "", &warnings));
  EXPECT_TRUE(warnings.empty());
  EXPECT_FALSE(ReadString(*doc, "n", "", &warnings));
  EXPECT_EQ(warnings, std::vector<std::string>{"field \"n\" ignored: expected string, got number"});
  EXPECT_NE(GetObject(*doc, "o"), nullptr);
  EXPECT_EQ(GetObject(*doc, "a"), nullptr);
  EXPECT_NE(GetArray(*doc, "a"), nullptr);
  EXPECT_FALSE(GetString(nlohmann::json::array(), "s"));
}

TEST(JsonUtilTest, RejectsDeepNestingBeforeParsing) {
  std::string deep(100, '[');
  deep += std::string(100, ']');
  std::string error;
  EXPECT_FALSE(ParseJson(deep, &error));
  EXPECT_EQ(error, "invalid JSON: nested deeper than 64 levels");
  // Brackets inside strings do not count.
  EXPECT_TRUE(ParseJson("{\"s\": \"" + std::string(100, '[') + "\"}", &error));
}

TEST(JsonUtilTest, InvalidInputGivesAReasonWithAPrintableExcerpt) {
  std::string error;
  EXPECT_FALSE(ParseJson("", &error));
  EXPECT_EQ(error, "invalid JSON: empty body");
  EXPECT_FALSE(ParseJson("<html>\n<body>502 Bad Gateway</body></html>", &error));
  EXPECT_EQ(error, "invalid JSON (body starts with \"<html>.<body>502 Bad Gateway</bo\")");
  EXPECT_FALSE(ParseJson("{\"s\": \"\xff\xfe\"}", &error));  // invalid UTF-8
}

TEST(JsonUtilTest, HugeNumbersAreNotFinite) {
  std::string error;
  const auto doc = ParseJson(R"({"big": 1e400, "ok": 1e300})", &error);
  if (doc) {  // nlohmann may refuse 1e400 outright; if it parses it, it must not become a sample
    EXPECT_FALSE(GetNumber(*doc, "big"));
    EXPECT_EQ(GetNumber(*doc, "ok"), 1e300);
  } else {
    EXPECT_FALSE(error.empty());
  }
}

}  // namespace
}  // namespace patroni_exporter
