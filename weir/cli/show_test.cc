#include "weir/cli/show.h"

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "weir/base/files.h"
#include "weir/components/statistics_gen/statistics_gen.h"

namespace weir::cli {
namespace {

namespace fs = std::filesystem;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

const fs::path kTaxiDir = fs::path(WEIR_SHARED_DIR) / "data/taxi";

fs::path CleanDir(const std::string& name) {
  fs::path dir = fs::path(::testing::TempDir()) / "show_test" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

LabeledStatistics TaxiStatistics(const std::string& file, const std::string& label) {
  absl::StatusOr<tfmd::DatasetFeatureStatistics> stats = components::ComputeCsvStatistics(
      {kTaxiDir / file}, label, io::CsvOptions{}, stats::StatsOptions{});
  EXPECT_TRUE(stats.ok()) << stats.status();
  return {label, kTaxiDir / file, stats.ok() ? *stats : tfmd::DatasetFeatureStatistics{}};
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The first line that starts with `prefix` (a feature's row), or "" when none does.
std::string LineStartingWith(const std::string& text, const std::string& prefix) {
  for (const std::string& line : Lines(text)) {
    if (line.rfind(prefix, 0) == 0) return line;
  }
  return "";
}

size_t CodePoints(const std::string& line) {
  size_t n = 0;
  for (char c : line) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

tfmd::Schema ParseSchema(const std::string& text) {
  tfmd::Schema schema;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &schema));
  return schema;
}

tfmd::Anomalies ParseAnomalies(const std::string& text) {
  tfmd::Anomalies anomalies;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &anomalies));
  return anomalies;
}

constexpr char kSchema[] = R"pb(
  feature {
    name: "payment_type"
    type: BYTES
    domain: "payment_type"
    presence { min_fraction: 1 min_count: 1 }
    shape { dim { size: 1 } }
  }
  feature {
    name: "company"
    type: BYTES
    domain: "company"
    presence { min_count: 1 }
    value_count { min: 1 max: 1 }
  }
  feature {
    name: "trip_start_hour"
    type: INT
    int_domain { min: 0 max: 23 }
    presence { min_fraction: 0.5 }
    value_count { min: 1 max: 3 }
  }
  feature {
    name: "fare"
    type: FLOAT
    presence { min_count: 1 }
  }
  string_domain { name: "payment_type" value: "Cash" value: "Credit Card" value: "Dispute" }
  string_domain {
    name: "company"
    value: "0118 - 42111 Godfrey S.Awir"
    value: "0694 - 59280 Chinesco Trans Inc"
    value: "1085 - 72312 N and W Cab Co"
    value: "2092 - 61288 Sbeih company"
    value: "2192 - 73487 Zeymane Corp"
    value: "2733 - 74600 Benny Jona"
    value: "3011 - 66308 JBL Cab Inc."
    value: "3152 - 97284 Crystal Abernathy"
    value: "3201 - C&D Cab Co Inc"
    value: "3385 - 23210 Eman Cab"
    value: "Blue Ribbon Taxi Association Inc."
    value: "Taxi Affiliation Services"
  }
  dataset_constraints { min_examples_count: 100 }
)pb";

constexpr char kAnomalies[] = R"pb(
  anomaly_info {
    key: "payment_type"
    value {
      severity: ERROR
      short_description: "Unexpected string values"
      description: "Examples contain values missing from the schema: Prcard (<1%)."
      reason {
        type: ENUM_TYPE_UNEXPECTED_STRING_VALUES
        short_description: "Unexpected string values"
        description: "Examples contain values missing from the schema: Prcard (<1%)."
      }
    }
  }
  anomaly_info {
    key: "company"
    value {
      severity: WARNING
      reason {
        type: FEATURE_TYPE_LOW_FRACTION_PRESENT
        short_description: "Column dropped"
        description: "The feature was present in fewer examples than expected."
      }
    }
  }
  drift_skew_info {
    path { step: "payment_type" }
    drift_measurements { type: L_INFTY value: 0.25 threshold: 0.01 }
  }
  drift_skew_info {
    path { step: "company" }
    skew_measurements { type: JENSEN_SHANNON_DIVERGENCE value: 0.001 threshold: 0.1 }
  }
)pb";

