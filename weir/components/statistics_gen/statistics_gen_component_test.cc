#include "weir/components/statistics_gen/statistics_gen_component.h"

#include <google/protobuf/util/message_differencer.h>

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"
#include "weir/base/test_dirs.h"
#include "weir/components/example_gen/example_gen_component.h"
#include "weir/stats/dataset_statistics.h"

namespace weir::components {
namespace {
namespace fs = std::filesystem;

const fs::path kTaxiCsv = fs::path(WEIR_SHARED_DIR) / "data/taxi/data.csv";

fs::path FreshDir(const std::string& name) {
  return base::FreshTestDir("statistics_gen_test/" + name);
}

const tfmd::FeatureNameStatistics* Find(const tfmd::DatasetFeatureStatistics& stats,
                                        const std::string& name) {
  for (const auto& feature : stats.features()) {
    if (feature.path().step(0) == name) return &feature;
  }
  return nullptr;
}

TEST(StatisticsGenTest, ReadsTheExamplesTfxWrote) {
  StatisticsGenOptions options;
  options.examples = {fs::path(WEIR_SHARED_DIR) / "tfx-golden/csv_example_gen"};
  options.output = FreshDir("golden") / "statistics";
  auto result = RunStatisticsGen(options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->split_names,
            (std::vector<std::string>{"train", "eval"}));  // As TFX orders them.
  EXPECT_EQ(result->examples_per_split, (std::vector<uint64_t>{9909, 5091}));
  auto train = ReadStatisticsFile(options.output / "Split-train" / kStatisticsFileName);
  ASSERT_TRUE(train.ok()) << train.status();
  ASSERT_EQ(train->datasets_size(), 1);
  const auto& dataset = train->datasets(0);
  EXPECT_EQ(dataset.num_examples(), 9909u);
  const auto* fare = Find(dataset, "fare");
  ASSERT_NE(fare, nullptr);
  EXPECT_EQ(fare->num_stats().common_stats().num_non_missing(), 9909u);
  // The older TFX wrote empty cells as features with no kind: missing.
  const auto* company = Find(dataset, "company");
  ASSERT_NE(company, nullptr);
  EXPECT_GT(company->string_stats().common_stats().num_missing(), 2000u);
  EXPECT_EQ(company->string_stats().common_stats().min_num_values(), 1u);
}

TEST(StatisticsGenTest, ExamplesAndCsvGiveTheSameStatistics) {
  fs::path input = FreshDir("in");
  fs::copy_file(kTaxiCsv, input / "data.csv");
  ExampleGenOptions example_gen;
  example_gen.input_base = input;
  example_gen.output = FreshDir("examples_root") / "examples";
  example_gen.output_splits = {{"all", 1}};
  ASSERT_TRUE(RunCsvExampleGen(example_gen).ok());

  StatisticsGenOptions options;
  options.examples = {example_gen.output};
  options.output = FreshDir("stats_root") / "statistics";
  options.num_threads = 2;
  ASSERT_TRUE(RunStatisticsGen(options).ok());
  auto from_examples = ReadStatisticsFile(options.output / "Split-all" / kStatisticsFileName);
  ASSERT_TRUE(from_examples.ok());
  auto from_csv = stats::CsvStatistics({kTaxiCsv}, "all", {}, {});
  ASSERT_TRUE(from_csv.ok()) << from_csv.status();

  const tfmd::DatasetFeatureStatistics& a = from_examples->datasets(0);
  const tfmd::DatasetFeatureStatistics& b = *from_csv;
  EXPECT_EQ(a.num_examples(), 15000u);
  ASSERT_EQ(a.features_size(), b.features_size());
  for (int i = 0; i < a.features_size(); ++i) {
    const auto& fa = a.features(i);
    const auto& fb = b.features(i);
    ASSERT_EQ(fa.path().step(0), fb.path().step(0));
    EXPECT_EQ(fa.type(), fb.type());
    if (fa.has_string_stats()) {
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(fa, fb)) << fa.path().step(0);
    } else {
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
          fa.num_stats().common_stats(), fb.num_stats().common_stats()));
      EXPECT_EQ(fa.num_stats().min(), fb.num_stats().min());
      EXPECT_EQ(fa.num_stats().max(), fb.num_stats().max());
      EXPECT_EQ(fa.num_stats().num_zeros(), fb.num_stats().num_zeros());
      EXPECT_NEAR(fa.num_stats().mean(), fb.num_stats().mean(),
                  1e-9 * std::abs(fb.num_stats().mean()));
    }
  }
}

TEST(StatisticsGenTest, ErrorsNameTheProblem) {
  StatisticsGenOptions options;
  options.examples = {FreshDir("empty_examples")};
  options.output = FreshDir("out") / "statistics";
  auto result = RunStatisticsGen(options);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("no Split-<name> folders"), std::string::npos);
  EXPECT_FALSE(fs::exists(options.output));

  fs::path bad = FreshDir("corrupt_examples");
  fs::create_directories(bad / "Split-train");
  std::ofstream(bad / "Split-train" / "data.gz") << "not a tfrecord file at all, just text";
  options.examples = {bad};
  result = RunStatisticsGen(options);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("data.gz"), std::string::npos) << result.status();
  EXPECT_FALSE(fs::exists(options.output));
}

}  // namespace
}  // namespace weir::components
