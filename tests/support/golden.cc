#include "tests/support/golden.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>

#include "collectors/exposition.h"
#include "collectors/metric_set.h"
#include "tests/support/testdata.h"

namespace patroni_exporter::testing {

bool UpdateGoldens() {
  const char* value = std::getenv("UPDATE_GOLDEN");
  return value != nullptr && std::string(value) == "1";
}

void CompareWithGolden(const std::string& text, const std::string& golden_path) {
  if (UpdateGoldens()) {
    WriteFile(golden_path, text);
    GTEST_SKIP() << "rewrote " << golden_path;
  }
  EXPECT_EQ(text, ReadFile(golden_path)) << "golden " << golden_path << " differs; UPDATE_GOLDEN=1 rewrites it";
}

std::string SerializeBothWays(const MetricSet& set) {
  std::string text = SerializeText(set);
  EXPECT_EQ(text, SerializeText(set.families())) << "the compact path and prometheus-cpp's model differ";
  return text;
}

std::string FixtureTestName(const std::string& file_name, std::string_view suffix) {
  std::string name = file_name;
  if (name.ends_with(suffix)) name.resize(name.size() - suffix.size());
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

}  // namespace patroni_exporter::testing
