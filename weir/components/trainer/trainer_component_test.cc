#include "weir/components/trainer/trainer_component.h"

#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "weir/base/files.h"
#include "weir/base/test_dirs.h"
#include "weir/components/testing/taxi_artifacts.h"
#include "weir/components/transform/transform_component.h"
#include "weir/io/example/example_files.h"
#include "weir/io/tfrecord/tfrecord.h"
#include "weir/model/gbdt.h"
#include "weir/model/layout.h"
#include "weir/model/serving_model.h"
#include "weir/proto/event.pb.h"

namespace weir::components {
namespace {
namespace fs = std::filesystem;

class TrainerComponentTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // The LibTorch families' plug-in is built beside the weir binary.
    setenv("WEIR_PLUGIN_DIR", WEIR_BINARY_DIR "/bin", 1);
    root_ = new fs::path(base::FreshTestDir("trainer_component_test"));
    absl::Status made = testing::MakeTaxiArtifacts(*root_, /*with_transform=*/true);
    ASSERT_TRUE(made.ok()) << made;
  }
  static void TearDownTestSuite() {
    fs::remove_all(*root_);
    delete root_;
  }
  static TrainerOptions Options(const std::string& name, const std::string& family) {
    TrainerOptions options;
    options.examples = *root_ / "transformed_examples";
    options.transform_graph = *root_ / "transform_graph";
    options.config.set_family(family);
    options.config.set_label("tips_xf");
    options.config.set_seed(7);
    options.model = *root_ / name / "model";
    options.model_run = *root_ / name / "model_run";
    return options;
  }
  static double Metric(const TrainerResult& result, const std::string& name) {
    for (const auto& [metric, value] : result.validation_metrics)
      if (metric == name) return value;
    ADD_FAILURE() << "no metric " << name;
    return 0;
  }
  // gbdt's own tree walk agrees with XGBoost on a block of the model's eval examples.
  static void ExpectTreeWalkMatchesXgboost(const TrainerOptions& options) {
    auto spec_and_model = model::ServingModel::Load(options.model);
    ASSERT_TRUE(spec_and_model.ok()) << spec_and_model.status();
    const model::ModelSpec& spec = (*spec_and_model)->spec();
    auto family = model::FindModelFamily("gbdt");
    ASSERT_TRUE(family.ok());
    auto loaded = (*family)->Load(spec, options.model / "Format-Serving");
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    auto files = io::ExampleFiles(options.examples / "Split-eval");
    ASSERT_TRUE(files.ok());
    model::ExampleBatchSource source(spec, *files);
    auto batch = source.Next();
    ASSERT_TRUE(batch.ok() && batch->has_value());
    auto walked = (*loaded)->Predict(**batch);
    auto xgboost = model::PredictWithXgboost(**loaded, **batch);
    ASSERT_TRUE(walked.ok() && xgboost.ok());
    ASSERT_EQ(walked->size(), xgboost->size());
    for (size_t i = 0; i < walked->size(); ++i)
      ASSERT_NEAR((*walked)[i], (*xgboost)[i], 1e-5 * std::max(1.f, std::abs((*xgboost)[i]))) << i;
  }
  static fs::path* root_;
};
fs::path* TrainerComponentTest::root_ = nullptr;

