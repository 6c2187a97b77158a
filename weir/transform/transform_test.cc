#include "weir/transform/transform.h"

#include <gmock/gmock.h>
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <map>

#include "weir/io/csv/csv_parser.h"
#include "weir/io/testing/csv_batches.h"

namespace weir::transform {
namespace {
namespace fs = std::filesystem;

const fs::path kTaxiCsv = fs::path(WEIR_SHARED_DIR) / "data/taxi/data.csv";

// The taxi CSV as batches of CSV chunks (several, so that analyzers merge).
std::vector<data::RecordBatch> ReadTaxi() {
  return io::testing::ReadCsvBatches(kTaxiCsv, 256 << 10);
}

std::map<std::string, ValueType> RawTypes(const data::RecordBatch& batch) {
  std::map<std::string, ValueType> types;
  for (const data::Column& column : batch.columns()) {
    types[column.name()] = column.type() == data::DataType::kInt64   ? INT
                           : column.type() == data::DataType::kFloat ? FLOAT
                                                                     : STRING;
  }
  return types;
}

DataPass PassOver(const std::vector<data::RecordBatch>& batches) {
  return [&batches](const auto& accumulate, const auto& merge) -> absl::Status {
    for (const data::RecordBatch& batch : batches) {
      absl::StatusOr<AnalyzerState> state = accumulate(batch);
      if (!state.ok()) return state.status();
      absl::Status status = merge(std::move(*state));
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  };
}

TransformSpec ParseSpec(const std::string& text) {
  TransformSpec spec;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &spec)) << text;
  return spec;
}

// The tutorial's preprocessing, plus one of every other op.
constexpr char kTaxiSpec[] = R"pb(
  features {
    name: "fare_xf"
    input: "fare"
    ops { fill_missing {} }
    ops { scale_to_z_score {} }
  }
  features {
    name: "pickup_latitude_xf"
    input: "pickup_latitude"
    ops { fill_missing {} }
    ops { bucketize { num_buckets: 10 } }
  }
  features {
    name: "company_xf"
    input: "company"
    ops { fill_missing {} }
    ops { compute_and_apply_vocabulary { top_k: 1000 num_oov_buckets: 10 } }
  }
  features {
    name: "payment_type_xf"
    input: "payment_type"
    ops { fill_missing {} }
    ops { compute_and_apply_vocabulary { top_k: 3 num_oov_buckets: 2 } }
  }
  features {
    name: "trip_start_hour_xf"
    input: "trip_start_hour"
    ops { fill_missing {} }
    ops { categorical_identity { num_buckets: 24 } }
    ops { one_hot {} }
  }
  features {
    name: "trip_miles_01"
    input: "trip_miles"
    ops { scale_to_0_1 {} }
  }
  features {
    name: "trip_seconds_log"
    input: "trip_seconds"
    ops { log1p {} }
    ops { clip { max: 8 } }
  }
  features {
    name: "company_hash"
    input: "company"
    ops { hash_strings { hash_buckets: 100 } }
  }
  features {
    name: "area_cross"
    inputs: "pickup_community_area"
    inputs: "payment_type"
    ops { cross { hash_buckets: 50 } }
  }
  features { name: "tips_xf" expression: "tips > 0.2 * fare" expression_type: INT }
  features {
    name: "fare_z_bucket"
    input: "fare"
    ops { fill_missing {} }
    ops { scale_to_z_score {} }
    ops { bucketize { num_buckets: 4 } }
  }
)pb";

class TaxiTransformTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    batches_ = new std::vector<data::RecordBatch>(ReadTaxi());
    ASSERT_GT(batches_->size(), 3u);
    absl::StatusOr<Transform> transform =
        Transform::Analyze(ParseSpec(kTaxiSpec), RawTypes(batches_->front()), PassOver(*batches_));
    ASSERT_TRUE(transform.ok()) << transform.status();
    transform_ = new Transform(*std::move(transform));
  }
  static void TearDownTestSuite() {
    delete transform_;
    delete batches_;
  }
  static std::vector<data::RecordBatch>* batches_;
  static Transform* transform_;
};
std::vector<data::RecordBatch>* TaxiTransformTest::batches_ = nullptr;
Transform* TaxiTransformTest::transform_ = nullptr;