TEST(ShowStatisticsTest, TaxiTablesShowTheRealNumbers) {
  LabeledStatistics taxi = TaxiStatistics("data.csv", "data");
  std::string text = RenderStatistics(taxi, ShowOptions{});
  EXPECT_THAT(text, HasSubstr("data: 15000 examples, 18 features"));

  std::string fare = LineStartingWith(text, "fare ");
  EXPECT_THAT(fare, ContainsRegex("FLOAT +15000 +0% +11\\.77 "));
  EXPECT_THAT(fare, HasSubstr("700.1"));  // The largest fare.
  // The STANDARD histogram: most fares in the first of ten buckets.
  EXPECT_THAT(fare, HasSubstr("█"));

  std::string payment = LineStartingWith(text, "payment_type ");
  EXPECT_THAT(payment, ContainsRegex("STRING +15000 +0% +"));
  EXPECT_THAT(payment, HasSubstr("Cash 9909, Credit Card"));

  // Never present: a STRING feature with every row missing.
  EXPECT_THAT(LineStartingWith(text, "pickup_census_tract "), ContainsRegex("STRING +0 +100%"));
  // Timestamps are whole numbers shown in full.
  EXPECT_THAT(LineStartingWith(text, "trip_start_timestamp "), ContainsRegex(" 1[0-9]{9} "));

  for (const std::string& line : Lines(text)) EXPECT_LE(CodePoints(line), 120u) << line;
  EXPECT_THAT(text, Not(HasSubstr("\033")));
}

TEST(ShowStatisticsTest, ColourOnlyWhenAsked) {
  LabeledStatistics taxi = TaxiStatistics("data.csv", "data");
  ShowOptions options;
  options.color = true;
  EXPECT_THAT(RenderStatistics(taxi, options), HasSubstr("\033[1m"));
}

TEST(ShowStatisticsTest, JsonParsesBackWithStableKeys) {
  LabeledStatistics taxi = TaxiStatistics("data.csv", "data");
  nlohmann::json json = nlohmann::json::parse(StatisticsToJson(taxi).dump());
  EXPECT_EQ(json["name"], "data");
  EXPECT_EQ(json["num_examples"], 15000);
  ASSERT_TRUE(json["features"].is_array());
  bool saw_fare = false, saw_payment = false;
  for (const nlohmann::json& feature : json["features"]) {
    for (const char* key : {"name", "type", "count", "missing", "missing_fraction", "num_values"}) {
      EXPECT_TRUE(feature.contains(key)) << key << " in " << feature.dump();
    }
    if (feature["name"] == "fare") {
      saw_fare = true;
      EXPECT_EQ(feature["type"], "FLOAT");
      EXPECT_NEAR(feature["numeric"]["mean"].get<double>(), 11.77, 0.005);
      EXPECT_EQ(feature["numeric"]["histogram"].size(), 10u);
      EXPECT_TRUE(feature["numeric"]["histogram"][0].contains("count"));
      EXPECT_EQ(feature["numeric"]["quantiles"].size(), 10u);
    }
    if (feature["name"] == "payment_type") {
      saw_payment = true;
      EXPECT_EQ(feature["string"]["top_values"][0]["value"], "Cash");
      EXPECT_EQ(feature["string"]["top_values"][0]["frequency"], 9909);
    }
  }
  EXPECT_TRUE(saw_fare);
  EXPECT_TRUE(saw_payment);
}

