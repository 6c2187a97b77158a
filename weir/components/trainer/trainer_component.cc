#include "weir/components/trainer/trainer_component.h"

#include <chrono>

#include "weir/base/files.h"
#include "weir/base/proto_files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/io/example/example_files.h"
#include "weir/model/curves.h"
#include "weir/model/layout.h"
#include "weir/model/serving_model.h"
#include "weir/transform/transform.h"

namespace weir::components {
namespace fs = std::filesystem;

absl::StatusOr<TrainerResult> RunTrainer(const TrainerOptions& options) {
  if (options.examples.empty()) return absl::InvalidArgumentError("--examples is required");
  if (options.transform_graph.empty())
    return absl::InvalidArgumentError("--transform_graph is required");
  ASSIGN_OR_RETURN(transform::Transform transform,
                   transform::Transform::Load(options.transform_graph));
  TrainerResult result;
  ASSIGN_OR_RETURN(result.spec, model::PlanModel(options.config, transform.graph()));
  model::ModelSpec& spec = result.spec;
  ASSIGN_OR_RETURN(const model::ModelFamily* family,
                   model::FindModelFamily(spec.config().family()));
  spec.set_weights_file(family->WeightsFile());

  ASSIGN_OR_RETURN(
      std::vector<fs::path> train_files,
      io::ExampleFiles(options.examples / StrCat("Split-", spec.config().train_split())));
  ASSIGN_OR_RETURN(
      std::vector<fs::path> eval_files,
      io::ExampleFiles(options.examples / StrCat("Split-", spec.config().eval_split())));
  // Splits that fit in 1 GiB of model inputs are decoded once; larger ones stream every pass.
  constexpr size_t kCacheBytes = size_t{1} << 30;
  model::CachedBatchSource train(std::make_unique<model::ExampleBatchSource>(spec, train_files),
                                 kCacheBytes);
  model::CachedBatchSource eval(std::make_unique<model::ExampleBatchSource>(spec, eval_files),
                                kCacheBytes);

  // Both outputs are claimed before training, so that a taken path fails in a second, not after
  // the whole training.
  ASSIGN_OR_RETURN(base::StagingDir model_dir, base::StagingDir::Create(options.model));
  ASSIGN_OR_RETURN(base::StagingDir run_dir, base::StagingDir::Create(options.model_run));
  ASSIGN_OR_RETURN(std::unique_ptr<model::CurveWriter> curves,
                   model::CurveWriter::Create(run_dir.path()));
  model::TrainingJob job{.spec = spec,
                         .train = &train,
                         .eval = &eval,
                         .curves = curves.get(),
                         .num_threads = options.num_threads};
  const auto start = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(std::unique_ptr<model::Model> trained, family->Train(job));
  result.train_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSIGN_OR_RETURN(result.eval_metrics, model::EvaluateModel(*trained, spec, eval));
  for (const auto& [name, value] : result.eval_metrics) {
    (*spec.mutable_eval_metrics())[name] = value;
    result.model_properties[name] = value;
  }
  result.model_properties["family"] = spec.config().family();

  const fs::path serving = model_dir.path() / model::kServingDir;
  std::error_code ec;
  fs::create_directories(serving, ec);
  if (ec)
    return absl::InternalError(StrCat("cannot create ", serving.string(), ": ", ec.message()));
  RETURN_IF_ERROR(trained->Save(serving));
  // Serving needs the transform beside the weights: raw features in, predictions out.
  fs::copy(options.transform_graph, serving / model::kServingTransformDir,
           fs::copy_options::recursive, ec);
  if (ec) return absl::InternalError(StrCat("cannot copy the transform graph: ", ec.message()));
  RETURN_IF_ERROR(base::WriteTextProto(serving / model::kModelSpecFileName, spec));
  RETURN_IF_ERROR(curves->Close());
  RETURN_IF_ERROR(run_dir.Publish());
  RETURN_IF_ERROR(model_dir.Publish());
  return result;
}

}  // namespace weir::components
