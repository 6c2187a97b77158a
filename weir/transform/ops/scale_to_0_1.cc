// scale_to_0_1: (x - min) / (max - min) with the analyzed split's range; sigmoid(x) when it has
// none, as tf.Transform does.
#include "weir/transform/ops/op_kernel.h"

namespace weir::transform {
namespace {

class ScaleTo01Kernel : public ScalingKernel {
 public:
  AnalyzerResult Finish(const FeatureSpec&, const Op&, OpAccumulator& acc,
                        std::vector<std::string>*) const override {
    AnalyzerResult result;
    result.mutable_min_max()->set_min(acc.count > 0 ? acc.min : 0);
    result.mutable_min_max()->set_max(acc.count > 0 ? acc.max : 0);
    return result;
  }
  absl::Status Apply(const CompiledOp&, const ApplyInputs& inputs, Values& values) const override {
    values.ConvertToFloat();
    const double min = inputs.result->min_max().min();
    const double range = inputs.result->min_max().max() - min;
    for (size_t i = 0; i < values.size(); ++i) {
      const double x = values.floats[i];
      values.floats[i] = range > 0 ? (x - min) / range : 1.0 / (1.0 + std::exp(-x));
    }
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<OpKernel> MakeScaleTo01() { return std::make_unique<ScaleTo01Kernel>(); }

}  // namespace weir::transform