TEST_F(TrainerComponentTest, GbdtLearnsTheTipLabelAndServesRawExamples) {
  TrainerOptions options = Options("gbdt", "gbdt");
  options.config.set_train_steps(60);
  absl::StatusOr<TrainerResult> result = RunTrainer(options);
  ASSERT_TRUE(result.ok()) << result.status();
  // Always answering "no big tip" scores ~0.78 accuracy on this split; a real model does better.
  EXPECT_GT(Metric(*result, "auc"), 0.9);
  EXPECT_GT(Metric(*result, "accuracy"), 0.85);
  EXPECT_EQ(result->spec.inputs_size(), 8);  // Every transformed feature but the label.
  ExpectTreeWalkMatchesXgboost(options);

  // Format-Serving holds everything serving needs.
  const fs::path serving = options.model / "Format-Serving";
  EXPECT_TRUE(fs::exists(serving / "model.xgb.json"));
  EXPECT_TRUE(fs::exists(serving / "model_spec.pbtxt"));
  EXPECT_TRUE(fs::exists(serving / "transform/transform_graph.pbtxt"));

  // Raw eval examples through the served model give the trainer's eval metrics.
  absl::StatusOr<std::unique_ptr<model::ServingModel>> served =
      model::ServingModel::Load(options.model);
  ASSERT_TRUE(served.ok()) << served.status();
  auto files = io::ExampleFiles(*root_ / "examples/Split-eval");
  ASSERT_TRUE(files.ok());
  std::vector<float> predictions, labels;
  ASSERT_TRUE((io::ForEachExampleBatch<int>(
                   *files, 1,
                   [&](data::RecordBatch&& raw) -> absl::StatusOr<int> {
                     auto scores = (*served)->Predict(raw);
                     if (!scores.ok()) return scores.status();
                     predictions.insert(predictions.end(), scores->begin(), scores->end());
                     const data::Column& tips = *raw.FindColumn("tips");
                     const data::Column& fare = *raw.FindColumn("fare");
                     for (size_t row = 0; row < raw.num_rows(); ++row) {
                       bool positive = tips.value_count(row) == 1 && fare.value_count(row) == 1 &&
                                       tips.float_values()[tips.value_begin(row)] >
                                           0.2 * fare.float_values()[fare.value_begin(row)];
                       labels.push_back(positive ? 1.f : 0.f);
                     }
                     return 0;
                   },
                   [](int&&) { return absl::OkStatus(); }))
                  .ok());
  // The same as the model's eval metrics over the transformed eval split.
  const auto metrics = model::ComputeMetrics(result->spec, predictions, labels);
  auto loaded = (*model::FindModelFamily("gbdt"))->Load(result->spec, serving);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  auto transformed_files = io::ExampleFiles(options.examples / "Split-eval");
  ASSERT_TRUE(transformed_files.ok());
  model::ExampleBatchSource transformed(result->spec, *transformed_files);
  auto eval_metrics = model::EvaluateModel(**loaded, result->spec, transformed);
  ASSERT_TRUE(eval_metrics.ok()) << eval_metrics.status();
  EXPECT_EQ(metrics, *eval_metrics);
  EXPECT_GT(metrics[0].second, 0.9);  // auc on the unseen eval split.

  // Learning curves: JSON lines and TensorBoard event files.
  absl::StatusOr<std::string> curves = base::ReadFile(options.model_run / "curves.jsonl");
  ASSERT_TRUE(curves.ok());
  EXPECT_NE(curves->find("{\"curve\":\"validation\",\"step\":10,\"loss\":"), std::string::npos)
      << *curves;
  EXPECT_NE(curves->find("\"auc\":"), std::string::npos) << *curves;
  std::vector<fs::path> event_files;
  for (const auto& entry : fs::directory_iterator(options.model_run / "validation"))
    event_files.push_back(entry.path());
  ASSERT_EQ(event_files.size(), 1u);
  EXPECT_EQ(event_files[0].filename().string().rfind("events.out.tfevents.", 0), 0u);
  auto reader = io::TfRecordReader::Open(event_files[0]);
  ASSERT_TRUE(reader.ok());
  auto first = (*reader)->Next();
  ASSERT_TRUE(first.ok() && first->has_value());
  tensorflow::Event version;
  ASSERT_TRUE(version.ParseFromString(std::string(**first)));
  EXPECT_EQ(version.file_version(), "brain.Event:2");
  auto second = (*reader)->Next();
  ASSERT_TRUE(second.ok() && second->has_value());
  tensorflow::Event point;
  ASSERT_TRUE(point.ParseFromString(std::string(**second)));
  EXPECT_EQ(point.step(), 10);
  std::vector<std::string> tags;
  for (const auto& value : point.summary().value()) tags.push_back(value.tag());
  EXPECT_EQ(tags, (std::vector<std::string>{"loss", "auc", "accuracy"}));
}

// Predictions of a trained model on the first block of raw eval examples.
std::vector<float> PredictEval(const fs::path& model_dir, const fs::path& examples) {
  auto served = model::ServingModel::Load(model_dir);
  EXPECT_TRUE(served.ok()) << served.status();
  auto files = io::ExampleFiles(examples / "Split-eval");
  EXPECT_TRUE(files.ok());
  io::ExampleBlockReader reader(*files);
  auto block = reader.Next();
  EXPECT_TRUE(block.ok() && block->has_value());
  auto raw = (*block)->Decode();
  EXPECT_TRUE(raw.ok());
  auto predictions = (*served)->Predict(*raw);
  EXPECT_TRUE(predictions.ok()) << predictions.status();
  return *predictions;
}

