// A model evaluation as the Evaluator hands it on: a typed result with one writer and one reader
// of its file, evaluation.json (the Evaluator writes it, `weir show` and the web UI read it).
#ifndef WEIR_EVAL_EVALUATION_RESULT_H_
#define WEIR_EVAL_EVALUATION_RESULT_H_

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace weir::eval {

inline constexpr int kEvaluationFormatVersion = 1;
inline constexpr char kEvaluationFileName[] = "evaluation.json";

// Metric names and values, in the order they are computed and written. A value that could not
// be computed is NaN (null in the file).
using Metrics = std::vector<std::pair<std::string, double>>;

struct ConfusionMatrix {
  double threshold = 0;
  double true_positives = 0, false_positives = 0, true_negatives = 0, false_negatives = 0;
  double precision = 0, recall = 0;
};
struct RocPoint {
  double threshold = 0, false_positive_rate = 0, true_positive_rate = 0;
};
struct PrecisionRecallPoint {
  double threshold = 0, recall = 0, precision = 0;
};
struct CalibrationBucket {
  double lower = 0, upper = 0, example_count = 0, mean_prediction = 0, mean_label = 0;
};
// Plot data of a binary classifier on one slice: thresholds 0, 0.01, ..., 1, and ten buckets of
// predicted probability.
struct Plots {
  std::vector<RocPoint> roc;
  std::vector<PrecisionRecallPoint> precision_recall;
  std::vector<CalibrationBucket> calibration;
};

struct SliceEvaluation {
  std::string name;  // "Overall", "trip_start_hour=3", "a=x & b=y".
  std::vector<std::pair<std::string, std::string>> features;  // Empty for Overall.
  Metrics metrics;
  // Binary classification only: at each configured threshold; and the plots.
  std::optional<std::vector<ConfusionMatrix>> confusion_matrices;
  std::optional<Plots> plots;
  // The baseline model's metrics on the same examples; nullopt without a baseline.
  std::optional<Metrics> baseline_metrics;
};

struct ThresholdFailure {
  std::string slice;
  std::string metric;
  std::string check;  // lower_bound, upper_bound, change_absolute, change_relative or metric.
  double threshold = 0;
  double value = 0;
  std::string message;
};

struct ModelEvaluation {
  int format_version = kEvaluationFormatVersion;
  std::string model;           // The candidate's folder.
  std::string baseline_model;  // Empty: no baseline (a first run), change thresholds skipped.
  std::string split;
  std::string label_key;
  std::vector<SliceEvaluation> slices;  // Overall first, then by name.
  // Validation against the thresholds, which decides blessing.
  bool blessed = false;
  int checks = 0;  // Threshold checks made, passed or failed.
  bool change_thresholds_skipped = false;
  std::vector<ThresholdFailure> failures;
};

// The evaluation as evaluation.json holds it: {"format_version", "model", "baseline_model",
// "split", "label_key", "slices": [{"slice", "features", "metrics", "confusion_matrices",
// "plots", "baseline_metrics"}], "validation": {"blessed", "checks", "change_thresholds_skipped",
// "failures"}}; optional parts are left out when absent, NaN is null.
nlohmann::ordered_json ToJson(const ModelEvaluation& evaluation);

// Parts of ToJson's output: {"metric name": value, ...} (NaN is null), and one threshold failure
// {"slice", "metric", "check", "threshold", "value", "message"}.
nlohmann::ordered_json MetricsToJson(const Metrics& metrics);
nlohmann::ordered_json FailureToJson(const ThresholdFailure& failure);

// Reads what ToJson writes. Errors are InvalidArgument and name `source` and the field
// ("slices[2].metrics is missing"), or say that format_version is newer than this weir reads.
// A file from before change_thresholds_skipped was written gets it from baseline_model.
absl::StatusOr<ModelEvaluation> FromJson(const nlohmann::ordered_json& json,
                                         std::string_view source);

// evaluation.json in `dir`, written atomically; and read back from a ModelEvaluation folder or
// the file itself (NotFound when there is none).
absl::Status WriteEvaluation(const std::filesystem::path& dir, const ModelEvaluation& evaluation);
absl::StatusOr<ModelEvaluation> ReadEvaluation(const std::filesystem::path& path);
// The file ReadEvaluation reads for `path`.
std::filesystem::path EvaluationFile(const std::filesystem::path& path);

}  // namespace weir::eval

#endif  // WEIR_EVAL_EVALUATION_RESULT_H_
