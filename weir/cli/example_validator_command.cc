// weir examplevalidator: ExampleValidator on plain paths.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>

#include "weir/base/strings.h"
#include "weir/cli/command.h"
#include "weir/components/example_validator/example_validator_component.h"

namespace weir::cli {
namespace {

namespace tfmd = ::tensorflow::metadata::v0;

// Exit code of --fail_on_anomalies when some split has anomalies (errors exit with 1).
constexpr int kAnomaliesExitCode = 2;

struct ExampleValidatorFlags {
  std::string statistics;
  std::string schema;
  std::string output;
  std::string previous_statistics;
  std::string serving_statistics;
  std::string serving_environment;
  std::string serving_baseline = "train";
  std::vector<std::string> skew;
  bool no_skew = false;
  std::string environment;
  bool json = false;
  bool fail_on_anomalies = false;
};

absl::StatusOr<components::ExampleValidatorOptions> BuildOptions(
    const ExampleValidatorFlags& flags) {
  components::ExampleValidatorOptions options;
  options.statistics = flags.statistics;
  options.schema = flags.schema;
  options.output = flags.output;
  options.previous_statistics = flags.previous_statistics;
  options.serving_statistics = flags.serving_statistics;
  options.serving_environment = flags.serving_environment;
  options.serving_baseline = flags.serving_baseline;
  options.environment = flags.environment;
  if (flags.no_skew) {
    options.skew_pairs = std::vector<components::SkewPair>{};
  } else if (!flags.skew.empty()) {
    options.skew_pairs.emplace();
    for (const std::string& pair : flags.skew) {
      size_t colon = pair.find(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == pair.size()) {
        return absl::InvalidArgumentError(
            StrCat("--skew '", pair, "' must look like SPLIT:BASELINE, e.g. eval:train"));
      }
      options.skew_pairs->push_back({pair.substr(0, colon), pair.substr(colon + 1)});
    }
  }
  return options;
}

std::string_view SeverityName(tfmd::AnomalyInfo::Severity severity) {
  return severity == tfmd::AnomalyInfo::ERROR     ? "ERROR"
         : severity == tfmd::AnomalyInfo::WARNING ? "WARNING"
                                                  : "UNKNOWN";
}

std::string MeasurementsJson(
    const google::protobuf::RepeatedPtrField<tfmd::DriftSkewInfo::Measurement>& measurements) {
  std::string json = "[";
  for (const auto& m : measurements) {
    json += StrCat(json.size() > 1 ? ", " : "",
                   "{\"type\": ", JsonQuote(tfmd::DriftSkewInfo::Measurement::Type_Name(m.type())),
                   ", \"value\": ", m.value(), ", \"threshold\": ", m.threshold(), "}");
  }
  return json + "]";
}

std::string AnomalyJson(const std::string& feature, const tfmd::AnomalyInfo& info) {
  std::string types;
  for (const auto& reason : info.reason()) {
    types +=
        StrCat(types.empty() ? "" : ", ", JsonQuote(tfmd::AnomalyInfo::Type_Name(reason.type())));
  }
  return StrCat("{\"feature\": ", feature.empty() ? std::string("null") : JsonQuote(feature),
                ", \"severity\": ", JsonQuote(std::string(SeverityName(info.severity()))),
                ", \"types\": [", types,
                "], \"short_description\": ", JsonQuote(info.short_description()),
                ", \"description\": ", JsonQuote(info.description()), "}");
}

// Feature anomalies sorted by feature name (the map has no order), dataset anomaly first.
std::vector<std::pair<std::string, const tfmd::AnomalyInfo*>> SortedAnomalies(
    const tfmd::Anomalies& anomalies) {
  std::vector<std::pair<std::string, const tfmd::AnomalyInfo*>> sorted;
  if (anomalies.has_dataset_anomaly_info())
    sorted.emplace_back("", &anomalies.dataset_anomaly_info());
  for (const auto& [name, info] : anomalies.anomaly_info()) sorted.emplace_back(name, &info);
  std::sort(sorted.begin() + (anomalies.has_dataset_anomaly_info() ? 1 : 0), sorted.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return sorted;
}

void PrintJson(const ExampleValidatorFlags& flags, const components::ExampleValidatorResult& result,
               double seconds) {
  std::string splits;
  for (const components::SplitAnomalies& split : result.splits) {
    std::string anomalies;
    for (const auto& [feature, info] : SortedAnomalies(split.anomalies)) {
      anomalies += StrCat(anomalies.empty() ? "" : ", ", AnomalyJson(feature, *info));
    }
    std::string drift_skew;
    for (const auto& info : split.anomalies.drift_skew_info()) {
      drift_skew +=
          StrCat(drift_skew.empty() ? "" : ", ",
                 "{\"feature\": ", JsonQuote(info.path().step_size() ? info.path().step(0) : ""),
                 ", \"drift\": ", MeasurementsJson(info.drift_measurements()),
                 ", \"skew\": ", MeasurementsJson(info.skew_measurements()), "}");
    }
    splits += StrCat(splits.empty() ? "" : ", ", JsonQuote(split.split),
                     ": {\"blessed\": ", split.blessed ? "true" : "false",
                     ", \"data_missing\": ", split.anomalies.data_missing() ? "true" : "false",
                     ", \"anomalies\": [", anomalies, "], \"drift_skew\": [", drift_skew, "]}");
  }
  std::cout << "{\"output\": " << JsonQuote(flags.output) << ", \"splits\": {" << splits
            << "}, \"seconds\": " << seconds
            << ", \"properties\": " << components::PropertiesToJson(result.properties) << "}\n";
}

void PrintSummary(const ExampleValidatorFlags& flags,
                  const components::ExampleValidatorResult& result, double seconds) {
  std::cout << "Anomalies written to " << flags.output << " in " << seconds << " s\n";
  for (const components::SplitAnomalies& split : result.splits) {
    auto anomalies = SortedAnomalies(split.anomalies);
    std::cout << "  " << kSplitPrefix << split.split << "/" << components::kAnomaliesFileName
              << ": ";
    if (split.anomalies.data_missing()) {
      std::cout << "no examples (not blessed)\n";
    } else if (anomalies.empty()) {
      std::cout << "no anomalies (blessed)\n";
    } else {
      std::cout << anomalies.size() << (anomalies.size() == 1 ? " anomaly" : " anomalies")
                << " (not blessed)\n";
    }
    for (const auto& [feature, info] : anomalies) {
      std::cout << "    " << (feature.empty() ? std::string("(dataset)") : feature) << "  "
                << SeverityName(info->severity()) << "  " << info->short_description() << ": "
                << info->description() << "\n";
    }
    for (const auto& info : split.anomalies.drift_skew_info()) {
      for (const auto* measurements : {&info.drift_measurements(), &info.skew_measurements()}) {
        for (const auto& m : *measurements) {
          std::cout << "    " << (measurements == &info.drift_measurements() ? "drift" : "skew")
                    << " of " << (info.path().step_size() ? info.path().step(0) : "") << ": "
                    << tfmd::DriftSkewInfo::Measurement::Type_Name(m.type()) << " " << m.value()
                    << " (threshold " << m.threshold() << ")\n";
        }
      }
    }
  }
}

}  // namespace

void AddExampleValidatorCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<ExampleValidatorFlags>();
  CLI::App* cmd = app.add_subcommand(
      "examplevalidator",
      "ExampleValidator: check each split's statistics against a schema and write the anomalies "
      "(Split-<name>/SchemaDiff.pb), as TFX and TFDV do.");
  cmd->footer(
      "Checks, per schema feature: presence, type, values per example (value_count, shape), "
      "domain (string values, int and float ranges, NaN, infinities), unique values; features "
      "missing from the schema; the dataset's example count; and the drift and skew comparators "
      "(L-infinity distance of categorical value shares, Jensen-Shannon divergence of numeric "
      "histograms). Drift compares each split with the same split of --previous_statistics; skew "
      "compares eval with train by default (see --skew). A split is blessed when it has no "
      "anomaly; the artifact's `blessed` property records it per split.\n\n"
      "Anomalies are results, not errors: the exit code is 0 whether or not anomalies are found "
      "(1 for errors such as unreadable inputs). Scripts that must stop on bad data pass "
      "--fail_on_anomalies, which exits with 2 when any split has anomalies, after writing "
      "them.\n\n"
      "Examples:\n"
      "  weir examplevalidator --statistics out/statistics --schema out/schema --output "
      "out/anomalies\n"
      "  weir examplevalidator --statistics out/span2/statistics --schema schema.pbtxt "
      "--previous_statistics out/span1/statistics --output out/span2/anomalies\n"
      "  weir examplevalidator --statistics out/statistics --schema out/schema "
      "--serving_statistics out/served_stats --output out/skew\n"
      "  weir examplevalidator --statistics out/statistics --schema out/schema --output out/a "
      "--environment SERVING --no_skew --fail_on_anomalies\n"
      "  weir statisticsgen --csv new.csv --output out/new_stats && weir examplevalidator "
      "--statistics out/new_stats --schema out/schema --output out/new_anomalies");
  cmd->add_option("--statistics", flags->statistics,
                  "Statistics artifact (Split-<name>/FeatureStats.pb), as StatisticsGen writes it; "
                  "or one FeatureStats.pb (the file, or the folder statisticsgen --csv writes), "
                  "whose anomalies go to <output>/SchemaDiff.pb")
      ->required();
  cmd->add_option(
         "--schema", flags->schema,
         "Schema in text format: a schema.pbtxt file, or a folder (Schema artifact) holding "
         "one")
      ->required();
  cmd->add_option("--output", flags->output, "Folder to create (must not exist, or be empty)")
      ->required();
  cmd->add_option(
      "--previous_statistics", flags->previous_statistics,
      "The previous span's statistics artifact, for the drift comparators; it must have "
      "every split");
  cmd->add_option("--serving_statistics", flags->serving_statistics,
                  "Statistics of what a model server was sent (StatisticsGen over "
                  "RequestLogExampleGen's examples): each of its splits is checked in the serving "
                  "environment and for skew against --serving_baseline, and written as a split "
                  "of the output");
  cmd->add_option("--serving_environment", flags->serving_environment,
                  "The environment serving splits are checked in (default: SERVING when the "
                  "schema names it)");
  cmd->add_option("--serving_baseline", flags->serving_baseline,
                  "The split serving statistics are compared with for skew")
      ->capture_default_str();
  auto* skew = cmd->add_option("--skew", flags->skew,
                               "Skew pair SPLIT:BASELINE, repeatable: compare SPLIT with BASELINE "
                               "under each feature's skew_comparator (default: eval:train when "
                               "both splits exist)");
  cmd->add_flag("--no_skew", flags->no_skew, "Measure no skew between splits")->excludes(skew);
  cmd->add_option("--environment", flags->environment,
                  "Validate for this schema environment (e.g. SERVING): features whose "
                  "in_environment / not_in_environment exclude it are not expected");
  cmd->add_flag("--json", flags->json, "Print the result as JSON instead of a summary");
  cmd->add_flag("--fail_on_anomalies", flags->fail_on_anomalies,
                "Exit with 2 when any split has anomalies (the output is written all the same)");
  cmd->callback([flags, &exit_code]() {
    absl::StatusOr<components::ExampleValidatorOptions> options = BuildOptions(*flags);
    if (!options.ok()) {
      exit_code = ReportError("examplevalidator", options.status());
      return;
    }
    auto start = std::chrono::steady_clock::now();
    auto result = components::RunExampleValidator(*options);
    if (!result.ok()) {
      exit_code = ReportError("examplevalidator", result.status());
      return;
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (flags->json) {
      PrintJson(*flags, *result, seconds);
    } else {
      PrintSummary(*flags, *result, seconds);
    }
    bool all_blessed = std::all_of(result->splits.begin(), result->splits.end(),
                                   [](const auto& split) { return split.blessed; });
    if (flags->fail_on_anomalies && !all_blessed) exit_code = kAnomaliesExitCode;
  });
}

}  // namespace weir::cli