// The LibTorch families, briefly: they learn, serve, and are deterministic for a seed.
TEST_F(TrainerComponentTest, WideDeepAndLinearLearnAndServe) {
  for (const std::string family : {"wide_deep", "linear"}) {
    SCOPED_TRACE(family);
    TrainerOptions options = Options(family, family);
    options.config.set_train_steps(family == "linear" ? 300 : 600);
    options.config.set_log_every_steps(200);
    absl::StatusOr<TrainerResult> result = RunTrainer(options);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_GT(Metric(*result, "auc"), 0.88);
    EXPECT_TRUE(fs::exists(options.model / "Format-Serving/model.torch.pt"));
    const std::vector<float> predictions = PredictEval(options.model, *root_ / "examples");
    ASSERT_FALSE(predictions.empty());
    for (float p : predictions) ASSERT_TRUE(p >= 0 && p <= 1) << p;

    TrainerOptions again = Options(family + "_again", family);
    again.config = options.config;
    ASSERT_TRUE(RunTrainer(again).ok());
    EXPECT_EQ(PredictEval(again.model, *root_ / "examples"), predictions);
  }
}

double MaxDifference(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double largest = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i)
    largest = std::max(largest, static_cast<double>(std::abs(a[i] - b[i])));
  return largest;
}

TEST_F(TrainerComponentTest, WarmStartsContinueFromTheBaseModel) {
  // gbdt: the base model's trees, then train_steps more.
  TrainerOptions base = Options("warm_gbdt_base", "gbdt");
  base.config.set_train_steps(10);
  base.config.set_validation_fraction(0);  // No early stopping: exactly 10 trees.
  ASSERT_TRUE(RunTrainer(base).ok());
  TrainerOptions warm = Options("warm_gbdt", "gbdt");
  warm.config = base.config;
  warm.config.set_train_steps(5);
  warm.config.set_warm_start(true);
  warm.base_model = base.model;
  auto warmed = RunTrainer(warm);
  ASSERT_TRUE(warmed.ok()) << warmed.status();
  EXPECT_EQ(std::get<int64_t>(warmed->model_properties.at("warm_started")), 1);
  auto trees = [](const fs::path& model_dir) {
    auto served = model::ServingModel::Load(model_dir);
    EXPECT_TRUE(served.ok()) << served.status();
    auto parts = (*served)->model().Parts();
    EXPECT_TRUE(parts.ok());
    return std::get<model::TreeEnsembleParts>(*parts).trees.size();
  };
  EXPECT_EQ(trees(base.model), 10u);
  EXPECT_EQ(trees(warm.model), 15u);
  ExpectTreeWalkMatchesXgboost(warm);
  // Five more rounds from the base move its predictions a little, far less than the base's own
  // ten rounds moved them from nothing (0.5).
  const std::vector<float> base_predictions = PredictEval(base.model, *root_ / "examples");
  const double moved =
      MaxDifference(PredictEval(warm.model, *root_ / "examples"), base_predictions);
  EXPECT_GT(moved, 0);
  EXPECT_LT(moved, 0.2);

  // A network starts from the base's weights: one small step barely moves its predictions,
  // while one step from nothing is nowhere near them.
  TrainerOptions linear = Options("warm_linear_base", "linear");
  linear.config.set_train_steps(300);
  ASSERT_TRUE(RunTrainer(linear).ok());
  TrainerOptions one_step = Options("warm_linear", "linear");
  one_step.config = linear.config;
  one_step.config.set_train_steps(1);
  one_step.config.set_warm_start(true);
  one_step.base_model = linear.model;
  ASSERT_TRUE(RunTrainer(one_step).ok());
  TrainerOptions cold = Options("cold_linear", "linear");
  cold.config = one_step.config;
  cold.config.set_warm_start(false);
  ASSERT_TRUE(RunTrainer(cold).ok());
  const std::vector<float> linear_predictions = PredictEval(linear.model, *root_ / "examples");
  const double warm_moved =
      MaxDifference(PredictEval(one_step.model, *root_ / "examples"), linear_predictions);
  const double cold_moved =
      MaxDifference(PredictEval(cold.model, *root_ / "examples"), linear_predictions);
  EXPECT_LT(warm_moved, 0.05);  // Adam's first step moves every weight by about the rate.
  EXPECT_GT(cold_moved, 4 * warm_moved) << warm_moved;

  // A base of another family is refused, naming both, and nothing is written.
  TrainerOptions mismatch = Options("warm_mismatch", "linear");
  mismatch.config = one_step.config;
  mismatch.base_model = base.model;
  auto refused = RunTrainer(mismatch);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("the base model is a gbdt model"), std::string::npos)
      << refused.status();
  EXPECT_FALSE(fs::exists(mismatch.model));

  // Without a base model (a first run) a warm start trains from nothing.
  TrainerOptions first = Options("warm_first", "gbdt");
  first.config = warm.config;
  auto from_nothing = RunTrainer(first);
  ASSERT_TRUE(from_nothing.ok()) << from_nothing.status();
  EXPECT_EQ(std::get<int64_t>(from_nothing->model_properties.at("warm_started")), 0);
  EXPECT_EQ(trees(first.model), 5u);
}

