// Where the tests' data files live: tests/testdata/ of the source tree, whose absolute path the
// build passes in (KEEL_TESTDATA_DIR), so a test finds its files from any working directory.
#pragma once

#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

namespace keel::testing {

inline std::string TestDataPath(std::string_view rel) {
  return std::string(KEEL_TESTDATA_DIR) + "/" + std::string(rel);
}

// The whole file, or an empty string when it cannot be read (callers REQUIRE what they expect).
inline std::string ReadTestData(std::string_view rel) {
  std::ifstream in(TestDataPath(rel), std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace keel::testing
