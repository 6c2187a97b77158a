// A trained model as serving uses it: raw examples in, predictions out. Loads a Model artifact's
// Format-Serving folder (weights, model_spec.pbtxt, and the transform it was trained behind) and
// runs the same Transform::Apply and Model::Predict as training and evaluation.
#ifndef WEIR_MODEL_SERVING_MODEL_H_
#define WEIR_MODEL_SERVING_MODEL_H_

#include <filesystem>
#include <memory>
#include <set>

#include "absl/status/statusor.h"
#include "weir/base/artifact_layout.h"
#include "weir/data/record_batch.h"
#include "weir/model/model.h"
#include "weir/transform/transform.h"

namespace weir::model {

inline constexpr char kModelSpecFileName[] = "model_spec.pbtxt";
inline constexpr char kServingTransformDir[] = "transform";

class ServingModel {
 public:
  // `dir`: a Model artifact folder or its Format-Serving folder.
  static absl::StatusOr<std::unique_ptr<ServingModel>> Load(const std::filesystem::path& dir);

  // Transforms raw examples and predicts: OutputsPerRow(spec()) values per example.
  absl::StatusOr<std::vector<float>> Predict(const data::RecordBatch& raw) const;

  // Predictions and labels of raw examples that carry what the label is made from (evaluation).
  // `label_key`: the transformed feature holding the label; empty: the model's label.
  struct Scored {
    std::vector<float> predictions;
    std::vector<float> labels;
  };
  absl::StatusOr<Scored> Score(const data::RecordBatch& raw,
                               const std::string& label_key = "") const;

  const ModelSpec& spec() const { return spec_; }
  const transform::Transform& transform() const { return transform_; }
  const Model& model() const { return *model_; }

 private:
  ServingModel(ModelSpec spec, transform::Transform transform, std::unique_ptr<Model> model);
  ModelSpec spec_;
  std::set<std::string> inputs_;  // The transformed features the model reads.
  transform::Transform transform_;
  std::unique_ptr<Model> model_;
};

}  // namespace weir::model

#endif  // WEIR_MODEL_SERVING_MODEL_H_