TEST(ShowStatisticsTest, ComparisonShowsBothSidesPerFeature) {
  LabeledStatistics span1 = TaxiStatistics("data.csv", "span1");
  LabeledStatistics span2 = TaxiStatistics("span2.csv", "span2");
  std::string text = RenderStatisticsComparison(span1, span2, ShowOptions{});
  EXPECT_THAT(text, HasSubstr("Comparing span1 with span2"));
  EXPECT_THAT(text, HasSubstr("span2: 5000 examples"));

  std::vector<std::string> lines = Lines(text);
  auto fare = std::find_if(lines.begin(), lines.end(),
                           [](const std::string& l) { return l.rfind("fare ", 0) == 0; });
  ASSERT_NE(fare, lines.end());
  ASSERT_NE(fare + 1, lines.end());
  EXPECT_THAT(*fare, ContainsRegex("span1 +FLOAT +15000 +0% +11\\.77 "));
  EXPECT_THAT(*(fare + 1), ContainsRegex("^ +span2 +FLOAT +5000 "));

  std::string payment = LineStartingWith(text, "payment_type ");
  EXPECT_THAT(payment, HasSubstr("Cash 9909"));
}

TEST(ShowStatisticsTest, ComparisonMarksFeaturesMissingOnOneSide) {
  LabeledStatistics left = TaxiStatistics("span2.csv", "left");
  LabeledStatistics right = left;
  right.label = "right";
  right.statistics.mutable_features()->RemoveLast();
  std::string last =
      stats::FeatureName(left.statistics.features(left.statistics.features_size() - 1));
  std::vector<std::string> lines = Lines(RenderStatisticsComparison(left, right, ShowOptions{}));
  auto row = std::find_if(lines.begin(), lines.end(),
                          [&](const std::string& l) { return l.rfind(last + " ", 0) == 0; });
  ASSERT_NE(row, lines.end());
  ASSERT_NE(row + 1, lines.end());
  EXPECT_THAT(*(row + 1), ContainsRegex("^ +right +absent$"));
}

TEST(ShowStatisticsTest, LoadsArtifactsSplitFoldersAndFiles) {
  fs::path artifact = CleanDir("artifact");
  for (const char* split : {"train", "eval"}) {
    tfmd::DatasetFeatureStatisticsList list;
    *list.add_datasets() = TaxiStatistics("span2.csv", split).statistics;
    fs::create_directories(artifact / (std::string("Split-") + split));
    ASSERT_TRUE(components::WriteStatisticsFile(
                    artifact / (std::string("Split-") + split) / "FeatureStats.pb", list)
                    .ok());
  }
  absl::StatusOr<std::vector<LabeledStatistics>> all = LoadStatistics(artifact, "");
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].label, "eval");  // Splits in name order.
  EXPECT_EQ((*all)[1].label, "train");
  EXPECT_EQ((*all)[1].statistics.num_examples(), 5000u);

  absl::StatusOr<std::vector<LabeledStatistics>> one = LoadStatistics(artifact, "train");
  ASSERT_TRUE(one.ok()) << one.status();
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].label, "train");

  for (const fs::path& path :
       {artifact / "Split-eval", artifact / "Split-eval" / "FeatureStats.pb"}) {
    absl::StatusOr<std::vector<LabeledStatistics>> split = LoadStatistics(path, "");
    ASSERT_TRUE(split.ok()) << split.status();
    ASSERT_EQ(split->size(), 1u);
    EXPECT_EQ((*split)[0].label, "eval");
  }

  absl::StatusOr<std::vector<LabeledStatistics>> absent = LoadStatistics(artifact, "test");
  ASSERT_FALSE(absent.ok());
  EXPECT_THAT(std::string(absent.status().message()), HasSubstr("no split 'test'"));
  EXPECT_THAT(std::string(absent.status().message()), HasSubstr("it has: eval, train"));

  absl::StatusOr<std::vector<LabeledStatistics>> wrong_split =
      LoadStatistics(artifact / "Split-eval", "train");
  EXPECT_FALSE(wrong_split.ok());
  absl::StatusOr<std::vector<LabeledStatistics>> nothing = LoadStatistics(artifact / "nope", "");
  EXPECT_EQ(nothing.status().code(), absl::StatusCode::kNotFound);
}

