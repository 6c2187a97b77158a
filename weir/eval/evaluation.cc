#include "weir/eval/evaluation.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <optional>
#include <set>

#include "weir/base/strings.h"
#include "weir/eval/metrics.h"

namespace weir::eval {
namespace {

double Mean(const std::vector<float>& values) {
  return values.empty() ? 0.0
                        : std::accumulate(values.begin(), values.end(), 0.0) /
                              static_cast<double>(values.size());
}

// The text of a raw value, for slice keys; nullopt when the row has no single value.
std::optional<std::string> CellText(const data::Column& column, size_t row) {
  if (column.value_count(row) != 1) return std::nullopt;
  const uint32_t v = column.value_begin(row);
  char buffer[32];
  switch (column.type()) {
    case data::DataType::kInt64: {
      auto end = std::to_chars(buffer, buffer + sizeof(buffer), column.int64_values()[v]).ptr;
      return std::string(buffer, end);
    }
    case data::DataType::kFloat: {
      auto end = std::to_chars(buffer, buffer + sizeof(buffer), column.float_values()[v]).ptr;
      return std::string(buffer, end);
    }
    case data::DataType::kBytes:
      return std::string(column.bytes_value(v));
    case data::DataType::kNull:
      return std::nullopt;
  }
  return std::nullopt;
}

struct Confusion {
  double tp = 0, fp = 0, tn = 0, fn = 0;
  double precision() const { return tp + fp > 0 ? tp / (tp + fp) : 0; }
  double recall() const { return tp + fn > 0 ? tp / (tp + fn) : 0; }
  double fpr() const { return fp + tn > 0 ? fp / (fp + tn) : 0; }
};

Confusion ConfusionAt(const std::vector<float>& p, const std::vector<float>& y, double threshold) {
  Confusion c;
  for (size_t i = 0; i < p.size(); ++i) {
    const bool predicted = p[i] > threshold;
    const bool actual = y[i] > 0.5f;
    (predicted ? (actual ? c.tp : c.fp) : (actual ? c.fn : c.tn)) += 1;
  }
  return c;
}

// Average precision: the area under the precision-recall curve as a step function over every
// distinct score.
double AucPrecisionRecall(const std::vector<float>& p, const std::vector<float>& y) {
  std::vector<size_t> order(p.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return p[a] > p[b]; });
  double positives = 0;
  for (float label : y) positives += label > 0.5f;
  if (positives == 0) return 0;
  double tp = 0, seen = 0, area = 0, last_recall = 0;
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j < order.size() && p[order[j]] == p[order[i]]) {
      tp += y[order[j]] > 0.5f;
      ++seen;
      ++j;
    }
    const double recall = tp / positives;
    area += (recall - last_recall) * (tp / seen);
    last_recall = recall;
    i = j;
  }
  return area;
}

// Whether `threshold` checks the slice of `features` (its keys, in the spec's order).
bool Applies(const MetricThreshold& threshold,
             const std::vector<std::pair<std::string, std::string>>& features) {
  if (threshold.slicing_specs().empty()) return true;
  for (const SlicingSpec& spec : threshold.slicing_specs()) {
    if (static_cast<size_t>(spec.feature_keys_size()) != features.size()) continue;
    bool same = true;
    for (size_t i = 0; i < features.size(); ++i)
      same = same && spec.feature_keys(static_cast<int>(i)) == features[i].first;
    if (same) return true;
  }
  return false;
}

// A metric value for messages: 4 significant digits.
std::string Short(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.4g", value);
  return buffer;
}

}  // namespace

Metrics BasicMetrics(model::Task task, int num_classes, const std::vector<float>& predictions,
                     const std::vector<float>& labels) {
  switch (task) {
    case model::BINARY_CLASSIFICATION:
      return {{"auc", AucRoc(predictions, labels)},
              {"accuracy", BinaryAccuracy(predictions, labels)},
              {"loss", LogLoss(predictions, labels)},
              {"mean_label", Mean(labels)},
              {"mean_prediction", Mean(predictions)}};
    case model::MULTICLASS_CLASSIFICATION:
      return {{"accuracy", MulticlassAccuracy(predictions, labels, num_classes)},
              {"loss", MulticlassLogLoss(predictions, labels, num_classes)}};
    default: {
      const double mse = MeanSquaredError(predictions, labels);
      return {{"loss", mse},
              {"mse", mse},
              {"mae", MeanAbsoluteError(predictions, labels)},
              {"r2", RSquared(predictions, labels)}};
    }
  }
}

std::string SliceName(const std::vector<std::pair<std::string, std::string>>& features) {
  if (features.empty()) return "Overall";
  std::string name;
  for (const auto& [feature, value] : features)
    name += StrCat(name.empty() ? "" : " & ", feature, "=", value);
  return name;
}

