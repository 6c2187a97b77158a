// categorical_identity: an int already in [0, num_buckets) is kept; any other becomes
// default_value.
#include "weir/base/status.h"
#include "weir/transform/ops/op_kernel.h"

namespace weir::transform {
namespace {

class CategoricalIdentityKernel : public OpKernel {
 public:
  Takes takes() const override { return Takes::kInts; }
  absl::Status Compile(const Op& op, CompileState& state, CompiledOp&) const override {
    const CategoricalIdentity& identity = op.categorical_identity();
    RETURN_IF_ERROR(CompileCategorical(identity.num_buckets(), "num_buckets", state));
    if (identity.default_value() < -1 || identity.default_value() >= identity.num_buckets())
      return absl::InvalidArgumentError("default_value must be in [0, num_buckets), or -1");
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
