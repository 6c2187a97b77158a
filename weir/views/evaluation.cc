#include "weir/views/evaluation.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>

#include "weir/base/status.h"
#include "weir/base/strings.h"

namespace weir::views {
namespace fs = std::filesystem;
namespace {

// ---------------------------------------------------------------------------------------------
// Evaluations.

using Json = nlohmann::ordered_json;

// The metrics a slice table shows, in this order, when the evaluation has them: the headline
// metrics of each task (binary: auc to calibration; multiclass: accuracy, loss; regression: loss,
// mae, r2). The rest (mean_label, mse, per-class precision, ...) are in the --json output.
constexpr const char* kHeadlineMetrics[] = {
    "example_count",        "auc",         "accuracy", "loss", "precision", "recall",
    "auc_precision_recall", "calibration", "mae",      "r2"};

const eval::SliceEvaluation* OverallSlice(const ModelEvaluation& evaluation) {
  for (const eval::SliceEvaluation& slice : evaluation.slices) {
    if (slice.features.empty()) return &slice;
  }
  return nullptr;
}

std::optional<double> Find(const eval::Metrics& metrics, std::string_view name) {
  for (const auto& [metric, value] : metrics) {
    if (metric == name) return value;
  }
  return std::nullopt;
}

// The headline metrics that some slice has; every metric of the first slice when none is a
// headline metric (a task this weir does not know).
std::vector<std::string> TableMetrics(const ModelEvaluation& evaluation) {
  std::vector<std::string> names;
  for (const char* name : kHeadlineMetrics) {
    for (const eval::SliceEvaluation& slice : evaluation.slices) {
      if (Find(slice.metrics, name)) {
        names.push_back(name);
        break;
      }
    }
  }
  if (names.size() <= 1 && !evaluation.slices.empty()) {
    names.clear();
    for (const auto& [name, value] : evaluation.slices.front().metrics) names.push_back(name);
  }
  return names;
}

// "+0.0123", "-0.5" or "0": a change in a metric, signed so that no sign means no change.
std::string FormatChange(double change) {
  std::string text = FormatNumber(change);
  return change > 0 ? StrCat("+", text) : text;
}

// The Evaluator writes example_count as a double; a count reads better as a whole number.
Json MetricsWithWholeCounts(const eval::Metrics& metrics) {
  Json out = Json::object();
  for (const auto& [name, value] : metrics) {
    if (name == "example_count" && value == std::floor(value) && std::fabs(value) < 1e15) {
      out[name] = static_cast<int64_t>(value);
    } else {
      out[name] = value;
    }
  }
  return out;
}

// The number `text` spells, or nullopt; NaN counts as text, so that slices stay totally ordered.
std::optional<double> ParseNumber(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || std::isnan(value)) return std::nullopt;
  return value;
}

// Slices by feature names, then by value: numbers in numeric order (hour 2 before hour 10),
// other values in text order, numbers before text.
bool SliceLess(const eval::SliceEvaluation& a, const eval::SliceEvaluation& b) {
  for (size_t i = 0; i < std::min(a.features.size(), b.features.size()); ++i) {
    const auto& [a_name, a_value] = a.features[i];
    const auto& [b_name, b_value] = b.features[i];
    if (a_name != b_name) return a_name < b_name;
    std::optional<double> a_number = ParseNumber(a_value), b_number = ParseNumber(b_value);
    if (a_number && b_number && *a_number != *b_number) return *a_number < *b_number;
    if (a_number.has_value() != b_number.has_value()) return a_number.has_value();
    if (a_value != b_value) return a_value < b_value;
  }
  return a.features.size() < b.features.size();
}

}  // namespace

absl::StatusOr<ModelEvaluation> LoadEvaluation(const fs::path& path) {
  ModelEvaluation evaluation;
  ASSIGN_OR_RETURN(static_cast<eval::ModelEvaluation&>(evaluation), eval::ReadEvaluation(path));
  evaluation.file = eval::EvaluationFile(path);
  std::stable_sort(evaluation.slices.begin(), evaluation.slices.end(), SliceLess);
  return evaluation;
}

