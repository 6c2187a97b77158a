#include "weir/stats/statistics.h"

#include <google/protobuf/util/message_differencer.h>

#include <cmath>
#include <filesystem>
#include <optional>

#include "gtest/gtest.h"
#include "weir/io/testing/csv_batches.h"

namespace weir::stats {
namespace {
namespace fs = std::filesystem;

const fs::path kTaxiCsv = fs::path(WEIR_SHARED_DIR) / "data/taxi/data.csv";

// The taxi CSV as batches of about `chunk_bytes` of CSV each.
std::vector<data::RecordBatch> TaxiBatches(size_t chunk_bytes) {
  return io::testing::ReadCsvBatches(kTaxiCsv, chunk_bytes);
}

const tfmd::FeatureNameStatistics& Feature(const tfmd::DatasetFeatureStatistics& stats,
                                           const std::string& name) {
  for (const auto& feature : stats.features()) {
    if (feature.path().step(0) == name) return feature;
  }
  ADD_FAILURE() << "no feature " << name;
  static tfmd::FeatureNameStatistics empty;
  return empty;
}

// Expected values computed independently with pandas on the same file (values as float32 for
// float columns, population standard deviation).
TEST(StatisticsTest, TaxiNumbersMatchPandas) {
  DatasetAccumulator accumulator;
  for (const auto& batch : TaxiBatches(4 << 20)) ASSERT_TRUE(accumulator.Add(batch).ok());
  tfmd::DatasetFeatureStatistics stats = accumulator.ToProto("train", {});
  EXPECT_EQ(stats.num_examples(), 15000u);
  EXPECT_EQ(stats.features_size(), 18);

  const auto& fare = Feature(stats, "fare");
  EXPECT_EQ(fare.type(), tfmd::FeatureNameStatistics::FLOAT);
  EXPECT_EQ(fare.num_stats().common_stats().num_non_missing(), 15000u);
  EXPECT_NEAR(fare.num_stats().mean(), 11.76883533, 1e-7);
  EXPECT_NEAR(fare.num_stats().std_dev(), 11.53888797, 1e-7);
  EXPECT_EQ(fare.num_stats().min(), 0);
  EXPECT_NEAR(fare.num_stats().max(), 700.0700073, 1e-6);
  EXPECT_EQ(fare.num_stats().num_zeros(), 26u);
  EXPECT_NEAR(fare.num_stats().median(), 7.85, 0.1);  // Sketch: within 1% rank.
  ASSERT_EQ(fare.num_stats().histograms_size(), 2);
  const auto& standard = fare.num_stats().histograms(0);
  EXPECT_EQ(standard.type(), tfmd::Histogram::STANDARD);
  ASSERT_EQ(standard.buckets_size(), 10);
  double total = 0;
  for (const auto& bucket : standard.buckets()) total += bucket.sample_count();
  EXPECT_NEAR(total, 15000, 1e-6);
  EXPECT_GT(standard.buckets(0).sample_count(), 14900);  // Fares are mostly far below 70.
  const auto& quantiles = fare.num_stats().histograms(1);
  EXPECT_EQ(quantiles.type(), tfmd::Histogram::QUANTILES);
  ASSERT_EQ(quantiles.buckets_size(), 10);
  EXPECT_EQ(quantiles.buckets(0).sample_count(), 1500);

  const auto& hour = Feature(stats, "trip_start_hour");
  EXPECT_EQ(hour.type(), tfmd::FeatureNameStatistics::INT);
  EXPECT_NEAR(hour.num_stats().mean(), 13.6318, 1e-9);
  EXPECT_NEAR(hour.num_stats().std_dev(), 6.620822866, 1e-8);
  EXPECT_EQ(hour.num_stats().num_zeros(), 602u);

  const auto& payment = Feature(stats, "payment_type");
  EXPECT_EQ(payment.type(), tfmd::FeatureNameStatistics::STRING);
  EXPECT_EQ(payment.string_stats().unique(), 7u);
  ASSERT_GE(payment.string_stats().top_values_size(), 3);
  EXPECT_EQ(payment.string_stats().top_values(0).value(), "Cash");
  EXPECT_EQ(payment.string_stats().top_values(0).frequency(), 9909);
  EXPECT_EQ(payment.string_stats().top_values(1).value(), "Credit Card");
  EXPECT_EQ(payment.string_stats().rank_histogram().buckets(2).label(), "No Charge");
  EXPECT_EQ(payment.string_stats().rank_histogram().buckets(2).sample_count(), 81);

  // An empty CSV cell is a present, empty list: non-missing with no value.
  const auto& company = Feature(stats, "company");
  EXPECT_EQ(company.string_stats().common_stats().num_non_missing(), 15000u);
  EXPECT_EQ(company.string_stats().common_stats().tot_num_values(), 15000u - 5140u);
  EXPECT_EQ(company.string_stats().common_stats().min_num_values(), 0u);
  EXPECT_EQ(company.string_stats().common_stats().max_num_values(), 1u);
  EXPECT_EQ(company.string_stats().unique(), 61u);
  EXPECT_NEAR(company.string_stats().avg_length(), 25.510649, 1e-5);

  // A column empty in every row holds features with no kind: missing everywhere.
  const auto& tract = Feature(stats, "pickup_census_tract");
  EXPECT_EQ(tract.string_stats().common_stats().num_missing(), 15000u);
  EXPECT_EQ(tract.string_stats().common_stats().num_non_missing(), 0u);
}

TEST(StatisticsTest, MergedShardsEqualOnePass) {
  DatasetAccumulator single;
  for (const auto& batch : TaxiBatches(4 << 20)) ASSERT_TRUE(single.Add(batch).ok());
  // Small batches accumulated round-robin into three shards, passed through serialization,
  // then merged.
  std::vector<DatasetAccumulator> shards(3);
  std::vector<data::RecordBatch> batches = TaxiBatches(64 << 10);
  ASSERT_GT(batches.size(), 10u);
  for (size_t i = 0; i < batches.size(); ++i) ASSERT_TRUE(shards[i % 3].Add(batches[i]).ok());
  DatasetAccumulator merged;
  for (const auto& shard : shards) {
    auto restored = DatasetAccumulator::Deserialize(shard.Serialize());
    ASSERT_TRUE(restored.ok()) << restored.status();
    ASSERT_TRUE(merged.Merge(*restored).ok());
  }
  tfmd::DatasetFeatureStatistics a = single.ToProto("x", {});
  tfmd::DatasetFeatureStatistics b = merged.ToProto("x", {});
  ASSERT_EQ(a.features_size(), b.features_size());
  for (int i = 0; i < a.features_size(); ++i) {
    tfmd::FeatureNameStatistics fa = a.features(i), fb = b.features(i);
    if (fa.has_num_stats()) {
      // Exact fields must be equal; sums may differ in the last bits; sketches within their error.
      EXPECT_NEAR(fa.num_stats().mean(), fb.num_stats().mean(),
                  1e-9 * std::abs(fa.num_stats().mean()) + 1e-12);
      EXPECT_NEAR(fa.num_stats().std_dev(), fb.num_stats().std_dev(),
                  1e-6 * fa.num_stats().std_dev() + 1e-12);
      EXPECT_EQ(fa.num_stats().min(), fb.num_stats().min());
      EXPECT_EQ(fa.num_stats().max(), fb.num_stats().max());
      EXPECT_EQ(fa.num_stats().num_zeros(), fb.num_stats().num_zeros());
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
          fa.num_stats().common_stats(), fb.num_stats().common_stats()));
    } else {
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(fa, fb)) << fa.path().step(0);
    }
  }
}

