// Declarative feature engineering, as tf.Transform does it: a TransformSpec is analyzed over one
// split (means, variances, ranges, quantile boundaries, vocabularies — mergeable accumulators fed
// in parallel) and the analyzed Transform is then applied to any batch of raw examples. The same
// Transform::Apply serves batch transformation, training, evaluation and the model server, so a
// single example transformed alone gets exactly the values it gets in a batch.
#ifndef WEIR_TRANSFORM_TRANSFORM_H_
#define WEIR_TRANSFORM_TRANSFORM_H_

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "weir/data/record_batch.h"
#include "weir/proto/schema.pb.h"
#include "weir/proto/transform.pb.h"
#include "weir/transform/values.h"

namespace weir::transform {

inline constexpr int kTransformGraphFormatVersion = 1;
inline constexpr char kTransformGraphFileName[] = "transform_graph.pbtxt";
inline constexpr char kAssetsDir[] = "transform_fn/assets";
inline constexpr char kTransformedMetadataDir[] = "transformed_metadata";

class AnalyzerState;  // Partial analyzer results of some batches; mergeable.

// One parallel pass over the analysis data: calls `accumulate` on every batch (from any thread)
// and `merge` with each result in data order.
using DataPass = std::function<absl::Status(
    const std::function<absl::StatusOr<AnalyzerState>(const data::RecordBatch&)>& accumulate,
    const std::function<absl::Status(AnalyzerState&&)>& merge)>;

class Transform {
 public:
  // Checks `spec` against the raw features' types (from the schema) and runs the analyzers over
  // the data `pass` visits: one pass per analyzer depth (a feature with z-score then bucketize
  // needs two; the usual specs one). Errors name the feature and op at fault.
  static absl::StatusOr<Transform> Analyze(const TransformSpec& spec,
                                           const std::map<std::string, ValueType>& raw_types,
                                           const DataPass& pass);
  // Reads a TransformGraph artifact folder written by Save.
  static absl::StatusOr<Transform> Load(const std::filesystem::path& dir);
  // From an analyzed graph and its vocabularies (file name -> tokens, most frequent first).
  static absl::StatusOr<Transform> FromGraph(
      TransformGraph graph, std::map<std::string, std::vector<std::string>> vocabularies);

  Transform(Transform&&) noexcept;
  Transform& operator=(Transform&&) noexcept;
  ~Transform();

  // Writes transform_graph.pbtxt, transform_fn/assets/<vocabulary> and
  // transformed_metadata/schema.pbtxt into `dir` (which must exist).
  absl::Status Save(const std::filesystem::path& dir) const;

  // Transforms raw examples. A raw feature the batch lacks is missing in every example; a value
  // list of more than one value is an error naming the feature and example. With `only`, just
  // those output features are computed (serving skips the label and unused features).
  absl::StatusOr<data::RecordBatch> Apply(const data::RecordBatch& raw,
                                          const std::set<std::string>* only = nullptr) const;

  const TransformGraph& graph() const;
  // The raw features Apply reads (the serving signature's inputs).
  const std::vector<RawFeature>& raw_features() const;
  // The raw features that the named output features are computed from, in raw_features() order
  // (a model's serving signature: its inputs' sources, not its label's).
  std::vector<RawFeature> RawFeaturesOf(const std::set<std::string>& outputs) const;
  // The schema of Apply's output: types, and int domains for categorical features.
  ::tensorflow::metadata::v0::Schema TransformedSchema() const;
  const std::vector<std::string>& vocabulary(const std::string& filename) const;

 private:
  struct Impl;
  explicit Transform(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  friend class AnalyzerState;
};

// Partial results of the analyzers of one phase. Public only so DataPass can name it.
class AnalyzerState {
 public:
  AnalyzerState();
  AnalyzerState(AnalyzerState&&) noexcept;
  AnalyzerState& operator=(AnalyzerState&&) noexcept;
  ~AnalyzerState();
  absl::Status Merge(AnalyzerState&& other);

 private:
  struct Accumulators;
  std::unique_ptr<Accumulators> accumulators_;
  friend class Transform;
};

// The id compute_and_apply_vocabulary gives `token` when it is outside a vocabulary of `size`
// tokens that has num_oov_buckets > 0: size + Fingerprint64(token) % num_oov_buckets, as
// tf.Transform hashes it.
int64_t OovBucketId(std::string_view token, int64_t size, int64_t num_oov_buckets);

// Loads a plug-in that registers custom ops (kept loaded for the life of the process). Loading
// the same path twice is a no-op.
absl::Status LoadCustomOpPlugin(const std::filesystem::path& path);

// What can be checked of `spec` before the schema is known (when a pipeline compiles): features
// with names, each with exactly one of input, inputs or expression, expressions that parse,
// templates (each, each_matching) well formed, no name twice. Transform::Analyze checks the rest.
absl::Status CheckSpecWithoutSchema(const TransformSpec& spec);

// The type weir's Transform gives a raw feature of a schema type (INT, FLOAT, BYTES).
absl::StatusOr<std::map<std::string, ValueType>> RawTypesFromSchema(
    const ::tensorflow::metadata::v0::Schema& schema);

}  // namespace weir::transform

#endif  // WEIR_TRANSFORM_TRANSFORM_H_
