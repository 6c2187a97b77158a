// weir trainer: the Trainer component on plain paths.
#include <iostream>

#include "weir/cli/command.h"
#include "weir/components/trainer/trainer_component.h"
#include "weir/pipeline/yaml_proto.h"

namespace weir::cli {

void AddTrainerCommand(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<components::TrainerOptions>();
  auto paths = std::make_shared<std::array<std::string, 5>>();
  CLI::App* cmd = app.add_subcommand(
      "trainer", "Trainer: train a model (gbdt, wide_deep or linear) on transformed examples.");
  cmd->footer(
      "The config file (YAML, or .pbtxt) holds what a pipeline's Trainer node has under "
      "`model:` — family, label, task, train_steps, seed, validation_fraction or "
      "validation_split, and gbdt / wide_deep / linear settings; the flags below override it. "
      "See docs/trainer.md.\n\n"
      "Training never reads the eval split: early stopping and the best checkpoint are chosen on "
      "validation examples, by default every tenth example of the train split (in file order). "
      "Regression predictions and metrics are in the label's own units; a multiclass model names "
      "its classes (the label's vocabulary).\n\n"
      "Output: <model>/Format-Serving/ (weights, model_spec.pbtxt, the transform) and "
      "<model_run>/ (curves.jsonl, TensorBoard event files).\n\n"
      "Examples:\n"
      "  weir trainer --examples out/transformed --transform_graph out/transform_graph \\\n"
      "      --family gbdt --label tips_xf --model out/model --model_run out/model_run\n"
      "  weir trainer ... --warm_start out/model --model out/model2 --model_run out/model_run2\n"
      "  tensorboard --logdir out/model_run");
  cmd->add_option("--examples", (*paths)[0], "Transformed examples (Split-<name>/ folders)")
      ->required();
  cmd->add_option("--transform_graph", (*paths)[1], "The TransformGraph they were made with")
      ->required();
  cmd->add_option("--config", (*paths)[2], "A TrainerConfig file (YAML or .pbtxt)");
  cmd->add_option("--model", (*paths)[3], "Folder to create for the model")->required();
  cmd->add_option("--model_run", (*paths)[4], "Folder to create for the learning curves")
      ->required();
  auto family = std::make_shared<std::string>();
  auto label = std::make_shared<std::string>();
  auto steps = std::make_shared<int64_t>(0);
  cmd->add_option("--family", *family, "gbdt, wide_deep or linear");
  cmd->add_option("--label", *label, "The transformed feature to predict");
  cmd->add_option("--train_steps", *steps, "Batches (wide_deep, linear) or rounds (gbdt)");
  auto task = std::make_shared<std::string>();
  auto num_classes = std::make_shared<int>(0);
  auto seed = std::make_shared<int64_t>(-1);
  cmd->add_option("--task", *task, "binary (default), multiclass or regression")
      ->check(CLI::IsMember({"binary", "multiclass", "regression"}));
  cmd->add_option("--num_classes", *num_classes,
                  "Classes of a multiclass label (default: a categorical label's cardinality)");
  cmd->add_option("--seed", *seed, "Random seed: the same seed trains the same model");
  auto base_model = std::make_shared<std::string>();
  cmd->add_option("--warm_start", *base_model,
                  "Start from this trained model (a Model folder holding Format-Serving/) of the "
                  "same family, inputs and vocabularies: gbdt adds --train_steps trees to its "
                  "trees, wide_deep and linear start from its weights");
  cmd->add_option("--threads", options->num_threads,
                  "Threads (0: all cores for gbdt, one for wide_deep and linear)")
      ->capture_default_str();
  cmd->callback(
      [options, paths, family, label, steps, task, num_classes, seed, base_model, &exit_code]() {
        options->examples = (*paths)[0];
        options->transform_graph = (*paths)[1];
        options->model = (*paths)[3];
        options->model_run = (*paths)[4];
        if (!(*paths)[2].empty()) {
          absl::Status read = pipeline::ReadMessageFile((*paths)[2], &options->config);
          if (!read.ok()) {
            exit_code = ReportError("trainer", read);
            return;
          }
        }
        if (!family->empty()) options->config.set_family(*family);
        if (!label->empty()) options->config.set_label(*label);
        if (*steps > 0) options->config.set_train_steps(*steps);
        if (*task == "binary") options->config.set_task(model::BINARY_CLASSIFICATION);
        if (*task == "multiclass") options->config.set_task(model::MULTICLASS_CLASSIFICATION);
        if (*task == "regression") options->config.set_task(model::REGRESSION);
        if (*num_classes > 0) options->config.set_num_classes(*num_classes);
        if (*seed >= 0) options->config.set_seed(static_cast<uint64_t>(*seed));
        if (!base_model->empty()) {
          options->config.set_warm_start(true);
          options->base_model = *base_model;
        }
        auto result = components::RunTrainer(*options);
        if (!result.ok()) {
          exit_code = ReportError("trainer", result.status());
          return;
        }
        std::cout << result->spec.config().family() << " model trained in " << result->train_seconds
                  << " s, written to " << options->model.string() << "\n";
        if (!result->validation_metrics.empty()) {
          std::cout << "  validation:";
          for (const auto& [name, value] : result->validation_metrics)
            std::cout << " " << name << " " << value;
          std::cout << "\n";
        }
      });
}

}  // namespace weir::cli
