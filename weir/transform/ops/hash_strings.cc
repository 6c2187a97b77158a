// hash_strings: Fingerprint64(token) % hash_buckets, as tf.strings.to_hash_bucket_fast; ints are
// hashed by their decimal text.
#include "weir/transform/ops/op_kernel.h"

namespace weir::transform {
namespace {

class HashStringsKernel : public OpKernel {
 public:
  Takes takes() const override { return Takes::kStringsOrInts; }
  absl::Status Compile(const Op& op, CompileState& state, CompiledOp&) const override {
    return CompileCategorical(op.hash_strings().hash_buckets(), "hash_buckets", state);
  }
  absl::Status Apply(const CompiledOp& step, const ApplyInputs&, Values& values) const override {
    const uint64_t buckets = static_cast<uint64_t>(step.op->hash_strings().hash_buckets());
    std::vector<int64_t> ids(values.size(), 0);
    ForEachToken(values, [&](size_t i, std::string_view token) {
      ids[i] = static_cast<int64_t>(Fingerprint(token) % buckets);
    });
    values.ints = std::move(ids);
    values.strings.clear();
    values.type = INT;
    values.cardinality = static_cast<int64_t>(buckets);
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<OpKernel> MakeHashStrings() { return std::make_unique<HashStringsKernel>(); }

}  // namespace weir::transform
