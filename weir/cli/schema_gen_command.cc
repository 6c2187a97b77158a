// weir schemagen: SchemaGen (and ImportSchemaGen) on plain paths.
#include <iostream>

#include "weir/cli/command.h"
#include "weir/components/schema_gen/schema_gen_component.h"

namespace weir::cli {

void AddSchemaGenCommand(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<components::SchemaGenOptions>();
  auto paths = std::make_shared<std::array<std::string, 3>>();  // statistics, import, output.
  CLI::App* cmd = app.add_subcommand(
      "schemagen",
      "SchemaGen: infer schema.pbtxt (types, presence, shapes, domains) from statistics, "
      "or import a curated one.");
  cmd->footer(
      "Inference follows TFDV's rules, as TFX's SchemaGen applies them: the schema is inferred "
      "from the first split (train, then eval, then the others by name) and updated with each "
      "following one, so values seen only in eval join the string domains and presence and value "
      "counts widen. Inferred: type; presence (min_count 1 if ever present, min_fraction 1.0 only "
      "when never missing); with --infer_feature_shape a fixed shape when a feature always has "
      "exactly k values, otherwise value_count; a bool domain for 0/1 integers and a string "
      "domain (byte-sorted values, named after the feature) for strings with at most "
      "--max_string_domain_size distinct values. Edit the result by hand and import it back with "
      "--import_schema: weir copies it byte for byte.\n\n"
      "Examples:\n"
      "  weir schemagen --statistics out/statistics --output out/schema\n"
      "  weir schemagen --statistics out/statistics --exclude_splits test --output out/schema\n"
      "  weir statisticsgen --csv data.csv --output out/csv_stats && \\\n"
      "    weir schemagen --statistics out/csv_stats --output out/schema\n"
      "  weir schemagen --import_schema my_schema.pbtxt --output out/schema\n"
      "  weir show schema out/schema");
  auto* statistics =
      cmd->add_option("--statistics", (*paths)[0],
                      "A statistics artifact (Split-<name>/FeatureStats.pb), a folder holding "
                      "FeatureStats.pb (statisticsgen --csv), or the file");
  auto* import =
      cmd->add_option("--import_schema", (*paths)[1],
                      "A curated schema.pbtxt to import instead of inferring (ImportSchemaGen)");
  statistics->excludes(import);
  cmd->add_option("--output", (*paths)[2],
                  "Folder to create for schema.pbtxt (must not exist, or be empty)")
      ->required();
  cmd->add_option("--exclude_splits", options->exclude_splits,
                  "Splits to leave out (repeat or comma-separate; default: none)")
      ->delimiter(',');
  cmd->add_option("--infer_feature_shape", options->inference.infer_feature_shape,
                  "Fixed shapes for features always present with k values (true|false)")
      ->capture_default_str();
  cmd->add_option("--max_string_domain_size", options->inference.max_string_domain_size,
                  "Largest number of distinct strings that still gets a domain")
      ->capture_default_str();
  cmd->callback([options, paths, &exit_code]() {
    options->statistics = (*paths)[0];
    options->import_schema = (*paths)[1];
    options->output = (*paths)[2];
    auto result = components::RunSchemaGen(*options);
    if (!result.ok()) {
      exit_code = ReportError("schemagen", result.status());
      return;
    }
    std::cout << "Schema of " << result->num_features << " features written to "
              << options->output.string() << "/" << schema::kSchemaFileName << " (from "
              << result->sources.front();
    for (size_t s = 1; s < result->sources.size(); ++s)
      std::cout << ", updated with " << result->sources[s];
    std::cout << ")\n";
  });
}

}  // namespace weir::cli
