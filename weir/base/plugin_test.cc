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

}  // namespace
}  // namespace weir::base
