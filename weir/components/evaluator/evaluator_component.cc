#include "weir/components/evaluator/evaluator_component.h"

#include "weir/base/files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/components/artifact_properties.h"
#include "weir/eval/evaluation.h"
#include "weir/io/example/example_files.h"
#include "weir/model/serving_model.h"

namespace weir::components {
namespace fs = std::filesystem;

namespace {

// One block of examples, scored by both models.
struct ScoredBlock {
  data::RecordBatch raw;
  model::ServingModel::Scored candidate;
  std::vector<float> baseline;
};

}  // namespace

absl::StatusOr<EvaluatorResult> RunEvaluator(const EvaluatorOptions& options) {
  if (options.examples.empty()) return absl::InvalidArgumentError("--examples is required");
  if (options.model.empty()) return absl::InvalidArgumentError("--model is required");
  ASSIGN_OR_RETURN(std::unique_ptr<model::ServingModel> candidate,
                   model::ServingModel::Load(options.model));
  std::unique_ptr<model::ServingModel> baseline;
  if (!options.baseline_model.empty()) {
    ASSIGN_OR_RETURN(baseline, model::ServingModel::Load(options.baseline_model));
  }
  const model::ModelSpec& spec = candidate->spec();
  const std::string split = options.config.split().empty() ? "eval" : options.config.split();
  ASSIGN_OR_RETURN(std::vector<fs::path> files,
                   io::ExampleFiles(SplitDir(options.examples, split)));

  eval::Evaluation evaluation(options.config, spec.config().task(), spec.config().num_classes());
  RETURN_IF_ERROR(io::ForEachExampleBatch<ScoredBlock>(
      files, options.num_threads,
      [&](data::RecordBatch&& raw) -> absl::StatusOr<ScoredBlock> {
        ScoredBlock block;
        ASSIGN_OR_RETURN(block.candidate, candidate->Score(raw, options.config.label_key()));
        if (baseline) {
          ASSIGN_OR_RETURN(block.baseline, baseline->Predict(raw));
        }
        block.raw = std::move(raw);
        return block;
      },
      [&](ScoredBlock&& block) {
        return evaluation.Add(block.raw, block.candidate.predictions,
                              baseline ? &block.baseline : nullptr, block.candidate.labels);
      }));

  EvaluatorResult result;
  eval::ModelEvaluation& evaluated = result.evaluation;
  evaluated = evaluation.Finish(baseline != nullptr);
  evaluated.model = options.model.string();
  if (baseline) evaluated.baseline_model = options.baseline_model.string();
  evaluated.split = split;
  evaluated.label_key =
      options.config.label_key().empty() ? spec.config().label() : options.config.label_key();
  result.blessing_properties["blessed"] = int64_t{evaluated.blessed ? 1 : 0};
  result.blessing_properties["current_model"] = options.model.string();
  if (options.model_id > 0) result.blessing_properties["current_model_id"] = options.model_id;
  if (baseline) {
    result.blessing_properties["baseline_model"] = options.baseline_model.string();
    if (options.baseline_model_id > 0)
      result.blessing_properties["baseline_model_id"] = options.baseline_model_id;
  }

  ASSIGN_OR_RETURN(base::StagingDir evaluation_dir, base::StagingDir::Create(options.evaluation));
  RETURN_IF_ERROR(eval::WriteEvaluation(evaluation_dir.path(), evaluated));
  ASSIGN_OR_RETURN(base::StagingDir blessing_dir, base::StagingDir::Create(options.blessing));
  RETURN_IF_ERROR(base::WriteFileAtomically(
      blessing_dir.path() / (evaluated.blessed ? "BLESSED" : "NOT_BLESSED"), ""));
  RETURN_IF_ERROR(evaluation_dir.Publish());
  RETURN_IF_ERROR(blessing_dir.Publish());
  return result;
}

}  // namespace weir::components
