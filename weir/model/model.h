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

class Model {
 public:
  virtual ~Model() = default;
  // Per row: one probability (binary), num_classes probabilities (multiclass), or one
  // prediction in the label's units (regression), row after row. A row's values depend on that
  // row alone, never on the other rows of the batch.
  virtual absl::StatusOr<std::vector<float>> Predict(const Batch& batch) const = 0;
  // Writes the weights as `spec.weights_file()` into `dir`.
  virtual absl::Status Save(const std::filesystem::path& dir) const = 0;
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
