#include "weir/components/example_validator/example_validator_component.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "weir/base/strings.h"
#include "weir/base/test_dirs.h"
#include "weir/components/statistics_gen/statistics_gen_component.h"
#include "weir/schema/schema_inference.h"
#include "weir/stats/dataset_statistics.h"

namespace weir::components {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const fs::path kTaxi = fs::path(WEIR_SHARED_DIR) / "data" / "taxi";

// Names every taxi column but types only those whose type is the same in data.csv and span2.csv
// (span2 writes some integer columns as 480.0), so it describes both spans.
std::string TaxiSchema(double skew_threshold, double drift_threshold) {
  std::string schema;
  for (const char* name :
       {"company", "dropoff_census_tract", "dropoff_community_area", "dropoff_latitude",
        "dropoff_longitude", "pickup_census_tract", "pickup_community_area", "pickup_latitude",
        "pickup_longitude", "tips", "trip_miles", "trip_seconds", "trip_start_day",
        "trip_start_month", "trip_start_timestamp"}) {
    schema += StrCat("feature { name: \"", name, "\" }\n");
  }
  schema += "feature { name: \"trip_start_hour\" type: INT int_domain { min: 0 max: 23 } }\n";
  schema += "feature { name: \"fare\" type: FLOAT presence { min_fraction: 1 } }\n";
  schema += StrCat(
      "feature {\n"
      "  name: \"payment_type\"\n"
      "  type: BYTES\n"
      "  presence { min_count: 1 }\n"
      "  skew_comparator { infinity_norm { threshold: ",
      skew_threshold,
      " } }\n"
      "  drift_comparator { infinity_norm { threshold: ",
      drift_threshold,
      " } }\n"
      "}\n");
  return schema;
}

void WriteText(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream out(file);
  out << text;
}

// A statistics artifact with one split per {split name, CSV file}.
void WriteStatistics(const fs::path& dir,
                     const std::vector<std::pair<std::string, std::string>>& splits) {
  for (const auto& [split, csv] : splits) {
    auto stats = stats::CsvStatistics({kTaxi / csv}, split, {}, {});
    ASSERT_TRUE(stats.ok()) << stats.status();
    tfmd::DatasetFeatureStatisticsList list;
    *list.add_datasets() = *stats;
    fs::create_directories(dir / StrCat("Split-", split));
    ASSERT_TRUE(
        WriteStatisticsFile(dir / StrCat("Split-", split) / kStatisticsFileName, list).ok());
  }
}

class ExampleValidatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = base::FreshDirForThisTest("example_validator");
    // Train is span 1 (data.csv), eval is span 2's data; the previous span's splits are data.csv.
    WriteStatistics(root_ / "statistics", {{"train", "data.csv"}, {"eval", "span2.csv"}});
    WriteStatistics(root_ / "previous", {{"train", "data.csv"}, {"eval", "data.csv"}});
    WriteText(root_ / "schema" / schema::kSchemaFileName, TaxiSchema(0.5, 0.5));
    options_.statistics = root_ / "statistics";
    options_.schema = root_ / "schema";
    options_.output = root_ / "anomalies";
  }
  void TearDown() override { fs::remove_all(root_); }

  fs::path root_;
  ExampleValidatorOptions options_;
};

TEST_F(ExampleValidatorTest, WritesAnomaliesPerSplitAndBlessesCleanSplits) {
  auto result = RunExampleValidator(options_);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->splits.size(), 2u);
  EXPECT_EQ(result->splits[0].split, "train");  // As TFX orders splits.
  EXPECT_EQ(result->splits[1].split, "eval");
  for (const SplitAnomalies& split : result->splits) {
    EXPECT_TRUE(split.blessed) << split.split;
    auto written =
        ReadAnomaliesFile(options_.output / StrCat("Split-", split.split) / kAnomaliesFileName);
    ASSERT_TRUE(written.ok()) << written.status();
    EXPECT_EQ(written->SerializeAsString(), split.anomalies.SerializeAsString());
    EXPECT_TRUE(written->anomaly_info().empty());
  }
  EXPECT_EQ(std::get<std::string>(result->properties.at("blessed")), "{\"train\": 1, \"eval\": 1}");
  EXPECT_EQ(std::get<std::string>(result->properties.at("split_names")), "[\"train\", \"eval\"]");
  // By default eval is compared with train (skew), and nothing with a previous span (drift).
  ASSERT_EQ(result->splits[1].anomalies.drift_skew_info_size(), 1);
  EXPECT_EQ(result->splits[1].anomalies.drift_skew_info(0).skew_measurements_size(), 1);
  EXPECT_EQ(result->splits[1].anomalies.drift_skew_info(0).drift_measurements_size(), 0);
  EXPECT_EQ(result->splits[0].anomalies.drift_skew_info_size(), 0);
}