const FeatureAnalysis& AnalysisOf(const Transform& transform, const std::string& name) {
  const TransformGraph& graph = transform.graph();
  for (int f = 0; f < graph.spec().features_size(); ++f) {
    if (graph.spec().features(f).name() == name) return graph.analyses(f);
  }
  ADD_FAILURE() << "no feature " << name;
  return graph.analyses(0);
}

TEST_F(TaxiTransformTest, ZScoreUsesExactPopulationMoments) {
  // fare with missing filled by 0, over every row, computed directly.
  double sum = 0, sum_sq = 0;
  int64_t n = 0;
  for (const data::RecordBatch& batch : *batches_) {
    const data::Column& fare = *batch.FindColumn("fare");
    for (size_t row = 0; row < batch.num_rows(); ++row) {
      double x = fare.value_count(row) == 1 ? fare.float_values()[fare.value_begin(row)] : 0.0;
      sum += x;
      sum_sq += x * x;
      ++n;
    }
  }
  EXPECT_EQ(n, 15000);
  EXPECT_EQ(transform_->graph().analyzed_examples(), 15000);
  const Moments& moments = AnalysisOf(*transform_, "fare_xf").analyzers(0).moments();
  const double mean = sum / n;
  EXPECT_EQ(moments.count(), 15000);
  EXPECT_NEAR(moments.mean(), mean, 1e-9 * std::abs(mean));
  EXPECT_NEAR(moments.variance(), sum_sq / n - mean * mean, 1e-6 * moments.variance());

  // The transformed column has mean 0 and variance 1.
  double t_sum = 0, t_sum_sq = 0;
  for (const data::RecordBatch& batch : *batches_) {
    absl::StatusOr<data::RecordBatch> out = transform_->Apply(batch);
    ASSERT_TRUE(out.ok()) << out.status();
    for (float x : out->FindColumn("fare_xf")->float_values()) {
      t_sum += x;
      t_sum_sq += double(x) * x;
    }
  }
  EXPECT_NEAR(t_sum / n, 0.0, 1e-4);
  EXPECT_NEAR(t_sum_sq / n, 1.0, 1e-4);
}

TEST_F(TaxiTransformTest, VocabularyOrderedByFrequencyThenReverseBytes) {
  std::map<std::string, int64_t> counts;
  for (const data::RecordBatch& batch : *batches_) {
    const data::Column& column = *batch.FindColumn("payment_type");
    for (size_t row = 0; row < batch.num_rows(); ++row) {
      std::string token = column.value_count(row) == 1
                              ? std::string(column.bytes_value(column.value_begin(row)))
                              : "";
      ++counts[token];
    }
  }
  std::vector<std::pair<int64_t, std::string>> expected;
  for (const auto& [token, count] : counts) {
    if (!token.empty()) expected.emplace_back(count, token);
  }
  std::sort(expected.begin(), expected.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second > b.second;
  });
  expected.resize(3);
  const std::vector<std::string>& vocabulary = transform_->vocabulary("payment_type_xf");
  ASSERT_EQ(vocabulary.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(vocabulary[i], expected[i].second);
  EXPECT_EQ(vocabulary[0], "Cash");
  EXPECT_EQ(AnalysisOf(*transform_, "payment_type_xf").cardinality(), 3 + 2);

  // In-vocabulary tokens get their rank; others land in the two OOV buckets.
  absl::StatusOr<data::RecordBatch> out = transform_->Apply(batches_->front());
  ASSERT_TRUE(out.ok());
  const data::Column& raw = *batches_->front().FindColumn("payment_type");
  const data::Column& ids = *out->FindColumn("payment_type_xf");
  bool saw_oov = false;
  for (size_t row = 0; row < raw.num_rows(); ++row) {
    std::string token = std::string(raw.bytes_value(raw.value_begin(row)));
    int64_t id = ids.int64_values()[row];
    auto it = std::find(vocabulary.begin(), vocabulary.end(), token);
    if (it != vocabulary.end()) {
      EXPECT_EQ(id, it - vocabulary.begin());
    } else {
      EXPECT_GE(id, 3);
      EXPECT_LT(id, 5);
      saw_oov = true;
    }
  }
  EXPECT_TRUE(saw_oov);
}

