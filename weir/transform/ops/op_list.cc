// Every transform op and its kernel: the one list to add a new op to.
#include <farmhash.h>

#include <algorithm>

#include "weir/base/strings.h"
#include "weir/transform/ops/op_kernel.h"

namespace weir::transform {

// Every op: its case in the Op message, and the maker of its kernel (in the op's own file).
#define WEIR_TRANSFORM_OPS(X)                  \
  X(kFillMissing, FillMissing)                 \
  X(kScaleToZScore, ScaleToZScore)             \
  X(kScaleTo01, ScaleTo01)                     \
  X(kBucketize, Bucketize)                     \
  X(kComputeAndApplyVocabulary, Vocabulary)    \
  X(kHashStrings, HashStrings)                 \
  X(kCategoricalIdentity, CategoricalIdentity) \
  X(kOneHot, OneHot)                           \
  X(kCross, Cross)                             \
  X(kLog1P, Log1p)                             \
  X(kClip, Clip)                               \
  X(kCustom, Custom)

#define WEIR_DECLARE_KERNEL_MAKER(op_case, name) std::unique_ptr<OpKernel> Make##name();
WEIR_TRANSFORM_OPS(WEIR_DECLARE_KERNEL_MAKER)
#undef WEIR_DECLARE_KERNEL_MAKER

namespace {

std::map<Op::OpCase, std::unique_ptr<OpKernel>> MakeKernels() {
  std::map<Op::OpCase, std::unique_ptr<OpKernel>> kernels;
#define WEIR_ADD_KERNEL(op_case, name) kernels[Op::op_case] = Make##name();
  WEIR_TRANSFORM_OPS(WEIR_ADD_KERNEL)
#undef WEIR_ADD_KERNEL
  return kernels;
}

}  // namespace

const OpKernel* FindOpKernel(Op::OpCase op_case) {
  static const auto* kernels = new std::map<Op::OpCase, std::unique_ptr<OpKernel>>(MakeKernels());
  auto it = kernels->find(op_case);
  return it == kernels->end() ? nullptr : it->second.get();
}

absl::Status CompileCategorical(int64_t buckets, std::string_view argument, CompileState& state) {
  if (buckets < 1) return absl::InvalidArgumentError(StrCat(argument, " must be at least 1"));
  state.type = INT;
  state.cardinality = buckets;
  return absl::OkStatus();
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