TEST(StatisticsTest, AbsentFeaturesCountAsMissingAndTypesMustAgree) {
  data::RecordBatch first;
  first.AddColumn("a", data::DataType::kInt64);
  first.mutable_column(0).AddInt64(1);
  first.mutable_column(0).FinishRow(data::Presence::kPresent);
  data::RecordBatch second;
  second.AddColumn("b", data::DataType::kFloat);
  second.mutable_column(0).AddFloat(std::nanf(""));
  second.mutable_column(0).FinishRow(data::Presence::kPresent);
  second.mutable_column(0).AppendMissing();
  DatasetAccumulator accumulator;
  ASSERT_TRUE(accumulator.Add(first).ok());
  ASSERT_TRUE(accumulator.Add(second).ok());
  tfmd::DatasetFeatureStatistics stats = accumulator.ToProto("", {});
  EXPECT_EQ(stats.num_examples(), 3u);
  EXPECT_EQ(Feature(stats, "a").num_stats().common_stats().num_missing(), 2u);
  EXPECT_EQ(Feature(stats, "b").num_stats().common_stats().num_missing(), 2u);
  EXPECT_EQ(Feature(stats, "b").num_stats().histograms(0).num_nan(), 1u);

  data::RecordBatch conflicting;
  conflicting.AddColumn("a", data::DataType::kBytes);
  conflicting.mutable_column(0).AddBytes("x");
  conflicting.mutable_column(0).FinishRow(data::Presence::kPresent);
  absl::Status status = accumulator.Add(conflicting);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("'a'"), std::string::npos) << status;
}

