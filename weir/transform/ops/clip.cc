// clip: values below `min` become `min`, above `max` become `max` (each optional); the type stays.
#include <algorithm>

#include "weir/transform/ops/op_kernel.h"

namespace weir::transform {
namespace {

class ClipKernel : public OpKernel {
 public:
  Takes takes() const override { return Takes::kNumbers; }
  absl::Status Compile(const Op& op, CompileState&, CompiledOp&) const override {
    if (op.clip().has_min() && op.clip().has_max() && op.clip().min() > op.clip().max())
      return absl::InvalidArgumentError("min must not exceed max");
    return absl::OkStatus();
  }
  absl::Status Apply(const CompiledOp& step, const ApplyInputs&, Values& values) const override {
    const Clip& clip = step.op->clip();
    const double lo = clip.has_min() ? clip.min() : -HUGE_VAL;
    const double hi = clip.has_max() ? clip.max() : HUGE_VAL;
    for (size_t i = 0; i < values.size(); ++i) {
      if (values.type == INT) {
        values.ints[i] =
            static_cast<int64_t>(std::clamp(static_cast<double>(values.ints[i]), lo, hi));
      } else {
        values.floats[i] = std::clamp(values.floats[i], lo, hi);
      }
    }
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<OpKernel> MakeClip() { return std::make_unique<ClipKernel>(); }

}  // namespace weir::transform
