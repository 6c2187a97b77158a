#include "weir/components/evaluator/evaluator_component.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "weir/base/files.h"
#include "weir/base/test_dirs.h"
#include "weir/components/pusher/pusher_component.h"
#include "weir/components/testing/taxi_artifacts.h"
#include "weir/components/trainer/trainer_component.h"
#include "weir/io/example/example_files.h"
#include "weir/model/layout.h"
#include "weir/model/serving_model.h"
#include "weir/onnx/onnx.pb.h"

namespace weir::components {
namespace {
namespace fs = std::filesystem;

// Two gbdt models of the taxi data: a good one (60 rounds) and a poor one (1 round, depth 1).
class EvaluatorComponentTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new fs::path(base::FreshTestDir("evaluator_component_test"));
    ASSERT_TRUE(testing::MakeTaxiArtifacts(*root_, /*with_transform=*/true).ok());
    for (const auto& [name, rounds, depth] :
         {std::tuple<std::string, int, int>{"good", 60, 6}, {"poor", 1, 1}}) {
      TrainerOptions trainer;
      trainer.examples = *root_ / "transformed_examples";
      trainer.transform_graph = *root_ / "transform_graph";
      trainer.config.set_label("tips_xf");
      trainer.config.set_train_steps(rounds);
      trainer.config.mutable_gbdt()->set_max_depth(depth);
      trainer.model = *root_ / name / "model";
      trainer.model_run = *root_ / name / "model_run";
      absl::StatusOr<TrainerResult> trained = RunTrainer(trainer);
      ASSERT_TRUE(trained.ok()) << trained.status();
      if (name != "good") continue;
      // The model over the transformed eval split, as training lays examples out: what the
      // Evaluator must find from the raw examples through the model's serving path.
      auto family = model::FindModelFamily("gbdt");
      ASSERT_TRUE(family.ok());
      auto loaded = (*family)->Load(trained->spec, trainer.model / kServingDir);
      ASSERT_TRUE(loaded.ok()) << loaded.status();
      auto files = io::ExampleFiles(SplitDir(trainer.examples, "eval"));
      ASSERT_TRUE(files.ok());
      model::ExampleBatchSource eval(trained->spec, *files);
      auto metrics = model::EvaluateModel(**loaded, trained->spec, eval);
      ASSERT_TRUE(metrics.ok()) << metrics.status();
      *good_metrics_ = *metrics;
    }
  }
  static void TearDownTestSuite() {
    fs::remove_all(*root_);
    delete root_;
  }
  static EvaluatorOptions Options(const std::string& name, const std::string& model) {
    EvaluatorOptions options;
    options.examples = *root_ / "examples";
    options.model = *root_ / model / "model";
    options.evaluation = *root_ / name / "evaluation";
    options.blessing = *root_ / name / "blessing";
    options.model_id = 7;
    eval::SlicingSpec* by_hour = options.config.add_slicing_specs();
    by_hour->add_feature_keys("trip_start_hour");
    // Accuracy of at least 0.6 on every slice, and no worse than the baseline's overall.
    eval::MetricThreshold* accuracy = options.config.add_thresholds();
    accuracy->set_metric("accuracy");
    accuracy->set_lower_bound(0.6);
    eval::MetricThreshold* change = options.config.add_thresholds();
    change->set_metric("accuracy");
    change->set_change_absolute(-1e-10);
    change->add_slicing_specs();
    return options;
  }
  // What the Pusher is given after an evaluation with `options`: push into <root>/<serving>.
  static PusherOptions PushOptions(const EvaluatorOptions& options, const std::string& serving) {
    PusherOptions push;
    push.model = options.model;
    push.blessing = options.blessing;
    push.base_directory = *root_ / serving;
    push.pushed_model = options.blessing.parent_path() / "pushed";
    return push;
  }
  static fs::path* root_;
  static std::vector<std::pair<std::string, double>>* good_metrics_;
};
fs::path* EvaluatorComponentTest::root_ = nullptr;
std::vector<std::pair<std::string, double>>* EvaluatorComponentTest::good_metrics_ =
    new std::vector<std::pair<std::string, double>>();

TEST_F(EvaluatorComponentTest, SlicedMetricsFromRawExamplesAndBlessingWithoutBaseline) {
  EvaluatorOptions options = Options("first", "good");
  absl::StatusOr<EvaluatorResult> result = RunEvaluator(options);
  ASSERT_TRUE(result.ok()) << result.status();
  const nlohmann::ordered_json evaluation = eval::ToJson(result->evaluation);
  EXPECT_TRUE(result->evaluation.blessed);
  EXPECT_TRUE(fs::exists(options.blessing / "BLESSED"));
  // Overall first, then one slice per hour of the day.
  ASSERT_EQ(evaluation["slices"].size(), 25u);
  const auto& overall = evaluation["slices"][0];
  EXPECT_EQ(overall["slice"], "Overall");
  EXPECT_EQ(overall["metrics"]["example_count"], 5073);
  // The raw examples through the model's own serving path give the model's eval metrics.
  for (const auto& [name, value] : *good_metrics_)
    EXPECT_DOUBLE_EQ(overall["metrics"][name].get<double>(), value) << name;
  EXPECT_EQ(overall["plots"]["roc"].size(), 101u);
  EXPECT_EQ(overall["confusion_matrices"].size(), 3u);
  double sliced_examples = 0;
  for (size_t i = 1; i < evaluation["slices"].size(); ++i)
    sliced_examples += evaluation["slices"][i]["metrics"]["example_count"].get<double>();
  EXPECT_EQ(sliced_examples, 5073);
  EXPECT_EQ(evaluation["slices"][1]["features"].begin().key(), "trip_start_hour");
  EXPECT_TRUE(evaluation["validation"]["change_thresholds_skipped"]);
  EXPECT_EQ(evaluation["validation"]["checks"], 25);  // The lower bound, on each slice.
  EXPECT_EQ(std::get<int64_t>(result->blessing_properties.at("blessed")), 1);
  EXPECT_EQ(std::get<int64_t>(result->blessing_properties.at("current_model_id")), 7);
  auto file = base::ReadFile(options.evaluation / "evaluation.json");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(nlohmann::ordered_json::parse(*file), evaluation);
  // The one reader of the file gives back what was written.
  auto read = eval::ReadEvaluation(options.evaluation);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(eval::ToJson(*read).dump(), evaluation.dump());
}

