#include "weir/base/plugin.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace weir::base {
namespace {

TEST(PluginTest, LoadsAndRegisters) {
  auto plugin = Plugin::Load(WEIR_TEST_PLUGIN);
  ASSERT_TRUE(plugin.ok()) << plugin.status();
  std::vector<std::string> registry;
  ASSERT_TRUE((*plugin)->Register(&registry).ok());
  EXPECT_EQ(registry, std::vector<std::string>{"test_plugin"});
}

TEST(PluginTest, MissingLibraryNamesThePath) {
  auto plugin = Plugin::Load("/nonexistent/libweir_nothing.so");
  ASSERT_FALSE(plugin.ok());
  EXPECT_NE(plugin.status().message().find("/nonexistent/libweir_nothing.so"), std::string::npos);
}

// A system library's functions through a table, as weir loads XGBoost and libpq (libm here).
struct MathTable {
  double (*cos)(double);
  double (*hypot)(double, double);
};
struct MissingTable {
  double (*cos)(double);
  double (*no_such_function)(double);
};

TEST(LibraryTest, BindsATableOnceAndSaysWhatIsMissing) {
  auto math = LoadLibraryOnce<MathTable>(
      "libm.so.6", "math needs libm",
      [](LibraryBinder& bind, MathTable& table) { bind("cos", table.cos)("hypot", table.hypot); });
  ASSERT_TRUE(math.ok()) << math.status();
  EXPECT_EQ((*math)->cos(0.0), 1.0);
  EXPECT_EQ((*math)->hypot(3.0, 4.0), 5.0);
  // Kept: the same table the second time.
  EXPECT_EQ(*LoadLibraryOnce<MathTable>("libm.so.6", "", nullptr), *math);

  auto missing = LoadLibraryOnce<MissingTable>(
      "libm.so.6", "this needs a newer libm", [](LibraryBinder& bind, MissingTable& table) {
        bind("no_such_function", table.no_such_function)("cos", table.cos);
      });
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(missing.status().message(),
            "this needs a newer libm: libm.so.6 has no function no_such_function (too old a "
            "version?)");

  LibraryBinder absent("libweir_no_such_library.so.9");
  double (*f)(double) = nullptr;
  absent("cos", f);
  EXPECT_EQ(f, nullptr);
  EXPECT_NE(absent.status().message().find("cannot load libweir_no_such_library.so.9"),
            std::string::npos);
}

}  // namespace
}  // namespace weir::base