TEST_F(TaxiTransformTest, BucketsHaveEqualCountsWithinTheSketchError) {
  const FeatureAnalysis& analysis = AnalysisOf(*transform_, "pickup_latitude_xf");
  EXPECT_EQ(analysis.analyzers(0).boundaries().values_size(), 9);
  EXPECT_EQ(analysis.cardinality(), 10);
  std::vector<int64_t> per_bucket(10, 0);
  for (const data::RecordBatch& batch : *batches_) {
    absl::StatusOr<data::RecordBatch> out = transform_->Apply(batch);
    ASSERT_TRUE(out.ok());
    for (int64_t bucket : out->FindColumn("pickup_latitude_xf")->int64_values()) {
      ASSERT_GE(bucket, 0);
      ASSERT_LT(bucket, 10);
      ++per_bucket[bucket];
    }
  }
  // Latitudes repeat a lot (census-tract centroids), so buckets are uneven; what must hold is
  // that every boundary sits at its quantile: the count below boundary i is about (i+1)/10.
  int64_t below = 0;
  for (int i = 0; i < 9; ++i) {
    below += per_bucket[i];
    EXPECT_LE(static_cast<double>(below) / 15000, (i + 1) / 10.0 + 0.01) << "boundary " << i;
  }
  // The two-phase feature: z-score first, then buckets of the z-scores.
  EXPECT_EQ(AnalysisOf(*transform_, "fare_z_bucket").analyzers_size(), 2);
}

TEST_F(TaxiTransformTest, ExpressionLabelIsZeroWhenFareIsMissing) {
  int64_t positives = 0, rows = 0;
  for (const data::RecordBatch& batch : *batches_) {
    absl::StatusOr<data::RecordBatch> out = transform_->Apply(batch);
    ASSERT_TRUE(out.ok());
    const data::Column& label = *out->FindColumn("tips_xf");
    const data::Column& tips = *batch.FindColumn("tips");
    const data::Column& fare = *batch.FindColumn("fare");
    for (size_t row = 0; row < batch.num_rows(); ++row, ++rows) {
      ASSERT_TRUE(label.is_present(row));
      int64_t expected = 0;
      if (fare.value_count(row) == 1 && tips.value_count(row) == 1) {
        expected = tips.float_values()[tips.value_begin(row)] >
                   0.2 * fare.float_values()[fare.value_begin(row)];
      }
      EXPECT_EQ(label.int64_values()[label.value_begin(row)], expected) << "row " << row;
      positives += expected;
    }
  }
  // The tutorial's "always no big tip" baseline is ~0.78 accurate, so ~22% are positive.
  EXPECT_GT(positives, rows / 10);
  EXPECT_LT(positives, rows / 3);
}

TEST_F(TaxiTransformTest, OneHotAndSchemaDescribeTheOutputs) {
  absl::StatusOr<data::RecordBatch> out = transform_->Apply(batches_->front());
  ASSERT_TRUE(out.ok());
  const data::Column& hour = *out->FindColumn("trip_start_hour_xf");
  const data::Column& raw_hour = *batches_->front().FindColumn("trip_start_hour");
  for (size_t row = 0; row < 50; ++row) {
    ASSERT_EQ(hour.value_count(row), 24u);
    int64_t h = raw_hour.int64_values()[raw_hour.value_begin(row)];
    for (int d = 0; d < 24; ++d)
      EXPECT_EQ(hour.float_values()[hour.value_begin(row) + d], d == h ? 1.f : 0.f);
  }
  ::tensorflow::metadata::v0::Schema schema = transform_->TransformedSchema();
  ASSERT_EQ(schema.feature_size(), transform_->graph().spec().features_size());
  for (const auto& feature : schema.feature()) {
    if (feature.name() == "company_xf") {
      EXPECT_EQ(feature.type(), ::tensorflow::metadata::v0::INT);
      EXPECT_TRUE(feature.int_domain().is_categorical());
      EXPECT_EQ(feature.int_domain().max(),
                static_cast<int64_t>(transform_->vocabulary("company_xf").size()) + 9);
    }
    if (feature.name() == "trip_start_hour_xf") {
      EXPECT_EQ(feature.type(), ::tensorflow::metadata::v0::FLOAT);
      EXPECT_EQ(feature.shape().dim(0).size(), 24);
    }
  }
  // Raw inputs: only what the spec reads.
  std::vector<std::string> raw;
  for (const RawFeature& feature : transform_->raw_features()) raw.push_back(feature.name());
  EXPECT_EQ(raw, (std::vector<std::string>{"company", "fare", "payment_type",
                                           "pickup_community_area", "pickup_latitude", "tips",
                                           "trip_miles", "trip_seconds", "trip_start_hour"}));
}

