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
      "`model:` — family, label, train_steps, seed, and gbdt / wide_deep / linear settings; "
      "--family, --label and --train_steps override it. See docs/trainer.md.\n\n"
      "Output: <model>/Format-Serving/ (weights, model_spec.pbtxt, the transform) and "
      "<model_run>/ (curves.jsonl, TensorBoard event files).\n\n"
      "Examples:\n"
      "  weir trainer --examples out/transformed --transform_graph out/transform_graph \\\n"
      "      --family gbdt --label tips_xf --model out/model --model_run out/model_run\n"
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
  cmd->add_option("--threads", options->num_threads, "Worker threads (0: all cores)")
      ->capture_default_str();
  cmd->callback([options, paths, family, label, steps, &exit_code]() {
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
    auto result = components::RunTrainer(*options);
    if (!result.ok()) {
      exit_code = ReportError("trainer", result.status());
      return;
    }
    std::cout << result->spec.config().family() << " model trained in " << result->train_seconds
              << " s, written to " << options->model.string() << "\n  eval:";
    for (const auto& [name, value] : result->eval_metrics) std::cout << " " << name << " " << value;
    std::cout << "\n";
  });
}

}  // namespace weir::cli
