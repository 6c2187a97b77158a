// Validation of dataset statistics against a schema, as TFDV's validate_statistics does it: the
// result is a tensorflow_metadata Anomalies message (TFX's SchemaDiff.pb) with one AnomalyInfo per
// offending feature, keyed by the feature's name, each listing its reasons (AnomalyInfo.Type) with
// a short and a long description, plus dataset-level anomalies and drift/skew measurements.
//
// Checked per schema feature (in the environment, and not in a lifecycle stage TFDV skips:
// PLANNED, ALPHA, DEBUG_ONLY, DEPRECATED, DISABLED, VALIDATION_DERIVED): presence, type, value
// counts or shape, domain (string values, int and float ranges, NaN and infinities), unique value
// counts, and the drift and skew comparators. Features in the statistics but not in the schema
// are new columns. See docs/example_validator.md for the full list.
#ifndef WEIR_VALIDATION_VALIDATOR_H_
#define WEIR_VALIDATION_VALIDATOR_H_

#include <string>

#include "absl/status/status.h"
#include "weir/proto/anomalies.pb.h"
#include "weir/proto/schema.pb.h"
#include "weir/proto/statistics.pb.h"

namespace weir::validation {

namespace tfmd = ::tensorflow::metadata::v0;

struct ValidationOptions {
  // Empty: every feature is expected, whatever its in_environment / not_in_environment say.
  // Otherwise a feature is expected if its in_environment lists it, not if its not_in_environment
  // lists it, and else if the schema has no default_environment or lists it there.
  std::string environment;
  // Statistics of the previous span (the same split), compared with each feature's
  // drift_comparator and with dataset_constraints.num_examples_drift_comparator. Not owned; null:
  // no drift checks.
  const tfmd::DatasetFeatureStatistics* previous_statistics = nullptr;
  // Statistics of another split of the same span (TFDV's serving statistics; e.g. train when
  // validating eval), compared with each feature's skew_comparator. Not owned; null: no skew
  // checks.
  const tfmd::DatasetFeatureStatistics* skew_statistics = nullptr;
};

// Validates `statistics` against `schema`. Every anomaly has severity ERROR. A dataset with no
// examples sets data_missing and gets only the dataset-level checks. Never fails: a schema that
// cannot be applied (say, a domain name that names no domain) is itself reported as an anomaly.
tfmd::Anomalies ValidateStatistics(const tfmd::DatasetFeatureStatistics& statistics,
                                   const tfmd::Schema& schema, const ValidationOptions& options);

// OK when `environment` is empty or named by the schema (in default_environment or in some
// feature's in_environment / not_in_environment); otherwise InvalidArgument listing the known ones,
// since a misspelt environment would silently change which features are expected.
absl::Status CheckEnvironment(const tfmd::Schema& schema, const std::string& environment);

// True when `anomalies` holds no feature or dataset anomaly and the data is not missing.
// Drift/skew measurements below their thresholds do not count.
bool IsBlessed(const tfmd::Anomalies& anomalies);

}  // namespace weir::validation

#endif  // WEIR_VALIDATION_VALIDATOR_H_