// Serving transforms one example at a time: every row alone must give the batch's values.
TEST_F(TaxiTransformTest, EachRowAloneEqualsTheBatch) {
  const data::RecordBatch& batch = (*batches_)[1];
  absl::StatusOr<data::RecordBatch> whole = transform_->Apply(batch);
  ASSERT_TRUE(whole.ok());
  for (size_t row = 0; row < batch.num_rows(); ++row) {
    absl::StatusOr<data::RecordBatch> alone = transform_->Apply(batch.Slice(row, row + 1));
    ASSERT_TRUE(alone.ok());
    data::RecordBatch expected = whole->Slice(row, row + 1);
    for (size_t c = 0; c < expected.num_columns(); ++c) {
      const data::Column& a = alone->column(c);
      const data::Column& b = expected.column(c);
      ASSERT_EQ(a.presence(0), b.presence(0)) << b.name() << " row " << row;
      ASSERT_TRUE(std::equal(a.int64_values().begin(), a.int64_values().end(),
                             b.int64_values().begin(), b.int64_values().end()))
          << b.name() << " row " << row;
      ASSERT_TRUE(std::equal(a.float_values().begin(), a.float_values().end(),
                             b.float_values().begin(), b.float_values().end()))
          << b.name() << " row " << row;
    }
  }
}

TEST_F(TaxiTransformTest, SavedAndLoadedTransformGivesTheSameValues) {
  fs::path dir = fs::path(::testing::TempDir()) / ("transform_saved_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  ASSERT_TRUE(transform_->Save(dir).ok());
  EXPECT_TRUE(fs::exists(dir / "transform_fn/assets/company_xf"));
  EXPECT_TRUE(fs::exists(dir / "transformed_metadata/schema.pbtxt"));
  absl::StatusOr<Transform> loaded = Transform::Load(dir);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->vocabulary("company_xf"), transform_->vocabulary("company_xf"));
  absl::StatusOr<data::RecordBatch> a = transform_->Apply(batches_->back());
  absl::StatusOr<data::RecordBatch> b = loaded->Apply(batches_->back());
  ASSERT_TRUE(a.ok() && b.ok());
  for (size_t c = 0; c < a->num_columns(); ++c) {
    EXPECT_TRUE(std::equal(a->column(c).int64_values().begin(), a->column(c).int64_values().end(),
                           b->column(c).int64_values().begin(), b->column(c).int64_values().end()));
    EXPECT_TRUE(std::equal(a->column(c).float_values().begin(), a->column(c).float_values().end(),
                           b->column(c).float_values().begin(), b->column(c).float_values().end()));
  }
  // A newer format is refused with a clear message.
  TransformGraph newer = transform_->graph();
  newer.set_format_version(kTransformGraphFormatVersion + 1);
  absl::StatusOr<Transform> refused = Transform::FromGraph(newer, {});
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("upgrade weir"), std::string::npos);
}

TEST_F(TaxiTransformTest, OneBatchAndManyBatchesAnalyzeAlike) {
  // Merge order and chunking do not change exact analyzers.
  std::vector<data::RecordBatch> reversed;
  for (auto it = batches_->rbegin(); it != batches_->rend(); ++it)
    reversed.push_back(it->Slice(0, it->num_rows()));
  absl::StatusOr<Transform> other =
      Transform::Analyze(ParseSpec(kTaxiSpec), RawTypes(batches_->front()), PassOver(reversed));
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->vocabulary("company_xf"), transform_->vocabulary("company_xf"));
  const Moments& a = AnalysisOf(*transform_, "fare_xf").analyzers(0).moments();
  const Moments& b = AnalysisOf(*other, "fare_xf").analyzers(0).moments();
  EXPECT_NEAR(a.mean(), b.mean(), 1e-9 * std::abs(a.mean()));
  EXPECT_NEAR(a.variance(), b.variance(), 1e-9 * a.variance());
}

absl::Status AnalyzeError(const std::string& spec_text) {
  static const std::vector<data::RecordBatch> batches = ReadTaxi();
  return Transform::Analyze(ParseSpec(spec_text), RawTypes(batches.front()), PassOver(batches))
      .status();
}

