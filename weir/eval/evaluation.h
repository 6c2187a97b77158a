// Sliced model evaluation, as TFMA does it: metrics and plot data on the overall slice and on
// each slice of the configured feature keys, for a candidate model and optionally a baseline,
// and validation of the candidate against value and change thresholds (which decides blessing).
#ifndef WEIR_EVAL_EVALUATION_H_
#define WEIR_EVAL_EVALUATION_H_

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "weir/data/record_batch.h"
#include "weir/eval/evaluation_result.h"
#include "weir/proto/evaluation.pb.h"
#include "weir/proto/model.pb.h"

namespace weir::eval {

// The headline metrics of a task (also the learning curves' metrics): binary auc, accuracy,
// loss, mean_label, mean_prediction; multiclass accuracy, loss; regression loss, mse, mae, r2.
Metrics BasicMetrics(model::Task task, int num_classes, const std::vector<float>& predictions,
                     const std::vector<float>& labels);

class Evaluation {
 public:
  // `outputs_per_row`: 1, or num_classes for multiclass.
  Evaluation(EvalConfig config, model::Task task, int num_classes);

  // Adds examples: their raw features (for slicing), the candidate's predictions, the
  // baseline's (nullptr without a baseline) and the labels. Errors name a missing slice feature.
  absl::Status Add(const data::RecordBatch& raw, const std::vector<float>& predictions,
                   const std::vector<float>* baseline_predictions,
                   const std::vector<float>& labels);

  // Metrics and plots per slice, Overall first, and the validation against the thresholds; the
  // caller fills in what was evaluated (model, baseline_model, split, label_key). `baseline`
  // says whether baseline predictions were added (change thresholds are skipped otherwise).
  ModelEvaluation Finish(bool baseline) const;

 private:
  struct SliceRows {
    std::vector<std::pair<std::string, std::string>> features;  // Empty: overall.
    std::vector<uint32_t> rows;
  };
  // The metrics (and for the candidate's binary predictions, confusion matrices and plots) of
  // the slice of these rows.
  SliceEvaluation SliceMetrics(const std::vector<uint32_t>& rows,
                               const std::vector<float>& predictions, bool plots) const;

  EvalConfig config_;
  model::Task task_;
  int num_classes_;
  int outputs_per_row_;
  std::vector<float> predictions_;
  std::vector<float> baseline_;
  std::vector<float> labels_;
  std::map<std::string, SliceRows> slices_;  // By display name ("Overall", "hour=3").
};

// The display name of a slice: "Overall", or "feature=value" joined with " & ".
std::string SliceName(const std::vector<std::pair<std::string, std::string>>& features);

}  // namespace weir::eval

#endif  // WEIR_EVAL_EVALUATION_H_
