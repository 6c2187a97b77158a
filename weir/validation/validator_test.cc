#include "weir/validation/validator.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "weir/stats/dataset_statistics.h"

namespace weir::validation {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAre;
using Type = tfmd::AnomalyInfo::Type;

// A schema that describes data/taxi/data.csv as weir reads it. Empty cells are present with no
// value, hence value_count.min 0 for the columns that have some.
constexpr char kTaxiSchema[] = R"pb(
  string_domain {
    name: "payment_type"
    value: [ "Cash", "Credit Card", "Dispute", "No Charge", "Pcard", "Prcard", "Unknown" ]
  }
  feature {
    name: "company"
    type: BYTES
    presence { min_fraction: 1 min_count: 1 }
    value_count { max: 1 }
  }
  feature {
    name: "dropoff_census_tract"
    type: INT
    value_count { max: 1 }
  }
  feature {
    name: "dropoff_community_area"
    type: INT
    int_domain { min: 1 max: 77 }
  }
  feature {
    name: "dropoff_latitude"
    type: FLOAT
    value_count { max: 1 }
  }
  feature {
    name: "dropoff_longitude"
    type: FLOAT
    value_count { max: 1 }
  }
  feature {
    name: "fare"
    type: FLOAT
    float_domain { min: 0 disallow_nan: true }
    presence { min_fraction: 1 min_count: 1 }
    shape { dim { size: 1 } }
  }
  feature {
    name: "payment_type"
    type: BYTES
    domain: "payment_type"
    presence { min_fraction: 1 min_count: 1 }
    value_count { min: 1 max: 1 }
  }
  feature { name: "pickup_census_tract" type: BYTES }
  feature {
    name: "pickup_community_area"
    type: INT
    presence { min_count: 1 }
  }
  feature { name: "pickup_latitude" type: FLOAT }
  feature { name: "pickup_longitude" type: FLOAT }
  feature {
    name: "tips"
    type: FLOAT
    presence { min_fraction: 1 }
  }
  feature {
    name: "trip_miles"
    type: FLOAT
    float_domain { min: 0 }
  }
  feature { name: "trip_seconds" type: INT }
  feature {
    name: "trip_start_day"
    type: INT
    int_domain { min: 1 max: 7 }
    value_count { min: 1 max: 1 }
  }
  feature {
    name: "trip_start_hour"
    type: INT
    int_domain { min: 0 max: 23 }
    presence { min_fraction: 1 min_count: 1 }
    value_count { min: 1 max: 1 }
  }
  feature {
    name: "trip_start_month"
    type: INT
    int_domain { min: 1 max: 12 }
  }
  feature { name: "trip_start_timestamp" type: INT }
)pb";

tfmd::Schema ParseSchema(const std::string& text) {
  tfmd::Schema schema;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &schema)) << text;
  return schema;
}

tfmd::Feature* Find(tfmd::Schema& schema, const std::string& name) {
  for (tfmd::Feature& feature : *schema.mutable_feature()) {
    if (feature.name() == name) return &feature;
  }
  ADD_FAILURE() << "no feature " << name;
  return schema.add_feature();
}

tfmd::DatasetFeatureStatistics CsvStatistics(const fs::path& file) {
  auto stats = stats::CsvStatistics({file}, file.stem().string(), {}, {});
  EXPECT_TRUE(stats.ok()) << stats.status();
  return stats.ok() ? *stats : tfmd::DatasetFeatureStatistics();
}

// Reason types of one feature's anomaly (empty when it has none).
std::vector<Type> Reasons(const tfmd::Anomalies& anomalies, const std::string& feature) {
  std::vector<Type> types;
  auto it = anomalies.anomaly_info().find(feature);
  if (it == anomalies.anomaly_info().end()) return types;
  for (const auto& reason : it->second.reason()) types.push_back(reason.type());
  return types;
}

std::vector<std::string> AnomalousFeatures(const tfmd::Anomalies& anomalies) {
  std::vector<std::string> names;
  for (const auto& [name, info] : anomalies.anomaly_info()) names.push_back(name);
  std::sort(names.begin(), names.end());  // The map has no order.
  return names;
}

const tfmd::DriftSkewInfo* DriftSkew(const tfmd::Anomalies& anomalies, const std::string& name) {
  for (const auto& info : anomalies.drift_skew_info()) {
    if (info.path().step_size() == 1 && info.path().step(0) == name) return &info;
  }
  return nullptr;
}

class ValidatorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const fs::path taxi = fs::path(WEIR_SHARED_DIR) / "data" / "taxi";
    data_ = new tfmd::DatasetFeatureStatistics(CsvStatistics(taxi / "data.csv"));
    span2_ = new tfmd::DatasetFeatureStatistics(CsvStatistics(taxi / "span2.csv"));
  }
  static void TearDownTestSuite() {
    delete data_;
    delete span2_;
  }

  tfmd::Anomalies Validate(const tfmd::DatasetFeatureStatistics& stats,
                           const ValidationOptions& options = {}) {
    return ValidateStatistics(stats, schema_, options);
  }

  static tfmd::DatasetFeatureStatistics* data_;
  static tfmd::DatasetFeatureStatistics* span2_;
  tfmd::Schema schema_ = ParseSchema(kTaxiSchema);
};

tfmd::DatasetFeatureStatistics* ValidatorTest::data_ = nullptr;
tfmd::DatasetFeatureStatistics* ValidatorTest::span2_ = nullptr;

TEST_F(ValidatorTest, NoAnomaliesOnTheDataTheSchemaDescribes) {
  ASSERT_EQ(data_->num_examples(), 15000u);
  tfmd::Anomalies anomalies = Validate(*data_);
  EXPECT_THAT(AnomalousFeatures(anomalies), ElementsAre());
  EXPECT_FALSE(anomalies.has_dataset_anomaly_info());
  EXPECT_FALSE(anomalies.data_missing());
  EXPECT_TRUE(IsBlessed(anomalies));
  EXPECT_EQ(anomalies.baseline().SerializeAsString(), schema_.SerializeAsString());
  EXPECT_EQ(anomalies.anomaly_name_format(), tfmd::Anomalies::SERIALIZED_PATH);
}

TEST_F(ValidatorTest, FeatureNotInSchemaIsANewColumn) {
  auto* features = schema_.mutable_feature();
  features->erase(std::find_if(features->begin(), features->end(),
                               [](const tfmd::Feature& f) { return f.name() == "tips"; }));
  tfmd::Anomalies anomalies = Validate(*data_);
  EXPECT_THAT(AnomalousFeatures(anomalies), ElementsAre("tips"));
  EXPECT_THAT(Reasons(anomalies, "tips"), ElementsAre(tfmd::AnomalyInfo::SCHEMA_NEW_COLUMN));
  const tfmd::AnomalyInfo& info = anomalies.anomaly_info().at("tips");
  EXPECT_EQ(info.severity(), tfmd::AnomalyInfo::ERROR);
  EXPECT_EQ(info.path().step(0), "tips");
  EXPECT_EQ(info.short_description(), "New column");
  EXPECT_THAT(info.description(), HasSubstr("'tips'"));
  EXPECT_THAT(info.description(), HasSubstr("15000"));
  EXPECT_FALSE(IsBlessed(anomalies));
}

TEST_F(ValidatorTest, RequiredSchemaFeatureAbsentFromDataIsAMissingColumn) {
  tfmd::Feature* required = schema_.add_feature();
  required->set_name("driver_rating");
  required->set_type(tfmd::FLOAT);
  required->mutable_presence()->set_min_fraction(1.0);
  tfmd::Feature* optional = schema_.add_feature();
  optional->set_name("rider_rating");
  optional->set_type(tfmd::FLOAT);
  tfmd::Anomalies anomalies = Validate(*data_);
  EXPECT_THAT(AnomalousFeatures(anomalies), ElementsAre("driver_rating"));
  EXPECT_THAT(Reasons(anomalies, "driver_rating"),
              ElementsAre(tfmd::AnomalyInfo::SCHEMA_MISSING_COLUMN));
}

TEST_F(ValidatorTest, TypeDifferentFromTheSchemaIsUnexpectedDataType) {
  Find(schema_, "fare")->set_type(tfmd::INT);               // FLOAT data.
  Find(schema_, "trip_start_hour")->set_type(tfmd::BYTES);  // INT data.
  tfmd::Anomalies anomalies = Validate(*data_);
  EXPECT_THAT(AnomalousFeatures(anomalies), ElementsAre("fare", "trip_start_hour"));
  EXPECT_THAT(Reasons(anomalies, "fare"), ElementsAre(tfmd::AnomalyInfo::UNEXPECTED_DATA_TYPE));
  EXPECT_THAT(anomalies.anomaly_info().at("fare").description(),
              HasSubstr("declared INT in the schema, but its values are FLOAT"));
  EXPECT_THAT(Reasons(anomalies, "trip_start_hour"),
              ElementsAre(tfmd::AnomalyInfo::UNEXPECTED_DATA_TYPE));
}