TEST_F(ExampleValidatorTest, AnomaliesMakeTheirSplitNotBlessed) {
  WriteText(root_ / "schema" / schema::kSchemaFileName,
            TaxiSchema(0.01, 0.5) + "dataset_constraints { min_examples_count: 10000 }\n");
  options_.schema = root_ / "schema" / schema::kSchemaFileName;  // The file itself works too.
  auto result = RunExampleValidator(options_);
  ASSERT_TRUE(result.ok()) << result.status();
  // eval has 5000 examples, and its payment types are skewed from train's by 0.0264.
  const tfmd::Anomalies& eval = result->splits[1].anomalies;
  EXPECT_TRUE(result->splits[0].blessed);
  EXPECT_FALSE(result->splits[1].blessed);
  ASSERT_TRUE(eval.anomaly_info().contains("payment_type"));
  EXPECT_EQ(eval.anomaly_info().at("payment_type").reason(0).type(),
            tfmd::AnomalyInfo::COMPARATOR_L_INFTY_HIGH);
  EXPECT_EQ(eval.dataset_anomaly_info().reason(0).type(),
            tfmd::AnomalyInfo::DATASET_LOW_NUM_EXAMPLES);
  EXPECT_EQ(std::get<std::string>(result->properties.at("blessed")), "{\"train\": 1, \"eval\": 0}");
  auto written = ReadAnomaliesFile(options_.output / "Split-eval" / kAnomaliesFileName);
  ASSERT_TRUE(written.ok());
  EXPECT_TRUE(written->anomaly_info().contains("payment_type"));
}

TEST_F(ExampleValidatorTest, DriftAgainstThePreviousSpanAndExplicitSkewPairs) {
  WriteText(root_ / "schema" / schema::kSchemaFileName, TaxiSchema(0.01, 0.01));
  options_.previous_statistics = root_ / "previous";
  options_.skew_pairs = std::vector<SkewPair>{};  // No skew at all.
  auto result = RunExampleValidator(options_);
  ASSERT_TRUE(result.ok()) << result.status();
  // eval (span2) drifted from the previous span's eval (data.csv); train did not change.
  const tfmd::Anomalies& eval = result->splits[1].anomalies;
  ASSERT_EQ(eval.drift_skew_info_size(), 1);
  EXPECT_EQ(eval.drift_skew_info(0).skew_measurements_size(), 0);
  EXPECT_NEAR(eval.drift_skew_info(0).drift_measurements(0).value(), 0.0264, 1e-9);
  EXPECT_TRUE(result->splits[0].blessed);
  EXPECT_FALSE(result->splits[1].blessed);
  ASSERT_EQ(result->splits[0].anomalies.drift_skew_info_size(), 1);
  EXPECT_EQ(result->splits[0].anomalies.drift_skew_info(0).drift_measurements(0).value(), 0.0);

  // train compared with eval: the skew measured the other way round is the same distance.
  fs::remove_all(options_.output);
  options_.previous_statistics.clear();
  options_.skew_pairs = std::vector<SkewPair>{{"train", "eval"}};
  result = RunExampleValidator(options_);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_FALSE(result->splits[0].blessed);
  EXPECT_TRUE(result->splits[1].blessed);
  EXPECT_NEAR(result->splits[0].anomalies.drift_skew_info(0).skew_measurements(0).value(), 0.0264,
              1e-9);
}

