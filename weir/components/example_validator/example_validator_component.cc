#include "weir/components/example_validator/example_validator_component.h"

#include <algorithm>
#include <map>

#include "weir/base/files.h"
#include "weir/base/proto_files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/components/statistics_gen/statistics_gen_component.h"
#include "weir/schema/schema_inference.h"
#include "weir/validation/validator.h"

namespace weir::components {
namespace {

namespace fs = std::filesystem;

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

absl::StatusOr<tfmd::Anomalies> ReadAnomaliesFile(const fs::path& file) {
  tfmd::Anomalies anomalies;
  RETURN_IF_ERROR(base::ReadBinaryProto(file, &anomalies));
  return anomalies;
}

absl::StatusOr<ExampleValidatorResult> RunExampleValidator(const ExampleValidatorOptions& options) {
  if (options.statistics.empty()) return absl::InvalidArgumentError("--statistics is required");
  if (options.schema.empty()) return absl::InvalidArgumentError("--schema is required");
  if (options.output.empty()) return absl::InvalidArgumentError("--output is required");

  // Read and check every input before creating the output, so a bad input leaves nothing behind.
  ASSIGN_OR_RETURN(tfmd::Schema schema, schema::ReadSchema(options.schema));
  RETURN_IF_ERROR(validation::CheckEnvironment(schema, options.environment));
  ASSIGN_OR_RETURN(std::vector<SplitStatistics> read, ReadStatisticsArtifact(options.statistics));
  std::vector<std::string> splits;
  std::map<std::string, tfmd::DatasetFeatureStatistics> current;
  for (SplitStatistics& split : read) {
    splits.push_back(split.split);
    current[split.split] = std::move(split.dataset);
  }
  std::map<std::string, tfmd::DatasetFeatureStatistics> previous;
  if (!options.previous_statistics.empty()) {
    ASSIGN_OR_RETURN(std::vector<SplitStatistics> before,
                     ReadStatisticsArtifact(options.previous_statistics));
    for (SplitStatistics& split : before) previous[split.split] = std::move(split.dataset);
    for (const std::string& split : splits) {
      if (!previous.contains(split)) {
        return absl::NotFoundError(StrCat("the previous statistics ",
                                          options.previous_statistics.string(), " have no split '",
                                          split, "' to measure its drift against"));
      }
    }
  }
  std::vector<SkewPair> pairs;
  if (options.skew_pairs.has_value()) {
    pairs = *options.skew_pairs;
    for (const SkewPair& pair : pairs) {
      for (const std::string* split : {&pair.split, &pair.baseline}) {
        if (!Contains(splits, *split)) {
          return absl::NotFoundError(StrCat("skew pair ", pair.split, ":", pair.baseline,
                                            " names split '", *split, "', which ",
                                            options.statistics.string(), " does not have"));
        }
      }
    }
  } else if (Contains(splits, "eval") && Contains(splits, "train")) {
    pairs.push_back({"eval", "train"});
  }

  // Serving splits: validated after the training ones, in the serving environment.
  std::map<std::string, tfmd::DatasetFeatureStatistics> serving;
  std::string serving_environment = options.serving_environment;
  if (!options.serving_statistics.empty()) {
    if (!Contains(splits, options.serving_baseline)) {
      return absl::NotFoundError(StrCat("the statistics ", options.statistics.string(),
                                        " have no split '", options.serving_baseline,
                                        "' to measure serving skew against"));
    }
    if (serving_environment.empty() && validation::CheckEnvironment(schema, "SERVING").ok()) {
      serving_environment = "SERVING";
    }
    RETURN_IF_ERROR(validation::CheckEnvironment(schema, serving_environment));
    ASSIGN_OR_RETURN(std::vector<SplitStatistics> served,
                     ReadStatisticsArtifact(options.serving_statistics));
    for (SplitStatistics& split : served) {
      if (Contains(splits, split.split)) {
        return absl::InvalidArgumentError(
            StrCat("the serving statistics ", options.serving_statistics.string(),
                   " have a split '", split.split, "', as the statistics ",
                   options.statistics.string(), " do: name the serving split otherwise"));
      }
      splits.push_back(split.split);
      serving[split.split] = std::move(split.dataset);
    }
  }

  ExampleValidatorResult result;
  std::string blessed_json;
  for (const std::string& split : splits) {
    validation::ValidationOptions validation;
    const tfmd::DatasetFeatureStatistics* statistics;
    if (auto it = serving.find(split); it != serving.end()) {
      statistics = &it->second;
      validation.environment = serving_environment;
      validation.skew_statistics = &current.at(options.serving_baseline);
    } else {
      statistics = &current.at(split);
      validation.environment = options.environment;
      if (auto it = previous.find(split); it != previous.end()) {
        validation.previous_statistics = &it->second;
      }
      for (const SkewPair& pair : pairs) {
        if (pair.split == split) validation.skew_statistics = &current.at(pair.baseline);
      }
    }
    SplitAnomalies& out = result.splits.emplace_back();
    out.split = split;
    out.anomalies = validation::ValidateStatistics(*statistics, schema, validation);
    out.blessed = validation::IsBlessed(out.anomalies);
    blessed_json +=
        StrCat(blessed_json.empty() ? "{" : ", ", JsonQuote(split), ": ", out.blessed ? 1 : 0);
  }
  blessed_json += "}";

  ASSIGN_OR_RETURN(base::StagingDir staging, base::StagingDir::Create(options.output));
  for (const SplitAnomalies& split : result.splits) {
    // Statistics outside any split folder (a lone FeatureStats.pb) give anomalies beside it.
    fs::path dir = split.split.empty() ? staging.path() : SplitDir(staging.path(), split.split);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return absl::InternalError(StrCat("cannot create ", dir.string(), ": ", ec.message()));
    RETURN_IF_ERROR(base::WriteBinaryProto(dir / kAnomaliesFileName, split.anomalies));
  }
  RETURN_IF_ERROR(staging.Publish());
  result.properties["split_names"] = EncodeSplitNames(splits);
  result.properties["blessed"] = blessed_json;
  return result;
}

}  // namespace weir::components