Evaluation::Evaluation(EvalConfig config, model::Task task, int num_classes)
    : config_(std::move(config)),
      task_(task),
      num_classes_(num_classes),
      outputs_per_row_(task == model::MULTICLASS_CLASSIFICATION ? num_classes : 1) {
  if (config_.confusion_thresholds().empty()) {
    for (double t : {0.25, 0.5, 0.75}) config_.add_confusion_thresholds(t);
  }
  slices_["Overall"];
}

absl::Status Evaluation::Add(const data::RecordBatch& raw, const std::vector<float>& predictions,
                             const std::vector<float>* baseline_predictions,
                             const std::vector<float>& labels) {
  const uint32_t first = static_cast<uint32_t>(labels_.size());
  for (size_t row = 0; row < raw.num_rows(); ++row) {
    const uint32_t index = first + static_cast<uint32_t>(row);
    slices_["Overall"].rows.push_back(index);
    for (const SlicingSpec& spec : config_.slicing_specs()) {
      if (spec.feature_keys().empty()) continue;
      std::vector<std::pair<std::string, std::string>> key;
      bool complete = true;
      for (const std::string& feature : spec.feature_keys()) {
        const data::Column* column = raw.FindColumn(feature);
        std::optional<std::string> text = column ? CellText(*column, row) : std::nullopt;
        if (!text) {
          complete = false;
          break;
        }
        key.emplace_back(feature, *text);
      }
      if (!complete) continue;
      SliceRows& slice = slices_[SliceName(key)];
      if (slice.features.empty()) slice.features = key;
      slice.rows.push_back(index);
    }
  }
  predictions_.insert(predictions_.end(), predictions.begin(), predictions.end());
  if (baseline_predictions != nullptr)
    baseline_.insert(baseline_.end(), baseline_predictions->begin(), baseline_predictions->end());
  labels_.insert(labels_.end(), labels.begin(), labels.end());
  return absl::OkStatus();
}

SliceEvaluation Evaluation::SliceMetrics(const std::vector<uint32_t>& rows,
                                         const std::vector<float>& all_predictions,
                                         bool plots) const {
  const size_t width = static_cast<size_t>(outputs_per_row_);
  std::vector<float> p, y;
  p.reserve(rows.size() * width);
  y.reserve(rows.size());
  for (uint32_t row : rows) {
    p.insert(p.end(), all_predictions.begin() + row * width,
             all_predictions.begin() + (row + 1) * width);
    y.push_back(labels_[row]);
  }
  SliceEvaluation out;
  Metrics& metrics = out.metrics;
  metrics = {{"example_count", static_cast<double>(rows.size())}};
  for (auto& metric : BasicMetrics(task_, num_classes_, p, y)) metrics.push_back(metric);
  if (task_ == model::BINARY_CLASSIFICATION) {
    const Confusion half = ConfusionAt(p, y, 0.5);
    metrics.emplace_back("auc_precision_recall", AucPrecisionRecall(p, y));
    metrics.emplace_back("precision", half.precision());
    metrics.emplace_back("recall", half.recall());
    const double mean_label = Mean(y);
    metrics.emplace_back("calibration", mean_label > 0 ? Mean(p) / mean_label : 0.0);
    out.confusion_matrices.emplace();
    for (double t : config_.confusion_thresholds()) {
      const Confusion c = ConfusionAt(p, y, t);
      out.confusion_matrices->push_back({.threshold = t,
                                         .true_positives = c.tp,
                                         .false_positives = c.fp,
                                         .true_negatives = c.tn,
                                         .false_negatives = c.fn,
                                         .precision = c.precision(),
                                         .recall = c.recall()});
    }
    if (plots) {
      Plots& drawn = out.plots.emplace();
      for (int k = 0; k <= 100; ++k) {
        const double t = k / 100.0;
        const Confusion c = ConfusionAt(p, y, t);
        drawn.roc.push_back(
            {.threshold = t, .false_positive_rate = c.fpr(), .true_positive_rate = c.recall()});
        drawn.precision_recall.push_back(
            {.threshold = t, .recall = c.recall(), .precision = c.precision()});
      }
      for (int b = 0; b < 10; ++b) {
        double count = 0, sum_p = 0, sum_y = 0;
        for (size_t i = 0; i < p.size(); ++i) {
          const int bucket = std::min(9, static_cast<int>(p[i] * 10));
          if (bucket != b) continue;
          ++count;
          sum_p += p[i];
          sum_y += y[i];
        }
        drawn.calibration.push_back({.lower = b / 10.0,
                                     .upper = (b + 1) / 10.0,
                                     .example_count = count,
                                     .mean_prediction = count > 0 ? sum_p / count : 0.0,
                                     .mean_label = count > 0 ? sum_y / count : 0.0});
      }
    }
  } else if (task_ == model::MULTICLASS_CLASSIFICATION) {
    for (int k = 0; k < num_classes_; ++k) {
      double tp = 0, predicted = 0, actual = 0;
      for (size_t i = 0; i < y.size(); ++i) {
        const float* row = p.data() + i * width;
        const bool is_predicted = std::max_element(row, row + width) - row == k;
        const bool is_actual = std::lround(y[i]) == k;
        tp += is_predicted && is_actual;
        predicted += is_predicted;
        actual += is_actual;
      }
      metrics.emplace_back(StrCat("precision_class_", k), predicted > 0 ? tp / predicted : 0.0);
      metrics.emplace_back(StrCat("recall_class_", k), actual > 0 ? tp / actual : 0.0);
    }
  } else {
    metrics.emplace_back("mean_label", Mean(y));
    metrics.emplace_back("mean_prediction", Mean(p));
  }
  return out;
}

