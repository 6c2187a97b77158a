// A minimal plug-in for plugin_test: appends its name to the std::vector<std::string> it is given.
#include <string>
#include <vector>

extern "C" __attribute__((visibility("default"))) int weir_plugin_register(void* registry) {
  static_cast<std::vector<std::string>*>(registry)->push_back("test_plugin");
  return 0;
}
