// What a user gets on small datasets nobody tuned weir to (testdata/datasets: breast cancer,
// iris, wine, diabetes): training never reads the eval split and early-stops on validation
// examples, regression comes out in the label's units, multiclass models name their classes, the
// label stays out of the serving signature, and every row is predicted as if it were alone.
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "weir/base/files.h"
#include "weir/base/strings.h"
#include "weir/base/test_dirs.h"
#include "weir/components/artifact_properties.h"
#include "weir/components/testing/taxi_artifacts.h"
#include "weir/components/trainer/trainer_component.h"
#include "weir/io/example/example_files.h"
#include "weir/model/layout.h"
#include "weir/model/serving_model.h"
#include "weir/serving/batcher.h"
#include "weir/serving/model_server.h"

namespace weir::components {
namespace {
namespace fs = std::filesystem;
using Json = nlohmann::json;

transform::TransformSpec Spec(const std::string& text) {
  transform::TransformSpec spec;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &spec)) << text;
  return spec;
}

// Each dataset's features z-scored by one templated entry (those matching the pattern, other than
// the label), then the label's own features.
const std::map<std::string, std::string>& Specs() {
  const auto z_scored = [](std::string_view label, std::string_view matching,
                           std::string_view label_features) {
    return StrCat("features { name: '{}_xf' each_matching: '", matching, "' except: '", label,
                  "' ops { scale_to_z_score {} } } ", label_features);
  };
  static const auto* specs = new std::map<std::string, std::string>{
      {"breast_cancer", z_scored("benign", ".*", "features { name: 'benign' input: 'benign' }")},
      {"iris", z_scored("species", "(sepal|petal)_.*",
                        "features { name: 'species' input: 'species' "
                        "           ops { compute_and_apply_vocabulary {} } }")},
      {"wine", z_scored("cultivar", ".*", "features { name: 'cultivar' input: 'cultivar' }")},
      {"diabetes",
       z_scored("progression", ".*",
                "features { name: 'progression' input: 'progression' } "
                "features { name: 'progression_z' input: 'progression' "
                "           ops { scale_to_z_score {} } } "
                "features { name: 'progression_log' input: 'progression' ops { log1p {} } }")},
  };
  return *specs;
}

class SmallDatasetsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    setenv("WEIR_PLUGIN_DIR", WEIR_BINARY_DIR "/bin", 1);
    root_ = new fs::path(base::FreshTestDir("small_datasets_test"));
    for (const auto& [name, text] : Specs()) {
      const transform::TransformSpec spec = Spec(text);
      absl::Status made = testing::MakeArtifacts(
          fs::path(WEIR_SOURCE_DIR) / "testdata/datasets" / (name + ".csv"), *root_ / name, &spec);
      ASSERT_TRUE(made.ok()) << name << ": " << made;
    }
  }
  static void TearDownTestSuite() {
    fs::remove_all(*root_);
    delete root_;
  }

  static TrainerOptions Options(const std::string& dataset, const std::string& family,
                                const std::string& label, model::Task task) {
    static int runs = 0;
    TrainerOptions options;
    options.examples = *root_ / dataset / "transformed_examples";
    options.transform_graph = *root_ / dataset / "transform_graph";
    options.config.set_family(family);
    options.config.set_label(label);
    options.config.set_task(task);
    options.config.set_seed(1);
    if (family != "gbdt") options.config.set_train_steps(400);
    const fs::path out = *root_ / "runs" / std::to_string(++runs);
    options.model = out / "model";
    options.model_run = out / "model_run";
    return options;
  }

  // The raw examples of a split, in one batch.
  static data::RecordBatch Raw(const std::string& dataset, const std::string& split) {
    auto files = io::ExampleFiles(SplitDir(*root_ / dataset / "examples", split));
    EXPECT_TRUE(files.ok()) << files.status();
    io::ExampleBlockReader reader(*files);
    auto block = reader.Next();
    EXPECT_TRUE(block.ok() && block->has_value());
    auto batch = (*block)->Decode();
    EXPECT_TRUE(batch.ok());
    return *std::move(batch);
  }

  static double Metric(const std::vector<std::pair<std::string, double>>& metrics,
                       const std::string& name) {
    for (const auto& [metric, value] : metrics)
      if (metric == name) return value;
    ADD_FAILURE() << "no metric " << name;
    return NAN;
  }

  static fs::path* root_;
};
fs::path* SmallDatasetsTest::root_ = nullptr;

const std::vector<std::string> kFamilies = {"gbdt", "linear", "wide_deep"};

