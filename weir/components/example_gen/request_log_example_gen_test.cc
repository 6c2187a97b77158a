#include "weir/components/example_gen/request_log_example_gen.h"

#include <filesystem>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "weir/base/files.h"
#include "weir/base/test_dirs.h"
#include "weir/io/example/example_codec.h"
#include "weir/io/example/example_files.h"
#include "weir/io/example/request_log_format.h"
#include "weir/io/tfrecord/tfrecord.h"

namespace weir::components {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// One logged row as `weir serve --request_log` writes it.
std::string LoggedRow(const std::string& company, float fare, int64_t version, int64_t micros) {
  data::RecordBatch batch;
  data::Column& name = batch.AddColumn("company", data::DataType::kBytes);
  if (company.empty()) {
    name.FinishRow(data::Presence::kPresent);  // An empty list, as an empty CSV cell.
  } else {
    name.AddBytes(company);
    name.FinishRow(data::Presence::kPresent);
  }
  data::Column& price = batch.AddColumn("fare", data::DataType::kFloat);
  price.AddFloat(fare);
  price.FinishRow(data::Presence::kPresent);
  data::Column& prediction = batch.AddColumn(io::kLoggedPrediction, data::DataType::kFloat);
  prediction.AddFloat(0.5f);
  prediction.FinishRow(data::Presence::kPresent);
  for (const auto& [field, value] :
       {std::pair{io::kLoggedModelVersion, version}, std::pair{io::kLoggedRequestTime, micros}}) {
    data::Column& column = batch.AddColumn(field, data::DataType::kInt64);
    column.AddInt64(value);
    column.FinishRow(data::Presence::kPresent);
  }
  io::ExampleEncoder encoder(batch);
  std::string record;
  encoder.Encode(0, &record);
  return record;
}

void WriteLog(const fs::path& file, const std::vector<std::string>& records) {
  std::string framed;
  for (const std::string& record : records) io::AppendFramedRecord(record, &framed);
  ASSERT_TRUE(base::WriteFileAtomically(file, framed).ok());
}

data::RecordBatch ReadSplit(const fs::path& artifact, const std::string& split) {
  absl::StatusOr<std::vector<fs::path>> files = io::ExampleFiles(artifact / ("Split-" + split));
  EXPECT_TRUE(files.ok()) << files.status();
  io::ExampleBatchBuilder builder;
  for (const fs::path& file : *files) {
    absl::StatusOr<std::vector<std::string>> records = io::ReadAllRecords(file);
    EXPECT_TRUE(records.ok()) << records.status();
    for (const std::string& record : *records) EXPECT_TRUE(builder.Add(record).ok());
  }
  return builder.Finish();
}

TEST(RequestLogExampleGenTest, LoggedRowsBecomeExamplesOfTheRequestsFeatures) {
  const fs::path root = base::FreshDirForThisTest("request_log_example_gen");
  const fs::path logs = root / "logs" / "taxi";
  fs::create_directories(logs);
  WriteLog(logs / "requests-20261207T100000.000000Z-h-1-0.tfrecord",
           {LoggedRow("Flash Cab", 9.5f, 3, 2000), LoggedRow("", 4.0f, 3, 1000)});
  WriteLog(logs / "requests-20261207T110000.000000Z-h-1-1.tfrecord",
           {LoggedRow("Cab A", 30.0f, 4, 5000)});
  // In progress (a server still writes it) or not a log: not read.
  WriteLog(logs / ".requests-20261207T120000.000000Z-h-1-2.tfrecord.inprogress",
           {LoggedRow("Hidden", 1.0f, 4, 9000)});
  WriteLog(logs / "notes.tfrecord", {LoggedRow("Other", 1.0f, 4, 9000)});

  auto result = RunRequestLogExampleGen({.log_dir = logs, .output = root / "examples"});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->examples, 3u);
  EXPECT_EQ(result->files.size(), 2u);
  EXPECT_EQ(std::get<std::string>(result->properties.at("split_names")), "[\"serving\"]");
  EXPECT_EQ(std::get<int64_t>(result->properties.at("log_files")), 2);
  EXPECT_EQ(std::get<int64_t>(result->properties.at("first_request_time")), 1000);
  EXPECT_EQ(std::get<int64_t>(result->properties.at("last_request_time")), 5000);
  EXPECT_EQ(std::get<std::string>(result->properties.at("model_versions")), "[3, 4]");
  const data::RecordBatch examples = ReadSplit(root / "examples", "serving");
  ASSERT_EQ(examples.num_rows(), 3u);
  ASSERT_EQ(examples.num_columns(), 2u);  // The log's own fields are left out.
  const data::Column* company = examples.FindColumn("company");
  ASSERT_NE(company, nullptr);
  EXPECT_EQ(company->bytes_value(0), "Flash Cab");
  EXPECT_TRUE(company->is_present(1));  // The empty list stays an empty list.
  EXPECT_EQ(company->value_count(1), 0u);
  EXPECT_EQ(examples.FindColumn("fare")->float_values()[2], 30.0f);

  // Asked for, they are kept.
  auto kept = RunRequestLogExampleGen(
      {.log_dir = logs, .output = root / "kept", .split = "logged", .keep_log_fields = true});
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(ReadSplit(root / "kept", "logged").num_columns(), 5u);
}

TEST(RequestLogExampleGenTest, NoLogsYetGiveAnEmptySplitAndNewLogsANewFingerprint) {
  const fs::path root = base::FreshDirForThisTest("request_log_example_gen");
  const fs::path logs = root / "logs" / "taxi";
  auto none = RunRequestLogExampleGen({.log_dir = logs, .output = root / "none"});
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(none->examples, 0u);
  EXPECT_EQ(ReadSplit(root / "none", "serving").num_rows(), 0u);
  EXPECT_FALSE(none->properties.contains("first_request_time"));

  absl::StatusOr<std::string> empty = RequestLogFingerprint(logs);
  ASSERT_TRUE(empty.ok()) << empty.status();
  fs::create_directories(logs);
  WriteLog(logs / "requests-1.tfrecord", {LoggedRow("Cab A", 3.0f, 1, 1)});
  absl::StatusOr<std::string> one = RequestLogFingerprint(logs);
  ASSERT_TRUE(one.ok());
  EXPECT_NE(*one, *empty);
  EXPECT_EQ(*RequestLogFingerprint(logs), *one);  // Nothing new: the same.
  WriteLog(logs / "requests-2.tfrecord", {LoggedRow("Cab B", 3.0f, 1, 2)});
  EXPECT_NE(*RequestLogFingerprint(logs), *one);
}

TEST(RequestLogExampleGenTest, ACorruptLogIsAnErrorNamingItAndLeavesNothing) {
  const fs::path root = base::FreshDirForThisTest("request_log_example_gen");
  const fs::path logs = root / "logs";
  fs::create_directories(logs);
  std::string framed;
  io::AppendFramedRecord(LoggedRow("Cab A", 3.0f, 1, 1), &framed);
  framed[framed.size() - 6] ^= 0x55;  // A flipped byte in the record's data.
  ASSERT_TRUE(base::WriteFileAtomically(logs / "requests-1.tfrecord", framed).ok());
  auto result = RunRequestLogExampleGen({.log_dir = logs, .output = root / "examples"});
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("requests-1.tfrecord"));
  EXPECT_FALSE(fs::exists(root / "examples"));

  ASSERT_TRUE(base::WriteFileAtomically(root / "a_file", "x").ok());
  EXPECT_EQ(
      RunRequestLogExampleGen({.log_dir = root / "a_file", .output = root / "out"}).status().code(),
      absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace weir::components
