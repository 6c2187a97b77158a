#include "weir/components/transform/transform_component.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "weir/base/test_dirs.h"
#include "weir/components/testing/taxi_artifacts.h"
#include "weir/io/example/example_files.h"
#include "weir/transform/transform.h"

namespace weir::components {
namespace {
namespace fs = std::filesystem;

class TransformComponentTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // ctest runs each test in its own process, possibly at once: one folder per process.
    root_ = new fs::path(base::FreshTestDir("transform_component_test"));
    absl::Status made = testing::MakeTaxiArtifacts(*root_, /*with_transform=*/false);
    ASSERT_TRUE(made.ok()) << made;
  }
  static void TearDownTestSuite() {
    fs::remove_all(*root_);
    delete root_;
  }

  TransformOptions Options(const std::string& name) {
    TransformOptions options;
    options.examples = {*root_ / "examples"};
    options.schema = *root_ / "schema";
    options.spec = testing::TutorialTransformSpec();
    options.transform_graph = *root_ / name / "transform_graph";
    options.transformed_examples = *root_ / name / "transformed_examples";
    return options;
  }

  static std::vector<data::RecordBatch> ReadBatches(const fs::path& split_dir) {
    std::vector<data::RecordBatch> batches;
    auto files = io::ExampleFiles(split_dir);
    EXPECT_TRUE(files.ok()) << files.status();
    absl::Status status = io::ForEachExampleBatch<data::RecordBatch>(
        *files, 0,
        [](data::RecordBatch&& batch) -> absl::StatusOr<data::RecordBatch> {
          return std::move(batch);
        },
        [&](data::RecordBatch&& batch) {
          batches.push_back(std::move(batch));
          return absl::OkStatus();
        });
    EXPECT_TRUE(status.ok()) << status;
    return batches;
  }

  static fs::path* root_;
};
fs::path* TransformComponentTest::root_ = nullptr;

TEST_F(TransformComponentTest, AnalyzesTrainAndTransformsEverySplit) {
  TransformOptions options = Options("run");
  absl::StatusOr<TransformResult> result = RunTransform(options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->split_names,
            (std::vector<std::string>{"train", "eval"}));  // As TFX orders them.
  // TFX's hash split of the 15,000 rows (ExampleGen's golden test checks the same counts).
  EXPECT_EQ(result->examples_per_split[0] + result->examples_per_split[1], 15000u);
  EXPECT_TRUE(fs::exists(options.transform_graph / "transform_graph.pbtxt"));
  EXPECT_TRUE(fs::exists(options.transform_graph / "transform_fn/assets/company_xf"));
  EXPECT_TRUE(fs::exists(options.transform_graph / "transformed_metadata/schema.pbtxt"));
  EXPECT_TRUE(fs::exists(options.transformed_examples /
                         "Split-eval/transformed_examples-00000-of-00001.gz"));

  absl::StatusOr<transform::Transform> loaded = transform::Transform::Load(options.transform_graph);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->graph().analyzed_examples(),
            static_cast<int64_t>(result->examples_per_split[0]));

  // Training/serving skew: every eval example transformed alone, as the model server does,
  // equals what the batch transform wrote.
  std::vector<data::RecordBatch> raw = ReadBatches(options.examples.front() / "Split-eval");
  std::vector<data::RecordBatch> written = ReadBatches(options.transformed_examples / "Split-eval");
  size_t checked = 0;
  size_t written_batch = 0, written_row = 0;
  for (const data::RecordBatch& batch : raw) {
    for (size_t row = 0; row < batch.num_rows(); ++row, ++checked) {
      absl::StatusOr<data::RecordBatch> alone = loaded->Apply(batch.Slice(row, row + 1));
      ASSERT_TRUE(alone.ok()) << alone.status();
      const data::RecordBatch& expected = written[written_batch];
      for (const data::Column& column : alone->columns()) {
        const data::Column* stored = expected.FindColumn(column.name());
        ASSERT_NE(stored, nullptr) << column.name();
        ASSERT_EQ(column.is_present(0), stored->is_present(written_row)) << column.name();
        if (!column.is_present(0)) continue;
        const uint32_t v = stored->value_begin(written_row);
        if (column.type() == data::DataType::kInt64) {
          ASSERT_EQ(column.int64_values()[0], stored->int64_values()[v]) << column.name();
        } else {
          ASSERT_EQ(column.float_values()[0], stored->float_values()[v]) << column.name();
        }
      }
      if (++written_row == expected.num_rows()) {
        ++written_batch;
        written_row = 0;
      }
    }
  }
  EXPECT_EQ(checked, result->examples_per_split[1]);
}

TEST_F(TransformComponentTest, BadSpecLeavesNoOutput) {
  TransformOptions options = Options("bad");
  options.spec.mutable_features(0)->set_input("no_such_column");
  absl::StatusOr<TransformResult> result = RunTransform(options);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("no raw feature 'no_such_column'"), std::string::npos)
      << result.status();
  EXPECT_FALSE(fs::exists(options.transform_graph));
  EXPECT_FALSE(fs::exists(options.transformed_examples));
}

}  // namespace
}  // namespace weir::components
