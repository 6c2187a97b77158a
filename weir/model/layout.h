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

namespace weir::model {

inline constexpr int kModelSpecFormatVersion = 1;

// The config with its defaults filled in and the inputs laid out. Errors name the feature (an
// unknown label or feature, a string feature, a label that is not numeric).
absl::StatusOr<ModelSpec> PlanModel(const TrainerConfig& config,
                                    const transform::TransformGraph& graph);

// The model inputs (and with `with_labels`, the labels) of transformed examples. A missing dense
// value is 0; a missing or out-of-range categorical is -1.
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