TEST(StatisticsTest, IntsAndFloatsOfOneFeatureAreDescribedAsFloats) {
  // Two spans of one CSV feed: one file wrote 480, the next 480.0 (span2.csv of the taxi data).
  data::RecordBatch ints;
  ints.AddColumn("trip_seconds", data::DataType::kInt64);
  for (int64_t value : {480, 120}) {
    ints.mutable_column(0).AddInt64(value);
    ints.mutable_column(0).FinishRow(data::Presence::kPresent);
  }
  data::RecordBatch floats;
  floats.AddColumn("trip_seconds", data::DataType::kFloat);
  floats.mutable_column(0).AddFloat(1200.5f);
  floats.mutable_column(0).FinishRow(data::Presence::kPresent);
  for (bool merged : {false, true}) {
    DatasetAccumulator total;
    ASSERT_TRUE(total.Add(ints).ok());
    if (merged) {
      DatasetAccumulator other;
      ASSERT_TRUE(other.Add(floats).ok());
      ASSERT_TRUE(total.Merge(other).ok());
    } else {
      ASSERT_TRUE(total.Add(floats).ok());
    }
    const tfmd::FeatureNameStatistics feature = Feature(total.ToProto("", {}), "trip_seconds");
    EXPECT_EQ(feature.type(), tfmd::FeatureNameStatistics::FLOAT) << merged;
    EXPECT_DOUBLE_EQ(feature.num_stats().mean(), (480 + 120 + 1200.5) / 3) << merged;
    EXPECT_DOUBLE_EQ(feature.num_stats().max(), 1200.5) << merged;
  }
}

// Statistics straight from CSV tally cells instead of building columns; both must give the same
// statistics for the same rows.
// NaNs, zeros, extremes and sums are found four values at a time with a scalar tail: every
// position of a special value must count, in a batch longer than a few values.
TEST(StatisticsTest, NaNsZerosAndExtremesAnywhereInABatch) {
  data::RecordBatch batch;
  batch.AddColumn("x", data::DataType::kFloat);
  uint64_t nans = 0, zeros = 0;
  double sum = 0, count = 0;
  for (int i = 0; i < 39; ++i) {
    float value = static_cast<float>(i % 7) - 2.5f;
    if (i % 5 == 1) value = std::nanf("");
    if (i % 6 == 2) value = 0.0f;
    if (i == 37) value = -100.0f;  // The least value, in the scalar tail.
    if (i == 13) value = 100.0f;   // The greatest, in the vector part.
    batch.mutable_column(0).AddFloat(value);
    batch.mutable_column(0).FinishRow(data::Presence::kPresent);
    if (std::isnan(value)) {
      ++nans;
      continue;
    }
    zeros += value == 0;
    sum += value;
    ++count;
  }
  DatasetAccumulator accumulator;
  ASSERT_TRUE(accumulator.Add(batch).ok());
  const tfmd::DatasetFeatureStatistics stats = accumulator.ToProto("rows", {});
  const auto& x = Feature(stats, "x").num_stats();
  EXPECT_EQ(x.histograms(0).num_nan(), nans);
  EXPECT_EQ(x.num_zeros(), zeros);
  EXPECT_EQ(x.min(), -100.0);
  EXPECT_EQ(x.max(), 100.0);
  EXPECT_NEAR(x.mean(), sum / count, 1e-12);
}

