// cross: the values of the feature's `inputs` hashed together into [0, hash_buckets), as
// tf.sparse.cross_hashed does (ints as themselves, strings by Fingerprint64). Missing when any
// input is.
#include <charconv>

#include "weir/transform/ops/op_kernel.h"

namespace weir::transform {
namespace {

// tf.sparse.cross_hashed's combination of two fingerprints, and the key it starts from.
constexpr uint64_t kCrossHashKey = 0xDECAFCAFFEull;
uint64_t FingerprintCat64(uint64_t a, uint64_t b) {
  constexpr uint64_t kMul = 0xc6a4a7935bd1e995ull;
  auto shift_mix = [](uint64_t v) { return v ^ (v >> 47); };
  uint64_t r = a ^ kMul;
  r ^= shift_mix(b * kMul) * kMul;
  r *= kMul;
  r = shift_mix(r) * kMul;
  return shift_mix(r);
}

// The text a value is fingerprinted by.
std::string ValueText(const Values& values, size_t i) {
  char buffer[32];
  switch (values.type) {
    case INT:
      return std::string(IntText(values.ints[i], buffer));
    case FLOAT: {
      auto result = std::to_chars(buffer, buffer + sizeof(buffer), values.floats[i]);
      return std::string(buffer, result.ptr);
    }
    default:
      return std::string(values.strings[i]);
  }
}

class CrossKernel : public OpKernel {
 public:
  absl::Status Compile(const Op& op, CompileState& state, CompiledOp&) const override {
    return CompileCategorical(op.cross().hash_buckets(), "hash_buckets", state);
  }
  bool combines_sources() const override { return true; }
  Values Combine(const Op& op, std::span<const Values* const> sources, size_t rows) const override {
    const uint64_t buckets = static_cast<uint64_t>(op.cross().hash_buckets());
    Values values = Values::Missing(INT, rows);
    for (size_t i = 0; i < rows; ++i) {
      uint64_t hash = kCrossHashKey;
      bool any_missing = false;
      for (const Values* source : sources) {
        if (source->is_missing(i)) {
          any_missing = true;
          break;
        }
        const uint64_t part = source->type == INT ? static_cast<uint64_t>(source->ints[i])
                                                  : Fingerprint(ValueText(*source, i));
        hash = FingerprintCat64(hash, part);
      }
      if (any_missing) continue;
      values.missing[i] = 0;
      values.ints[i] = static_cast<int64_t>(hash % buckets);
    }
    values.cardinality = static_cast<int64_t>(buckets);
    return values;
  }
  absl::Status Apply(const CompiledOp&, const ApplyInputs&, Values&) const override {
    return absl::OkStatus();  // Combine did the work, from the sources.
  }
};

}  // namespace

std::unique_ptr<OpKernel> MakeCross() { return std::make_unique<CrossKernel>(); }

}  // namespace weir::transform