TEST(ShowSchemaTest, RendersTypePresenceValencyAndDomains) {
  std::string text = RenderSchema(ParseSchema(kSchema), ShowOptions{});
  EXPECT_THAT(text, HasSubstr("Schema: 4 features"));
  EXPECT_THAT(LineStartingWith(text, "payment_type "),
              ContainsRegex("BYTES +required +shape \\[1\\] +payment_type$"));
  EXPECT_THAT(LineStartingWith(text, "company "),
              ContainsRegex("BYTES +optional, min_count 1 +single +company$"));
  EXPECT_THAT(LineStartingWith(text, "trip_start_hour "),
              ContainsRegex("INT +optional, min 50.0% +values 1..3 +int \\[0, 23\\]$"));
  EXPECT_THAT(LineStartingWith(text, "fare "), ContainsRegex("FLOAT +optional, min_count 1$"));
  // The domains table: short lists in full, long ones abbreviated.
  std::string payment_domain;
  std::string company_domain;
  bool in_domains = false;
  for (const std::string& line : Lines(text)) {
    if (line.rfind("domain ", 0) == 0) in_domains = true;
    if (in_domains && line.rfind("payment_type ", 0) == 0) payment_domain = line;
    if (in_domains && line.rfind("company ", 0) == 0) company_domain = line;
    EXPECT_LE(CodePoints(line), 120u) << line;
  }
  EXPECT_THAT(payment_domain, HasSubstr("string  'Cash', 'Credit Card', 'Dispute'"));
  EXPECT_THAT(company_domain,
              ContainsRegex("'0118 - 42111 Godfrey S.Awir', .*, … \\(\\+[0-9]+ more\\)$"));
  EXPECT_THAT(text, HasSubstr("min examples: 100"));
}

TEST(ShowSchemaTest, JsonHasTheSameFields) {
  nlohmann::json json = nlohmann::json::parse(SchemaToJson(ParseSchema(kSchema)).dump());
  ASSERT_EQ(json["features"].size(), 4u);
  const nlohmann::json& payment = json["features"][0];
  EXPECT_EQ(payment["name"], "payment_type");
  EXPECT_EQ(payment["type"], "BYTES");
  EXPECT_EQ(payment["presence"]["required"], true);
  EXPECT_EQ(payment["shape"], nlohmann::json::array({1}));
  EXPECT_EQ(payment["domain"]["name"], "payment_type");
  EXPECT_EQ(payment["domain"]["values"].size(), 3u);
  EXPECT_EQ(json["features"][2]["domain"]["kind"], "int");
  EXPECT_EQ(json["features"][2]["domain"]["max"], 23);
  EXPECT_EQ(json["features"][1]["valency"], "single");
  EXPECT_EQ(json["domains"].size(), 2u);
  EXPECT_EQ(json["dataset_constraints"]["min_examples_count"], 100);
}

TEST(ShowSchemaTest, LoadsFromAFolderAndPointsAtParseErrors) {
  fs::path dir = CleanDir("schema");
  ASSERT_TRUE(base::WriteFileAtomically(dir / "schema.pbtxt", kSchema).ok());
  absl::StatusOr<tfmd::Schema> schema = LoadSchema(dir);
  ASSERT_TRUE(schema.ok()) << schema.status();
  EXPECT_EQ(schema->feature_size(), 4);

  ASSERT_TRUE(
      base::WriteFileAtomically(dir / "bad.pbtxt", "feature {\n  name: \"x\"\n  typo: 1\n}\n")
          .ok());
  absl::StatusOr<tfmd::Schema> bad = LoadSchema(dir / "bad.pbtxt");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("bad.pbtxt:3:"));
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("typo"));
}