TEST_F(ExampleValidatorTest, ServingStatisticsAreASplitCheckedForSkewAgainstTrain) {
  // What a server was sent: span 2's trips; the label is not expected there.
  WriteStatistics(root_ / "serving", {{"serving", "span2.csv"}});
  WriteText(root_ / "schema" / schema::kSchemaFileName,
            TaxiSchema(0.01, 0.5) +
                "default_environment: \"TRAINING\"\ndefault_environment: \"SERVING\"\n");
  options_.serving_statistics = root_ / "serving";
  options_.skew_pairs = std::vector<SkewPair>{};  // Between splits: none, to see serving's alone.
  auto result = RunExampleValidator(options_);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->splits.size(), 3u);
  EXPECT_EQ(result->splits[2].split, "serving");
  const tfmd::Anomalies& serving = result->splits[2].anomalies;
  ASSERT_EQ(serving.drift_skew_info_size(), 1);
  EXPECT_NEAR(serving.drift_skew_info(0).skew_measurements(0).value(), 0.0264, 1e-9);
  ASSERT_TRUE(serving.anomaly_info().contains("payment_type"));
  EXPECT_THAT(serving.anomaly_info().at("payment_type").description(), HasSubstr("split 'train'"));
  EXPECT_FALSE(result->splits[2].blessed);
  EXPECT_TRUE(result->splits[1].blessed);
  EXPECT_EQ(std::get<std::string>(result->properties.at("blessed")),
            "{\"train\": 1, \"eval\": 1, \"serving\": 0}");
  EXPECT_EQ(std::get<std::string>(result->properties.at("split_names")),
            "[\"train\", \"eval\", \"serving\"]");
  EXPECT_TRUE(fs::exists(options_.output / "Split-serving" / kAnomaliesFileName));

  // The SERVING environment applies: tips, expected in training only, may be absent there.
  fs::remove_all(options_.output);
  WriteText(root_ / "schema" / schema::kSchemaFileName,
            TaxiSchema(0.5, 0.5) +
                "feature { name: \"only_in_training\" not_in_environment: \"SERVING\" "
                "presence { min_count: 1 } }\n"
                "default_environment: \"TRAINING\"\ndefault_environment: \"SERVING\"\n");
  options_.environment = "TRAINING";
  result = RunExampleValidator(options_);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_FALSE(result->splits[0].blessed);  // Training lacks the column.
  EXPECT_TRUE(result->splits[2].blessed) << result->splits[2].anomalies.DebugString();

  // A serving split named as a training one, and a baseline that is not there, are refused.
  fs::remove_all(options_.output);
  WriteStatistics(root_ / "serving_as_eval", {{"eval", "span2.csv"}});
  options_.serving_statistics = root_ / "serving_as_eval";
  result = RunExampleValidator(options_);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("a split 'eval'"));
  options_.serving_statistics = root_ / "serving";
  options_.serving_baseline = "test";
  result = RunExampleValidator(options_);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("no split 'test'"));
  EXPECT_FALSE(fs::exists(options_.output));
}

TEST_F(ExampleValidatorTest, BadInputsFailAndLeaveNoOutput) {
  // A schema with a typo: the error names the file and line.
  WriteText(root_ / "schema" / schema::kSchemaFileName,
            "feature { name: \"fare\" }\nfeature { nme: \"x\" }\n");
  auto result = RunExampleValidator(options_);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(std::string(result.status().message()),
              HasSubstr((root_ / "schema" / schema::kSchemaFileName).string() + ":2:"));
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("nme"));
  EXPECT_FALSE(fs::exists(options_.output));

  WriteText(root_ / "schema" / schema::kSchemaFileName, TaxiSchema(0.5, 0.5));
  options_.environment = "SERVING";
  result = RunExampleValidator(options_);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(fs::exists(options_.output));

  options_.environment.clear();
  fs::remove_all(root_ / "previous" / "Split-eval");
  options_.previous_statistics = root_ / "previous";
  result = RunExampleValidator(options_);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("no split 'eval'"));
  EXPECT_FALSE(fs::exists(options_.output));

  options_.previous_statistics.clear();
  options_.skew_pairs = std::vector<SkewPair>{{"eval", "test"}};
  result = RunExampleValidator(options_);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("split 'test'"));
  EXPECT_FALSE(fs::exists(options_.output));

  // An output folder that already holds something is never overwritten.
  options_.skew_pairs.reset();
  WriteText(options_.output / "keep.txt", "x");
  result = RunExampleValidator(options_);
  EXPECT_FALSE(result.ok());
  EXPECT_TRUE(fs::exists(options_.output / "keep.txt"));
  EXPECT_FALSE(fs::exists(options_.output / "Split-eval"));

  // No staging folder is left behind next to the output.
  std::vector<std::string> entries;
  for (const auto& entry : fs::directory_iterator(root_)) {
    entries.push_back(entry.path().filename().string());
  }
  std::sort(entries.begin(), entries.end());
  EXPECT_THAT(entries, ElementsAre("anomalies", "previous", "schema", "statistics"));
}

}  // namespace
}  // namespace weir::components