TEST_F(EvaluatorComponentTest, AWorseModelThanTheBaselineIsNotBlessedNorPushed) {
  EvaluatorOptions options = Options("worse", "poor");
  options.baseline_model = *root_ / "good" / "model";
  options.baseline_model_id = 3;
  absl::StatusOr<EvaluatorResult> result = RunEvaluator(options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_FALSE(result->evaluation.blessed);
  EXPECT_TRUE(fs::exists(options.blessing / "NOT_BLESSED"));
  const auto& failures = result->evaluation.failures;
  ASSERT_FALSE(failures.empty());
  EXPECT_EQ(failures[0].slice, "Overall");
  EXPECT_EQ(failures[0].check, "change_absolute");
  EXPECT_NE(failures[0].message.find("from the baseline's"), std::string::npos);
  EXPECT_EQ(std::get<int64_t>(result->blessing_properties.at("baseline_model_id")), 3);

  const PusherOptions push = PushOptions(options, "serving");
  absl::StatusOr<PusherResult> pushed = RunPusher(push);
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  EXPECT_FALSE(pushed->pushed);
  EXPECT_FALSE(fs::exists(push.base_directory));
  EXPECT_EQ(std::get<int64_t>(pushed->properties.at("pushed")), 0);
}

TEST_F(EvaluatorComponentTest, ABlessedModelIsPushedOnceAsANewVersion) {
  EvaluatorOptions options = Options("bless", "good");
  options.baseline_model = *root_ / "poor" / "model";
  absl::StatusOr<EvaluatorResult> result = RunEvaluator(options);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_TRUE(result->evaluation.blessed) << eval::ToJson(result->evaluation)["validation"].dump();

  PusherOptions push = PushOptions(options, "serving_blessed");
  absl::StatusOr<PusherResult> pushed = RunPusher(push);
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  EXPECT_TRUE(pushed->pushed);
  EXPECT_TRUE(fs::exists(pushed->destination / "model_spec.pbtxt"));
  EXPECT_TRUE(fs::exists(pushed->destination / "transform/transform_graph.pbtxt"));
  EXPECT_EQ(pushed->destination.filename().string(), std::to_string(pushed->version));
  // Only the version folder: no staging leftovers.
  size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(push.base_directory)) ++entries;
  EXPECT_EQ(entries, 1u);

  // The same model again (a rerun against a new baseline): no second copy.
  push.pushed_model = *root_ / "bless" / "pushed_again";
  absl::StatusOr<PusherResult> again = RunPusher(push);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->version, pushed->version);
}

TEST_F(EvaluatorComponentTest, TheOnnxPushFormatWritesTheModelAsOnnxBesideIt) {
  EvaluatorOptions options = Options("bless_onnx", "good");
  ASSERT_TRUE(RunEvaluator(options).ok());
  PusherOptions push = PushOptions(options, "serving_onnx");
  push.formats = {"weir", "onnx"};
  absl::StatusOr<PusherResult> pushed = RunPusher(push);
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  ASSERT_TRUE(pushed->pushed);
  EXPECT_TRUE(fs::exists(pushed->destination / "model_spec.pbtxt"));
  absl::StatusOr<std::string> bytes = base::ReadFile(pushed->destination / kOnnxFileName);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  onnx::proto::ModelProto onnx_model;
  ASSERT_TRUE(onnx_model.ParseFromString(*bytes));
  EXPECT_EQ(onnx_model.graph().output(0).name(), "probabilities");

  // The same model and formats again: the same version. Without onnx: a version of its own.
  push.pushed_model = *root_ / "bless_onnx" / "pushed_again";
  absl::StatusOr<PusherResult> again = RunPusher(push);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->version, pushed->version);
  push.formats = {"weir"};
  push.pushed_model = *root_ / "bless_onnx" / "pushed_weir_only";
  absl::StatusOr<PusherResult> weir_only = RunPusher(push);
  ASSERT_TRUE(weir_only.ok()) << weir_only.status();
  EXPECT_GT(weir_only->version, pushed->version);
  EXPECT_FALSE(fs::exists(weir_only->destination / kOnnxFileName));
}

TEST(PushFormatsTest, EveryFormatIsKnownAndWeirIsAmongThem) {
  EXPECT_TRUE(CheckPushFormats({"weir", "onnx"}).ok());
  EXPECT_THAT(CheckPushFormats({"weir", "tflite"}).message(),
              ::testing::HasSubstr("unknown push format 'tflite'"));
  EXPECT_THAT(CheckPushFormats({"onnx"}).message(), ::testing::HasSubstr("must include weir"));
}

}  // namespace
}  // namespace weir::components
