#include "weir/schema/schema_inference.h"

#include <google/protobuf/util/message_differencer.h>

#include <filesystem>
#include <set>

#include "gtest/gtest.h"
#include "weir/base/files.h"
#include "weir/stats/dataset_statistics.h"
#include "weir/stats/statistics.h"

namespace weir::schema {
namespace {
namespace fs = std::filesystem;

const tfmd::Feature& Find(const tfmd::Schema& schema, const std::string& name) {
  for (const auto& feature : schema.feature()) {
    if (feature.name() == name) return feature;
  }
  ADD_FAILURE() << "no feature " << name;
  static tfmd::Feature empty;
  return empty;
}

tfmd::Schema TaxiSchema(bool infer_feature_shape) {
  auto stats =
      stats::CsvStatistics({fs::path(WEIR_SHARED_DIR) / "data/taxi/data.csv"}, "train", {}, {});
  EXPECT_TRUE(stats.ok()) << stats.status();
  SchemaInferenceOptions options;
  options.infer_feature_shape = infer_feature_shape;
  return InferSchema(*stats, options);
}

TEST(SchemaGenTest, InfersTaxiTypesPresenceShapesAndDomains) {
  tfmd::Schema schema = TaxiSchema(true);
  EXPECT_EQ(schema.feature_size(), 18);

  const tfmd::Feature& fare = Find(schema, "fare");
  EXPECT_EQ(fare.type(), tfmd::FLOAT);
  EXPECT_EQ(fare.presence().min_fraction(), 1.0);
  EXPECT_EQ(fare.presence().min_count(), 1);
  ASSERT_EQ(fare.shape().dim_size(), 1);
  EXPECT_EQ(fare.shape().dim(0).size(), 1);

  EXPECT_EQ(Find(schema, "trip_start_hour").type(), tfmd::INT);

  // Empty cells are present, empty lists (0 or 1 values per example): TFDV gives such a
  // feature neither a shape nor a value count.
  const tfmd::Feature& latitude = Find(schema, "dropoff_latitude");
  EXPECT_FALSE(latitude.has_shape());
  EXPECT_FALSE(latitude.has_value_count());

  const tfmd::Feature& payment = Find(schema, "payment_type");
  EXPECT_EQ(payment.type(), tfmd::BYTES);
  EXPECT_EQ(payment.domain(), "payment_type");
  const tfmd::StringDomain* domain = nullptr;
  for (const auto& d : schema.string_domain()) {
    if (d.name() == "payment_type") domain = &d;
  }
  ASSERT_NE(domain, nullptr);
  std::vector<std::string> values(domain->value().begin(), domain->value().end());
  EXPECT_EQ(values, (std::vector<std::string>{"Cash", "Credit Card", "Dispute", "No Charge",
                                              "Pcard", "Prcard", "Unknown"}));
  EXPECT_EQ(Find(schema, "company").domain(), "company");  // 61 companies: within 100.

  // Never present: a BYTES feature that may be missing.
  const tfmd::Feature& tract = Find(schema, "pickup_census_tract");
  EXPECT_EQ(tract.type(), tfmd::BYTES);
  EXPECT_EQ(tract.presence().min_count(), 0);
  EXPECT_FALSE(tract.presence().has_min_fraction());
}

TEST(SchemaGenTest, WithoutShapeInferenceUsesValueCounts) {
  tfmd::Schema schema = TaxiSchema(false);
  const tfmd::Feature& fare = Find(schema, "fare");
  EXPECT_FALSE(fare.has_shape());
  EXPECT_EQ(fare.value_count().min(), 1);
  EXPECT_EQ(fare.value_count().max(), 1);
}

// One feature's statistics: `present` of `examples` examples hold it, with min..max values.
tfmd::DatasetFeatureStatistics OneFeature(const std::string& name,
                                          tfmd::FeatureNameStatistics::Type type, int examples,
                                          int present, int min_values, int max_values) {
  tfmd::DatasetFeatureStatistics stats;
  stats.set_num_examples(examples);
  auto* feature = stats.add_features();
  feature->mutable_path()->add_step(name);
  feature->set_type(type);
  tfmd::CommonStatistics* common = type == tfmd::FeatureNameStatistics::STRING
                                       ? feature->mutable_string_stats()->mutable_common_stats()
                                       : feature->mutable_num_stats()->mutable_common_stats();
  common->set_num_non_missing(present);
  common->set_num_missing(examples - present);
  common->set_min_num_values(min_values);
  common->set_max_num_values(max_values);
  common->set_tot_num_values(present * max_values);
  if (type == tfmd::FeatureNameStatistics::FLOAT) {
    feature->mutable_num_stats()->set_min(-1.5);
    feature->mutable_num_stats()->set_max(7.5);
  }
  return stats;
}

// TFDV's valency rule (feature_util.cc), case by case: (missing?, min, max) -> shape or value
// count, with and without infer_feature_shape.
TEST(SchemaGenTest, ValencyFollowsTfdvCaseByCase) {
  struct Case {
    int present;  // Of 10 examples.
    int min_values, max_values;
    bool infer_shape;
    std::string expected;  // "shape k", "count min..max" (0: unset), or "none".
  };
  const std::vector<Case> cases = {
      {10, 1, 1, true, "shape 1"},    {10, 1, 1, false, "count 1..1"},
      {10, 3, 3, true, "shape 3"},    {10, 3, 3, false, "count 3..3"},
      {10, 1, 4, true, "count 1..0"}, {10, 2, 4, false, "count 1..0"},
      {10, 0, 1, true, "none"},       {10, 0, 1, false, "none"},
      {10, 0, 5, false, "none"},      {7, 1, 1, true, "count 1..1"},
      {7, 2, 2, false, "count 2..2"}, {7, 1, 3, true, "count 1..0"},
      {7, 0, 1, true, "none"},        {7, 0, 1, false, "none"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message() << "present " << c.present << " values " << c.min_values
                                      << ".." << c.max_values << " infer_shape " << c.infer_shape);
    SchemaInferenceOptions options;
    options.infer_feature_shape = c.infer_shape;
    tfmd::Feature feature = InferSchema(OneFeature("f", tfmd::FeatureNameStatistics::FLOAT, 10,
                                                   c.present, c.min_values, c.max_values),
                                        options)
                                .feature(0);
    std::string got = "none";
    if (feature.has_shape()) {
      got = "shape " + std::to_string(feature.shape().dim(0).size());
      EXPECT_EQ(feature.shape().dim_size(), 1);
    } else if (feature.has_value_count()) {
      got = "count " + std::to_string(feature.value_count().min()) + ".." +
            std::to_string(feature.value_count().max());
    }
    EXPECT_EQ(got, c.expected);
    EXPECT_EQ(feature.presence().min_count(), 1);
    EXPECT_EQ(feature.presence().has_min_fraction(), c.present == 10);
  }
}

TEST(SchemaGenTest, BoolDomainForZeroOneIntegers) {
  tfmd::DatasetFeatureStatistics stats;
  auto* feature = stats.add_features();
  feature->mutable_path()->add_step("flag");
  feature->set_type(tfmd::FeatureNameStatistics::INT);
  auto* numbers = feature->mutable_num_stats();
  numbers->mutable_common_stats()->set_num_non_missing(10);
  numbers->mutable_common_stats()->set_min_num_values(1);
  numbers->mutable_common_stats()->set_max_num_values(1);
  numbers->mutable_common_stats()->set_tot_num_values(10);
  numbers->set_min(0);
  numbers->set_max(1);
  EXPECT_TRUE(InferSchema(stats, {}).feature(0).has_bool_domain());
  numbers->set_max(2);
  EXPECT_FALSE(InferSchema(stats, {}).feature(0).has_bool_domain());
  // All zeros is not a boolean to TFDV: the largest value must be 1.
  numbers->set_max(0);
  EXPECT_FALSE(InferSchema(stats, {}).feature(0).has_bool_domain());
}

const tfmd::StringDomain& DomainOf(const tfmd::Schema& schema, const tfmd::Feature& feature) {
  for (const auto& domain : schema.string_domain()) {
    if (domain.name() == feature.domain()) return domain;
  }
  ADD_FAILURE() << "no string domain " << feature.domain();
  static tfmd::StringDomain empty;
  return empty;
}

std::vector<std::string> Values(const tfmd::StringDomain& domain) {
  return {domain.value().begin(), domain.value().end()};
}

// A string feature whose rank histogram lists `values`.
tfmd::DatasetFeatureStatistics Strings(const std::string& name, int examples, int present,
                                       const std::vector<std::string>& values) {
  tfmd::DatasetFeatureStatistics stats =
      OneFeature(name, tfmd::FeatureNameStatistics::STRING, examples, present, 1, 1);
  auto* strings = stats.mutable_features(0)->mutable_string_stats();
  strings->set_unique(values.size());
  for (const std::string& value : values) {
    auto* bucket = strings->mutable_rank_histogram()->add_buckets();
    bucket->set_label(value);
    bucket->set_sample_count(1);
  }
  return stats;
}

TEST(SchemaGenTest, UpdateAppendsNewStringValuesAndWidensPresence) {
  tfmd::Schema schema = InferSchema(Strings("color", 10, 10, {"red", "blue"}), {});
  ASSERT_EQ(Values(DomainOf(schema, schema.feature(0))), (std::vector<std::string>{"blue", "red"}));
  EXPECT_EQ(schema.feature(0).shape().dim(0).size(), 1);

  // The second split has new values (appended in byte order, after the inferred ones) and
  // misses the feature in 2 of 8 examples.
  UpdateSchema(Strings("color", 8, 6, {"green", "red", "amber"}), {}, &schema);
  const tfmd::Feature& color = schema.feature(0);
  EXPECT_EQ(Values(DomainOf(schema, color)),
            (std::vector<std::string>{"blue", "red", "amber", "green"}));
  EXPECT_EQ(color.presence().min_fraction(), 0.75);
  EXPECT_EQ(color.presence().min_count(), 1);
  EXPECT_FALSE(color.has_shape());  // Broken by the missing examples; no value count instead.
  EXPECT_FALSE(color.has_value_count());
  EXPECT_NE(color.lifecycle_stage(), tfmd::DEPRECATED);
}

TEST(SchemaGenTest, UpdateWidensValueCountsAndBoolDomains) {
  SchemaInferenceOptions no_shape;
  no_shape.infer_feature_shape = false;
  tfmd::Schema schema =
      InferSchema(OneFeature("n", tfmd::FeatureNameStatistics::FLOAT, 10, 10, 2, 2), no_shape);
  ASSERT_EQ(schema.feature(0).value_count().min(), 2);
  UpdateSchema(OneFeature("n", tfmd::FeatureNameStatistics::FLOAT, 10, 10, 1, 5), no_shape,
               &schema);
  EXPECT_EQ(schema.feature(0).value_count().min(), 1);
  EXPECT_EQ(schema.feature(0).value_count().max(), 5);
  UpdateSchema(OneFeature("n", tfmd::FeatureNameStatistics::FLOAT, 10, 10, 0, 3), no_shape,
               &schema);
  EXPECT_FALSE(schema.feature(0).value_count().has_min());
  EXPECT_EQ(schema.feature(0).value_count().max(), 5);

  tfmd::DatasetFeatureStatistics flags =
      OneFeature("flag", tfmd::FeatureNameStatistics::INT, 10, 10, 1, 1);
  flags.mutable_features(0)->mutable_num_stats()->set_max(1);
  tfmd::Schema bools = InferSchema(flags, {});
  ASSERT_TRUE(bools.feature(0).has_bool_domain());
  flags.mutable_features(0)->mutable_num_stats()->set_max(3);
  UpdateSchema(flags, {}, &bools);
  EXPECT_FALSE(bools.feature(0).has_bool_domain());
  EXPECT_EQ(bools.feature(0).int_domain().min(), 0);
  EXPECT_EQ(bools.feature(0).int_domain().max(), 3);
}

TEST(SchemaGenTest, UpdateAddsNewFeaturesAndDeprecatesMissingOrConflictingOnes) {
  tfmd::DatasetFeatureStatistics train =
      OneFeature("kept", tfmd::FeatureNameStatistics::FLOAT, 10, 10, 1, 1);
  *train.add_features() =
      OneFeature("gone", tfmd::FeatureNameStatistics::FLOAT, 10, 10, 1, 1).features(0);
  *train.add_features() =
      OneFeature("retyped", tfmd::FeatureNameStatistics::INT, 10, 10, 1, 1).features(0);
  tfmd::Schema schema = InferSchema(train, {});

  tfmd::DatasetFeatureStatistics eval =
      OneFeature("kept", tfmd::FeatureNameStatistics::FLOAT, 5, 5, 1, 1);
  *eval.add_features() =
      OneFeature("retyped", tfmd::FeatureNameStatistics::FLOAT, 5, 5, 1, 1).features(0);
  *eval.add_features() =
      OneFeature("new", tfmd::FeatureNameStatistics::FLOAT, 5, 5, 1, 1).features(0);
  UpdateSchema(eval, {}, &schema);
  ASSERT_EQ(schema.feature_size(), 4);
  EXPECT_NE(Find(schema, "kept").lifecycle_stage(), tfmd::DEPRECATED);
  EXPECT_EQ(Find(schema, "gone").lifecycle_stage(), tfmd::DEPRECATED);
  EXPECT_EQ(Find(schema, "retyped").lifecycle_stage(), tfmd::DEPRECATED);
  EXPECT_EQ(Find(schema, "retyped").type(), tfmd::INT);  // The type stays; the feature goes.
  // A feature the update introduces is inferred without a fixed shape.
  const tfmd::Feature& added = schema.feature(3);
  EXPECT_EQ(added.name(), "new");
  EXPECT_FALSE(added.has_shape());
  EXPECT_EQ(added.value_count().min(), 1);
  EXPECT_EQ(added.value_count().max(), 1);
}

// On the taxi data: the eval-like second span brings company names that the first does not
// have; after the update they are in the domain.
TEST(SchemaGenTest, UpdateWithAnotherTaxiSpanCoversItsValues) {
  auto first =
      stats::CsvStatistics({fs::path(WEIR_SHARED_DIR) / "data/taxi/data.csv"}, "train", {}, {});
  auto second =
      stats::CsvStatistics({fs::path(WEIR_SHARED_DIR) / "data/taxi/span2.csv"}, "eval", {}, {});
  ASSERT_TRUE(first.ok() && second.ok());
  tfmd::Schema schema = InferSchema(*first, {});
  std::vector<std::string> before = Values(DomainOf(schema, Find(schema, "company")));
  UpdateSchema(*second, {}, &schema);
  std::vector<std::string> after = Values(DomainOf(schema, Find(schema, "company")));
  ASSERT_GE(after.size(), before.size());
  EXPECT_TRUE(std::equal(before.begin(), before.end(), after.begin()));  // Appended after.
  std::set<std::string> covered(after.begin(), after.end());
  for (const auto& feature : second->features()) {
    if (stats::FeatureName(feature) != "company") continue;
    for (const auto& bucket : feature.string_stats().rank_histogram().buckets())
      EXPECT_TRUE(covered.contains(bucket.label())) << bucket.label();
  }
}

TEST(SchemaGenTest, FilesRoundTripAndErrorsNameTheLine) {
  fs::path dir = fs::path(::testing::TempDir()) / "schema_gen_test";
  fs::create_directories(dir);
  tfmd::Schema schema = TaxiSchema(true);
  ASSERT_TRUE(WriteSchemaFile(dir / kSchemaFileName, schema).ok());
  auto read = ReadSchema(dir);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*read, schema));

  // A hand edit with TFMD fields this code never sets survives a read and write.
  std::string edited =
      "feature {\n  name: \"x\"\n  type: INT\n  int_domain { min: 0 max: 9 }\n"
      "  skew_comparator { infinity_norm { threshold: 0.01 } }\n"
      "  lifecycle_stage: PRODUCTION\n}\ndefault_environment: \"TRAINING\"\n";
  ASSERT_TRUE(base::WriteFileAtomically(dir / "edited.pbtxt", edited).ok());
  auto parsed = ReadSchemaFile(dir / "edited.pbtxt");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->feature(0).skew_comparator().infinity_norm().threshold(), 0.01);
  EXPECT_EQ(parsed->default_environment(0), "TRAINING");

  ASSERT_TRUE(
      base::WriteFileAtomically(dir / "bad.pbtxt", "feature {\n  name: \"x\"\n  typo_field: 3\n}\n")
          .ok());
  auto bad = ReadSchemaFile(dir / "bad.pbtxt");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("bad.pbtxt:3:"), std::string::npos) << bad.status();
  EXPECT_NE(bad.status().message().find("typo_field"), std::string::npos);
}

}  // namespace
}  // namespace weir::schema
