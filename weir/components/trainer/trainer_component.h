// Trainer: trains a model of the configured family on transformed examples, as TFX's Trainer
// does. Outputs:
//   <model>/Format-Serving/   weights, model_spec.pbtxt, transform/ (a copy of the transform graph)
//   <model_run>/              curves.jsonl and TensorBoard event files (train/, validation/)
// Training never reads the eval split: early stopping looks at validation examples, held out of
// the train split or from a split the config names.
#ifndef WEIR_COMPONENTS_TRAINER_TRAINER_COMPONENT_H_
#define WEIR_COMPONENTS_TRAINER_TRAINER_COMPONENT_H_

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "weir/components/artifact_properties.h"
#include "weir/proto/model.pb.h"

namespace weir::components {

struct TrainerOptions {
  std::filesystem::path examples;         // Transformed examples (Split-<name>/).
  std::filesystem::path transform_graph;  // The TransformGraph they were made with.
  model::TrainerConfig config;
  // A trained Model artifact to start from when config.warm_start (empty: from nothing).
  std::filesystem::path base_model;
  std::filesystem::path model;      // Output; must not exist, or be empty.
  std::filesystem::path model_run;  // Output; must not exist, or be empty.
  int num_threads = 0;              // 0: all cores.
};

struct TrainerResult {
  model::ModelSpec spec;
  // On the validation examples (empty without any); the eval split is left to the Evaluator.
  std::vector<std::pair<std::string, double>> validation_metrics;
  double train_seconds = 0;
  // family, validation_<metric> for each metric, and with warm_start, warm_started (1 when it
  // started from base_model, 0 when there was none).
  ArtifactProperties model_properties;
};

absl::StatusOr<TrainerResult> RunTrainer(const TrainerOptions& options);

}  // namespace weir::components

#endif  // WEIR_COMPONENTS_TRAINER_TRAINER_COMPONENT_H_
