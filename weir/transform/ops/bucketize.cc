// bucketize: num_buckets - 1 boundaries from a quantile sketch of the analyzed split; x below the
// first -> 0, at or above the last (and NaN) -> num_buckets - 1, as tft.apply_buckets.
#include <algorithm>

#include "weir/transform/ops/op_kernel.h"

namespace weir::transform {
namespace {

class BucketizeKernel : public OpKernel {
 public:
  Takes takes() const override { return Takes::kNumbers; }
  absl::Status Compile(const Op& op, CompileState& state, CompiledOp&) const override {
    return CompileCategorical(op.bucketize().num_buckets(), "num_buckets", state);
  }
  bool analyzer() const override { return true; }
  void Accumulate(Values& values, OpAccumulator& acc) const override {
    if (!acc.sketch) acc.sketch.emplace();
    acc.sketch->AddAll(acc.AddNumbers(values));
  }
  AnalyzerResult Finish(const FeatureSpec&, const Op& op, OpAccumulator& acc,
                        std::vector<std::string>*) const override {
    AnalyzerResult result;
    Boundaries* boundaries = result.mutable_boundaries();
    if (acc.sketch && !acc.sketch->empty()) {
      for (double b : acc.sketch->EvenQuantiles(op.bucketize().num_buckets()))
        boundaries->add_values(b);
    }
    return result;
  }
  absl::Status Apply(const CompiledOp& step, const ApplyInputs& inputs,
                     Values& values) const override {
    values.ConvertToFloat();
    const auto& bounds = inputs.result->boundaries().values();
    values.ints.assign(values.size(), 0);
    values.type = INT;
    for (size_t i = 0; i < values.size(); ++i) {
      const double x = values.floats[i];
      values.ints[i] = std::isnan(x)
                           ? bounds.size()
                           : std::upper_bound(bounds.begin(), bounds.end(), x) - bounds.begin();
    }
    values.floats.clear();
    values.cardinality = step.op->bucketize().num_buckets();
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<OpKernel> MakeBucketize() { return std::make_unique<BucketizeKernel>(); }

}  // namespace weir::transform
