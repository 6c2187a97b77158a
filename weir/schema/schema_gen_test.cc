#include "weir/schema/schema_gen.h"

#include <google/protobuf/util/message_differencer.h>

#include <filesystem>

#include "gtest/gtest.h"
#include "weir/base/files.h"
#include "weir/components/statistics_gen/statistics_gen.h"

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
  auto stats = components::ComputeCsvStatistics({fs::path(WEIR_SHARED_DIR) / "data/taxi/data.csv"},
                                                "train", {}, {});
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

  // Empty cells are present, empty lists: no fixed shape, at most one value.
  const tfmd::Feature& latitude = Find(schema, "dropoff_latitude");
  EXPECT_FALSE(latitude.has_shape());
  EXPECT_FALSE(latitude.value_count().has_min());
  EXPECT_EQ(latitude.value_count().max(), 1);

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
