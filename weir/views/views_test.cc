#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "weir/base/files.h"
#include "weir/base/strings.h"
#include "weir/base/test_dirs.h"
#include "weir/components/statistics_gen/statistics_gen_component.h"
#include "weir/stats/dataset_statistics.h"
#include "weir/views/anomalies.h"
#include "weir/views/evaluation.h"
#include "weir/views/schema.h"
#include "weir/views/statistics.h"
#include "weir/views/text.h"

namespace weir::views {
namespace {

namespace fs = std::filesystem;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

const fs::path kTaxiDir = fs::path(WEIR_SHARED_DIR) / "data/taxi";

fs::path CleanDir(const std::string& name) { return base::FreshTestDir("views_test/" + name); }

LabeledStatistics TaxiStatistics(const std::string& file, const std::string& label) {
  absl::StatusOr<tfmd::DatasetFeatureStatistics> stats =
      stats::CsvStatistics({kTaxiDir / file}, label, io::CsvOptions{}, stats::StatsOptions{});
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
  std::string text = RenderStatistics(taxi, TextOptions{});
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
  TextOptions options;
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
  std::string text = RenderStatisticsComparison(span1, span2, TextOptions{});
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
  std::vector<std::string> lines = Lines(RenderStatisticsComparison(left, right, TextOptions{}));
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
  EXPECT_EQ((*all)[0].label, "train");  // Splits as TFX orders them: train, eval, the rest.
  EXPECT_EQ((*all)[1].label, "eval");
  EXPECT_EQ((*all)[0].statistics.num_examples(), 5000u);

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
  EXPECT_THAT(std::string(absent.status().message()), HasSubstr("it has: train, eval"));

  absl::StatusOr<std::vector<LabeledStatistics>> wrong_split =
      LoadStatistics(artifact / "Split-eval", "train");
  EXPECT_FALSE(wrong_split.ok());
  absl::StatusOr<std::vector<LabeledStatistics>> nothing = LoadStatistics(artifact / "nope", "");
  EXPECT_EQ(nothing.status().code(), absl::StatusCode::kNotFound);
}

TEST(ShowSchemaTest, RendersTypePresenceValencyAndDomains) {
  std::string text = RenderSchema(ParseSchema(kSchema), TextOptions{});
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
  std::string text = RenderAnomalies(ParseAnomalies(kAnomalies), TextOptions{});
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
  std::string text = RenderAnomalies(anomalies, TextOptions{});
  EXPECT_GT(Lines(text).size(), 4u);
  for (const std::string& line : Lines(text)) EXPECT_LE(CodePoints(line), 120u) << line;
}

TEST(ShowAnomaliesTest, EmptyMeansNoAnomaliesFound) {
  EXPECT_EQ(RenderAnomalies(tfmd::Anomalies{}, TextOptions{}), "No anomalies found.\n");
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

// An evaluation.json as the Evaluator writes it (trimmed: two slices, three confusion matrices
// and plot points cut short), for a binary model checked against a baseline, with one failure.
constexpr char kEvaluation[] = R"json({
 "format_version": 1,
 "model": "/runs/taxi/Trainer/model/7",
 "baseline_model": "/runs/taxi/Trainer/model/4",
 "split": "eval",
 "label_key": "tips_xf",
 "slices": [
  {"slice": "Overall", "features": {},
   "metrics": {"example_count": 5073, "auc": 0.91234, "accuracy": 0.8765, "loss": 0.30125,
               "mean_label": 0.4, "mean_prediction": 0.41, "auc_precision_recall": 0.85,
               "precision": 0.81, "recall": 0.77, "calibration": 1.0251},
   "confusion_matrices": [{"threshold": 0.5, "true_positives": 10, "false_positives": 2,
                           "true_negatives": 20, "false_negatives": 3, "precision": 0.83,
                           "recall": 0.77}],
   "plots": {"roc": [{"threshold": 0.0, "false_positive_rate": 1, "true_positive_rate": 1}],
             "precision_recall": [], "calibration": []},
   "baseline_metrics": {"example_count": 5073, "auc": 0.9, "accuracy": 0.88, "loss": 0.31,
                        "mean_label": 0.4, "mean_prediction": 0.42,
                        "auc_precision_recall": 0.84, "precision": 0.8, "recall": 0.76,
                        "calibration": 1.05}},
  {"slice": "trip_start_hour=3", "features": {"trip_start_hour": "3"},
   "metrics": {"example_count": 120, "auc": 0.7, "accuracy": 0.55, "loss": 0.6,
               "mean_label": 0.3, "mean_prediction": 0.35, "auc_precision_recall": 0.5,
               "precision": 0.6, "recall": 0.5, "calibration": 1.1667},
   "baseline_metrics": {"example_count": 120, "auc": 0.72, "accuracy": 0.57, "loss": 0.58,
                        "mean_label": 0.3, "mean_prediction": 0.33,
                        "auc_precision_recall": 0.52, "precision": 0.61, "recall": 0.52,
                        "calibration": 1.1}}
 ],
 "validation": {
  "blessed": false,
  "checks": 4,
  "change_thresholds_skipped": false,
  "failures": [
   {"slice": "trip_start_hour=3", "metric": "accuracy", "check": "lower_bound",
    "threshold": 0.6, "value": 0.55,
    "message": "accuracy on trip_start_hour=3 is 0.55, below the lower bound 0.6"}
  ]
 }
})json";

// `kEvaluation` written to <dir>/evaluation.json, after `edit` changed it.
fs::path WriteEvaluation(const std::string& name, void (*edit)(nlohmann::ordered_json&) = nullptr) {
  fs::path dir = CleanDir(name);
  nlohmann::ordered_json json = nlohmann::ordered_json::parse(kEvaluation);
  if (edit != nullptr) edit(json);
  EXPECT_TRUE(base::WriteFileAtomically(dir / "evaluation.json", json.dump(1)).ok());
  return dir;
}

ModelEvaluation LoadOrDie(const fs::path& path) {
  absl::StatusOr<ModelEvaluation> evaluation = LoadEvaluation(path);
  EXPECT_TRUE(evaluation.ok()) << evaluation.status();
  return evaluation.ok() ? *std::move(evaluation) : ModelEvaluation{};
}

TEST(ShowEvaluationTest, RendersHeaderSlicesBaselineAndFailures) {
  fs::path dir = WriteEvaluation("evaluation");
  std::string text = RenderEvaluation(LoadOrDie(dir), TextOptions{});
  EXPECT_THAT(text, HasSubstr("evaluation.json)"));
  EXPECT_THAT(text, ContainsRegex("model +/runs/taxi/Trainer/model/7\n"));
  EXPECT_THAT(text, ContainsRegex("baseline +/runs/taxi/Trainer/model/4\n"));
  EXPECT_THAT(text, ContainsRegex("split +eval \\(5073 examples\\)\n"));
  EXPECT_THAT(text, ContainsRegex("label +tips_xf\n"));

  // One row per slice, Overall first, with the binary task's headline metrics in order.
  EXPECT_THAT(LineStartingWith(text, "slice "),
              ContainsRegex("^slice +example_count +auc +accuracy +loss +precision +recall "
                            "+auc_precision_recall +calibration$"));
  std::vector<std::string> lines = Lines(text);
  auto overall = std::find_if(lines.begin(), lines.end(),
                              [](const std::string& l) { return l.rfind("Overall ", 0) == 0; });
  ASSERT_NE(overall, lines.end());
  EXPECT_THAT(*overall,
              ContainsRegex("^Overall +5073 +0\\.9123 +0\\.8765 +0\\.301[23] +0\\.81 +0\\.77 "
                            "+0\\.85 +1\\.025$"));
  ASSERT_NE(overall + 1, lines.end());
  EXPECT_THAT(*(overall + 1), ContainsRegex("^trip_start_hour=3 +120 +0\\.7 +0\\.55 +0\\.6 "));
  // The metrics left out of the table are named.
  EXPECT_THAT(text, HasSubstr("More metrics with --json: mean_label, mean_prediction"));

  // The overall slice against the baseline: candidate, baseline and the signed change.
  EXPECT_THAT(text, HasSubstr("Overall against the baseline"));
  EXPECT_THAT(LineStartingWith(text, "auc "), ContainsRegex("^auc +0\\.9123 +0\\.9 +\\+0\\.0123$"));
  EXPECT_THAT(LineStartingWith(text, "accuracy "),
              ContainsRegex("^accuracy +0\\.8765 +0\\.88 +-0\\.0035$"));

  EXPECT_THAT(text, HasSubstr("NOT BLESSED: 1 of 4 checks failed\n"));
  EXPECT_THAT(text,
              HasSubstr("  - accuracy on trip_start_hour=3 is 0.55, below the lower bound 0.6\n"));
  for (const std::string& line : Lines(text)) EXPECT_LE(CodePoints(line), 120u) << line;
  EXPECT_THAT(text, Not(HasSubstr("\033")));

  // With colour, the failed cell is red.
  TextOptions color;
  color.color = true;
  EXPECT_THAT(RenderEvaluation(LoadOrDie(dir), color), HasSubstr("\033[31m0.55\033[0m"));
}

TEST(ShowEvaluationTest, FirstRunHasNoBaselineAndIsBlessed) {
  fs::path dir = WriteEvaluation("first_run", [](nlohmann::ordered_json& json) {
    json["baseline_model"] = nullptr;
    for (auto& slice : json["slices"]) slice.erase("baseline_metrics");
    json["validation"] = {{"blessed", true},
                          {"checks", 2},
                          {"change_thresholds_skipped", true},
                          {"failures", nlohmann::ordered_json::array()}};
  });
  // The file itself works as well as its folder.
  ModelEvaluation evaluation = LoadOrDie(dir / "evaluation.json");
  std::string text = RenderEvaluation(evaluation, TextOptions{});
  EXPECT_THAT(text, ContainsRegex("baseline +none \\(first run: change thresholds skipped\\)\n"));
  EXPECT_THAT(text, Not(HasSubstr("against the baseline")));
  EXPECT_THAT(text, HasSubstr("BLESSED: all 2 checks passed\n"));
  EXPECT_THAT(text, Not(HasSubstr("NOT BLESSED")));

  nlohmann::json json = nlohmann::json::parse(EvaluationToJson(evaluation).dump());
  EXPECT_TRUE(json["baseline_model"].is_null());
  EXPECT_TRUE(json["overall_baseline"].is_null());
  EXPECT_TRUE(json["overall_change"].is_null());
  EXPECT_TRUE(json["slices"][0]["baseline_metrics"].is_null());
  EXPECT_EQ(json["blessed"], true);
  EXPECT_EQ(json["change_thresholds_skipped"], true);
  EXPECT_TRUE(json["failures"].empty());
}

TEST(ShowEvaluationTest, JsonHasStableNames) {
  fs::path dir = WriteEvaluation("evaluation_json");
  nlohmann::json json = nlohmann::json::parse(EvaluationToJson(LoadOrDie(dir)).dump());
  EXPECT_EQ(json["file"], (dir / "evaluation.json").string());
  EXPECT_EQ(json["model"], "/runs/taxi/Trainer/model/7");
  EXPECT_EQ(json["baseline_model"], "/runs/taxi/Trainer/model/4");
  EXPECT_EQ(json["split"], "eval");
  EXPECT_EQ(json["label_key"], "tips_xf");
  EXPECT_EQ(json["blessed"], false);
  EXPECT_EQ(json["checks"], 4);
  // What `jq .overall.auc` reads.
  EXPECT_DOUBLE_EQ(json["overall"]["auc"].get<double>(), 0.91234);
  EXPECT_TRUE(json["overall"]["example_count"].is_number_integer());
  EXPECT_EQ(json["overall"]["example_count"], 5073);
  EXPECT_DOUBLE_EQ(json["overall_baseline"]["auc"].get<double>(), 0.9);
  EXPECT_NEAR(json["overall_change"]["loss"].get<double>(), -0.00875, 1e-12);
  ASSERT_EQ(json["slices"].size(), 2u);
  EXPECT_EQ(json["slices"][0]["slice"], "Overall");
  EXPECT_TRUE(json["slices"][0]["features"].empty());
  EXPECT_EQ(json["slices"][1]["slice"], "trip_start_hour=3");
  EXPECT_EQ(json["slices"][1]["features"]["trip_start_hour"], "3");
  EXPECT_DOUBLE_EQ(json["slices"][1]["metrics"]["accuracy"].get<double>(), 0.55);
  EXPECT_DOUBLE_EQ(json["slices"][1]["baseline_metrics"]["accuracy"].get<double>(), 0.57);
  EXPECT_FALSE(json["slices"][0].contains("plots"));
  ASSERT_EQ(json["failures"].size(), 1u);
  const nlohmann::json& failure = json["failures"][0];
  EXPECT_EQ(failure["slice"], "trip_start_hour=3");
  EXPECT_EQ(failure["metric"], "accuracy");
  EXPECT_EQ(failure["check"], "lower_bound");
  EXPECT_DOUBLE_EQ(failure["threshold"].get<double>(), 0.6);
  EXPECT_DOUBLE_EQ(failure["value"].get<double>(), 0.55);
  EXPECT_THAT(failure["message"].get<std::string>(), HasSubstr("below the lower bound"));
}

TEST(ShowEvaluationTest, OverallFirstThenSlicesInNumericOrder) {
  // As the Evaluator writes them, slices are in text order (hour 10 before hour 3).
  fs::path dir = WriteEvaluation("evaluation_order", [](nlohmann::ordered_json& json) {
    nlohmann::ordered_json overall = json["slices"][0];
    nlohmann::ordered_json hour10 = json["slices"][1];
    hour10["slice"] = "trip_start_hour=10";
    hour10["features"]["trip_start_hour"] = "10";
    json["slices"] = {hour10, json["slices"][1], overall};
  });
  ModelEvaluation evaluation = LoadOrDie(dir);
  std::vector<std::string> names;
  for (const eval::SliceEvaluation& slice : evaluation.slices) names.push_back(slice.name);
  EXPECT_THAT(names, ::testing::ElementsAre("Overall", "trip_start_hour=3", "trip_start_hour=10"));
}

TEST(ShowEvaluationTest, ErrorsNameThePath) {
  fs::path dir = CleanDir("evaluation_errors");
  absl::StatusOr<ModelEvaluation> absent = LoadEvaluation(dir / "nope");
  EXPECT_EQ(absent.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(absent.status().message()), HasSubstr((dir / "nope").string()));

  absl::StatusOr<ModelEvaluation> empty_folder = LoadEvaluation(dir);
  EXPECT_EQ(empty_folder.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(empty_folder.status().message()), HasSubstr("holds no evaluation.json"));

  ASSERT_TRUE(base::WriteFileAtomically(dir / "evaluation.json", "{\"format_version\": 1,").ok());
  absl::StatusOr<ModelEvaluation> not_json = LoadEvaluation(dir);
  EXPECT_EQ(not_json.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(not_json.status().message()),
              HasSubstr(StrCat((dir / "evaluation.json").string(), " is not a JSON object")));

  fs::path newer = WriteEvaluation(
      "evaluation_newer", [](nlohmann::ordered_json& json) { json["format_version"] = 2; });
  absl::StatusOr<ModelEvaluation> too_new = LoadEvaluation(newer);
  EXPECT_EQ(too_new.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(too_new.status().message()),
              HasSubstr(StrCat((newer / "evaluation.json").string(),
                               " has format_version 2, newer than this weir reads (1)")));

  fs::path no_metrics = WriteEvaluation("evaluation_no_metrics", [](nlohmann::ordered_json& json) {
    json["slices"][1].erase("metrics");
  });
  absl::StatusOr<ModelEvaluation> broken = LoadEvaluation(no_metrics);
  EXPECT_EQ(broken.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(broken.status().message()), HasSubstr("slices[1].metrics is missing"));
}

// The terminal and the web UI write numbers by one rule; these cases are checked on both sides
// (tests/browser/format.test.mjs for the UI's fmtNum).
TEST(FormatNumberTest, FollowsTheRuleTheWebUiSharesToo) {
  auto text = base::ReadFile(fs::path(WEIR_SOURCE_DIR) / "weir/views/testdata/numbers.json");
  ASSERT_TRUE(text.ok()) << text.status();
  const nlohmann::json cases = nlohmann::json::parse(*text)["cases"];
  ASSERT_GT(cases.size(), 20u);
  for (const auto& c : cases) {
    const std::string value = c[0];
    EXPECT_EQ(FormatNumber(std::strtod(value.c_str(), nullptr)), c[1].get<std::string>()) << value;
  }
}

}  // namespace
}  // namespace weir::views
