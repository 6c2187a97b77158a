// Model quality metrics, computed exactly over all examples (no bucketing of scores).
#ifndef WEIR_EVAL_METRICS_H_
#define WEIR_EVAL_METRICS_H_

#include <span>
#include <vector>

namespace weir::eval {

// Area under the ROC curve of scores for binary labels (0 / 1), with tied scores counted as
// half (the Mann-Whitney statistic). 0.5 when a class is absent.
double AucRoc(std::span<const float> scores, std::span<const float> labels);
// Mean binary cross-entropy of probabilities, clipped to [1e-7, 1 - 1e-7].
double LogLoss(std::span<const float> probabilities, std::span<const float> labels);
// Share of examples whose probability is on the label's side of `threshold`.
double BinaryAccuracy(std::span<const float> probabilities, std::span<const float> labels,
                      double threshold = 0.5);

// Multiclass: `probabilities` holds num_classes values per example.
double MulticlassAccuracy(std::span<const float> probabilities, std::span<const float> labels,
                          int num_classes);
double MulticlassLogLoss(std::span<const float> probabilities, std::span<const float> labels,
                         int num_classes);

double MeanSquaredError(std::span<const float> predictions, std::span<const float> labels);
double MeanAbsoluteError(std::span<const float> predictions, std::span<const float> labels);
// 1 - SSE / SST; 0 when the labels are constant.
double RSquared(std::span<const float> predictions, std::span<const float> labels);

}  // namespace weir::eval

#endif  // WEIR_EVAL_METRICS_H_
