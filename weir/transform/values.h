// The values of one output feature while its ops run: one value or a missing value per example.
// This is also what a custom op (a plug-in) receives and returns.
#ifndef WEIR_TRANSFORM_VALUES_H_
#define WEIR_TRANSFORM_VALUES_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "weir/proto/transform.pb.h"

namespace weir::transform {

struct Values {
  ValueType type = FLOAT;
  // Exactly one of these holds size() values, by `type`. A missing example's value is unspecified.
  std::vector<int64_t> ints;
  std::vector<double> floats;
  // Views into the input batch or into the transform's own constants: valid while the batch is.
  std::vector<std::string_view> strings;
  std::vector<uint8_t> missing;  // 1: the example has no value.
  // A categorical int's values lie in [0, cardinality); 0 when the ints are not categorical.
  int64_t cardinality = 0;
  // The smallest categorical value: 0, or -1 when unknown tokens map to -1.
  int64_t min_value = 0;
  // Set by one_hot: the feature is written as a float list of this length.
  int64_t one_hot_depth = 0;

  size_t size() const { return missing.size(); }
  bool is_missing(size_t i) const { return missing[i] != 0; }

  // Values of a type for n examples, all missing. Inline, as plug-ins call it.
  static Values Missing(ValueType type, size_t n) {
    Values values;
    values.type = type;
    values.missing.assign(n, 1);
    if (type == INT) values.ints.assign(n, 0);
    if (type == FLOAT) values.floats.assign(n, 0.0);
    if (type == STRING) values.strings.assign(n, std::string_view());
    return values;
  }
  // Ints become floats (exact up to 2^53) and lose their cardinality. Not for strings.
  void ConvertToFloat() {
    if (type != INT) return;
    floats.resize(ints.size());
    for (size_t i = 0; i < ints.size(); ++i) floats[i] = static_cast<double>(ints[i]);
    ints.clear();
    type = FLOAT;
    cardinality = 0;
  }
};

// A custom op: changes `values` in place. `args` are the op's arguments from the pipeline file.
// Errors should name the argument at fault; weir adds the feature and op.
using CustomOpFn =
    std::function<absl::Status(const std::map<std::string, std::string>& args, Values& values)>;

// What a plug-in's weir_plugin_register(void* registry) receives: cast it to this and register
// ops by name. Ops are looked up when a transform is compiled.
class CustomOpRegistry {
 public:
  virtual ~CustomOpRegistry() = default;
  virtual void Register(const std::string& name, CustomOpFn op) = 0;
};

}  // namespace weir::transform

#endif  // WEIR_TRANSFORM_VALUES_H_