TEST(TransformSpecTest, MistakesAreNamed) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"features { name: 'x' input: 'nope' }", "no raw feature 'nope'"},
      {"features { name: 'x' input: 'company' ops { scale_to_z_score {} } }",
       "takes numbers, but the values are strings"},
      {"features { name: 'x' expression: 'fare + nope' }",
       "uses 'nope', which is not a numeric raw feature"},
      {"features { name: 'x' expression: 'fare +' }", "cannot parse expression"},
      {"features { name: 'x' input: 'fare' ops { one_hot {} } }", "takes ints"},
      {"features { name: 'x' input: 'trip_start_hour' ops { one_hot {} } }", "needs a depth"},
      {"features { name: 'x' input: 'fare' } features { name: 'x' input: 'fare' }",
       "defined twice"},
      {"features { name: 'x' input: 'fare' ops { custom { name: 'nope' } } }",
       "no custom op of that name"},
  };
  for (const auto& [spec, message] : cases) {
    EXPECT_THAT(std::string(AnalyzeError(spec).message()), ::testing::HasSubstr(message)) << spec;
  }
}

// One entry for many columns: a list or a pattern, one output per column named by the template,
// the same values as the entries written out one by one.
TEST(TransformApplyTest, WholeFloatsAreReadAsIntsAndFractionsAreRefused) {
  // One span's file wrote the community area as 8, the next as 8.0.
  data::RecordBatch ints;
  ints.AddColumn("area", data::DataType::kInt64);
  for (int64_t value : {8, 77}) {
    ints.mutable_column(0).AddInt64(value);
    ints.mutable_column(0).FinishRow(data::Presence::kPresent);
  }
  const std::vector<data::RecordBatch> batches = {ints};
  auto transform =
      Transform::Analyze(ParseSpec(R"pb(features {
                                          name: "area_xf"
                                          input: "area"
                                          ops { categorical_identity { num_buckets: 78 } }
                                        })pb"),
                         {{"area", INT}}, PassOver(batches));
  ASSERT_TRUE(transform.ok()) << transform.status();
  data::RecordBatch floats;
  floats.AddColumn("area", data::DataType::kFloat);
  for (float value : {8.0f, 77.0f}) {
    floats.mutable_column(0).AddFloat(value);
    floats.mutable_column(0).FinishRow(data::Presence::kPresent);
  }
  auto from_ints = transform->Apply(ints);
  auto from_floats = transform->Apply(floats);
  ASSERT_TRUE(from_ints.ok()) << from_ints.status();
  ASSERT_TRUE(from_floats.ok()) << from_floats.status();
  auto ids = [](const data::RecordBatch& batch) {
    std::span<const int64_t> values = batch.FindColumn("area_xf")->int64_values();
    return std::vector<int64_t>(values.begin(), values.end());
  };
  EXPECT_EQ(ids(*from_floats), ids(*from_ints));
  EXPECT_EQ(ids(*from_ints), (std::vector<int64_t>{8, 77}));

  floats.mutable_column(0).AddFloat(8.5f);
  floats.mutable_column(0).FinishRow(data::Presence::kPresent);
  auto fraction = transform->Apply(floats);
  ASSERT_FALSE(fraction.ok());
  EXPECT_NE(fraction.status().message().find("raw feature 'area' holds 8.5 in example 2"),
            std::string::npos)
      << fraction.status();
}