// Every family also does multiclass classification and regression.
TEST_F(TrainerComponentTest, MulticlassAndRegression) {
  TransformOptions transform;
  transform.examples = {*root_ / "examples"};
  transform.schema = *root_ / "schema";
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(R"(
    features { name: 'miles' input: 'trip_miles'
               ops { fill_missing {} } ops { scale_to_z_score {} } }
    features { name: 'seconds' input: 'trip_seconds'
               ops { fill_missing {} } ops { scale_to_z_score {} } }
    features { name: 'hour' input: 'trip_start_hour'
               ops { fill_missing {} } ops { categorical_identity { num_buckets: 24 } } }
    features { name: 'company' input: 'company'
               ops { fill_missing {} }
               ops { compute_and_apply_vocabulary { top_k: 50 num_oov_buckets: 1 } } }
    features { name: 'payment' input: 'payment_type'
               ops { fill_missing {} }
               ops { compute_and_apply_vocabulary { top_k: 3 num_oov_buckets: 1 } } }
    features { name: 'fare' input: 'fare' ops { fill_missing {} } }
  )",
                                                            &transform.spec));
  transform.transform_graph = *root_ / "mc/transform_graph";
  transform.transformed_examples = *root_ / "mc/transformed_examples";
  ASSERT_TRUE(RunTransform(transform).ok());

  for (const std::string family : {"gbdt", "linear", "wide_deep"}) {
    SCOPED_TRACE(family);
    // A model of the trip's miles, seconds, hour and company.
    const auto from_the_trip = [&](const std::string& name, model::Task task,
                                   const std::string& label, int64_t network_steps) {
      TrainerOptions options = Options(name + "_" + family, family);
      options.examples = transform.transformed_examples;
      options.transform_graph = transform.transform_graph;
      options.config.set_train_steps(family == "gbdt" ? 50 : network_steps);
      options.config.set_task(task);
      options.config.set_label(label);
      for (const char* f : {"miles", "seconds", "hour", "company"}) options.config.add_features(f);
      return options;
    };
    TrainerOptions options = from_the_trip("mc", model::MULTICLASS_CLASSIFICATION, "payment", 400);
    options.config.set_num_classes(4);
    absl::StatusOr<TrainerResult> multiclass = RunTrainer(options);
    ASSERT_TRUE(multiclass.ok()) << multiclass.status();
    // Cash vs credit card is predictable from the trip: better than always saying "Cash" (~57%).
    EXPECT_GT(Metric(*multiclass, "accuracy"), 0.6);
    if (family == "gbdt") ExpectTreeWalkMatchesXgboost(options);
    auto served = model::ServingModel::Load(options.model);
    ASSERT_TRUE(served.ok()) << served.status();
    EXPECT_EQ(model::OutputsPerRow((*served)->spec()), 4);

    options = from_the_trip("reg", model::REGRESSION, "fare", 1500);
    absl::StatusOr<TrainerResult> regression = RunTrainer(options);
    ASSERT_TRUE(regression.ok()) << regression.status();
    // Fares follow distance and duration (measured r2: gbdt 0.88, wide_deep 0.75, linear 0.47).
    EXPECT_GT(Metric(*regression, "r2"), 0.4);
    if (family == "gbdt") ExpectTreeWalkMatchesXgboost(options);
  }
}

TEST_F(TrainerComponentTest, SameSeedSameModel) {
  TrainerOptions a = Options("seed_a", "gbdt");
  TrainerOptions b = Options("seed_b", "gbdt");
  a.config.set_train_steps(20);
  b.config.set_train_steps(20);
  ASSERT_TRUE(RunTrainer(a).ok());
  ASSERT_TRUE(RunTrainer(b).ok());
  EXPECT_EQ(*base::ReadFile(a.model / "Format-Serving/model.xgb.json"),
            *base::ReadFile(b.model / "Format-Serving/model.xgb.json"));
}

TEST_F(TrainerComponentTest, MistakesAreNamedAndLeaveNoOutput) {
  TrainerOptions options = Options("bad", "gbdt");
  options.config.set_label("no_such_label");
  absl::Status status = RunTrainer(options).status();
  EXPECT_NE(status.message().find("the label 'no_such_label' is not a transformed feature"),
            std::string::npos)
      << status;
  EXPECT_FALSE(fs::exists(options.model));
  options = Options("bad_family", "forest");
  status = RunTrainer(options).status();
  EXPECT_NE(status.message().find("unknown model family 'forest'"), std::string::npos) << status;
}

}  // namespace
}  // namespace weir::components
