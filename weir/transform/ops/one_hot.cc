// one_hot: a categorical int to a float list of `depth` with a 1 at its index (all 0 when out of
// range or missing); depth 0: the categorical's own cardinality. Must be the last op.
#include "weir/transform/ops/op_kernel.h"

namespace weir::transform {
namespace {

class OneHotKernel : public OpKernel {
 public:
  Takes takes() const override { return Takes::kInts; }
  absl::Status Compile(const Op& op, CompileState& state, CompiledOp&) const override {
    if (op.one_hot().depth() < 0) return absl::InvalidArgumentError("depth must not be negative");
    if (state.known_type && op.one_hot().depth() == 0 && state.cardinality == 0) {
      return absl::InvalidArgumentError(
          "needs a depth: the values are not categorical (bucketize, vocabulary, hash_strings or "
          "categorical_identity give them one)");
    }
    state.last = true;
    return absl::OkStatus();
  }
  absl::Status Apply(const CompiledOp& step, const ApplyInputs&, Values& values) const override {
    const int64_t depth = step.op->one_hot().depth();
    values.one_hot_depth = depth > 0 ? depth : values.cardinality;
    if (values.one_hot_depth <= 0) {
      return absl::InvalidArgumentError(
          "the values have no categories (an empty vocabulary?); give a depth");
    }
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<OpKernel> MakeOneHot() { return std::make_unique<OneHotKernel>(); }

}  // namespace weir::transform
