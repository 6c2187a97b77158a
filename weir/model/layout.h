// From transformed examples to model inputs: which transformed features a model reads and how
// (dense floats or categorical ids), decided once from the transform graph and the trainer
// config, and applied the same way in training, evaluation and serving.
#ifndef WEIR_MODEL_LAYOUT_H_
#define WEIR_MODEL_LAYOUT_H_

#include <filesystem>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "weir/data/record_batch.h"
#include "weir/io/example/example_files.h"
#include "weir/model/model.h"
#include "weir/proto/transform.pb.h"
#include "weir/transform/transform.h"

namespace weir::model {

// 2: validation metrics, class names and regression in the label's units.
inline constexpr int kModelSpecFormatVersion = 2;
inline constexpr double kDefaultValidationFraction = 0.1;
inline constexpr int64_t kDefaultEarlyStoppingSteps = 1000;
// A multiclass model's second output: the class names beside each row's probabilities.
inline constexpr char kClassesOutput[] = "classes";

// The config with its defaults filled in (num_classes from a categorical label's cardinality),
// the inputs laid out, the class names of a classifier, a regression label's units, and the
// serving signature: the raw features the inputs are computed from. Errors name the feature (an
// unknown label or feature, a string feature, a label that is not numeric, a regression label
// through an op that cannot be undone, a class count that disagrees with the label's).
absl::StatusOr<ModelSpec> PlanModel(const TrainerConfig& config,
                                    const transform::Transform& transform);

// What can be checked of a trainer config before any data is read, against the transform spec
// that makes its examples (nullptr: unknown): a label and a known family; validation settings in
// range; the label and the features are output features of the spec (unless a pattern in it
// names its features); a regression label goes only through ops weir can undo; a multiclass
// model gives num_classes or has a categorical label. Errors name the feature and op.
absl::Status CheckTrainerConfig(const TrainerConfig& config, const transform::TransformSpec* spec);

// Sets the mean and standard deviation of `spec`'s regression target from the labels of every
// batch of `source` (rewound first). Fails on a source without examples.
absl::Status FitRegressionTarget(BatchSource& source, ModelSpec& spec);

// The model inputs (and with `with_labels`, the labels) of transformed examples. A missing dense
// value is 0; a missing or out-of-range categorical is -1. Regression labels are given in the
// label's own units (spec.regression_target).
absl::StatusOr<Batch> ToBatch(const ModelSpec& spec, const data::RecordBatch& transformed,
                              bool with_labels);

// Streams the batches of the transformed examples in `files`, in file order, in blocks of
// io::kExamplesPerBlock examples.
class ExampleBatchSource : public BatchSource {
 public:
  ExampleBatchSource(ModelSpec spec, std::vector<std::filesystem::path> files)
      : spec_(std::move(spec)), files_(std::move(files)), reader_(files_) {}
  absl::StatusOr<std::optional<Batch>> Next() override;
  absl::Status Rewind() override;

 private:
  ModelSpec spec_;
  std::vector<std::filesystem::path> files_;
  io::ExampleBlockReader reader_;
};

// The training examples, or the validation examples, of one split: of the inner source's examples
// in order, example i (from 0) is a validation example when floor((i + 1) * f) > floor(i * f),
// f = validation_fraction: an exact, evenly spread share, the same on every pass.
class PartitionedBatchSource : public BatchSource {
 public:
  PartitionedBatchSource(std::unique_ptr<BatchSource> inner, double validation_fraction,
                         bool validation)
      : inner_(std::move(inner)), fraction_(validation_fraction), validation_(validation) {}
  absl::StatusOr<std::optional<Batch>> Next() override;
  absl::Status Rewind() override;

  static bool IsValidation(uint64_t example, double validation_fraction);

 private:
  std::unique_ptr<BatchSource> inner_;
  double fraction_;
  bool validation_;
  uint64_t next_example_ = 0;
};

// Batches of examples held in memory, handed out `block` rows at a time.
class MemoryBatchSource : public BatchSource {
 public:
  MemoryBatchSource(Batch all, size_t block) : all_(std::move(all)), block_(block) {}
  absl::StatusOr<std::optional<Batch>> Next() override;
  absl::Status Rewind() override;

 private:
  Batch all_;
  size_t block_;
  size_t next_ = 0;
};

// Remembers the batches of another source during its first pass and replays them from memory
// after a Rewind, as long as they fit in `max_bytes`; a larger split keeps streaming from the
// inner source. Training passes over a small split dozens of times (and evaluates the eval split
// at every curve point): decoding gzip TFRecords each time was a tenth of wide_deep's time.
class CachedBatchSource : public BatchSource {
 public:
  CachedBatchSource(std::unique_ptr<BatchSource> inner, size_t max_bytes)
      : inner_(std::move(inner)), max_bytes_(max_bytes) {}
  absl::StatusOr<std::optional<Batch>> Next() override;
  absl::Status Rewind() override;

 private:
  std::unique_ptr<BatchSource> inner_;
  size_t max_bytes_;
  std::vector<Batch> cached_;
  size_t cached_bytes_ = 0;
  bool complete_ = false;  // cached_ holds the whole split.
  bool too_big_ = false;   // Gave up caching: stream.
  bool replaying_ = false;
  size_t next_ = 0;
};

// Eval metrics of `model` over every batch of `source` (rewound first): for binary
// classification auc, accuracy, loss (log loss), mean_label, mean_prediction; multiclass
// accuracy and loss; regression mse, mae, r2 and loss (= mse). `max_batches` 0: all.
absl::StatusOr<std::vector<std::pair<std::string, double>>> EvaluateModel(const Model& model,
                                                                          const ModelSpec& spec,
                                                                          BatchSource& source,
                                                                          int64_t max_batches = 0);

// The same metrics for predictions and labels already at hand.
std::vector<std::pair<std::string, double>> ComputeMetrics(const ModelSpec& spec,
                                                           const std::vector<float>& predictions,
                                                           const std::vector<float>& labels);

}  // namespace weir::model

#endif  // WEIR_MODEL_LAYOUT_H_