TEST_F(ValidatorTest, NarrowedIntDomainGivesSmallAndBigInt) {
  tfmd::IntDomain* hours = Find(schema_, "trip_start_hour")->mutable_int_domain();
  hours->set_min(6);
  hours->set_max(20);
  tfmd::Anomalies anomalies = Validate(*data_);
  EXPECT_THAT(AnomalousFeatures(anomalies), ElementsAre("trip_start_hour"));
  EXPECT_THAT(
      Reasons(anomalies, "trip_start_hour"),
      ElementsAre(tfmd::AnomalyInfo::INT_TYPE_SMALL_INT, tfmd::AnomalyInfo::INT_TYPE_BIG_INT));
  const tfmd::AnomalyInfo& info = anomalies.anomaly_info().at("trip_start_hour");
  EXPECT_EQ(info.short_description(), "2 anomalies");
  EXPECT_THAT(info.reason(0).description(), HasSubstr("as small as 0, below the domain minimum 6"));
  EXPECT_THAT(info.reason(1).description(),
              HasSubstr("as large as 23, above the domain maximum 20"));
  EXPECT_THAT(info.description(), HasSubstr(info.reason(1).description()));
}

TEST_F(ValidatorTest, FloatDomainBounds) {
  Find(schema_, "fare")->mutable_float_domain()->set_max(100);
  Find(schema_, "trip_miles")->mutable_float_domain()->set_min(0.5);
  tfmd::Anomalies anomalies = Validate(*data_);
  EXPECT_THAT(Reasons(anomalies, "fare"), ElementsAre(tfmd::AnomalyInfo::FLOAT_TYPE_BIG_FLOAT));
  EXPECT_THAT(anomalies.anomaly_info().at("fare").description(), HasSubstr("700.07"));
  EXPECT_THAT(Reasons(anomalies, "trip_miles"),
              ElementsAre(tfmd::AnomalyInfo::FLOAT_TYPE_SMALL_FLOAT));
}

TEST_F(ValidatorTest, ValueMissingFromStringDomainIsListed) {
  tfmd::StringDomain* domain = schema_.mutable_string_domain(0);
  domain->clear_value();
  for (const char* value : {"Cash", "Credit Card", "No Charge", "Pcard", "Unknown"}) {
    domain->add_value(value);
  }
  tfmd::Anomalies anomalies = Validate(*data_);
  EXPECT_THAT(AnomalousFeatures(anomalies), ElementsAre("payment_type"));
  EXPECT_THAT(Reasons(anomalies, "payment_type"),
              ElementsAre(tfmd::AnomalyInfo::ENUM_TYPE_UNEXPECTED_STRING_VALUES));
  const std::string& description = anomalies.anomaly_info().at("payment_type").description();
  EXPECT_THAT(description, HasSubstr("string domain 'payment_type'"));
  EXPECT_THAT(description, HasSubstr("'Dispute' (4), 'Prcard' (1)"));
  EXPECT_THAT(description, Not(HasSubstr("Cash")));
  EXPECT_THAT(description, HasSubstr("0.0333333%"));  // 5 of 15000 values.

  // Up to 1% of values may fall outside when min_domain_mass allows it.
  Find(schema_, "payment_type")->mutable_distribution_constraints()->set_min_domain_mass(0.99);
  EXPECT_THAT(AnomalousFeatures(Validate(*data_)), ElementsAre());
}

TEST_F(ValidatorTest, InlineStringDomain) {
  tfmd::Feature* payment = Find(schema_, "payment_type");
  payment->mutable_string_domain()->add_value("Cash");
  tfmd::Anomalies anomalies = Validate(*data_);
  EXPECT_THAT(Reasons(anomalies, "payment_type"),
              ElementsAre(tfmd::AnomalyInfo::ENUM_TYPE_UNEXPECTED_STRING_VALUES));
  EXPECT_THAT(anomalies.anomaly_info().at("payment_type").description(),
              HasSubstr("its string domain: 'Credit Card' (4974), 'No Charge' (81)"));
}

