// Test data access: files under tests/testdata/ (golden files: tests/support/golden.h).
#pragma once

#include <string>
#include <vector>

namespace patroni_exporter::testing {

// Absolute path of tests/testdata/<relative>.
std::string TestdataPath(const std::string& relative);
// Whole file; throws std::runtime_error if it cannot be read (a test setup error).
std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& content);
// File names (not paths) in tests/testdata/<dir> starting with `prefix` and ending with `suffix`, sorted.
std::vector<std::string> ListTestdata(const std::string& dir, const std::string& prefix, const std::string& suffix);

}  // namespace patroni_exporter::testing