TEST(ShowAnomaliesTest, RendersSeverityDescriptionsAndDrift) {
  std::string text = RenderAnomalies(ParseAnomalies(kAnomalies), ShowOptions{});
  // Sorted by feature; the reasons stand in for an empty summary.
  EXPECT_THAT(LineStartingWith(text, "company "),
              ContainsRegex("WARNING +Column dropped +The feature was present"));
  EXPECT_THAT(LineStartingWith(text, "payment_type "),
              ContainsRegex("ERROR +Unexpected string values +Examples"));
  EXPECT_THAT(text, HasSubstr("Prcard (<1%)."));
  EXPECT_THAT(text, Not(HasSubstr("No anomalies found.")));
  EXPECT_THAT(text, HasSubstr("Drift and skew"));
  EXPECT_THAT(text,
              ContainsRegex("payment_type +drift +L-infinity +0\\.25 +0\\.01 +over threshold"));
  EXPECT_THAT(text, ContainsRegex("company +skew +Jensen-Shannon +0\\.001 +0\\.1 +ok"));
  for (const std::string& line : Lines(text)) EXPECT_LE(CodePoints(line), 120u) << line;
}

TEST(ShowAnomaliesTest, LongDescriptionsWrapWithinTheWidth) {
  tfmd::Anomalies anomalies;
  tfmd::AnomalyInfo& info = (*anomalies.mutable_anomaly_info())["fare"];
  info.set_severity(tfmd::AnomalyInfo::ERROR);
  info.set_short_description("Out-of-range values");
  std::string description;
  for (int i = 0; i < 30; ++i) description += "values below the domain minimum ";
  info.set_description(description);
  std::string text = RenderAnomalies(anomalies, ShowOptions{});
  EXPECT_GT(Lines(text).size(), 4u);
  for (const std::string& line : Lines(text)) EXPECT_LE(CodePoints(line), 120u) << line;
}

TEST(ShowAnomaliesTest, EmptyMeansNoAnomaliesFound) {
  EXPECT_EQ(RenderAnomalies(tfmd::Anomalies{}, ShowOptions{}), "No anomalies found.\n");
  nlohmann::json json = nlohmann::json::parse(AnomaliesToJson(tfmd::Anomalies{}).dump());
  EXPECT_TRUE(json["anomalies"].empty());
  EXPECT_TRUE(json["dataset_anomaly"].is_null());
}

TEST(ShowAnomaliesTest, JsonHasTheSameFields) {
  nlohmann::json json = nlohmann::json::parse(AnomaliesToJson(ParseAnomalies(kAnomalies)).dump());
  ASSERT_EQ(json["anomalies"].size(), 2u);
  const nlohmann::json& payment = json["anomalies"][1];
  EXPECT_EQ(payment["feature"], "payment_type");
  EXPECT_EQ(payment["severity"], "ERROR");
  EXPECT_EQ(payment["short_description"], "Unexpected string values");
  EXPECT_EQ(payment["reasons"][0]["type"], "ENUM_TYPE_UNEXPECTED_STRING_VALUES");
  EXPECT_EQ(json["anomalies"][0]["short_description"], "Column dropped");
  ASSERT_EQ(json["drift_skew"].size(), 2u);
  EXPECT_EQ(json["drift_skew"][0]["measure"], "L_INFTY");
  EXPECT_EQ(json["drift_skew"][0]["over_threshold"], true);
  EXPECT_EQ(json["data_missing"], false);
}

TEST(ShowAnomaliesTest, LoadsSplitsOfAnArtifact) {
  fs::path artifact = CleanDir("anomalies");
  fs::create_directories(artifact / "Split-eval");
  std::string bytes;
  ASSERT_TRUE(ParseAnomalies(kAnomalies).SerializeToString(&bytes));
  ASSERT_TRUE(base::WriteFileAtomically(artifact / "Split-eval" / "SchemaDiff.pb", bytes).ok());
  absl::StatusOr<std::vector<LabeledAnomalies>> all = LoadAnomalies(artifact, "");
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].label, "eval");
  EXPECT_EQ((*all)[0].anomalies.anomaly_info_size(), 2);
  EXPECT_FALSE(LoadAnomalies(artifact, "train").ok());
}

}  // namespace
}  // namespace weir::cli