TEST_F(ValidatorTest, UnknownDomainNameIsAnInvalidDomainSpecification) {
  Find(schema_, "payment_type")->set_domain("payment_types");
  tfmd::Anomalies anomalies = Validate(*data_);
  EXPECT_THAT(Reasons(anomalies, "payment_type"),
              ElementsAre(tfmd::AnomalyInfo::INVALID_DOMAIN_SPECIFICATION));
}

TEST_F(ValidatorTest, NanWhereTheDomainDisallowsIt) {
  const fs::path dir = fs::path(::testing::TempDir()) / "validator_nan";
  fs::create_directories(dir);
  {
    std::ofstream csv(dir / "nan.csv");
    csv << "fare,tips\n1.5,0\nnan,1\n3.25,nan\n";
  }
  tfmd::DatasetFeatureStatistics stats = CsvStatistics(dir / "nan.csv");
  tfmd::Schema schema = ParseSchema(R"pb(
    feature {
      name: "fare"
      type: FLOAT
      float_domain { disallow_nan: true }
    }
    feature {
      name: "tips"
      type: FLOAT
      float_domain { disallow_nan: false }
    }
  )pb");
  tfmd::Anomalies anomalies = ValidateStatistics(stats, schema, {});
  EXPECT_THAT(AnomalousFeatures(anomalies), ElementsAre("fare"));
  EXPECT_THAT(Reasons(anomalies, "fare"), ElementsAre(tfmd::AnomalyInfo::FLOAT_TYPE_HAS_NAN));
  EXPECT_THAT(anomalies.anomaly_info().at("fare").description(), HasSubstr("has 1 NaN values"));
}

TEST_F(ValidatorTest, TooFewAndTooManyExamples) {
  schema_.mutable_dataset_constraints()->set_min_examples_count(15000);
  EXPECT_FALSE(Validate(*data_).has_dataset_anomaly_info());
  schema_.mutable_dataset_constraints()->set_min_examples_count(15001);
  tfmd::Anomalies anomalies = Validate(*data_);
  ASSERT_TRUE(anomalies.has_dataset_anomaly_info());
  ASSERT_EQ(anomalies.dataset_anomaly_info().reason_size(), 1);
  EXPECT_EQ(anomalies.dataset_anomaly_info().reason(0).type(),
            tfmd::AnomalyInfo::DATASET_LOW_NUM_EXAMPLES);
  EXPECT_EQ(anomalies.dataset_anomaly_info().severity(), tfmd::AnomalyInfo::ERROR);
  EXPECT_THAT(anomalies.dataset_anomaly_info().description(),
              HasSubstr("15000 examples; the schema requires at least 15001"));
  EXPECT_FALSE(IsBlessed(anomalies));

  schema_.mutable_dataset_constraints()->Clear();
  schema_.mutable_dataset_constraints()->set_max_examples_count(10000);
  EXPECT_EQ(Validate(*data_).dataset_anomaly_info().reason(0).type(),
            tfmd::AnomalyInfo::DATASET_HIGH_NUM_EXAMPLES);
}

TEST_F(ValidatorTest, PresenceChecks) {
  // pickup_census_tract is empty in every row of data.csv.
  tfmd::Feature* tract = Find(schema_, "pickup_census_tract");
  tract->mutable_presence()->set_min_count(1);
  EXPECT_THAT(Reasons(Validate(*data_), "pickup_census_tract"),
              ElementsAre(tfmd::AnomalyInfo::FEATURE_TYPE_NOT_PRESENT));

  // Every CSV row has every column, so examples lacking a feature come from elsewhere (say
  // tf.Examples from another source): here 1000 of the 15000 lack the fare.
  tfmd::DatasetFeatureStatistics partial = *data_;
  for (auto& feature : *partial.mutable_features()) {
    if (feature.path().step(0) != "fare") continue;
    feature.mutable_num_stats()->mutable_common_stats()->set_num_non_missing(14000);
    feature.mutable_num_stats()->mutable_common_stats()->set_num_missing(1000);
  }
  tfmd::Feature* fare = Find(schema_, "fare");
  fare->clear_shape();
  fare->mutable_presence()->set_min_fraction(0.95);
  fare->mutable_presence()->set_min_count(14001);
  tfmd::Anomalies anomalies = Validate(partial);
  EXPECT_THAT(Reasons(anomalies, "fare"),
              ElementsAre(tfmd::AnomalyInfo::FEATURE_TYPE_LOW_FRACTION_PRESENT,
                          tfmd::AnomalyInfo::FEATURE_TYPE_LOW_NUMBER_PRESENT));
  EXPECT_THAT(anomalies.anomaly_info().at("fare").reason(0).description(),
              HasSubstr("0.933333 of the examples (14000 of 15000)"));
  fare->mutable_presence()->set_min_fraction(0.9);
  fare->mutable_presence()->set_min_count(14000);
  EXPECT_THAT(Reasons(Validate(partial), "fare"), ElementsAre());
  // min_fraction 1 tolerates no missing example at all.
  fare->mutable_presence()->set_min_fraction(1.0);
  EXPECT_THAT(Reasons(Validate(partial), "fare"),
              ElementsAre(tfmd::AnomalyInfo::FEATURE_TYPE_LOW_FRACTION_PRESENT));
}

