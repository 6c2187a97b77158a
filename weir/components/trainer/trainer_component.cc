#include "weir/components/trainer/trainer_component.h"

#include <chrono>
#include <optional>

#include "weir/base/files.h"
#include "weir/base/proto_files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/components/artifact_properties.h"
#include "weir/io/example/example_files.h"
#include "weir/model/curves.h"
#include "weir/model/layout.h"
#include "weir/model/serving_model.h"
#include "weir/transform/transform.h"

namespace weir::components {
namespace fs = std::filesystem;

namespace {

// The file of a vocabulary an input is looked up in, if it has one.
std::optional<std::string> Vocabulary(const fs::path& transform_graph, const std::string& input) {
  absl::StatusOr<std::string> text =
      base::ReadFile(transform_graph / "transform_fn" / "assets" / input);
  return text.ok() ? std::optional<std::string>(*text) : std::nullopt;
}

// A warm start is sound only if the base model reads the same inputs the same way: the same
// family, task and classes, the same inputs with the same sizes, and the same vocabularies
// (a token's id must mean what it meant). Errors name what differs.
absl::Status CheckWarmStart(const model::ModelSpec& base, const fs::path& base_transform,
                            const model::ModelSpec& spec, const fs::path& transform_graph) {
  const model::TrainerConfig& was = base.config();
  const model::TrainerConfig& now = spec.config();
  if (was.family() != now.family() || was.task() != now.task() ||
      was.num_classes() != now.num_classes()) {
    return absl::FailedPreconditionError(
        StrCat("the base model is a ", was.family(), " model of task ",
               model::Task_Name(was.task()), ", this one a ", now.family(), " model of task ",
               model::Task_Name(now.task()), "; a warm start needs the same family and task"));
  }
  if (std::vector<std::string>(base.class_names().begin(), base.class_names().end()) !=
      std::vector<std::string>(spec.class_names().begin(), spec.class_names().end())) {
    return absl::FailedPreconditionError("the base model's classes are not this model's");
  }
  auto describe = [](const model::ModelSpec& s) {
    std::string text;
    for (const model::ModelInput& input : s.inputs())
      text += StrCat(text.empty() ? "" : ", ", input.name(), " (size ", input.size(),
                     ", cardinality ", input.cardinality(), ")");
    return text;
  };
  if (describe(base) != describe(spec)) {
    return absl::FailedPreconditionError(StrCat("the base model reads ", describe(base),
                                                "; this one reads ", describe(spec),
                                                "; a warm start needs the same inputs"));
  }
  for (const model::ModelInput& input : spec.inputs()) {
    if (Vocabulary(base_transform, input.name()) != Vocabulary(transform_graph, input.name())) {
      return absl::FailedPreconditionError(
          StrCat("input '", input.name(),
                 "': its vocabulary is not the base model's, so its ids mean "
                 "other tokens; a warm start needs the same vocabularies (warm_start: false trains "
                 "from nothing)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TrainerResult> RunTrainer(const TrainerOptions& options) {
  if (options.examples.empty()) return absl::InvalidArgumentError("--examples is required");
  if (options.transform_graph.empty())
    return absl::InvalidArgumentError("--transform_graph is required");
  ASSIGN_OR_RETURN(transform::Transform transform,
                   transform::Transform::Load(options.transform_graph));
  TrainerResult result;
  ASSIGN_OR_RETURN(result.spec, model::PlanModel(options.config, transform));
  model::ModelSpec& spec = result.spec;
  const model::TrainerConfig& config = spec.config();
  ASSIGN_OR_RETURN(const model::ModelFamily* family, model::FindModelFamily(config.family()));
  spec.set_weights_file(family->WeightsFile());

  auto split_files = [&](const std::string& split) {
    return io::ExampleFiles(SplitDir(options.examples, split));
  };
  ASSIGN_OR_RETURN(std::vector<fs::path> train_files, split_files(config.train_split()));
  // Splits that fit in 1 GiB of model inputs are decoded once; larger ones stream every pass.
  constexpr size_t kCacheBytes = size_t{1} << 30;
  auto examples = [&](const std::vector<fs::path>& files) -> std::unique_ptr<model::BatchSource> {
    return std::make_unique<model::ExampleBatchSource>(spec, files);
  };
  std::unique_ptr<model::BatchSource> train, validation;
  if (!config.validation_split().empty()) {
    ASSIGN_OR_RETURN(std::vector<fs::path> validation_files,
                     split_files(config.validation_split()));
    train = std::make_unique<model::CachedBatchSource>(examples(train_files), kCacheBytes);
    validation =
        std::make_unique<model::CachedBatchSource>(examples(validation_files), kCacheBytes);
  } else if (config.validation_fraction() > 0) {
    auto part = [&](bool held_out) {
      return std::make_unique<model::CachedBatchSource>(
          std::make_unique<model::PartitionedBatchSource>(examples(train_files),
                                                          config.validation_fraction(), held_out),
          kCacheBytes);
    };
    train = part(false);
    validation = part(true);
  } else {
    train = std::make_unique<model::CachedBatchSource>(examples(train_files), kCacheBytes);
  }
  if (config.task() == model::REGRESSION) RETURN_IF_ERROR(model::FitRegressionTarget(*train, spec));
  if (validation != nullptr) {
    ASSIGN_OR_RETURN(std::optional<model::Batch> first, validation->Next());
    if (!first) {
      return absl::InvalidArgumentError(StrCat(
          "no validation examples: ",
          config.validation_split().empty()
              ? StrCat("the train split is too small to hold out ", config.validation_fraction(),
                       " of it; set validation_fraction: 0 to train without early stopping")
              : StrCat("the split '", config.validation_split(), "' is empty")));
    }
    RETURN_IF_ERROR(validation->Rewind());
  }

  // Both outputs are claimed before training, so that a taken path fails in a second, not after
  // the whole training.
  ASSIGN_OR_RETURN(base::StagingDir model_dir, base::StagingDir::Create(options.model));
  ASSIGN_OR_RETURN(base::StagingDir run_dir, base::StagingDir::Create(options.model_run));
  ASSIGN_OR_RETURN(std::unique_ptr<model::CurveWriter> curves,
                   model::CurveWriter::Create(run_dir.path()));
  std::unique_ptr<model::Model> base;
  if (config.warm_start() && !options.base_model.empty()) {
    const fs::path base_serving = options.base_model / kServingDir;
    model::ModelSpec base_spec;
    RETURN_IF_ERROR(base::ReadTextProto(base_serving / model::kModelSpecFileName, &base_spec,
                                        /*allow_unknown_fields=*/true));
    absl::Status compatible = CheckWarmStart(base_spec, base_serving / model::kServingTransformDir,
                                             spec, options.transform_graph);
    if (!compatible.ok()) {
      return absl::Status(compatible.code(), StrCat("warm start from ", options.base_model.string(),
                                                    ": ", compatible.message()));
    }
    ASSIGN_OR_RETURN(base, family->Load(base_spec, base_serving));
  }
  if (config.warm_start()) result.model_properties["warm_started"] = int64_t{base != nullptr};
  model::TrainingJob job{.spec = spec,
                         .train = train.get(),
                         .validation = validation.get(),
                         .curves = curves.get(),
                         .num_threads = options.num_threads,
                         .warm_start = base.get()};
  const auto start = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(std::unique_ptr<model::Model> trained, family->Train(job));
  result.train_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (validation != nullptr) {
    ASSIGN_OR_RETURN(result.validation_metrics, model::EvaluateModel(*trained, spec, *validation));
  }
  for (const auto& [name, value] : result.validation_metrics) {
    (*spec.mutable_validation_metrics())[name] = value;
    result.model_properties[StrCat("validation_", name)] = value;
  }
  result.model_properties["family"] = config.family();

  const fs::path serving = model_dir.path() / kServingDir;
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