std::string RenderEvaluation(const ModelEvaluation& evaluation, const TextOptions& options) {
  const eval::SliceEvaluation* overall = OverallSlice(evaluation);
  std::string out =
      Title(StrCat("Model evaluation (", evaluation.file.string(), ")"), options) + "\n";
  std::string examples;
  if (overall != nullptr) {
    if (std::optional<double> count = Find(overall->metrics, "example_count"))
      examples = StrCat(" (", FormatNumber(*count), " examples)");
  }
  out += StrCat("  model     ", evaluation.model, "\n");
  out += StrCat("  baseline  ",
                evaluation.baseline_model.empty() ? "none (first run: change thresholds skipped)"
                                                  : evaluation.baseline_model,
                "\n");
  out += StrCat("  split     ", evaluation.split, examples, "\n");
  out += StrCat("  label     ", evaluation.label_key, "\n");

  // Metrics per slice; the cells whose checks failed in red.
  const std::vector<std::string> metrics = TableMetrics(evaluation);
  std::set<std::pair<std::string, std::string>> failed;
  for (const eval::ThresholdFailure& failure : evaluation.failures)
    failed.emplace(failure.slice, failure.metric);
  std::vector<Column> columns = {{"slice", Align::kLeft, Fit::kTruncate, kNameWidth}};
  for (const std::string& metric : metrics) columns.push_back({metric, Align::kRight});
  Table table(std::move(columns));
  for (const eval::SliceEvaluation& slice : evaluation.slices) {
    std::vector<Cell> row = {slice.name};
    for (const std::string& metric : metrics) {
      std::optional<double> value = Find(slice.metrics, metric);
      std::string text = value ? FormatNumber(*value) : "";
      row.push_back(failed.count({slice.name, metric}) ? Cell(std::move(text), kRed)
                                                       : Cell(std::move(text)));
    }
    table.AddRow(std::move(row));
  }
  if (!table.empty()) {
    out += "\n" + table.Render(options);
  } else {
    out += "\nNo slices.\n";
  }
  std::vector<std::string> others;
  if (overall != nullptr) {
    for (const auto& [name, value] : overall->metrics) {
      if (std::find(metrics.begin(), metrics.end(), name) == metrics.end()) others.push_back(name);
    }
  }
  if (!others.empty()) {
    std::string list;
    for (const std::string& name : others) list += StrCat(list.empty() ? "" : ", ", name);
    out += Truncate(StrCat("More metrics with --json: ", list),
                    static_cast<size_t>(std::max(options.max_width, 40))) +
           "\n";
  }

  // The overall slice against the baseline, metric by metric.
  if (overall != nullptr && overall->baseline_metrics) {
    Table change({{"metric"},
                  {"candidate", Align::kRight},
                  {"baseline", Align::kRight},
                  {"change", Align::kRight}});
    for (const std::string& metric : metrics) {
      if (metric == "example_count") continue;
      std::optional<double> candidate = Find(overall->metrics, metric);
      std::optional<double> base = Find(*overall->baseline_metrics, metric);
      if (!candidate || !base) continue;
      change.AddRow({metric, FormatNumber(*candidate), FormatNumber(*base),
                     FormatChange(*candidate - *base)});
    }
    if (!change.empty()) {
      out += "\n" + Title(StrCat(overall->name, " against the baseline"), options) + "\n" +
             change.Render(options);
    }
  }

  // The validation result.
  out += "\n";
  if (evaluation.blessed) {
    out += Style("BLESSED", kGreen, options);
    out += evaluation.checks > 0 ? StrCat(": all ", evaluation.checks, " checks passed")
                                 : ": no thresholds to check";
  } else {
    out += Style("NOT BLESSED", kRed, options);
    out += StrCat(": ", evaluation.failures.size(), " of ", evaluation.checks, " checks failed");
  }
  out += "\n";
  const size_t width = static_cast<size_t>(std::max(options.max_width, 40)) - 4;
  for (const eval::ThresholdFailure& failure : evaluation.failures) {
    std::vector<std::string> lines = Wrap(failure.message, width);
    for (size_t i = 0; i < lines.size(); ++i) out += StrCat(i ? "    " : "  - ", lines[i], "\n");
  }
  return out;
}

nlohmann::ordered_json EvaluationToJson(const ModelEvaluation& evaluation) {
  const eval::SliceEvaluation* overall = OverallSlice(evaluation);
  Json overall_baseline = nullptr, overall_change = nullptr;
  if (overall != nullptr && overall->baseline_metrics) {
    overall_baseline = MetricsWithWholeCounts(*overall->baseline_metrics);
    overall_change = Json::object();
    for (const auto& [name, value] : overall->metrics) {
      if (std::optional<double> base = Find(*overall->baseline_metrics, name))
        overall_change[name] = value - *base;
    }
  }
  Json slices = Json::array();
  for (const eval::SliceEvaluation& slice : evaluation.slices) {
    Json features = Json::object();
    for (const auto& [feature, value] : slice.features) features[feature] = value;
    slices.push_back({{"slice", slice.name},
                      {"features", features},
                      {"metrics", MetricsWithWholeCounts(slice.metrics)},
                      {"baseline_metrics", slice.baseline_metrics
                                               ? MetricsWithWholeCounts(*slice.baseline_metrics)
                                               : Json(nullptr)}});
  }
  Json failures = Json::array();
  for (const eval::ThresholdFailure& failure : evaluation.failures)
    failures.push_back(eval::FailureToJson(failure));
  return {{"file", evaluation.file.string()},
          {"model", evaluation.model},
          {"baseline_model",
           evaluation.baseline_model.empty() ? Json(nullptr) : Json(evaluation.baseline_model)},
          {"split", evaluation.split},
          {"label_key", evaluation.label_key},
          {"headline_metrics", TableMetrics(evaluation)},
          {"blessed", evaluation.blessed},
          {"checks", evaluation.checks},
          {"change_thresholds_skipped", evaluation.change_thresholds_skipped},
          {"overall", overall ? MetricsWithWholeCounts(overall->metrics) : Json::object()},
          {"overall_baseline", overall_baseline},
          {"overall_change", overall_change},
          {"slices", slices},
          {"failures", failures}};
}

}  // namespace weir::views
