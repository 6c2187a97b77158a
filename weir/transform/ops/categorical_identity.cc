// categorical_identity: an int already in [0, num_buckets) is kept; any other becomes
// default_value.
#include "weir/transform/ops/op_kernel.h"

namespace weir::transform {
namespace {

class CategoricalIdentityKernel : public OpKernel {
 public:
  Takes takes() const override { return Takes::kInts; }
  absl::Status Compile(const Op& op, CompileState& state, CompiledOp&) const override {
    const int64_t buckets = op.categorical_identity().num_buckets();
    if (buckets < 1) return absl::InvalidArgumentError("num_buckets must be at least 1");
    const int64_t fallback = op.categorical_identity().default_value();
    if (fallback < -1 || fallback >= buckets)
      return absl::InvalidArgumentError("default_value must be in [0, num_buckets), or -1");
    state.cardinality = buckets;
    return absl::OkStatus();
  }
  absl::Status Apply(const CompiledOp& step, const ApplyInputs&, Values& values) const override {
    const CategoricalIdentity& op = step.op->categorical_identity();
    for (size_t i = 0; i < values.size(); ++i) {
      if (values.ints[i] < 0 || values.ints[i] >= op.num_buckets())
        values.ints[i] = op.default_value();
    }
    values.cardinality = op.num_buckets();
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<OpKernel> MakeCategoricalIdentity() {
  return std::make_unique<CategoricalIdentityKernel>();
}

}  // namespace weir::transform