// The eval split is the Evaluator's: training succeeds without it, and reports metrics of
// validation examples carved from the train split.
TEST_F(SmallDatasetsTest, TrainingNeverReadsTheEvalSplit) {
  const fs::path train_only = *root_ / "breast_cancer_train_only";
  fs::create_directories(train_only);
  fs::copy(*root_ / "breast_cancer/transformed_examples/Split-train", train_only / "Split-train",
           fs::copy_options::recursive);
  for (const std::string& family : kFamilies) {
    SCOPED_TRACE(family);
    TrainerOptions options =
        Options("breast_cancer", family, "benign", model::BINARY_CLASSIFICATION);
    options.examples = train_only;
    absl::StatusOr<TrainerResult> result = RunTrainer(options);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_GT(Metric(result->validation_metrics, "auc"), 0.9);
    EXPECT_TRUE(result->model_properties.contains("validation_auc"));
    EXPECT_TRUE(fs::exists(options.model_run / "validation"));
    EXPECT_FALSE(fs::exists(options.model_run / "eval"));
  }
}

TEST(ValidationExamplesTest, AnExactEvenlySpreadShareOfTheTrainSplit) {
  int held_out = 0;
  for (uint64_t i = 0; i < 1000; ++i) {
    const bool validation = model::PartitionedBatchSource::IsValidation(i, 0.1);
    EXPECT_EQ(validation, i % 10 == 9) << i;
    held_out += validation;
  }
  EXPECT_EQ(held_out, 100);
  held_out = 0;
  for (uint64_t i = 0; i < 1000; ++i)
    held_out += model::PartitionedBatchSource::IsValidation(i, 0.25);
  EXPECT_EQ(held_out, 250);
}

// The diabetes features z-scored, without the label's own transforms.
void AddDiabetesFeatures(model::TrainerConfig& config) {
  for (const char* feature : {"age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"})
    config.add_features(StrCat(feature, "_xf"));
}

// Left to its default 10,000 steps, the network overfits the 260 diabetes examples within a few
// hundred steps: it stops once the validation loss has not improved for early_stopping_steps
// (1,000), and keeps the best checkpoint. So does the linear model over its 2,000 steps.
TEST_F(SmallDatasetsTest, NetworksStopEarlyAndKeepTheBestCheckpoint) {
  for (const std::string family : {"wide_deep", "linear"}) {
    SCOPED_TRACE(family);
    TrainerOptions options = Options("diabetes", family, "progression", model::REGRESSION);
    AddDiabetesFeatures(options.config);
    options.config.clear_train_steps();
    absl::StatusOr<TrainerResult> result = RunTrainer(options);
    ASSERT_TRUE(result.ok()) << result.status();
    auto curves = base::ReadFile(options.model_run / "curves.jsonl");
    ASSERT_TRUE(curves.ok());
    double best = HUGE_VAL;
    int64_t last_step = 0;
    for (std::string_view rest = *curves; !rest.empty();) {
      const size_t end = rest.find('\n');
      const Json point = Json::parse(rest.substr(0, end));
      rest = end == std::string_view::npos ? "" : rest.substr(end + 1);
      if (point["curve"] != "validation") continue;
      best = std::min(best, point["loss"].get<double>());
      last_step = point["step"].get<int64_t>();
    }
    if (family == "wide_deep") EXPECT_LT(last_step, 5000);
    EXPECT_EQ(Metric(result->validation_metrics, "loss"), best);
    EXPECT_GT(Metric(result->validation_metrics, "r2"), 0.35);
  }
}

