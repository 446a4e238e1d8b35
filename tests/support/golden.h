// Golden files (reviewed expected output under tests/testdata/): the compare-or-update step and the test names
// every golden test shares (tests/unit/*golden_test.cc).
#pragma once

#include <string>
#include <string_view>

namespace patroni_exporter {
class MetricSet;
}

namespace patroni_exporter::testing {

// True when UPDATE_GOLDEN=1: golden tests rewrite their files instead of comparing (review the diff).
bool UpdateGoldens();

// Compares `text` with the file at `golden_path` byte for byte (EXPECT: the failure names the file and the
// switch). With UPDATE_GOLDEN=1 it rewrites the file instead and marks the calling test skipped, so a run that
// rewrote goldens never counts as a pass. Call it last in a test: after the skip the test goes on.
void CompareWithGolden(const std::string& text, const std::string& golden_path);

// The text the exporter serves for `set` (SerializeText(set), read from the set's compact form), after checking
// (EXPECT) that it is byte for byte what the same set in prometheus-cpp's model serializes to
// (SerializeText(set.families())), the path that wrote the goldens first. Golden tests serialize through it, so
// every golden's set checks both paths.
std::string SerializeBothWays(const MetricSet& set);

// A parameter name for a fixture file: `file_name` without `suffix`, every character but letters and digits
// as '_' ("patroni_baseline-primary_v3.0.2.json" -> "patroni_baseline_primary_v3_0_2").
std::string FixtureTestName(const std::string& file_name, std::string_view suffix = ".json");

}  // namespace patroni_exporter::testing