TEST(TransformSpecTest, OneEntryAppliesItsOpsToManyColumns) {
  static const std::vector<data::RecordBatch> batches = ReadTaxi();
  const std::map<std::string, ValueType> types = RawTypes(batches.front());
  auto analyze = [&](const std::string& text) {
    return Transform::Analyze(ParseSpec(text), types, PassOver(batches));
  };
  auto names = [](const Transform& transform) {
    std::vector<std::string> out;
    for (const FeatureSpec& feature : transform.graph().spec().features())
      out.push_back(feature.name());
    return out;
  };
  auto listed = analyze(R"pb(features {
                               name: "{}_xf"
                               each: [ "fare", "trip_miles" ]
                               ops { fill_missing {} }
                               ops { scale_to_z_score {} }
                             }
                             features { name: "company_xf" input: "company" })pb");
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(names(*listed), (std::vector<std::string>{"fare_xf", "trip_miles_xf", "company_xf"}));
  auto written_out = analyze(R"pb(features {
                                    name: "fare_xf"
                                    input: "fare"
                                    ops { fill_missing {} }
                                    ops { scale_to_z_score {} }
                                  }
                                  features {
                                    name: "trip_miles_xf"
                                    input: "trip_miles"
                                    ops { fill_missing {} }
                                    ops { scale_to_z_score {} }
                                  }
                                  features { name: "company_xf" input: "company" })pb");
  ASSERT_TRUE(written_out.ok());
  EXPECT_EQ(listed->graph().DebugString(), written_out->graph().DebugString());

  // A pattern, in name order, less what `except` names.
  auto matched = analyze(R"pb(features {
                                name: "z_{}"
                                each_matching: "(pickup|dropoff)_l.*"
                                except: "dropoff_longitude"
                                ops { fill_missing {} }
                              })pb");
  ASSERT_TRUE(matched.ok()) << matched.status();
  EXPECT_EQ(names(*matched), (std::vector<std::string>{"z_dropoff_latitude", "z_pickup_latitude",
                                                       "z_pickup_longitude"}));
  for (const FeatureSpec& feature : matched->graph().spec().features()) {
    EXPECT_EQ(feature.input(), feature.name().substr(2));
    EXPECT_TRUE(feature.each_matching().empty());
  }

  auto message = [](const std::string& spec) { return std::string(AnalyzeError(spec).message()); };
  EXPECT_NE(message(R"pb(features { name: "x" each: "fare" })pb").find("must hold {}"),
            std::string::npos);
  EXPECT_NE(message(R"pb(features { name: "{}" each_matching: "nothing.*" })pb")
                .find("matches no raw feature"),
            std::string::npos);
  EXPECT_NE(message(R"pb(features { name: "{}" each_matching: "(" })pb")
                .find("is not a regular expression"),
            std::string::npos);
  EXPECT_NE(
      message(R"pb(features { name: "{}" each: "fare" input: "tips" })pb").find("replace input"),
      std::string::npos);
  EXPECT_NE(message(R"pb(features {
                           name: "{}_xf"
                           each: [ "fare", "fare" ]
                         })pb")
                .find("transform feature 'fare_xf' is defined twice"),
            std::string::npos);
}

TEST(TransformPluginTest, CustomOpFromAPlugin) {
  ASSERT_TRUE(LoadCustomOpPlugin(WEIR_EXAMPLE_OPS_PLUGIN).ok());
  data::RecordBatch batch;
  data::Column& x = batch.AddColumn("x", data::DataType::kFloat);
  for (float v : {4.f, 9.f}) {
    x.AddFloat(v);
    x.FinishRow(data::Presence::kPresent);
  }
  x.AppendMissing();
  TransformSpec spec = ParseSpec(R"pb(
    features {
      name: "root"
      input: "x"
      ops {
        custom {
          name: "power"
          args { key: "exponent" value: "0.5" }
        }
      }
    })pb");
  std::vector<data::RecordBatch> batches;
  batches.push_back(batch.Slice(0, 3));
  absl::StatusOr<Transform> transform = Transform::Analyze(spec, {{"x", FLOAT}}, PassOver(batches));
  ASSERT_TRUE(transform.ok()) << transform.status();
  absl::StatusOr<data::RecordBatch> out = transform->Apply(batch);
  ASSERT_TRUE(out.ok()) << out.status();
  const data::Column& root = *out->FindColumn("root");
  EXPECT_FLOAT_EQ(root.float_values()[0], 2.f);
  EXPECT_FLOAT_EQ(root.float_values()[1], 3.f);
  EXPECT_FALSE(root.is_present(2));

  // A custom op's output type is known only at run time, where the next op checks it.
  TransformSpec typed = spec;
  typed.mutable_features(0)->add_ops()->mutable_hash_strings()->set_hash_buckets(10);
  absl::Status mismatch = Transform::Analyze(typed, {{"x", FLOAT}}, PassOver(batches)).status();
  EXPECT_NE(mismatch.message().find("takes strings or ints, but the values are floats"),
            std::string::npos)
      << mismatch;

  spec.mutable_features(0)->mutable_ops(0)->mutable_custom()->mutable_args()->at("exponent") = "x";
  absl::Status bad = Transform::Analyze(spec, {{"x", FLOAT}}, PassOver(batches)).status();
  EXPECT_NE(bad.message().find("argument 'exponent' must be a number"), std::string::npos) << bad;
}

}  // namespace
}  // namespace weir::transform
