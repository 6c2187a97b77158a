// The model library alone, on data made up in memory: how a transform graph becomes model inputs
// (PlanModel, ToBatch), the held-out validation rows, and gbdt's own tree walk against XGBoost's
// predictions.
#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <set>

#include "weir/model/gbdt.h"
#include "weir/model/layout.h"
#include "weir/transform/transform.h"

namespace weir::model {
namespace {

// x: floats 0..n-1 scaled to [0, 1); c: strings "a" (twice as often) and "b"; y: 10 * x + 5.
data::RecordBatch RawRows(int n) {
  data::RecordBatch batch;
  data::Column& x = batch.AddColumn("x", data::DataType::kFloat);
  data::Column& c = batch.AddColumn("c", data::DataType::kBytes);
  data::Column& y = batch.AddColumn("y", data::DataType::kFloat);
  for (int i = 0; i < n; ++i) {
    x.AddFloat(static_cast<float>(i) / n);
    x.FinishRow(data::Presence::kPresent);
    c.AddBytes(i % 3 == 2 ? "b" : "a");
    c.FinishRow(data::Presence::kPresent);
    y.AddFloat(10.f * static_cast<float>(i) / n + 5.f);
    y.FinishRow(data::Presence::kPresent);
  }
  return batch;
}

transform::Transform AnalyzedTransform(const data::RecordBatch& raw) {
  transform::TransformSpec spec;
  auto* x = spec.add_features();
  x->set_name("x_xf");
  x->set_input("x");
  x->add_ops()->mutable_scale_to_z_score();
  auto* c = spec.add_features();
  c->set_name("c_xf");
  c->set_input("c");
  c->add_ops()->mutable_compute_and_apply_vocabulary();
  auto* y = spec.add_features();
  y->set_name("y_xf");
  y->set_input("y");
  y->add_ops()->mutable_scale_to_z_score();
  auto transform = transform::Transform::Analyze(
      spec, {{"x", transform::FLOAT}, {"c", transform::STRING}, {"y", transform::FLOAT}},
      [&](const auto& accumulate, const auto& merge) -> absl::Status {
        auto state = accumulate(raw);
        if (!state.ok()) return state.status();
        return merge(std::move(*state));
      });
  EXPECT_TRUE(transform.ok()) << transform.status();
  return *std::move(transform);
}

TEST(LayoutTest, PlansInputsLabelUnitsAndTheSignature) {
  const data::RecordBatch raw = RawRows(30);
  const transform::Transform transform = AnalyzedTransform(raw);
  TrainerConfig config;
  config.set_label("y_xf");
  config.set_task(REGRESSION);
  auto spec = PlanModel(config, transform);
  ASSERT_TRUE(spec.ok()) << spec.status();
  ASSERT_EQ(spec->inputs_size(), 2);
  EXPECT_EQ(spec->inputs(0).cardinality(), 0);  // x_xf: dense.
  EXPECT_EQ(spec->inputs(1).cardinality(), 2);  // c_xf: a, b.
  ASSERT_EQ(spec->signature_inputs_size(), 2);  // x and c; never y.
  for (const auto& input : spec->signature_inputs()) EXPECT_NE(input.name(), "y");
  // The z-scored label maps back to y: label_scale is y's standard deviation, offset its mean.
  double mean = 0, m2 = 0;
  for (int i = 0; i < 30; ++i) mean += 10.0 * i / 30 + 5;
  mean /= 30;
  for (int i = 0; i < 30; ++i) m2 += std::pow(10.0 * i / 30 + 5 - mean, 2);
  EXPECT_NEAR(spec->regression_target().label_offset(), mean, 1e-5);
  EXPECT_NEAR(spec->regression_target().label_scale(), std::sqrt(m2 / 30), 1e-5);

  // ToBatch gives the label in y's own units, and -1 for a categorical out of range.
  auto transformed = transform.Apply(raw);
  ASSERT_TRUE(transformed.ok());
  auto batch = ToBatch(*spec, *transformed, /*with_labels=*/true);
  ASSERT_TRUE(batch.ok()) << batch.status();
  for (int i = 0; i < 30; ++i) EXPECT_NEAR(batch->labels[i], 10.0 * i / 30 + 5, 1e-4);
  EXPECT_EQ(batch->categorical[0], 0);  // "a", the most frequent.
  EXPECT_EQ(batch->categorical[2], 1);  // "b".

  // A label op that cannot be undone, and a multiclass count that disagrees with the label's.
  config.set_label("c_xf");
  EXPECT_NE(PlanModel(config, transform).status().message().find("compute_and_apply_vocabulary"),
            std::string::npos);
  config.set_task(MULTICLASS_CLASSIFICATION);
  config.set_num_classes(3);
  EXPECT_NE(PlanModel(config, transform).status().message().find("has 2 categories"),
            std::string::npos);
  config.clear_num_classes();
  auto classes = PlanModel(config, transform);
  ASSERT_TRUE(classes.ok()) << classes.status();
  EXPECT_EQ(std::vector<std::string>(classes->class_names().begin(), classes->class_names().end()),
            (std::vector<std::string>{"a", "b"}));
}

// One dense input (the row number) as label.
Batch Rows(size_t n) {
  Batch batch{.rows = n, .num_dense = 1, .num_categorical = 1};
  for (size_t i = 0; i < n; ++i) {
    batch.dense.push_back(static_cast<float>(i));
    batch.categorical.push_back(static_cast<int32_t>(i % 4));
    batch.labels.push_back(static_cast<float>(i));
  }
  return batch;
}

TEST(PartitionedBatchSourceTest, TrainAndValidationRowsSplitTheSourceExactly) {
  for (double fraction : {0.1, 0.25, 0.5}) {
    std::multiset<float> seen;
    size_t validation = 0;
    for (bool held_out : {false, true}) {
      PartitionedBatchSource part(std::make_unique<MemoryBatchSource>(Rows(103), 10), fraction,
                                  held_out);
      for (int pass = 0; pass < 2; ++pass) {  // The same rows on every pass.
        ASSERT_TRUE(part.Rewind().ok());
        std::multiset<float> rows;
        while (true) {
          auto batch = part.Next();
          ASSERT_TRUE(batch.ok());
          if (!*batch) break;
          rows.insert((*batch)->labels.begin(), (*batch)->labels.end());
        }
        if (pass == 0) {
          seen.insert(rows.begin(), rows.end());
          if (held_out) validation = rows.size();
        }
      }
    }
    EXPECT_EQ(seen.size(), 103u) << fraction;  // Every row once, in one part or the other.
    EXPECT_EQ(std::set<float>(seen.begin(), seen.end()).size(), 103u);
    EXPECT_EQ(validation, static_cast<size_t>(std::floor(103 * fraction))) << fraction;
  }
}

class NoCurves : public CurveSink {
 public:
  absl::Status Add(const std::string&, int64_t,
                   const std::vector<std::pair<std::string, double>>&) override {
    return absl::OkStatus();
  }
};

// gbdt predicts by walking XGBoost's trees itself; the walk must agree with XGBoost.
TEST(GbdtTest, TreeWalkAgreesWithXgboostAndLearns) {
  ModelSpec spec;
  TrainerConfig& config = *spec.mutable_config();
  config.set_family("gbdt");
  config.set_label("y");
  config.set_task(REGRESSION);
  config.set_train_steps(40);
  config.set_log_every_steps(10);
  config.mutable_gbdt()->set_max_depth(3);
  config.mutable_gbdt()->set_learning_rate(0.3);
  config.mutable_gbdt()->set_early_stopping_rounds(-1);
  config.mutable_gbdt()->set_subsample(1);
  config.mutable_gbdt()->set_colsample_bytree(1);
  config.mutable_gbdt()->set_min_child_weight(1);
  config.mutable_gbdt()->set_reg_lambda(1);
  spec.add_inputs()->set_name("row");
  spec.mutable_inputs(0)->set_size(1);
  spec.add_inputs()->set_name("bucket");
  spec.mutable_inputs(1)->set_size(1);
  spec.mutable_inputs(1)->set_cardinality(4);
  spec.mutable_regression_target()->set_mean(99.5);
  spec.mutable_regression_target()->set_stddev(1);
  MemoryBatchSource train(Rows(200), 64);
  NoCurves curves;
  auto family = FindModelFamily("gbdt");
  ASSERT_TRUE(family.ok());
  auto model = (*family)->Train({.spec = spec, .train = &train, .curves = &curves});
  ASSERT_TRUE(model.ok()) << model.status();
  Batch batch = Rows(200);
  batch.categorical[5] = -1;  // A missing categorical takes the default branch.
  auto walked = (*model)->Predict(batch);
  auto xgboost = PredictWithXgboost(**model, batch);
  ASSERT_TRUE(walked.ok() && xgboost.ok());
  ASSERT_EQ(walked->size(), 200u);
  double error = 0;
  for (size_t i = 0; i < 200; ++i) {
    EXPECT_NEAR((*walked)[i], (*xgboost)[i], 1e-4 * std::max(1.f, std::abs((*xgboost)[i]))) << i;
    error += std::abs((*walked)[i] - static_cast<float>(i));
  }
  EXPECT_LT(error / 200, 5) << "mean absolute error of y = row, which trees fit closely";
}

}  // namespace
}  // namespace weir::model