// The diabetes label (25-346, mean 152) is not scaled by the user: every family still fits it
// (scikit-learn's LinearRegression: r2 0.49 on a held-out third), and predictions and metrics
// are in its units, also when the transform z-scores the label.
TEST_F(SmallDatasetsTest, RegressionIsInTheLabelsUnits) {
  const data::RecordBatch eval = Raw("diabetes", "eval");
  const data::Column& truth = *eval.FindColumn("progression");
  for (const std::string& family : kFamilies) {
    for (const std::string label : {"progression", "progression_z"}) {
      SCOPED_TRACE(family + " " + label);
      TrainerOptions options = Options("diabetes", family, label, model::REGRESSION);
      AddDiabetesFeatures(options.config);
      if (family != "gbdt") options.config.set_train_steps(2000);
      absl::StatusOr<TrainerResult> result = RunTrainer(options);
      ASSERT_TRUE(result.ok()) << result.status();
      // Measured: linear 0.49, wide_deep 0.54, gbdt 0.24 (depth-6 trees on 260 examples).
      EXPECT_GT(Metric(result->validation_metrics, "r2"), family == "gbdt" ? 0.2 : 0.35);
      EXPECT_GT(Metric(result->validation_metrics, "mae"), 10);  // Units of progression, not z.
      auto served = model::ServingModel::Load(options.model);
      ASSERT_TRUE(served.ok()) << served.status();
      auto predictions = (*served)->Predict(eval);
      ASSERT_TRUE(predictions.ok()) << predictions.status();
      double mean = 0, squared_error = 0, variance = 0, label_mean = 0;
      for (size_t row = 0; row < eval.num_rows(); ++row)
        label_mean += truth.int64_values()[truth.value_begin(row)];
      label_mean /= static_cast<double>(eval.num_rows());
      for (size_t row = 0; row < eval.num_rows(); ++row) {
        const double y = static_cast<double>(truth.int64_values()[truth.value_begin(row)]);
        mean += (*predictions)[row];
        squared_error += std::pow((*predictions)[row] - y, 2);
        variance += std::pow(y - label_mean, 2);
      }
      mean /= static_cast<double>(eval.num_rows());
      EXPECT_NEAR(mean, label_mean, 0.15 * label_mean);
      EXPECT_GT(1 - squared_error / variance, 0.25) << "r2 of the served predictions on eval";
    }
  }
  // A label op that cannot be undone is refused, naming it.
  TrainerOptions options = Options("diabetes", "linear", "progression_log", model::REGRESSION);
  absl::Status refused = RunTrainer(options).status();
  EXPECT_NE(refused.message().find("goes through log1p"), std::string::npos) << refused;
  EXPECT_FALSE(fs::exists(options.model));
}

// Iris's species go through a vocabulary: the class count comes from it, the classes are named
// after it in the spec, the metadata and the responses.
TEST_F(SmallDatasetsTest, MulticlassModelsNameTheirClasses) {
  for (const std::string& family : kFamilies) {
    SCOPED_TRACE(family);
    TrainerOptions options = Options("iris", family, "species", model::MULTICLASS_CLASSIFICATION);
    absl::StatusOr<TrainerResult> result = RunTrainer(options);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->spec.config().num_classes(), 3);
    // The vocabulary's order: the most frequent species of the train split first.
    auto vocabulary = base::ReadFile(*root_ / "iris/transform_graph/transform_fn/assets/species");
    ASSERT_TRUE(vocabulary.ok());
    std::vector<std::string> classes;
    for (std::string_view rest = *vocabulary; !rest.empty();) {
      const size_t end = rest.find('\n');
      classes.emplace_back(rest.substr(0, end));
      rest = end == std::string_view::npos ? "" : rest.substr(end + 1);
    }
    ASSERT_EQ(classes.size(), 3u);
    EXPECT_EQ(std::vector<std::string>(result->spec.class_names().begin(),
                                       result->spec.class_names().end()),
              classes);
    auto probability = [&](const Json& row, const std::string& species) {
      const size_t k =
          static_cast<size_t>(std::find(classes.begin(), classes.end(), species) - classes.begin());
      return row["probabilities"][k].get<double>();
    };

    const fs::path base = options.model.parent_path() / "serving";
    fs::create_directories(base);
    fs::copy(options.model / kServingDir, base / "1", fs::copy_options::recursive);
    auto server = serving::ModelServer::Start({.model_name = "iris", .model_base_path = base});
    ASSERT_TRUE(server.ok()) << server.status();
    const Json metadata =
        Json::parse((*server)->Handle("GET", "/v1/models/iris/metadata", "").body);
    EXPECT_EQ(metadata["metadata"]["class_names"], Json(classes));
    const Json outputs =
        metadata["metadata"]["signature_def"]["signature_def"]["serving_default"]["outputs"];
    EXPECT_EQ(outputs["classes"]["dtype"], "DT_STRING");
    const Json rows = Json::parse((*server)
                                      ->Handle("POST", "/v1/models/iris:predict", R"(
        {"instances": [{"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2},
                       {"sepal_length": 6.7, "sepal_width": 3.0, "petal_length": 5.2, "petal_width": 2.3}]})")
                                      .body);
    ASSERT_EQ(rows["predictions"].size(), 2u) << rows;
    for (const Json& row : rows["predictions"]) {
      EXPECT_EQ(row["classes"], Json(classes));
      double total = 0;
      for (const Json& p : row["probabilities"]) total += p.get<double>();
      EXPECT_NEAR(total, 1.0, 1e-5);
    }
    // The first flower is a setosa, the second a virginica.
    EXPECT_GT(probability(rows["predictions"][0], "setosa"), 0.5);
    EXPECT_GT(probability(rows["predictions"][1], "virginica"), 0.5);
    const Json columns = Json::parse((*server)
                                         ->Handle("POST", "/v1/models/iris:predict", R"(
        {"inputs": {"sepal_length": [5.1], "sepal_width": [3.5], "petal_length": [1.4], "petal_width": [0.2]}})")
                                         .body);
    EXPECT_EQ(columns["outputs"]["classes"], Json::array({classes})) << columns;
    EXPECT_EQ(columns["outputs"]["probabilities"].size(), 1u);
  }
}

