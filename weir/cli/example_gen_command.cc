// weir examplegen: CsvExampleGen on plain paths.
#include <chrono>
#include <iostream>

#include "weir/base/strings.h"
#include "weir/cli/command.h"
#include "weir/components/example_gen/example_gen_component.h"

namespace weir::cli {
namespace {

struct ExampleGenFlags {
  components::ExampleGenOptions options;
  std::vector<std::string> splits;
  std::vector<std::string> input_splits;
  std::string output;
  std::string input_base;
  int64_t span = 0;
  CLI::Option* span_option = nullptr;
  bool json = false;
};

absl::Status BuildOptions(ExampleGenFlags& flags) {
  flags.options.input_base = flags.input_base;
  flags.options.output = flags.output;
  if (flags.span_option->count() > 0) flags.options.span = flags.span;
  if (!flags.splits.empty()) flags.options.output_splits.clear();
  for (const std::string& text : flags.splits) {
    absl::StatusOr<components::OutputSplit> split = components::ParseOutputSplit(text, "--split");
    if (!split.ok()) return split.status();
    flags.options.output_splits.push_back(*split);
  }
  for (const std::string& text : flags.input_splits) {
    absl::StatusOr<components::InputSplit> split =
        components::ParseInputSplit(text, "--input_split");
    if (!split.ok()) return split.status();
    flags.options.input_splits.push_back(*split);
  }
  return absl::OkStatus();
}

}  // namespace

void AddExampleGenCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<ExampleGenFlags>();
  CLI::App* cmd = app.add_subcommand(
      "examplegen",
      "CsvExampleGen: turn CSV files into an Examples artifact (Split-<name>/ of gzip TFRecords "
      "of tf.Example), exactly as TFX writes it.");
  cmd->footer(
      "Every file in --input_base is read (all with the same header), or those --input_pattern "
      "matches. A pattern may name the span, {SPAN} or a date {YYYY}{MM}{DD} (a span counted in "
      "days from 1970-01-01), and a version {VERSION}, as TFX's input patterns do: the latest span "
      "and its latest version are read, or the span --span names. Column types are inferred "
      "over all rows as TFX does: int64 if every non-empty cell is an integer, float if every one "
      "is a number, otherwise bytes. An empty cell becomes a present, empty list; a column empty "
      "in every row a feature with no kind. Rows are split by the SHA-256 of each serialized "
      "example (or of --partition_feature) modulo the total hash buckets, as TFX splits them.\n\n"
      "Examples:\n"
      "  weir examplegen --input_base data/ --output out/examples\n"
      "  weir examplegen --input_base data/ --output out/ex --split train:8 --split eval:1 --split "
      "test:1\n"
      "  weir examplegen --input_base data/ --output out/ex --input_split train:train/*.csv "
      "--input_split eval:eval/*.csv\n"
      "  weir examplegen --input_base data/ --output out/ex --input_pattern 'span-{SPAN}/*.csv'\n"
      "  weir examplegen --input_base data/ --output out/ex --input_pattern '{YYYY}-{MM}-{DD}/*' "
      "--span 20794");
  cmd->add_option("--input_base", flags->input_base, "Folder holding the CSV files")->required();
  cmd->add_option("--output", flags->output,
                  "Folder to create for the Examples artifact (must not exist, or be empty)")
      ->required();
  cmd->add_option("--split", flags->splits,
                  "Output split NAME:HASH_BUCKETS, repeated in order (default train:2 eval:1)");
  cmd->add_option("--input_pattern", flags->options.input_pattern,
                  "Glob of the files to read, relative to --input_base; may hold {SPAN}, "
                  "{YYYY}{MM}{DD} and {VERSION}")
      ->capture_default_str();
  cmd->add_option(
      "--input_split", flags->input_splits,
      "Pre-split input NAME:GLOB (relative to --input_base, with the specs --input_pattern "
      "takes), repeated; each becomes the output split of that name");
  cmd->add_option("--partition_feature", flags->options.partition_feature,
                  "Hash this int64 or bytes feature instead of the whole example, so equal values "
                  "share a split");
  cmd->add_flag("--skip_bad_rows", flags->options.csv.skip_bad_rows,
                "Skip rows with the wrong number of fields or invalid UTF-8, and report how many");
  cmd->add_option("--threads", flags->options.csv.num_threads,
                  "Threads to use (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--gzip_level", flags->options.gzip_level,
                  "gzip level, 1 (fastest) to 12 (smallest)")
      ->check(CLI::Range(1, 12))
      ->capture_default_str();
  flags->span_option = cmd->add_option(
      "--span", flags->span,
      "Read this span rather than the latest (the pattern must hold {SPAN} or a date)");
  cmd->add_flag("--json", flags->json, "Print the result as JSON instead of a summary");
  cmd->callback([flags, &exit_code]() {
    if (absl::Status s = BuildOptions(*flags); !s.ok()) {
      exit_code = ReportError("examplegen", s);
      return;
    }
    auto start = std::chrono::steady_clock::now();
    auto result = components::RunCsvExampleGen(flags->options);
    if (!result.ok()) {
      exit_code = ReportError("examplegen", result.status());
      return;
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    uint64_t total = 0;
    for (uint64_t n : result->examples_per_split) total += n;
    if (flags->json) {
      std::string splits;
      for (size_t s = 0; s < result->split_names.size(); ++s) {
        if (s > 0) splits += ", ";
        splits += StrCat(JsonQuote(result->split_names[s]), ": ", result->examples_per_split[s]);
      }
      std::cout << "{\"output\": " << JsonQuote(flags->output) << ", \"examples\": {" << splits
                << "}, \"bad_rows\": " << result->bad_rows.count
                << ", \"shards\": " << result->num_shards << ", \"seconds\": " << seconds
                << ", \"properties\": " << components::PropertiesToJson(result->properties)
                << "}\n";
    } else {
      std::cout << "Wrote " << total << " examples to " << flags->output << " in " << seconds
                << " s (" << static_cast<uint64_t>(total / std::max(seconds, 1e-9)) << " rows/s)\n";
      for (size_t s = 0; s < result->split_names.size(); ++s) {
        std::cout << "  " << kSplitPrefix << result->split_names[s] << ": "
                  << result->examples_per_split[s] << " examples in " << result->num_shards
                  << " shard(s)\n";
      }
      if (result->input.has_span) {
        std::cout << "  span " << result->input.span << ", version " << result->input.version
                  << ":";
        for (const components::SelectedSplit& split : result->input.splits)
          std::cout << " " << split.selected_pattern << " (" << split.files.size() << " file(s))";
        std::cout << "\n";
      }
      std::cout << "  columns:";
      for (size_t c = 0; c < result->schema.names.size(); ++c) {
        std::cout << (c ? ", " : " ") << result->schema.names[c] << " ("
                  << data::DataTypeName(result->schema.types[c]) << ")";
      }
      std::cout << "\n";
      if (result->bad_rows.count > 0) {
        std::cout << "  skipped " << result->bad_rows.count << " bad row(s), for example:\n";
        for (const std::string& message : result->bad_rows.messages)
          std::cout << "    " << message << "\n";
      }
    }
  });
}

}  // namespace weir::cli