TEST_F(ValidatorTest, ValueCountsAndShape) {
  // Empty dropoff_latitude cells give examples with no value.
  Find(schema_, "dropoff_latitude")->mutable_value_count()->set_min(1);
  Find(schema_, "trip_start_day")->mutable_value_count()->set_max(0);
  tfmd::Feature* longitude = Find(schema_, "dropoff_longitude");
  longitude->clear_value_count();
  longitude->mutable_shape()->add_dim()->set_size(1);
  tfmd::Anomalies anomalies = Validate(*data_);
  EXPECT_THAT(AnomalousFeatures(anomalies),
              ElementsAre("dropoff_latitude", "dropoff_longitude", "trip_start_day"));
  EXPECT_THAT(Reasons(anomalies, "dropoff_latitude"),
              ElementsAre(tfmd::AnomalyInfo::FEATURE_TYPE_LOW_NUMBER_VALUES));
  EXPECT_THAT(Reasons(anomalies, "trip_start_day"),
              ElementsAre(tfmd::AnomalyInfo::FEATURE_TYPE_HIGH_NUMBER_VALUES));
  EXPECT_THAT(Reasons(anomalies, "dropoff_longitude"),
              ElementsAre(tfmd::AnomalyInfo::INVALID_FEATURE_SHAPE));
  EXPECT_THAT(anomalies.anomaly_info().at("dropoff_longitude").description(),
              HasSubstr("between 0 and 1 values per example"));
}

TEST_F(ValidatorTest, EnvironmentsDecideWhichFeaturesAreExpected) {
  schema_.add_default_environment("TRAINING");
  schema_.add_default_environment("SERVING");
  Find(schema_, "tips")->add_not_in_environment("SERVING");
  tfmd::DatasetFeatureStatistics serving = *data_;
  auto* features = serving.mutable_features();
  features->erase(std::find_if(features->begin(), features->end(),
                               [](const auto& f) { return f.path().step(0) == "tips"; }));

  ValidationOptions options;
  options.environment = "SERVING";
  EXPECT_THAT(AnomalousFeatures(Validate(serving, options)), ElementsAre());
  options.environment = "TRAINING";
  EXPECT_THAT(Reasons(Validate(serving, options), "tips"),
              ElementsAre(tfmd::AnomalyInfo::SCHEMA_MISSING_COLUMN));
  // Without an environment, every feature is expected.
  EXPECT_THAT(Reasons(Validate(serving), "tips"),
              ElementsAre(tfmd::AnomalyInfo::SCHEMA_MISSING_COLUMN));
  // A feature out of the environment is still known: present in the data, it is not new.
  options.environment = "SERVING";
  EXPECT_THAT(AnomalousFeatures(Validate(*data_, options)), ElementsAre());

  EXPECT_TRUE(CheckEnvironment(schema_, "SERVING").ok());
  EXPECT_TRUE(CheckEnvironment(schema_, "").ok());
  absl::Status misspelt = CheckEnvironment(schema_, "SERVNG");
  EXPECT_EQ(misspelt.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(misspelt.message()), HasSubstr("SERVING, TRAINING"));
}

