// weir transform: the Transform component on plain paths.
#include <iostream>

#include "weir/cli/command.h"
#include "weir/components/transform/transform_component.h"
#include "weir/pipeline/yaml_proto.h"

namespace weir::cli {

void AddTransformCommand(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<components::TransformOptions>();
  auto paths = std::make_shared<std::array<std::string, 5>>();
  CLI::App* cmd = app.add_subcommand(
      "transform",
      "Transform: analyze a feature-engineering spec over the train split and apply it to every "
      "split.");
  cmd->footer(
      "The spec file (YAML, or .pbtxt) lists output features, each reading a raw column (input), "
      "several (inputs, for cross) or an expression, then ops in order: fill_missing, "
      "scale_to_z_score, scale_to_0_1, bucketize, compute_and_apply_vocabulary, hash_strings, "
      "categorical_identity, one_hot, cross, log1p, clip, custom (from a plug-in). See "
      "docs/transform.md.\n\n"
      "Examples:\n"
      "  weir transform --examples out/examples --schema out/schema --spec transform.yaml \\\n"
      "      --transform_graph out/transform_graph --transformed_examples out/transformed");
  auto examples = std::make_shared<std::vector<std::string>>();
  cmd->add_option("--examples", *examples,
                  "An Examples artifact (Split-<name>/ folders); repeated, several with the same "
                  "splits (spans) analyzed and transformed as one")
      ->required();
  cmd->add_option("--schema", (*paths)[1], "The raw data's schema (folder or schema.pbtxt)")
      ->required();
  cmd->add_option("--spec", (*paths)[2], "The TransformSpec file (YAML or .pbtxt)")->required();
  cmd->add_option("--transform_graph", (*paths)[3],
                  "Folder to create for the analyzed transform (must not exist, or be empty)")
      ->required();
  cmd->add_option("--transformed_examples", (*paths)[4],
                  "Folder to create for the transformed examples (omit to write none)");
  cmd->add_option("--analyze_split", options->analyze_split, "Split the analyzers read")
      ->capture_default_str();
  cmd->add_option("--threads", options->num_threads, "Worker threads (0: all cores)")
      ->capture_default_str();
  cmd->callback([options, paths, examples, &exit_code]() {
    options->examples.assign(examples->begin(), examples->end());
    options->schema = (*paths)[1];
    options->transform_graph = (*paths)[3];
    options->transformed_examples = (*paths)[4];
    absl::Status read = pipeline::ReadMessageFile((*paths)[2], &options->spec);
    if (!read.ok()) {
      exit_code = ReportError("transform", read);
      return;
    }
    auto result = components::RunTransform(*options);
    if (!result.ok()) {
      exit_code = ReportError("transform", result.status());
      return;
    }
    std::cout << "Transform of " << options->spec.features_size() << " features analyzed over '"
              << options->analyze_split << "', written to " << options->transform_graph.string()
              << "\n";
    for (size_t i = 0; i < result->examples_per_split.size(); ++i) {
      std::cout << "  " << result->split_names[i] << ": " << result->examples_per_split[i]
                << " examples transformed\n";
    }
  });
}

}  // namespace weir::cli
