// Model families behind one interface. A family trains a Model from batches of transformed
// examples laid out as a design matrix (dense floats and categorical ids), and loads one back
// from its Format-Serving folder. Families register by name; the LibTorch ones (wide_deep,
// linear) live in a plug-in that is loaded the first time one of them is asked for, so that no
// other command pays for LibTorch.
#ifndef WEIR_MODEL_MODEL_H_
#define WEIR_MODEL_MODEL_H_

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "weir/proto/model.pb.h"

namespace weir::model {

// Rows of model inputs. Row-major: dense[row * num_dense + j], categorical[row * num_categorical
// + j] (-1 when missing or out of range).
struct Batch {
  size_t rows = 0;
  size_t num_dense = 0;
  size_t num_categorical = 0;
  std::vector<float> dense;
  std::vector<int32_t> categorical;
  std::vector<float> labels;  // One per row; empty when serving.
};

// Where training batches come from. Next returns nullopt at the end of the data; Rewind starts
// over (another epoch). Sources stream from disk, so data larger than memory trains.
class BatchSource {
 public:
  virtual ~BatchSource() = default;
  virtual absl::StatusOr<std::optional<Batch>> Next() = 0;
  virtual absl::Status Rewind() = 0;
};

// Learning-curve points: metric name -> value at a step, for the "train" or "validation" curve.
class CurveSink {
 public:
  virtual ~CurveSink() = default;
  virtual absl::Status Add(const std::string& curve, int64_t step,
                           const std::vector<std::pair<std::string, double>>& metrics) = 0;
};

// A trained model's computation as plain arrays: what the family predicts with, and what an
// exporter (weir/onnx) rebuilds in another runtime. Both kinds give logits per row, from the
// Batch's dense values and categorical ids; OutputsPerRow(spec) logits, turned into outputs by
// the task (binary: sigmoid; multiclass: softmax; regression: as each kind says).
struct TreeEnsembleParts {
  struct Node {
    int32_t left = -1;  // -1: a leaf, whose value is `value`.
    int32_t right = -1;
    int32_t feature = 0;  // A column of [dense values, categorical ids as floats (missing: NaN)].
    float value = 0;      // A split goes left when x < value; NaN goes left when default_left.
    bool default_left = false;
  };
  struct Tree {
    std::vector<Node> nodes;  // nodes[0] is the root.
    int output = 0;           // The logit the tree's leaf adds to.
  };
  std::vector<Tree> trees;
  // Each logit is base_margin plus its trees' leaves, summed in double and rounded to float once
  // (so that the order of the sum hardly matters). A regression model's logit is the prediction.
  float base_margin = 0;
};

// y = weight x + bias, each output a double sum; weight is out x in, row-major.
struct DenseLayer {
  int64_t in = 0;
  int64_t out = 0;
  std::vector<float> weight;
  std::vector<float> bias;
};

// A wide part beside an optional deep tower, summed in double and rounded to float logits.
struct NetworkParts {
  int64_t num_dense = 0;
  // Categorical j is the row offsets[j] + id of the tables, or offsets[j] + cardinality (its
  // last row) when missing or out of range; table_rows in all.
  std::vector<int64_t> offsets;
  int64_t table_rows = 0;
  int64_t outputs = 1;
  // Wide: wide_dense over the dense values (over one 0 when there are none), plus each
  // categorical's row of wide_table (table_rows x outputs).
  DenseLayer wide_dense;
  std::vector<float> wide_table;
  // Deep (no tower: none): the tower's layers, ReLU between them, each layer's result rounded to
  // float. Its input: the dense values (one 0 when none), then with embedding_dim > 0 each
  // categorical's row of deep_table (table_rows x embedding_dim).
  std::vector<DenseLayer> tower;
  int64_t embedding_dim = 0;
  std::vector<float> deep_table;
  // A regression network learns a standardized label: prediction = logit * scale + shift.
  double output_scale = 1;
  double output_shift = 0;
};

using ModelParts = std::variant<TreeEnsembleParts, NetworkParts>;

class Model {
 public:
  virtual ~Model() = default;
  // Per row: one probability (binary), num_classes probabilities (multiclass), or one
  // prediction in the label's units (regression), row after row. A row's values depend on that
  // row alone, never on the other rows of the batch.
  virtual absl::StatusOr<std::vector<float>> Predict(const Batch& batch) const = 0;
  // Writes the weights as `spec.weights_file()` into `dir`.
  virtual absl::Status Save(const std::filesystem::path& dir) const = 0;
  // The computation, for exporters. A family that cannot describe itself says so.
  virtual absl::StatusOr<ModelParts> Parts() const;
};

// What a family trains from: the spec (config with defaults, inputs laid out, a regression
// target's mean and stddev), and the data. Early stopping and the choice of the best checkpoint
// look at the validation examples only; without them (nullptr) training runs its full length.
struct TrainingJob {
  ModelSpec spec;
  BatchSource* train = nullptr;
  BatchSource* validation = nullptr;
  CurveSink* curves = nullptr;
  int num_threads = 0;  // 0: all cores.
  // Start from this model of the same family, task and inputs (the Trainer checks) instead of
  // from nothing: a tree ensemble grows more trees onto its trees, a network starts from its
  // weights. nullptr: from nothing.
  const Model* warm_start = nullptr;
};

class ModelFamily {
 public:
  virtual ~ModelFamily() = default;
  // The file name the weights are saved under.
  virtual std::string WeightsFile() const = 0;
  virtual absl::StatusOr<std::unique_ptr<Model>> Train(const TrainingJob& job) const = 0;
  virtual absl::StatusOr<std::unique_ptr<Model>> Load(const ModelSpec& spec,
                                                      const std::filesystem::path& dir) const = 0;
};

// What a plug-in's weir_plugin_register(void* registry) receives for model families.
class ModelFamilyRegistry {
 public:
  virtual ~ModelFamilyRegistry() = default;
  virtual void Register(const std::string& name, std::unique_ptr<ModelFamily> family) = 0;
};

// OK when weir ships a family of that name (gbdt built in; wide_deep and linear from the
// LibTorch plug-in); otherwise an error listing the known families.
absl::Status CheckModelFamilyName(const std::string& name);
// The family of that name; loads the LibTorch plug-in for wide_deep and linear on first use.
// Errors list the known families.
absl::StatusOr<const ModelFamily*> FindModelFamily(const std::string& name);

// Outputs per row of a model of this spec (1, or num_classes for multiclass).
int OutputsPerRow(const ModelSpec& spec);

}  // namespace weir::model

#endif  // WEIR_MODEL_MODEL_H_