// Wine's cultivar is a plain integer: num_classes must be given, and names the ids.
TEST_F(SmallDatasetsTest, IntegerClassesNeedACountAndAreNamedByTheirIds) {
  TrainerOptions options = Options("wine", "gbdt", "cultivar", model::MULTICLASS_CLASSIFICATION);
  absl::Status missing = RunTrainer(options).status();
  EXPECT_NE(missing.message().find("needs num_classes"), std::string::npos) << missing;
  options.config.set_num_classes(3);
  absl::StatusOr<TrainerResult> result = RunTrainer(options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(std::vector<std::string>(result->spec.class_names().begin(),
                                     result->spec.class_names().end()),
            (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_GT(Metric(result->validation_metrics, "accuracy"), 0.8);
}

// The serving signature takes what the model's inputs are made from, never the label.
TEST_F(SmallDatasetsTest, TheSignatureLeavesTheLabelOut) {
  TrainerOptions options = Options("breast_cancer", "gbdt", "benign", model::BINARY_CLASSIFICATION);
  absl::StatusOr<TrainerResult> result = RunTrainer(options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->spec.signature_inputs_size(), 30);
  for (const auto& input : result->spec.signature_inputs()) EXPECT_NE(input.name(), "benign");
  EXPECT_EQ(result->spec.inputs_size(), 30);  // One templated transform entry made them.

  const data::RecordBatch eval = Raw("breast_cancer", "eval");  // It holds the label too.
  auto served = model::ServingModel::Load(options.model);
  ASSERT_TRUE(served.ok());
  EXPECT_TRUE((*served)->Predict(eval).ok());
}

// A row's prediction is the same alone, in a batch of the split, and joined with concurrent
// requests by the batcher (`weir serve --enable_batching`), for every family and task.
TEST_F(SmallDatasetsTest, EveryRowIsPredictedAsIfItWereAlone) {
  struct Task {
    std::string dataset, label;
    model::Task task;
  };
  const std::vector<Task> tasks = {{"breast_cancer", "benign", model::BINARY_CLASSIFICATION},
                                   {"iris", "species", model::MULTICLASS_CLASSIFICATION},
                                   {"diabetes", "progression", model::REGRESSION}};
  serving::PredictBatcher batcher(
      {.max_batch_rows = 64, .timeout = std::chrono::milliseconds(20), .threads = 1});
  for (const Task& task : tasks) {
    const data::RecordBatch eval = Raw(task.dataset, "eval");
    for (const std::string& family : kFamilies) {
      SCOPED_TRACE(task.dataset + " " + family);
      TrainerOptions options = Options(task.dataset, family, task.label, task.task);
      absl::StatusOr<TrainerResult> result = RunTrainer(options);
      ASSERT_TRUE(result.ok()) << result.status();
      absl::StatusOr<std::unique_ptr<model::ServingModel>> loaded =
          model::ServingModel::Load(options.model);
      ASSERT_TRUE(loaded.ok()) << loaded.status();
      std::shared_ptr<const model::ServingModel> served = *std::move(loaded);
      const size_t width = static_cast<size_t>(model::OutputsPerRow(served->spec()));
      auto together = served->Predict(eval);
      ASSERT_TRUE(together.ok()) << together.status();
      const size_t rows = std::min<size_t>(eval.num_rows(), 40);
      std::vector<absl::StatusOr<std::vector<float>>> batched(rows, absl::UnknownError("not run"));
      std::vector<std::thread> clients;
      for (size_t row = 0; row < rows; ++row) {
        clients.emplace_back(
            [&, row] { batched[row] = batcher.Predict(served, eval.Slice(row, row + 1)); });
      }
      for (std::thread& client : clients) client.join();
      for (size_t row = 0; row < rows; ++row) {
        auto alone = served->Predict(eval.Slice(row, row + 1));
        ASSERT_TRUE(alone.ok() && batched[row].ok());
        const std::vector<float> in_batch(together->begin() + row * width,
                                          together->begin() + (row + 1) * width);
        ASSERT_EQ(*alone, in_batch) << "row " << row;
        ASSERT_EQ(*batched[row], in_batch) << "row " << row;
      }
    }
  }
  EXPECT_LT(batcher.batches(), batcher.requests());  // Concurrent requests did share calls.
}

}  // namespace
}  // namespace weir::components
