// Every transform op and its kernel: the one list to add a new op to.
#include <farmhash.h>

#include <algorithm>

#include "weir/transform/ops/op_kernel.h"

namespace weir::transform {
namespace {

std::map<Op::OpCase, std::unique_ptr<OpKernel>> MakeKernels() {
  std::map<Op::OpCase, std::unique_ptr<OpKernel>> kernels;
  kernels[Op::kFillMissing] = MakeFillMissing();
  kernels[Op::kScaleToZScore] = MakeScaleToZScore();
  kernels[Op::kScaleTo01] = MakeScaleTo01();
  kernels[Op::kBucketize] = MakeBucketize();
  kernels[Op::kComputeAndApplyVocabulary] = MakeVocabulary();
  kernels[Op::kHashStrings] = MakeHashStrings();
  kernels[Op::kCategoricalIdentity] = MakeCategoricalIdentity();
  kernels[Op::kOneHot] = MakeOneHot();
  kernels[Op::kCross] = MakeCross();
  kernels[Op::kLog1P] = MakeLog1p();
  kernels[Op::kClip] = MakeClip();
  kernels[Op::kCustom] = MakeCustom();
  return kernels;
}

}  // namespace

const OpKernel* FindOpKernel(Op::OpCase op_case) {
  static const auto* kernels = new std::map<Op::OpCase, std::unique_ptr<OpKernel>>(MakeKernels());
  auto it = kernels->find(op_case);
  return it == kernels->end() ? nullptr : it->second.get();
}

std::string TypeName(ValueType type) {
  switch (type) {
    case INT:
      return "int";
    case FLOAT:
      return "float";
    case STRING:
      return "string";
    default:
      return "unknown";
  }
}

uint64_t Fingerprint(std::string_view text) {
  return util::Fingerprint64(text.data(), text.size());
}

std::vector<double> OpAccumulator::AddNumbers(Values& values) {
  values.ConvertToFloat();
  std::vector<double> present;
  present.reserve(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    if (values.is_missing(i) || std::isnan(values.floats[i])) continue;
    const double x = values.floats[i];
    present.push_back(x);
    ++count;
    const double delta = x - mean;
    mean += delta / static_cast<double>(count);
    m2 += delta * (x - mean);
    min = std::min(min, x);
    max = std::max(max, x);
  }
  return present;
}

void OpAccumulator::Merge(OpAccumulator&& other) {
  if (other.count > 0) {
    const int64_t total = count + other.count;
    const double delta = other.mean - mean;
    mean += delta * static_cast<double>(other.count) / static_cast<double>(total);
    m2 += other.m2 + delta * delta * static_cast<double>(count) * static_cast<double>(other.count) /
                         static_cast<double>(total);
    count = total;
  }
  min = std::min(min, other.min);
  max = std::max(max, other.max);
  if (sketch && other.sketch) sketch->Merge(*other.sketch);
  if (tokens.empty()) {
    tokens = std::move(other.tokens);
  } else {
    for (auto& [token, n] : other.tokens) tokens[token] += n;
  }
}

Values OpKernel::Combine(const Op& op, std::span<const Values* const> sources, size_t rows) const {
  return *sources.front();
}

AnalyzerResult OpKernel::Finish(const FeatureSpec& feature, const Op& op, OpAccumulator& acc,
                                std::vector<std::string>* tokens) const {
  return AnalyzerResult();
}

}  // namespace weir::transform
