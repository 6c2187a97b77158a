#include "weir/components/schema_gen/schema_gen.h"

#include <filesystem>

#include "gtest/gtest.h"
#include "weir/base/files.h"
#include "weir/components/statistics_gen/statistics_gen.h"

namespace weir::components {
namespace {
namespace fs = std::filesystem;

fs::path FreshDir(const std::string& name) {
  fs::path dir = fs::path(::testing::TempDir()) / "schema_gen_component_test" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(SchemaGenComponentTest, InfersFromTheTrainSplitOfTfxExamples) {
  StatisticsGenOptions stats;
  stats.examples = fs::path(WEIR_SHARED_DIR) / "tfx-golden/csv_example_gen";
  stats.output = FreshDir("stats") / "statistics";
  ASSERT_TRUE(RunStatisticsGen(stats).ok());
  SchemaGenOptions options;
  options.statistics = stats.output;
  options.output = FreshDir("schema") / "schema";
  auto result = RunSchemaGen(options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_NE(result->source.find("Split-train"), std::string::npos);
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
