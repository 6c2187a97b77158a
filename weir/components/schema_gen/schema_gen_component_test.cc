#include "weir/components/schema_gen/schema_gen_component.h"

#include <filesystem>

#include "gtest/gtest.h"
#include "weir/base/files.h"
#include "weir/base/strings.h"
#include "weir/base/test_dirs.h"
#include "weir/components/statistics_gen/statistics_gen_component.h"
#include "weir/stats/dataset_statistics.h"

namespace weir::components {
namespace {
namespace fs = std::filesystem;

fs::path FreshDir(const std::string& name) {
  return base::FreshTestDir("schema_gen_component_test/" + name);
}

const tfmd::StringDomain* DomainOf(const tfmd::Schema& schema, const std::string& feature) {
  for (const auto& domain : schema.string_domain()) {
    if (domain.name() == feature) return &domain;
  }
  return nullptr;
}

TEST(SchemaGenComponentTest, InfersFromTrainAndUpdatesWithEvalOfTfxExamples) {
  StatisticsGenOptions stats;
  stats.examples = {fs::path(WEIR_SHARED_DIR) / "tfx-golden/csv_example_gen"};
  stats.output = FreshDir("stats") / "statistics";
  ASSERT_TRUE(RunStatisticsGen(stats).ok());
  SchemaGenOptions options;
  options.statistics = stats.output;
  options.output = FreshDir("schema") / "schema";
  auto result = RunSchemaGen(options);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->sources.size(), 2u);
  EXPECT_NE(result->sources[0].find("Split-train"), std::string::npos);
  EXPECT_NE(result->sources[1].find("Split-eval"), std::string::npos);
  EXPECT_EQ(result->num_features, 18);
  auto schema = schema::ReadSchema(options.output);
  ASSERT_TRUE(schema.ok()) << schema.status();
  // The older TFX left empty cells as missing features: company is optional there.
  for (const auto& feature : schema->feature()) {
    if (feature.name() == "company") {
      EXPECT_FALSE(feature.presence().has_min_fraction());
      EXPECT_EQ(feature.domain(), "company");
    }
  }
}

// Values only the eval split has must be in the schema (TFX's SchemaGen updates with every
// split); with eval excluded they are not.
TEST(SchemaGenComponentTest, EvalOnlyValuesJoinTheDomainUnlessEvalIsExcluded) {
  fs::path dir = FreshDir("eval_values");
  for (const auto& [split, csv] : {std::pair{"train", "color,n\nred,1\nblue,2\nred,3\n"},
                                   std::pair{"eval", "color,n\nred,4\ngreen,\n"}}) {
    ASSERT_TRUE(base::WriteFileAtomically(dir / StrCat(split, ".csv"), csv).ok());
    auto dataset = stats::CsvStatistics({dir / StrCat(split, ".csv")}, split, {}, {});
    ASSERT_TRUE(dataset.ok()) << dataset.status();
    tfmd::DatasetFeatureStatisticsList list;
    *list.add_datasets() = *dataset;
    fs::create_directories(SplitDir(dir / "statistics", split));
    ASSERT_TRUE(
        WriteStatisticsFile(SplitDir(dir / "statistics", split) / kStatisticsFileName, list).ok());
  }
  SchemaGenOptions options;
  options.statistics = dir / "statistics";
  options.output = dir / "schema";
  ASSERT_TRUE(RunSchemaGen(options).ok());
  auto schema = schema::ReadSchema(options.output);
  ASSERT_TRUE(schema.ok()) << schema.status();
  const tfmd::StringDomain* colors = DomainOf(*schema, "color");
  ASSERT_NE(colors, nullptr);
  EXPECT_EQ(std::vector<std::string>(colors->value().begin(), colors->value().end()),
            (std::vector<std::string>{"blue", "red", "green"}));
  // n is an empty cell (a present, empty list) in one eval row: its fixed shape [1] is gone.
  int checked = 0;
  for (const auto& feature : schema->feature()) {
    if (feature.name() != "n") continue;
    EXPECT_FALSE(feature.has_shape());
    EXPECT_FALSE(feature.has_value_count());
    ++checked;
  }
  EXPECT_EQ(checked, 1);

  options.exclude_splits = {"eval"};
  options.output = dir / "schema_train_only";
  auto train_only = RunSchemaGen(options);
  ASSERT_TRUE(train_only.ok()) << train_only.status();
  ASSERT_EQ(train_only->sources.size(), 1u);
  auto narrow = schema::ReadSchema(options.output);
  ASSERT_TRUE(narrow.ok());
  ASSERT_NE(DomainOf(*narrow, "color"), nullptr);
  EXPECT_EQ(DomainOf(*narrow, "color")->value_size(), 2);

  options.exclude_splits = {"eval", "train"};
  options.output = dir / "schema_none";
  auto none = RunSchemaGen(options);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("exclude_splits"), std::string::npos) << none.status();
  EXPECT_FALSE(fs::exists(options.output));
}

// What `weir statisticsgen --csv` writes (a folder holding FeatureStats.pb) is a statistics
// input too, as is the file itself.
TEST(SchemaGenComponentTest, ReadsStatisticsComputedStraightFromCsv) {
  fs::path dir = FreshDir("from_csv");
  auto dataset =
      stats::CsvStatistics({fs::path(WEIR_SHARED_DIR) / "data/taxi/data.csv"}, "data", {}, {});
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  tfmd::DatasetFeatureStatisticsList list;
  *list.add_datasets() = *dataset;
  fs::create_directories(dir / "csv_stats");
  ASSERT_TRUE(WriteStatisticsFile(dir / "csv_stats" / kStatisticsFileName, list).ok());
  for (const fs::path& input : {dir / "csv_stats", dir / "csv_stats" / kStatisticsFileName}) {
    SchemaGenOptions options;
    options.statistics = input;
    options.output = dir / StrCat("schema_", input.filename().string());
    auto result = RunSchemaGen(options);
    ASSERT_TRUE(result.ok()) << input << ": " << result.status();
    EXPECT_EQ(result->num_features, 18);
  }
}

TEST(SchemaGenComponentTest, ImportKeepsTheFileByteForByte) {
  fs::path dir = FreshDir("import");
  // A comment and a field newer than this build's tensorflow_metadata must survive.
  std::string curated =
      "# Curated by hand.\nfeature {\n  name: \"x\"\n  type: INT\n  future_field: 7\n}\n";
  ASSERT_TRUE(base::WriteFileAtomically(dir / "curated.pbtxt", curated).ok());
  SchemaGenOptions options;
  options.import_schema = dir / "curated.pbtxt";
  options.output = dir / "schema";
  auto result = RunSchemaGen(options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*base::ReadFile(dir / "schema" / schema::kSchemaFileName), curated);

  ASSERT_TRUE(base::WriteFileAtomically(dir / "broken.pbtxt", "feature {\n  name: \"x\"\n").ok());
  options.import_schema = dir / "broken.pbtxt";
  options.output = dir / "schema2";
  auto broken = RunSchemaGen(options);
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("broken.pbtxt:3:"), std::string::npos)
      << broken.status();
  EXPECT_FALSE(fs::exists(dir / "schema2"));
}

}  // namespace
}  // namespace weir::components
