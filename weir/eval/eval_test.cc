// The metrics against values computed by hand, and the sliced evaluation's thresholds.
#include <gtest/gtest.h>

#include <cmath>

#include "weir/data/record_batch.h"
#include "weir/eval/evaluation.h"
#include "weir/eval/evaluation_result.h"
#include "weir/eval/metrics.h"

namespace weir::eval {
namespace {

TEST(MetricsTest, AucCountsPairsAndHalvesTies) {
  // Positives 0.8, 0.4; negatives 0.6, 0.4, 0.1. Pairs: (0.8 beats all 3) + (0.4 beats 0.1, ties
  // 0.4: 1.5) = 4.5 of 6.
  const std::vector<float> scores = {0.8f, 0.4f, 0.6f, 0.4f, 0.1f};
  const std::vector<float> labels = {1, 1, 0, 0, 0};
  EXPECT_DOUBLE_EQ(AucRoc(scores, labels), 4.5 / 6);
  EXPECT_DOUBLE_EQ(AucRoc(scores, std::vector<float>(5, 1.f)), 0.5);  // One class only.
}

TEST(MetricsTest, LogLossAccuracyAndRegressionErrors) {
  const std::vector<float> p = {0.9f, 0.2f, 0.6f, 0.0f};
  const std::vector<float> y = {1, 0, 0, 0};
  const double expected =
      -(std::log(0.9f) + std::log(1 - 0.2f) + std::log(1 - 0.6f) + std::log(1 - 1e-7)) / 4;
  EXPECT_NEAR(LogLoss(p, y), expected, 1e-6);
  EXPECT_DOUBLE_EQ(BinaryAccuracy(p, y), 0.75);  // 0.6 is on the wrong side.

  // Two examples of three classes: the first right with 0.7, the second wrong.
  const std::vector<float> probabilities = {0.7f, 0.2f, 0.1f, 0.5f, 0.3f, 0.2f};
  const std::vector<float> classes = {0, 2};
  EXPECT_DOUBLE_EQ(MulticlassAccuracy(probabilities, classes, 3), 0.5);
  EXPECT_NEAR(MulticlassLogLoss(probabilities, classes, 3), -(std::log(0.7f) + std::log(0.2f)) / 2,
              1e-6);

  const std::vector<float> predicted = {2, 4, 9};
  const std::vector<float> actual = {1, 5, 6};
  EXPECT_DOUBLE_EQ(MeanSquaredError(predicted, actual), (1 + 1 + 9) / 3.0);
  EXPECT_DOUBLE_EQ(MeanAbsoluteError(predicted, actual), (1 + 1 + 3) / 3.0);
  // Mean 4: SST = 9 + 1 + 4 = 14; SSE = 11.
  EXPECT_DOUBLE_EQ(RSquared(predicted, actual), 1 - 11.0 / 14);
  EXPECT_DOUBLE_EQ(RSquared(predicted, std::vector<float>(3, 2.f)), 0);
}

// Four examples in two slices of `hour`; a lower bound on accuracy holds overall (0.75) and
// fails on hour=2 (0.5); a change threshold against a worse baseline holds.
TEST(EvaluationTest, SlicesThresholdsAndBaseline) {
  EvalConfig config;
  config.add_slicing_specs();
  config.add_slicing_specs()->add_feature_keys("hour");
  MetricThreshold* bound = config.add_thresholds();
  bound->set_metric("accuracy");
  bound->set_lower_bound(0.6);
  MetricThreshold* change = config.add_thresholds();
  change->set_metric("accuracy");
  change->set_change_absolute(0);
  change->set_direction(HIGHER_IS_BETTER);
  change->add_slicing_specs();
  Evaluation evaluation(config, model::BINARY_CLASSIFICATION, 1);
  data::RecordBatch raw;
  data::Column& hour = raw.AddColumn("hour", data::DataType::kInt64);
  for (int64_t h : {1, 1, 2, 2}) {
    hour.AddInt64(h);
    hour.FinishRow(data::Presence::kPresent);
  }
  const std::vector<float> candidate = {0.9f, 0.1f, 0.8f, 0.7f};
  const std::vector<float> baseline = {0.1f, 0.1f, 0.8f, 0.7f};
  const std::vector<float> labels = {1, 0, 1, 0};
  ASSERT_TRUE(evaluation.Add(raw, candidate, &baseline, labels).ok());
  const ModelEvaluation result = evaluation.Finish(/*baseline=*/true);
  ASSERT_EQ(result.slices.size(), 3u);
  EXPECT_EQ(result.slices[0].name, "Overall");
  EXPECT_EQ(result.slices[1].name, "hour=1");
  EXPECT_EQ(result.slices[2].name, "hour=2");
  auto metric = [](const Metrics& metrics, const std::string& name) {
    for (const auto& [key, value] : metrics)
      if (key == name) return value;
    return std::nan("");
  };
  EXPECT_DOUBLE_EQ(metric(result.slices[0].metrics, "accuracy"), 0.75);
  EXPECT_DOUBLE_EQ(metric(result.slices[0].metrics, "example_count"), 4);
  EXPECT_DOUBLE_EQ(metric(*result.slices[0].baseline_metrics, "accuracy"), 0.5);
  EXPECT_DOUBLE_EQ(metric(result.slices[2].metrics, "accuracy"), 0.5);
  ASSERT_TRUE(result.slices[0].confusion_matrices.has_value());
  EXPECT_EQ(result.slices[0].plots->roc.size(), 101u);
  // Lower bound on 3 slices and the change on Overall: 4 checks, one failure.
  EXPECT_EQ(result.checks, 4);
  EXPECT_FALSE(result.blessed);
  ASSERT_EQ(result.failures.size(), 1u);
  EXPECT_EQ(result.failures[0].slice, "hour=2");
  EXPECT_EQ(result.failures[0].check, "lower_bound");

  // The file's one writer and one reader agree.
  auto read = FromJson(ToJson(result), "test");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(ToJson(*read).dump(), ToJson(result).dump());
  nlohmann::ordered_json broken = ToJson(result);
  broken["slices"][1].erase("metrics");
  auto error = FromJson(broken, "e.json");
  ASSERT_FALSE(error.ok());
  EXPECT_NE(error.status().message().find("e.json: slices[1].metrics is missing"),
            std::string::npos)
      << error.status();
}

}  // namespace
}  // namespace weir::eval
