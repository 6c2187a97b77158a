#include "weir/eval/metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace weir::eval {

double AucRoc(std::span<const float> scores, std::span<const float> labels) {
  const size_t n = scores.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  // Sum of the positives' ranks, ties sharing their average rank.
  double positive_rank_sum = 0;
  double positives = 0;
  size_t i = 0;
  while (i < n) {
    size_t j = i;
    while (j < n && scores[order[j]] == scores[order[i]]) ++j;
    const double average_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
    for (size_t k = i; k < j; ++k) {
      if (labels[order[k]] > 0.5f) {
        positive_rank_sum += average_rank;
        positives += 1;
      }
    }
    i = j;
  }
  const double negatives = static_cast<double>(n) - positives;
  if (positives == 0 || negatives == 0) return 0.5;
  return (positive_rank_sum - positives * (positives + 1) / 2) / (positives * negatives);
}

namespace {
double Clip(double p) { return std::clamp(p, 1e-7, 1 - 1e-7); }
}  // namespace

double LogLoss(std::span<const float> probabilities, std::span<const float> labels) {
  if (labels.empty()) return 0;
  double total = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    const double p = Clip(probabilities[i]);
    total -= labels[i] > 0.5f ? std::log(p) : std::log(1 - p);
  }
  return total / static_cast<double>(labels.size());
}

double BinaryAccuracy(std::span<const float> probabilities, std::span<const float> labels,
                      double threshold) {
  if (labels.empty()) return 0;
  size_t correct = 0;
  for (size_t i = 0; i < labels.size(); ++i)
    correct += (probabilities[i] > threshold) == (labels[i] > 0.5f);
  return static_cast<double>(correct) / static_cast<double>(labels.size());
}

double MulticlassAccuracy(std::span<const float> probabilities, std::span<const float> labels,
                          int num_classes) {
  if (labels.empty()) return 0;
  size_t correct = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    const float* row = probabilities.data() + i * static_cast<size_t>(num_classes);
    const long predicted = std::max_element(row, row + num_classes) - row;
    correct += predicted == std::lround(labels[i]);
  }
  return static_cast<double>(correct) / static_cast<double>(labels.size());
}

double MulticlassLogLoss(std::span<const float> probabilities, std::span<const float> labels,
                         int num_classes) {
  if (labels.empty()) return 0;
  double total = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    const long label = std::lround(labels[i]);
    const double p =
        label >= 0 && label < num_classes
            ? probabilities[i * static_cast<size_t>(num_classes) + static_cast<size_t>(label)]
            : 0.0;
    total -= std::log(Clip(p));
  }
  return total / static_cast<double>(labels.size());
}

double MeanSquaredError(std::span<const float> predictions, std::span<const float> labels) {
  if (labels.empty()) return 0;
  double total = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    const double d = double(predictions[i]) - labels[i];
    total += d * d;
  }
  return total / static_cast<double>(labels.size());
}

double MeanAbsoluteError(std::span<const float> predictions, std::span<const float> labels) {
  if (labels.empty()) return 0;
  double total = 0;
  for (size_t i = 0; i < labels.size(); ++i) total += std::abs(double(predictions[i]) - labels[i]);
  return total / static_cast<double>(labels.size());
}

double RSquared(std::span<const float> predictions, std::span<const float> labels) {
  if (labels.empty()) return 0;
  double mean = 0;
  for (float y : labels) mean += y;
  mean /= static_cast<double>(labels.size());
  double sse = 0, sst = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    sse += (double(predictions[i]) - labels[i]) * (double(predictions[i]) - labels[i]);
    sst += (labels[i] - mean) * (labels[i] - mean);
  }
  return sst > 0 ? 1 - sse / sst : 0;
}

}  // namespace weir::eval
