// Evaluator: sliced metrics of a model on raw eval examples (through its own Format-Serving
// path: transform, then model), compared with a baseline model when there is one, and the
// blessing that decides whether it may be pushed. Outputs:
//   <evaluation>/evaluation.json   metrics and plot data per slice, and the validation result
//   <blessing>/BLESSED or NOT_BLESSED
#ifndef WEIR_COMPONENTS_EVALUATOR_EVALUATOR_COMPONENT_H_
#define WEIR_COMPONENTS_EVALUATOR_EVALUATOR_COMPONENT_H_

#include <filesystem>

#include "absl/status/statusor.h"
#include "weir/components/artifact_properties.h"
#include "weir/eval/evaluation_result.h"
#include "weir/proto/evaluation.pb.h"

namespace weir::components {

struct EvaluatorOptions {
  std::filesystem::path examples;        // Raw Examples (Split-<name>/).
  std::filesystem::path model;           // A Model artifact.
  std::filesystem::path baseline_model;  // Optional: the latest blessed model.
  eval::EvalConfig config;
  std::filesystem::path evaluation;  // Output.
  std::filesystem::path blessing;    // Output.
  // Metadata ids recorded on the blessing (0: unknown).
  int64_t model_id = 0;
  int64_t baseline_model_id = 0;
  int num_threads = 0;
};

struct EvaluatorResult {
  eval::ModelEvaluation evaluation;        // As written to evaluation.json; blessed or not.
  ArtifactProperties blessing_properties;  // blessed, current_model_id, baseline_model_id.
};

absl::StatusOr<EvaluatorResult> RunEvaluator(const EvaluatorOptions& options);

}  // namespace weir::components

#endif  // WEIR_COMPONENTS_EVALUATOR_EVALUATOR_COMPONENT_H_
