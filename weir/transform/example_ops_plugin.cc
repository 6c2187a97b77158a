// An example custom-op plug-in: `power` raises numeric values to args["exponent"] (default 2).
// Build a shared library like this one, list it under the transform spec's `plugins`, and use
// the op as `- custom: {name: power, args: {exponent: "0.5"}}`.
#include <cmath>
#include <string>

#include "weir/transform/values.h"

namespace {

absl::Status Power(const std::map<std::string, std::string>& args,
                   weir::transform::Values& values) {
  double exponent = 2;
  if (auto it = args.find("exponent"); it != args.end()) {
    char* end = nullptr;
    exponent = std::strtod(it->second.c_str(), &end);
    if (it->second.empty() || *end != '\0')
      return absl::InvalidArgumentError("argument 'exponent' must be a number");
  }
  if (values.type == weir::transform::STRING)
    return absl::InvalidArgumentError("power takes numbers, not strings");
  values.ConvertToFloat();
  for (double& x : values.floats) x = std::pow(x, exponent);
  return absl::OkStatus();
}

}  // namespace

extern "C" int weir_plugin_register(void* registry) {
  static_cast<weir::transform::CustomOpRegistry*>(registry)->Register("power", Power);
  return 0;
}
