#include "weir/orchestrator/local_runner.h"

#include <cstdlib>
#include <filesystem>

#include "gtest/gtest.h"
#include "weir/base/files.h"
#include "weir/pipeline/pipeline_spec.h"

namespace weir::orchestrator {
namespace {
namespace fs = std::filesystem;

class LocalRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pipeline::RegisterBuiltins(registry_);
    home_ = fs::path(::testing::TempDir()) / "local_runner_test" /
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(home_);
    fs::create_directories(home_);
    setenv("WEIR_HOME", home_.c_str(), 1);
  }
  pipeline::ComponentRegistry registry_;
  fs::path home_;
};

TEST_F(LocalRunnerTest, RunsTheTaxiDataStepsEndToEnd) {
  auto spec = pipeline::LoadPipelineFile(
      fs::path(WEIR_SOURCE_DIR) / "examples/taxi/pipeline_solution.yaml", registry_);
  ASSERT_TRUE(spec.ok()) << spec.status();
  std::vector<std::string> started;
  auto result =
      RunPipeline(*spec, registry_, "run1",
                  [&](const pipeline::NodeSpec& node, size_t, size_t, const NodeOutcome* outcome) {
                    if (outcome == nullptr) started.push_back(node.id());
                  });
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_TRUE(result->ok()) << result->nodes.back().error;
  EXPECT_EQ(started, (std::vector<std::string>{"CsvExampleGen", "StatisticsGen", "SchemaGen",
                                               "ExampleValidator"}));
  const fs::path root = home_ / "artifacts" / "taxi";
  EXPECT_TRUE(
      fs::exists(root / "CsvExampleGen/examples/run1/Split-train/data_tfrecord-00000-of-00001.gz"));
  EXPECT_TRUE(fs::exists(root / "StatisticsGen/statistics/run1/Split-eval/FeatureStats.pb"));
  EXPECT_TRUE(fs::exists(root / "SchemaGen/schema/run1/schema.pbtxt"));
  EXPECT_TRUE(fs::exists(root / "ExampleValidator/anomalies/run1/Split-eval/SchemaDiff.pb"));
  EXPECT_EQ(
      std::get<std::string>(result->nodes[0].output_properties.at("examples").at("split_names")),
      "[\"train\", \"eval\"]");

  // A run id names the run's folders, so it cannot be used twice.
  auto again = RunPipeline(*spec, registry_, "run1", nullptr);
  EXPECT_TRUE(absl::IsAlreadyExists(again.status())) << again.status();
}

TEST_F(LocalRunnerTest, AFailureSkipsOnlyWhatDependsOnIt) {
  ASSERT_TRUE(
      base::WriteFileAtomically(
          home_ / "p.yaml",
          "pipeline: p\nnodes:\n"
          "  Gen:\n    component: CsvExampleGen\n    params: {input_base: missing_folder}\n"
          "  Stats:\n    component: StatisticsGen\n    inputs: {examples: Gen.examples}\n"
          "  Curated:\n    component: ImportSchemaGen\n    params: {schema_file: schema.pbtxt}\n")
          .ok());
  ASSERT_TRUE(
      base::WriteFileAtomically(home_ / "schema.pbtxt", "feature { name: \"x\" type: INT }\n")
          .ok());
  auto spec = pipeline::LoadPipelineFile(home_ / "p.yaml", registry_);
  ASSERT_TRUE(spec.ok()) << spec.status();
  auto result = RunPipeline(*spec, registry_, "", nullptr);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_FALSE(result->ok());
  ASSERT_EQ(result->nodes.size(), 3u);
  EXPECT_EQ(result->nodes[0].state, NodeState::kFailed);
  EXPECT_NE(result->nodes[0].error.find("missing_folder"), std::string::npos)
      << result->nodes[0].error;
  EXPECT_EQ(result->nodes[1].state, NodeState::kSkipped);
  EXPECT_EQ(result->nodes[2].state, NodeState::kSucceeded);  // Independent of Gen.
  EXPECT_FALSE(fs::exists(home_ / "artifacts" / "p" / "Gen" / "examples" / result->run_id));
}

}  // namespace
}  // namespace weir::orchestrator
