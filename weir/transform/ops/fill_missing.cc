// fill_missing: a missing value becomes `value`, parsed as the values' type (default 0 or "").
#include <charconv>

#include "weir/base/strings.h"
#include "weir/transform/ops/op_kernel.h"

namespace weir::transform {
namespace {

// All of `text` as a T (int64_t or double); `kind` names it in the error.
template <typename T>
absl::StatusOr<T> ParseAll(const std::string& text, std::string_view kind) {
  T value = 0;
  auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (result.ec != std::errc() || result.ptr != text.data() + text.size())
    return absl::InvalidArgumentError(StrCat("'", text, "' is not ", kind));
  return value;
}

class FillMissingKernel : public OpKernel {
 public:
  absl::Status Compile(const Op& op, CompileState& state, CompiledOp& step) const override {
    const std::string& text = op.fill_missing().value();
    step.fill_string = text;
    if (text.empty()) return absl::OkStatus();
    absl::StatusOr<int64_t> as_int = ParseAll<int64_t>(text, "an integer");
    absl::StatusOr<double> as_float = ParseAll<double>(text, "a number");
    if (state.known_type && state.type == INT && !as_int.ok()) return as_int.status();
    if (state.known_type && state.type == FLOAT && !as_float.ok()) return as_float.status();
    step.fill_int = as_int.value_or(0);
    step.fill_float = as_float.value_or(0);
    return absl::OkStatus();
  }

  absl::Status Apply(const CompiledOp& step, const ApplyInputs&, Values& values) const override {
    for (size_t i = 0; i < values.size(); ++i) {
      if (!values.is_missing(i)) continue;
      values.missing[i] = 0;
      if (values.type == INT) values.ints[i] = step.fill_int;
      if (values.type == FLOAT) values.floats[i] = step.fill_float;
      if (values.type == STRING) values.strings[i] = step.fill_string;
    }
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<OpKernel> MakeFillMissing() { return std::make_unique<FillMissingKernel>(); }

}  // namespace weir::transform
