// weir statisticsgen: StatisticsGen on plain paths, from an Examples artifact or straight from CSV.
#include <chrono>
#include <iostream>

#include "weir/base/files.h"
#include "weir/base/strings.h"
#include "weir/cli/command.h"
#include "weir/components/statistics_gen/statistics_gen_component.h"
#include "weir/stats/dataset_statistics.h"

namespace weir::cli {
namespace {

struct StatisticsGenFlags {
  std::vector<std::string> examples;
  std::vector<std::string> csv;
  std::string output;
  std::vector<std::string> splits;
  int threads = 0;
  bool skip_bad_rows = false;
  bool json = false;
};

absl::Status RunFromCsv(const StatisticsGenFlags& flags) {
  io::CsvOptions csv;
  csv.num_threads = flags.threads;
  csv.skip_bad_rows = flags.skip_bad_rows;
  std::vector<std::filesystem::path> files(flags.csv.begin(), flags.csv.end());
  auto start = std::chrono::steady_clock::now();
  absl::StatusOr<components::tfmd::DatasetFeatureStatistics> dataset =
      stats::CsvStatistics(files, std::filesystem::path(files.front()).stem().string(), csv, {});
  if (!dataset.ok()) return dataset.status();
  absl::StatusOr<base::StagingDir> staging = base::StagingDir::Create(flags.output);
  if (!staging.ok()) return staging.status();
  components::tfmd::DatasetFeatureStatisticsList list;
  *list.add_datasets() = *dataset;
  if (absl::Status s =
          components::WriteStatisticsFile(staging->path() / components::kStatisticsFileName, list);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = staging->Publish(); !s.ok()) return s;
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (flags.json) {
    std::cout << "{\"output\": \"" << flags.output
              << "\", \"examples\": " << dataset->num_examples()
              << ", \"features\": " << dataset->features_size() << ", \"seconds\": " << seconds
              << "}\n";
  } else {
    std::cout << "Statistics of " << dataset->num_examples() << " rows, "
              << dataset->features_size() << " features, written to " << flags.output << "/"
              << components::kStatisticsFileName << " in " << seconds << " s\n";
  }
  return absl::OkStatus();
}

absl::Status RunFromExamples(const StatisticsGenFlags& flags) {
  components::StatisticsGenOptions options;
  options.examples.assign(flags.examples.begin(), flags.examples.end());
  options.output = flags.output;
  options.splits = flags.splits;
  options.num_threads = flags.threads;
  auto start = std::chrono::steady_clock::now();
  absl::StatusOr<components::StatisticsGenResult> result = components::RunStatisticsGen(options);
  if (!result.ok()) return result.status();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (flags.json) {
    std::string splits;
    for (size_t s = 0; s < result->split_names.size(); ++s) {
      splits += StrCat(s ? ", " : "", JsonQuote(result->split_names[s]), ": ",
                       result->examples_per_split[s]);
    }
    std::cout << "{\"output\": " << JsonQuote(flags.output) << ", \"examples\": {" << splits
              << "}, \"seconds\": " << seconds
              << ", \"properties\": " << components::PropertiesToJson(result->properties) << "}\n";
  } else {
    std::cout << "Statistics written to " << flags.output << " in " << seconds << " s\n";
    for (size_t s = 0; s < result->split_names.size(); ++s) {
      std::cout << "  " << kSplitPrefix << result->split_names[s] << "/"
                << components::kStatisticsFileName << ": " << result->examples_per_split[s]
                << " examples\n";
    }
  }
  return absl::OkStatus();
}

}  // namespace

void AddStatisticsGenCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<StatisticsGenFlags>();
  CLI::App* cmd = app.add_subcommand(
      "statisticsgen",
      "StatisticsGen: per-feature statistics of every split (Split-<name>/FeatureStats.pb), as "
      "TFDV computes them.");
  cmd->footer(
      "Per feature: presence and value counts; for numbers mean, standard deviation, zeros, min, "
      "median, max and histograms (equal-width and quantiles); for strings unique values, top "
      "values, lengths and invalid UTF-8. Counts, means, extremes and top values are exact; "
      "medians and quantiles come from a mergeable sketch with rank error under 1%.\n\n"
      "Examples:\n"
      "  weir statisticsgen --examples out/examples --output out/statistics\n"
      "  weir statisticsgen --csv data.csv --output out/csv_statistics   (like TFDV's "
      "generate_statistics_from_csv; writes FeatureStats.pb in the output folder)\n"
      "  weir show stats out/statistics");
  auto* examples =
      cmd->add_option("--examples", flags->examples,
                      "An Examples artifact (Split-<name>/ folders of TFRecords, weir's or TFX's); "
                      "repeated, several with the same splits (spans) described together");
  auto* csv = cmd->add_option("--csv", flags->csv, "CSV files to compute statistics of directly");
  examples->excludes(csv);
  cmd->add_option("--output", flags->output, "Folder to create (must not exist, or be empty)")
      ->required();
  cmd->add_option("--split", flags->splits, "Only these splits (repeatable; default: every split)");
  cmd->add_option("--threads", flags->threads, "Threads to use (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--skip_bad_rows", flags->skip_bad_rows,
                "With --csv: skip malformed rows and count them");
  cmd->add_flag("--json", flags->json, "Print the result as JSON");
  cmd->callback([flags, &exit_code]() {
    absl::Status status;
    if (!flags->csv.empty()) {
      status = RunFromCsv(*flags);
    } else if (!flags->examples.empty()) {
      status = RunFromExamples(*flags);
    } else {
      status = absl::InvalidArgumentError("give --examples DIR or --csv FILE");
    }
    if (!status.ok()) exit_code = ReportError("statisticsgen", status);
  });
}

}  // namespace weir::cli
