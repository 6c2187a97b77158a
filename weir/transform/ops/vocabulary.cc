// compute_and_apply_vocabulary: token -> index in a vocabulary of the analyzed split, most frequent
// first (ties: reverse byte order); tokens outside it go to an OOV bucket by Fingerprint64, or to
// -1 without buckets. Ints are looked up by their decimal text.
#include <algorithm>

#include "weir/base/strings.h"
#include "weir/transform/ops/op_kernel.h"
#include "weir/transform/transform.h"

namespace weir::transform {
namespace {

std::string VocabularyFilename(const FeatureSpec& feature, const Vocabulary& vocabulary) {
  return vocabulary.vocab_filename().empty() ? feature.name() : vocabulary.vocab_filename();
}

class VocabularyKernel : public OpKernel {
 public:
  Takes takes() const override { return Takes::kStringsOrInts; }
  absl::Status Compile(const Op& op, CompileState& state, CompiledOp& step) const override {
    const Vocabulary& vocabulary = op.compute_and_apply_vocabulary();
    if (vocabulary.top_k() < 0 || vocabulary.frequency_threshold() < 0 ||
        vocabulary.num_oov_buckets() < 0) {
      return absl::InvalidArgumentError(
          "top_k, frequency_threshold and num_oov_buckets must not be negative");
    }
    std::string file = VocabularyFilename(state.feature, vocabulary);
    if (file.find('/') != std::string::npos || file.starts_with(".")) {
      return absl::InvalidArgumentError(
          StrCat("vocab_filename '", file, "' must be a plain file name"));
    }
    if (!state.vocabulary_files.insert(file).second)
      return absl::InvalidArgumentError(StrCat("vocab_filename '", file, "' is used twice"));
    step.vocabulary_file = std::move(file);
    state.type = INT;
    state.cardinality = -1;  // Known after analysis.
    return absl::OkStatus();
  }
  bool analyzer() const override { return true; }
  void Accumulate(Values& values, OpAccumulator& acc) const override {
    ForEachToken(values, [&](size_t, std::string_view token) {
      auto it = acc.tokens.find(token);
      if (it == acc.tokens.end()) it = acc.tokens.emplace(std::string(token), 0).first;
      ++it->second;
    });
  }
  AnalyzerResult Finish(const FeatureSpec& feature, const Op& op, OpAccumulator& acc,
                        std::vector<std::string>* tokens) const override {
    const Vocabulary& spec = op.compute_and_apply_vocabulary();
    std::vector<std::pair<int64_t, std::string_view>> ranked;
    for (const auto& [token, count] : acc.tokens) {
      // tf.Transform leaves out empty tokens and tokens with line breaks: a vocabulary file
      // holds one token per line.
      if (token.empty() || token.find_first_of("\r\n") != std::string::npos) continue;
      if (count >= spec.frequency_threshold()) ranked.emplace_back(count, token);
    }
    // Most frequent first; ties by reverse byte order, as tf.Transform orders them.
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second > b.second;
    });
    if (spec.top_k() > 0 && ranked.size() > static_cast<size_t>(spec.top_k()))
      ranked.resize(static_cast<size_t>(spec.top_k()));
    tokens->clear();
    for (const auto& [count, token] : ranked) tokens->emplace_back(token);
    AnalyzerResult result;
    VocabularyFile* file = result.mutable_vocabulary();
    file->set_filename(VocabularyFilename(feature, spec));
    file->set_size(static_cast<int64_t>(tokens->size()));
    return result;
  }
  absl::Status Apply(const CompiledOp& step, const ApplyInputs& inputs,
                     Values& values) const override {
    const Vocabulary& spec = step.op->compute_and_apply_vocabulary();
    const VocabularyLookup& lookup = inputs.vocabularies.at(step.vocabulary_file);
    const int64_t size = static_cast<int64_t>(lookup.tokens.size());
    std::vector<int64_t> ids(values.size(), 0);
    ForEachToken(values, [&](size_t i, std::string_view token) {
      auto it = lookup.index.find(token);
      if (it != lookup.index.end()) {
        ids[i] = it->second;
      } else if (spec.num_oov_buckets() > 0) {
        ids[i] = OovBucketId(token, size, spec.num_oov_buckets());
      } else {
        ids[i] = -1;
      }
    });
    values.ints = std::move(ids);
    values.strings.clear();
    values.type = INT;
    values.cardinality = size + spec.num_oov_buckets();
    values.min_value = spec.num_oov_buckets() > 0 ? 0 : -1;
    return absl::OkStatus();
  }
};

}  // namespace

int64_t OovBucketId(std::string_view token, int64_t size, int64_t num_oov_buckets) {
  return size + static_cast<int64_t>(Fingerprint(token) % static_cast<uint64_t>(num_oov_buckets));
}

std::unique_ptr<OpKernel> MakeVocabulary() { return std::make_unique<VocabularyKernel>(); }

}  // namespace weir::transform