TEST_F(ValidatorTest, SkippedLifecycleStages) {
  for (tfmd::LifecycleStage stage :
       {tfmd::DEPRECATED, tfmd::PLANNED, tfmd::ALPHA, tfmd::DEBUG_ONLY, tfmd::DISABLED}) {
    tfmd::Schema schema = schema_;
    tfmd::Feature* planned = schema.add_feature();
    planned->set_name("driver_rating");
    planned->mutable_presence()->set_min_count(1);
    planned->set_lifecycle_stage(stage);
    // A deprecated feature keeps no constraint, yet remains known.
    Find(schema, "fare")->set_lifecycle_stage(stage);
    Find(schema, "fare")->set_type(tfmd::BYTES);
    EXPECT_THAT(AnomalousFeatures(ValidateStatistics(*data_, schema, {})), ElementsAre())
        << tfmd::LifecycleStage_Name(stage);
  }
  tfmd::Feature* production = schema_.add_feature();
  production->set_name("driver_rating");
  production->mutable_presence()->set_min_count(1);
  production->set_lifecycle_stage(tfmd::PRODUCTION);
  EXPECT_THAT(AnomalousFeatures(Validate(*data_)), ElementsAre("driver_rating"));
}

TEST_F(ValidatorTest, PaymentTypeDriftBetweenSpansIsAnLInfinityAnomaly) {
  // Credit Card: 33.16% of data.csv, 30.52% of span2.csv, the largest change (0.0264; Cash
  // moves by 0.0252).
  Find(schema_, "payment_type")
      ->mutable_drift_comparator()
      ->mutable_infinity_norm()
      ->set_threshold(0.01);
  ValidationOptions options;
  options.previous_statistics = data_;
  tfmd::Anomalies anomalies = Validate(*span2_, options);
  EXPECT_THAT(Reasons(anomalies, "payment_type"),
              ElementsAre(tfmd::AnomalyInfo::COMPARATOR_L_INFTY_HIGH));
  const std::string& description = anomalies.anomaly_info().at("payment_type").description();
  EXPECT_THAT(description, HasSubstr("value 'Credit Card'"));
  EXPECT_THAT(description, HasSubstr("threshold 0.01"));
  const tfmd::DriftSkewInfo* info = DriftSkew(anomalies, "payment_type");
  ASSERT_NE(info, nullptr);
  ASSERT_EQ(info->drift_measurements_size(), 1);
  EXPECT_EQ(info->skew_measurements_size(), 0);
  EXPECT_EQ(info->drift_measurements(0).type(), tfmd::DriftSkewInfo::Measurement::L_INFTY);
  EXPECT_NEAR(info->drift_measurements(0).value(), 0.0264, 1e-9);
  EXPECT_EQ(info->drift_measurements(0).threshold(), 0.01);

  // A looser threshold: measured and recorded, but no anomaly.
  Find(schema_, "payment_type")
      ->mutable_drift_comparator()
      ->mutable_infinity_norm()
      ->set_threshold(0.1);
  anomalies = Validate(*span2_, options);
  EXPECT_THAT(Reasons(anomalies, "payment_type"), ElementsAre());
  info = DriftSkew(anomalies, "payment_type");
  ASSERT_NE(info, nullptr);
  EXPECT_NEAR(info->drift_measurements(0).value(), 0.0264, 1e-9);

  // No previous statistics: no drift measured.
  EXPECT_EQ(Validate(*span2_).drift_skew_info_size(), 0);
}

TEST_F(ValidatorTest, SkewBetweenSplitsUsesTheSkewComparator) {
  Find(schema_, "payment_type")
      ->mutable_skew_comparator()
      ->mutable_infinity_norm()
      ->set_threshold(0.01);
  Find(schema_, "payment_type")
      ->mutable_drift_comparator()
      ->mutable_infinity_norm()
      ->set_threshold(0.5);
  ValidationOptions options;
  options.skew_statistics = data_;
  options.previous_statistics = data_;
  tfmd::Anomalies anomalies = Validate(*span2_, options);
  EXPECT_THAT(Reasons(anomalies, "payment_type"),
              ElementsAre(tfmd::AnomalyInfo::COMPARATOR_L_INFTY_HIGH));
  EXPECT_THAT(anomalies.anomaly_info().at("payment_type").short_description(),
              HasSubstr("this split and split 'data'"));
  const tfmd::DriftSkewInfo* info = DriftSkew(anomalies, "payment_type");
  ASSERT_NE(info, nullptr);
  ASSERT_EQ(info->skew_measurements_size(), 1);
  ASSERT_EQ(info->drift_measurements_size(), 1);
  EXPECT_NEAR(info->skew_measurements(0).value(), 0.0264, 1e-9);
}

