// How one transform op works, apart from the rest of the transform: each op is a kernel in a file
// of its own (ops/fill_missing.cc, ops/bucketize.cc, ...), listed once in ops/op_list.cc, as
// DuckDB lists its functions. A new op is its proto message in transform.proto, one file here and
// one line in the list. Internal to the transform library.
#ifndef WEIR_TRANSFORM_OPS_OP_KERNEL_H_
#define WEIR_TRANSFORM_OPS_OP_KERNEL_H_

#include <charconv>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "weir/proto/transform.pb.h"
#include "weir/stats/quantile_sketch.h"
#include "weir/transform/values.h"

namespace weir::transform {

// ---------------------------------------------------------------------------------------------
// What kernels share.

std::string TypeName(ValueType type);
// tf.Transform's string hash (FarmHash's Fingerprint64).
uint64_t Fingerprint(std::string_view text);

// The decimal text of an int; `buffer` must hold 24 chars.
inline std::string_view IntText(int64_t value, char* buffer) {
  auto result = std::to_chars(buffer, buffer + 24, value);
  return std::string_view(buffer, static_cast<size_t>(result.ptr - buffer));
}
// Calls fn(i, token) for each present value: a string, or an int's decimal text.
template <typename Fn>
void ForEachToken(const Values& values, Fn&& fn) {
  char buffer[24];
  for (size_t i = 0; i < values.size(); ++i) {
    if (values.is_missing(i)) continue;
    fn(i, values.type == INT ? IntText(values.ints[i], buffer) : values.strings[i]);
  }
}

struct TokenHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using TokenIndex = std::unordered_map<std::string, int64_t, TokenHash, std::equal_to<>>;

// An analyzed vocabulary: its tokens, most frequent first, and each token's id.
struct VocabularyLookup {
  std::vector<std::string> tokens;
  TokenIndex index;
};

// The state of one analyzer op over some examples. Every kind merges exactly except the
// quantile sketch, whose merge keeps its stated rank error.
struct OpAccumulator {
  // Moments, by Chan et al.'s parallel update.
  int64_t count = 0;
  double mean = 0;
  double m2 = 0;
  double min = HUGE_VAL;
  double max = -HUGE_VAL;
  std::optional<stats::QuantileSketch> sketch;
  TokenIndex tokens;  // Token -> count.

  // Adds the present, non-NaN values as numbers to the moments and the range, and returns them.
  std::vector<double> AddNumbers(Values& values);
  void Merge(OpAccumulator&& other);
};

// ---------------------------------------------------------------------------------------------
// Kernels.

class OpKernel;

// One op of a feature, ready to run, with the state its kernel compiled for it.
struct CompiledOp {
  const Op* op = nullptr;
  const OpKernel* kernel = nullptr;
  int analyzer = -1;  // For analyzer ops: the index of its result in the feature's analysis.
  // fill_missing's value, parsed as the feature's type.
  int64_t fill_int = 0;
  double fill_float = 0;
  std::string fill_string;
  std::string vocabulary_file;  // compute_and_apply_vocabulary's file: its lookup's key.
  std::shared_ptr<CustomOpFn> custom;
};

// What flows through a feature's ops while they compile.
struct CompileState {
  const FeatureSpec& feature;
  ValueType type = FLOAT;
  int64_t cardinality = 0;  // -1: categorical, known after analysis.
  bool known_type = true;   // False after a custom op: checked when applied instead.
  bool last = false;        // Set by an op that must be the last (one_hot).
  std::set<std::string>& vocabulary_files;  // Used so far by the transform's vocabularies.
};

// What applying an op may read besides the values.
struct ApplyInputs {
  const AnalyzerResult* result;  // The op's analyzer result; null for other ops.
  const std::map<std::string, VocabularyLookup>& vocabularies;  // By file name.
};

class OpKernel {
 public:
  virtual ~OpKernel() = default;

  // The values an op takes; checked when it compiles (while the type is known) and when it runs.
  enum class Takes { kAnything, kNumbers, kStringsOrInts, kInts };
  virtual Takes takes() const { return Takes::kAnything; }

  // Checks the op's arguments, sets what flows out of it (state.type, state.cardinality), and
  // fills `step`. Errors are the message alone ("num_buckets must be at least 1"): the caller
  // names the feature and the op.
  virtual absl::Status Compile(const Op& op, CompileState& state, CompiledOp& step) const = 0;

  // An op that combines several columns (cross) runs in place of reading one: it must be the
  // feature's first op, over its `inputs`.
  virtual bool combines_sources() const { return false; }
  virtual Values Combine(const Op& op, std::span<const Values* const> sources, size_t rows) const;

  // Analyzers learn from the values that reach them over the analyzed split: Accumulate over each
  // batch, then Finish with the merged state (a vocabulary also gives its tokens).
  virtual bool analyzer() const { return false; }
  virtual void Accumulate(Values& values, OpAccumulator& acc) const {}
  virtual AnalyzerResult Finish(const FeatureSpec& feature, const Op& op, OpAccumulator& acc,
                                std::vector<std::string>* tokens) const;

  // Changes `values` in place. Errors are the message alone.
  virtual absl::Status Apply(const CompiledOp& step, const ApplyInputs& inputs,
                             Values& values) const = 0;
};

// An op that takes numbers and gives floats (not categorical): log1p, and with
// AnalyzesNumbers the scalings.
class NumbersToFloatKernel : public OpKernel {
 public:
  Takes takes() const override { return Takes::kNumbers; }
  absl::Status Compile(const Op&, CompileState& state, CompiledOp&) const override {
    state.type = FLOAT;
    state.cardinality = 0;
    return absl::OkStatus();
  }
};

// Checks `buckets` (the argument `argument` of the op) and sets what flows out of an op giving
// categorical ints in [0, buckets): bucketize, hash_strings, cross, categorical_identity.
absl::Status CompileCategorical(int64_t buckets, std::string_view argument, CompileState& state);

// A scaling learned from the moments and range of the numbers that reach it.
class ScalingKernel : public NumbersToFloatKernel {
 public:
  bool analyzer() const override { return true; }
  void Accumulate(Values& values, OpAccumulator& acc) const override { acc.AddNumbers(values); }
};

// The kernel of each op, from the one list in ops/op_list.cc; nullptr for an empty op.
const OpKernel* FindOpKernel(Op::OpCase op_case);

}  // namespace weir::transform

#endif  // WEIR_TRANSFORM_OPS_OP_KERNEL_H_