namespace {

// The value of `name` in `metrics`, if it is there.
std::optional<double> Find(const Metrics& metrics, const std::string& name) {
  for (const auto& [metric, value] : metrics) {
    if (metric == name) return value;
  }
  return std::nullopt;
}

}  // namespace

ModelEvaluation Evaluation::Finish(bool baseline) const {
  ModelEvaluation out;
  std::set<std::string> unknown_metrics;
  // Overall first, then the slices by name.
  std::vector<const std::pair<const std::string, SliceRows>*> ordered;
  for (const auto& entry : slices_) {
    if (entry.first == "Overall")
      ordered.insert(ordered.begin(), &entry);
    else
      ordered.push_back(&entry);
  }
  for (const auto* entry : ordered) {
    const auto& [name, slice] = *entry;
    SliceEvaluation result = SliceMetrics(slice.rows, predictions_, /*plots=*/true);
    result.name = name;
    result.features = slice.features;
    if (baseline) result.baseline_metrics = SliceMetrics(slice.rows, baseline_, false).metrics;
    for (const MetricThreshold& threshold : config_.thresholds()) {
      if (!Applies(threshold, slice.features)) continue;
      auto fail = [&](const std::string& check, double limit, double value, std::string message) {
        out.failures.push_back({.slice = result.name,
                                .metric = threshold.metric(),
                                .check = check,
                                .threshold = limit,
                                .value = value,
                                .message = std::move(message)});
      };
      const std::optional<double> found = Find(result.metrics, threshold.metric());
      if (!found) {
        // Reported once, not once per slice.
        if (unknown_metrics.insert(threshold.metric()).second) {
          ++out.checks;
          fail("metric", 0, 0, StrCat("no metric '", threshold.metric(), "' for this task"));
        }
        continue;
      }
      const double value = *found;
      if (threshold.has_lower_bound()) {
        ++out.checks;
        if (!(value >= threshold.lower_bound()))
          fail("lower_bound", threshold.lower_bound(), value,
               StrCat(threshold.metric(), " on ", name, " is ", Short(value),
                      ", below the lower bound ", Short(threshold.lower_bound())));
      }
      if (threshold.has_upper_bound()) {
        ++out.checks;
        if (!(value <= threshold.upper_bound()))
          fail("upper_bound", threshold.upper_bound(), value,
               StrCat(threshold.metric(), " on ", name, " is ", Short(value),
                      ", above the upper bound ", Short(threshold.upper_bound())));
      }
      if (!result.baseline_metrics) continue;
      const std::optional<double> base = Find(*result.baseline_metrics, threshold.metric());
      if (!base) continue;
      const double reference = *base;
      const double change = value - reference;
      const bool higher = threshold.direction() == HIGHER_IS_BETTER;
      auto within = [&](double delta, double limit) {
        return higher ? delta >= limit : delta <= limit;
      };
      if (threshold.has_change_absolute()) {
        ++out.checks;
        if (!within(change, threshold.change_absolute()))
          fail("change_absolute", threshold.change_absolute(), value,
               StrCat(threshold.metric(), " on ", name, " changed by ", Short(change),
                      " from the baseline's ", Short(reference), "; the threshold is ",
                      Short(threshold.change_absolute())));
      }
      if (threshold.has_change_relative() && reference != 0) {
        ++out.checks;
        const double relative = change / std::abs(reference);
        if (!within(relative, threshold.change_relative()))
          fail("change_relative", threshold.change_relative(), value,
               StrCat(threshold.metric(), " on ", name, " changed by ", Short(relative * 100),
                      "% from the baseline's ", Short(reference), "; the threshold is ",
                      Short(threshold.change_relative() * 100), "%"));
      }
    }
    out.slices.push_back(std::move(result));
  }
  out.blessed = out.failures.empty();
  out.change_thresholds_skipped = !baseline;
  return out;
}

}  // namespace weir::eval
