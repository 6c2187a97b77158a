// log1p: log(1 + x), as a float.
#include "weir/transform/ops/op_kernel.h"

namespace weir::transform {
namespace {

class Log1pKernel : public NumbersToFloatKernel {
 public:
  absl::Status Apply(const CompiledOp&, const ApplyInputs&, Values& values) const override {
    values.ConvertToFloat();
    for (size_t i = 0; i < values.size(); ++i) values.floats[i] = std::log1p(values.floats[i]);
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<OpKernel> MakeLog1p() { return std::make_unique<Log1pKernel>(); }

}  // namespace weir::transform
