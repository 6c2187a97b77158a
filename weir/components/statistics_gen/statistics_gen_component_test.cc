#include "weir/components/statistics_gen/statistics_gen_component.h"

#include <google/protobuf/util/message_differencer.h>

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"
#include "weir/base/files.h"
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

// Shards of StatisticsGen (on other machines) merge to the whole node's files, byte for byte:
// with several example files per split (each shard takes some, or none when there are more
// shards than files) and with one (one shard takes it all).
TEST(StatisticsGenTest, ShardsMergeToTheWholeNodesStatisticsByteForByte) {
  const fs::path root = FreshDir("shards");
  fs::create_directories(root / "in");
  fs::copy_file(kTaxiCsv, root / "in/data.csv");
  for (const uint64_t shard_input_bytes : {uint64_t{700} << 10, uint64_t{128} << 20}) {
    const fs::path dir = root / std::to_string(shard_input_bytes);
    ExampleGenOptions example_gen;
    example_gen.input_base = root / "in";
    example_gen.output = dir / "examples";
    example_gen.shard_input_bytes = shard_input_bytes;  // 3 files per split, then 1.
    auto examples = RunCsvExampleGen(example_gen);
    ASSERT_TRUE(examples.ok()) << examples.status();
    StatisticsGenOptions whole;
    whole.examples = {example_gen.output};
    whole.output = dir / "whole";
    auto whole_result = RunStatisticsGen(whole);
    ASSERT_TRUE(whole_result.ok()) << whole_result.status();
    for (const int count : {2, 3, 5}) {
      SCOPED_TRACE(testing::Message()
                   << examples->num_shards << " files per split, " << count << " shards");
      std::vector<fs::path> parts;
      for (int index = 0; index < count; ++index) {
        parts.push_back(dir / ("parts-of-" + std::to_string(count)) / std::to_string(index));
        StatisticsGenOptions shard = whole;
        shard.output.clear();
        shard.num_threads = 1 + index % 2;  // Whatever each machine has.
        ASSERT_TRUE(RunStatisticsGenShard(shard, index, count, parts.back()).ok());
      }
      StatisticsGenOptions merge = whole;
      merge.output = dir / ("merged-" + std::to_string(count));
      auto merged = MergeStatisticsGenShards(merge, parts);
      ASSERT_TRUE(merged.ok()) << merged.status();
      EXPECT_EQ(merged->examples_per_split, whole_result->examples_per_split);
      EXPECT_EQ(merged->properties, whole_result->properties);
      for (const char* split : {"Split-train", "Split-eval"}) {
        auto expected = base::ReadFile(whole.output / split / kStatisticsFileName);
        auto got = base::ReadFile(merge.output / split / kStatisticsFileName);
        ASSERT_TRUE(expected.ok() && got.ok());
        EXPECT_TRUE(*expected == *got) << split;
      }
    }
  }

  // A part missing or damaged: the merge names the file and writes nothing.
  const fs::path dir = root / std::to_string(uint64_t{700} << 10);
  std::vector<fs::path> parts = {dir / "parts-of-2/0", dir / "parts-of-2/1"};
  StatisticsGenOptions merge;
  merge.examples = {dir / "examples"};
  merge.output = dir / "merged-bad";
  const fs::path eval_part = parts[1] / "Split-eval/accumulators.tfrecord";
  ASSERT_TRUE(base::WriteFileAtomically(eval_part, "not a record").ok());
  auto damaged = MergeStatisticsGenShards(merge, parts);
  EXPECT_FALSE(damaged.ok());
  EXPECT_NE(damaged.status().message().find(eval_part.string()), std::string::npos)
      << damaged.status();
  fs::remove(eval_part);
  auto missing = MergeStatisticsGenShards(merge, parts);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound) << missing.status();
  EXPECT_NE(missing.status().message().find(eval_part.string()), std::string::npos);
  EXPECT_FALSE(fs::exists(merge.output));
  EXPECT_FALSE(RunStatisticsGenShard(merge, 2, 2, dir / "bad-part").ok());
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
