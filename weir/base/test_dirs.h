// Folders for tests. ctest runs each test in its own process, several at once: a folder is named
// for its process (and for its test, when each test wants its own), so that two never share one.
// Include from tests only: it needs GoogleTest.
#ifndef WEIR_BASE_TEST_DIRS_H_
#define WEIR_BASE_TEST_DIRS_H_

#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <string>
#include <string_view>

#include "gtest/gtest.h"

namespace weir::base {

// TempDir()/<name>_<pid>, emptied and created. `name` may hold '/' for a folder below another.
inline std::filesystem::path FreshTestDir(std::string_view name) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) /
                                    (std::string(name) + "_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// FreshTestDir(<name>_<the running test's name>): one folder per test (a parameterized test's
// '/' becomes '_').
inline std::filesystem::path FreshDirForThisTest(std::string_view name) {
  std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  for (char& c : test) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return FreshTestDir(std::string(name) + "_" + test);
}

}  // namespace weir::base

#endif  // WEIR_BASE_TEST_DIRS_H_