TEST_F(ValidatorTest, JensenShannonDivergenceOnANumericFeature) {
  tfmd::FeatureComparator* comparator = Find(schema_, "fare")->mutable_drift_comparator();
  comparator->mutable_jensen_shannon_divergence()->set_threshold(0.1);
  ValidationOptions options;

  // Identical statistics: no divergence.
  options.previous_statistics = data_;
  tfmd::Anomalies same = Validate(*data_, options);
  EXPECT_THAT(AnomalousFeatures(same), ElementsAre());
  const tfmd::DriftSkewInfo* info = DriftSkew(same, "fare");
  ASSERT_NE(info, nullptr);
  ASSERT_EQ(info->drift_measurements_size(), 1);
  EXPECT_EQ(info->drift_measurements(0).type(),
            tfmd::DriftSkewInfo::Measurement::JENSEN_SHANNON_DIVERGENCE);
  EXPECT_NEAR(info->drift_measurements(0).value(), 0.0, 1e-12);

  // The same fares plus 50: every histogram bound moves by 50.
  tfmd::DatasetFeatureStatistics shifted = *data_;
  for (auto& feature : *shifted.mutable_features()) {
    if (feature.path().step(0) != "fare") continue;
    for (auto& histogram : *feature.mutable_num_stats()->mutable_histograms()) {
      for (auto& bucket : *histogram.mutable_buckets()) {
        bucket.set_low_value(bucket.low_value() + 50);
        bucket.set_high_value(bucket.high_value() + 50);
      }
    }
  }
  tfmd::Anomalies moved = Validate(shifted, options);
  EXPECT_THAT(Reasons(moved, "fare"),
              ElementsAre(tfmd::AnomalyInfo::COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH));
  info = DriftSkew(moved, "fare");
  ASSERT_NE(info, nullptr);
  EXPECT_GT(info->drift_measurements(0).value(), 0.1);

  // Real drift from data.csv to span2.csv: small but not zero, on either histogram.
  auto span2_divergence = [&]() {
    tfmd::Anomalies span2_anomalies = Validate(*span2_, options);
    const tfmd::DriftSkewInfo* span2_info = DriftSkew(span2_anomalies, "fare");
    return span2_info == nullptr ? -1.0 : span2_info->drift_measurements(0).value();
  };
  double standard = span2_divergence();
  comparator->mutable_jensen_shannon_divergence()->mutable_source()->set_type(
      tfmd::HistogramSelection::QUANTILES);
  double quantiles = span2_divergence();
  EXPECT_GT(standard, 0.0);
  EXPECT_LT(standard, 0.1);
  EXPECT_GT(quantiles, 0.0);
  EXPECT_LT(quantiles, 0.1);
  EXPECT_NE(standard, quantiles);
}

TEST_F(ValidatorTest, ComparatorWithoutBaselineFeature) {
  Find(schema_, "tips")
      ->mutable_drift_comparator()
      ->mutable_jensen_shannon_divergence()
      ->set_threshold(0.1);
  tfmd::DatasetFeatureStatistics previous = *data_;
  auto* features = previous.mutable_features();
  features->erase(std::find_if(features->begin(), features->end(),
                               [](const auto& f) { return f.path().step(0) == "tips"; }));
  ValidationOptions options;
  options.previous_statistics = &previous;
  EXPECT_THAT(Reasons(Validate(*data_, options), "tips"),
              ElementsAre(tfmd::AnomalyInfo::COMPARATOR_CONTROL_DATA_MISSING));

  // L-infinity is defined over string value counts; asked of a number it cannot be measured,
  // and that is reported rather than passed over.
  Find(schema_, "fare")->mutable_drift_comparator()->mutable_infinity_norm()->set_threshold(0.1);
  tfmd::Anomalies anomalies = Validate(*data_, options);
  EXPECT_THAT(Reasons(anomalies, "fare"), ElementsAre(tfmd::AnomalyInfo::STATS_NOT_AVAILABLE));
  EXPECT_EQ(DriftSkew(anomalies, "fare"), nullptr);
}

TEST_F(ValidatorTest, DatasetWithoutExamplesIsDataMissing) {
  tfmd::DatasetFeatureStatistics empty;
  tfmd::Anomalies anomalies = Validate(empty);
  EXPECT_TRUE(anomalies.data_missing());
  EXPECT_THAT(AnomalousFeatures(anomalies), ElementsAre());
  EXPECT_FALSE(IsBlessed(anomalies));
}

}  // namespace
}  // namespace weir::validation
