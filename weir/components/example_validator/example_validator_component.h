// ExampleValidator: validates each split's statistics against a schema and writes the anomalies
// as TFX does:
//   <output>/Split-<name>/SchemaDiff.pb   (binary tensorflow_metadata Anomalies)
// Drift is measured against the same split of a previous span's statistics, skew between pairs of
// splits of this span (by default eval against train) and between serving statistics and the
// train split. A split is blessed when it has no anomaly.
#ifndef WEIR_COMPONENTS_EXAMPLE_VALIDATOR_EXAMPLE_VALIDATOR_COMPONENT_H_
#define WEIR_COMPONENTS_EXAMPLE_VALIDATOR_EXAMPLE_VALIDATOR_COMPONENT_H_

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "weir/components/artifact_properties.h"
#include "weir/proto/anomalies.pb.h"
#include "weir/proto/schema.pb.h"

namespace weir::components {

namespace tfmd = ::tensorflow::metadata::v0;

inline constexpr char kAnomaliesFileName[] = "SchemaDiff.pb";

// `split`'s statistics are compared with `baseline`'s under each feature's skew_comparator.
struct SkewPair {
  std::string split;
  std::string baseline;
};

struct ExampleValidatorOptions {
  // A statistics artifact (Split-<name>/FeatureStats.pb), or one FeatureStats.pb (the file or a
  // folder holding it, as `weir statisticsgen --csv` writes): its anomalies are then written
  // straight into the output folder, as <output>/SchemaDiff.pb.
  std::filesystem::path statistics;
  std::filesystem::path schema;  // schema.pbtxt, or a folder (a Schema artifact) holding it.
  std::filesystem::path output;  // Must not exist, or be empty.
  // Optional: the previous span's statistics, in the same form. Each split is compared with the
  // split of the same name there; it is an error if that split is missing.
  std::filesystem::path previous_statistics;
  // nullopt: compare "eval" against "train" when both splits exist. An empty list: no skew.
  // Otherwise both splits of every pair must exist.
  std::optional<std::vector<SkewPair>> skew_pairs;
  std::string environment;  // See validation::ValidationOptions; must be named by the schema.
  // Optional: statistics of what a model server was sent (RequestLogExampleGen's examples
  // through StatisticsGen). Each of its splits is validated in serving_environment, compared with
  // the training split serving_baseline under each feature's skew_comparator (training/serving
  // skew), and written as a split of the output beside the others; its name must differ from
  // theirs.
  std::filesystem::path serving_statistics;
  // Empty: "SERVING" when the schema names that environment (TFX's convention, where the label
  // is not_in_environment SERVING), else every feature is expected.
  std::string serving_environment;
  std::string serving_baseline = "train";
};

struct SplitAnomalies {
  std::string split;
  tfmd::Anomalies anomalies;
  bool blessed = false;  // No feature or dataset anomaly, and the split has examples.
};

struct ExampleValidatorResult {
  std::vector<SplitAnomalies> splits;  // In ListSplits order.
  // split_names (TFX's JSON list), and blessed: a JSON object {"<split>": 1 or 0, ...} as TFX's
  // ExampleAnomalies records it.
  ArtifactProperties properties;
};

// Runs ExampleValidator. The output folder appears complete, by one rename, or not at all.
// Anomalies in the data are results, not errors; errors are unreadable inputs (naming the file,
// and the line for the schema), missing splits and an environment the schema does not name.
absl::StatusOr<ExampleValidatorResult> RunExampleValidator(const ExampleValidatorOptions& options);

// Reads a SchemaDiff.pb file. Errors name the file.
absl::StatusOr<tfmd::Anomalies> ReadAnomaliesFile(const std::filesystem::path& file);

}  // namespace weir::components

#endif  // WEIR_COMPONENTS_EXAMPLE_VALIDATOR_EXAMPLE_VALIDATOR_COMPONENT_H_