// TFDV sorts top values by (count, value) in reverse: equal counts come in descending byte order.
TEST(StatisticsTest, TopValuesWithEqualCountsInTfdvOrder) {
  data::RecordBatch batch;
  batch.AddColumn("s", data::DataType::kBytes);
  for (const char* value : {"b", "a", "c", "a", "B", "c", "zz", "b"}) {
    batch.mutable_column(0).AddBytes(value);
    batch.mutable_column(0).FinishRow(data::Presence::kPresent);
  }
  DatasetAccumulator accumulator;
  ASSERT_TRUE(accumulator.Add(batch).ok());
  const tfmd::DatasetFeatureStatistics stats = accumulator.ToProto("rows", {});
  const auto& strings = Feature(stats, "s").string_stats();
  std::vector<std::string> top, ranked;
  for (const auto& value : strings.top_values()) top.push_back(value.value());
  for (const auto& bucket : strings.rank_histogram().buckets()) ranked.push_back(bucket.label());
  const std::vector<std::string> expected = {"c", "b", "a", "zz", "B"};
  EXPECT_EQ(top, expected);
  EXPECT_EQ(ranked, expected);
}

TEST(StatisticsTest, TalliedRowsEqualTheSameRowsAsColumns) {
  const std::vector<std::optional<float>> numbers = {1.5f,          std::nullopt, 0.0f,
                                                     std::nanf(""), -2.0f,        1.5f};
  const std::vector<std::optional<std::string>> strings = {"x", "y",    std::nullopt,
                                                           "x", "\xff", "x"};
  data::RecordBatch batch;
  batch.AddColumn("number", data::DataType::kFloat);
  batch.AddColumn("string", data::DataType::kBytes);
  batch.AddColumn("never", data::DataType::kNull);
  std::vector<ScalarTally> tallies(3);
  tallies[0].type = data::DataType::kFloat;
  tallies[1].type = data::DataType::kBytes;
  for (size_t row = 0; row < numbers.size(); ++row) {
    if (numbers[row]) {
      batch.mutable_column(0).AddFloat(*numbers[row]);
      tallies[0].numbers.push_back(*numbers[row]);
    } else {
      ++tallies[0].empty_rows;
    }
    batch.mutable_column(0).FinishRow(data::Presence::kPresent);
    if (strings[row]) {
      batch.mutable_column(1).AddBytes(*strings[row]);
      ++tallies[1].strings[*strings[row]];
    } else {
      ++tallies[1].empty_rows;
    }
    batch.mutable_column(1).FinishRow(data::Presence::kPresent);
    batch.mutable_column(2).AppendMissing(data::Presence::kNoKind);
    ++tallies[2].missing_rows;
  }
  DatasetAccumulator from_columns;
  ASSERT_TRUE(from_columns.Add(batch).ok());
  DatasetAccumulator from_tallies;
  const std::vector<std::string> names = {"number", "string", "never"};
  ASSERT_TRUE(from_tallies.Add(names, std::move(tallies), numbers.size()).ok());
  tfmd::DatasetFeatureStatistics expected = from_columns.ToProto("rows", {});
  tfmd::DatasetFeatureStatistics tallied = from_tallies.ToProto("rows", {});
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(expected, tallied))
      << expected.DebugString() << "\n"
      << tallied.DebugString();
  // The cases it covers: an empty cell is present with no value, NaN is counted apart, a feature
  // that never has a value is missing everywhere, invalid UTF-8 is counted once per row.
  const auto& number = Feature(tallied, "number").num_stats();
  EXPECT_EQ(number.common_stats().num_non_missing(), 6u);
  EXPECT_EQ(number.common_stats().min_num_values(), 0u);
  EXPECT_EQ(number.histograms(0).num_nan(), 1u);
  EXPECT_EQ(number.num_zeros(), 1u);
  const auto& string = Feature(tallied, "string").string_stats();
  EXPECT_EQ(string.unique(), 3u);
  EXPECT_EQ(string.invalid_utf8_count(), 1u);
  EXPECT_EQ(string.top_values(0).value(), "x");
  EXPECT_EQ(string.top_values(0).frequency(), 3);
  EXPECT_EQ(Feature(tallied, "never").string_stats().common_stats().num_missing(), 6u);
}

}  // namespace
}  // namespace weir::stats
