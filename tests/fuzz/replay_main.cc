// Corpus-regression driver for the normal (GCC) build: a main() that feeds every file named on the command line,
// or found (not recursively) in a directory named there, to the target's LLVMFuzzerTestOneInput. A crash or a
// failed FUZZ_CHECK aborts, which fails the ctest; so does an empty run (a corpus that went missing).
// libFuzzer itself is clang-only; this keeps the seeds and tests/fuzz/regressions/ running on every build.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  std::vector<std::filesystem::path> files;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path path(argv[i]);
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
        if (entry.is_regular_file() && entry.path().filename() != "README.md") files.push_back(entry.path());
      }
    } else if (std::filesystem::is_regular_file(path, ec)) {
      files.push_back(path);
    } else {
      std::fprintf(stderr, "replay: %s: no such file or directory\n", argv[i]);
      return 1;
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::fprintf(stderr, "replay: no input files\n");
    return 1;
  }
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::fprintf(stderr, "replay: %s (%zu bytes)\n", file.c_str(), data.size());
    // A copy in a buffer of exactly its size, so that ASan (when on) sees a read past the end, as under libFuzzer.
    std::vector<std::uint8_t> buffer(data.begin(), data.end());
    LLVMFuzzerTestOneInput(buffer.data(), buffer.size());
  }
  std::printf("replay: %zu inputs, no crash\n", files.size());
  return 0;
}
