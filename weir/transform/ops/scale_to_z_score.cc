// scale_to_z_score: (x - mean) / std_dev with the analyzed split's mean and population variance;
// x - mean when the variance is 0.
#include "weir/transform/ops/op_kernel.h"

namespace weir::transform {
namespace {

class ScaleToZScoreKernel : public ScalingKernel {
 public:
  AnalyzerResult Finish(const FeatureSpec&, const Op&, OpAccumulator& acc,
                        std::vector<std::string>*) const override {
    AnalyzerResult result;
    Moments* moments = result.mutable_moments();
    moments->set_count(acc.count);
    moments->set_mean(acc.count > 0 ? acc.mean : 0);
    moments->set_variance(acc.count > 0 ? acc.m2 / static_cast<double>(acc.count) : 0);
    return result;
  }
  absl::Status Apply(const CompiledOp&, const ApplyInputs& inputs, Values& values) const override {
    values.ConvertToFloat();
    const double mean = inputs.result->moments().mean();
    const double variance = inputs.result->moments().variance();
    const double scale = variance > 0 ? 1.0 / std::sqrt(variance) : 1.0;
    for (size_t i = 0; i < values.size(); ++i) values.floats[i] = (values.floats[i] - mean) * scale;
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<OpKernel> MakeScaleToZScore() { return std::make_unique<ScaleToZScoreKernel>(); }

}  // namespace weir::transform
