#include "weir/components/example_gen/example_gen_component.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "gtest/gtest.h"
#include "weir/base/files.h"
#include "weir/base/hashing.h"
#include "weir/base/test_dirs.h"
#include "weir/io/example/example_codec.h"
#include "weir/io/tfrecord/tfrecord.h"

namespace weir::components {
namespace {
namespace fs = std::filesystem;
using data::Presence;

const fs::path kGolden = fs::path(WEIR_SHARED_DIR) / "tfx-golden/csv_example_gen";
const fs::path kTaxiCsv = fs::path(WEIR_SHARED_DIR) / "data/taxi/data.csv";

fs::path FreshDir(const std::string& name) {
  return base::FreshTestDir("example_gen_test/" + name);
}

// Every record of every shard of one split folder, in file order.
std::vector<std::string> ReadSplit(const fs::path& split_dir) {
  std::vector<std::string> records;
  auto files = base::Glob((split_dir / "*").string());
  EXPECT_TRUE(files.ok());
  for (const fs::path& file : *files) {
    auto read = io::ReadAllRecords(file);
    EXPECT_TRUE(read.ok()) << read.status();
    records.insert(records.end(), read->begin(), read->end());
  }
  return records;
}

uint64_t Bucket(std::string_view bytes, uint64_t buckets) {
  return base::BigEndianModulo(base::Sha256(bytes), buckets);
}

// Re-encodes one example with every present-but-empty list written as a feature with no kind:
// how the older TFX that wrote ../shared/tfx-golden encoded an empty CSV cell.
std::string ToLegacyEmptyCells(std::string_view serialized) {
  auto batch = io::DecodeExample(serialized);
  EXPECT_TRUE(batch.ok());
  std::vector<data::Column> columns;
  for (const data::Column& column : batch->columns()) {
    data::Column legacy(column.name(), column.type());
    if (column.is_present(0) && column.value_count(0) == 0) {
      legacy.AppendMissing(Presence::kNoKind);
    } else if (!column.is_present(0)) {
      legacy.AppendMissing(column.presence(0));
    } else {
      for (uint32_t i = column.value_begin(0); i < column.value_end(0); ++i) {
        switch (column.type()) {
          case data::DataType::kInt64:
            legacy.AddInt64(column.int64_values()[i]);
            break;
          case data::DataType::kFloat:
            legacy.AddFloat(column.float_values()[i]);
            break;
          default:
            legacy.AddBytes(column.bytes_value(i));
        }
      }
      legacy.FinishRow(Presence::kPresent);
    }
    columns.push_back(std::move(legacy));
  }
  data::RecordBatch legacy_batch(std::move(columns));
  io::ExampleEncoder encoder(legacy_batch);
  std::string out;
  encoder.Encode(0, &out);
  return out;
}

TEST(TfxGoldenTest, ReencodingReproducesTfxBytesAndSplits) {
  size_t counts[2] = {0, 0};
  for (int split = 0; split < 2; ++split) {
    std::vector<std::string> records =
        ReadSplit(kGolden / (split == 0 ? "Split-train" : "Split-eval"));
    for (const std::string& record : records) {
      auto batch = io::DecodeExample(record);
      ASSERT_TRUE(batch.ok()) << batch.status();
      io::ExampleEncoder encoder(*batch);
      std::string reencoded;
      encoder.Encode(0, &reencoded);
      ASSERT_EQ(reencoded, record);
      // TFX's rule: buckets 0-1 train, bucket 2 eval.
      ASSERT_EQ(Bucket(record, 3) < 2 ? 0 : 1, split);
    }
    counts[split] = records.size();
  }
  EXPECT_EQ(counts[0], 9909u);
  EXPECT_EQ(counts[1], 5091u);
}

// The CSV that TFX read to write ../shared/tfx-golden/csv_example_gen: the golden examples are
// data.csv's first 14,999 rows plus one row that data.csv lacks and simple.csv ends with (a trip
// at 1374061500 with pickup_census_tract 17031081401). That one value makes pickup_census_tract an
// int64 column instead of one empty in every row.
std::string GoldenInputCsv() {
  std::string data = *base::ReadFile(kTaxiCsv);
  std::string simple = *base::ReadFile(fs::path(WEIR_SHARED_DIR) / "data/taxi/simple.csv");
  data.erase(data.rfind('\n', data.size() - 2) + 1);
  std::string last_row = simple.substr(simple.rfind('\n', simple.size() - 2) + 1);
  EXPECT_NE(last_row.find(",17031081401,"), std::string::npos);
  return data + last_row;
}

TEST(CsvExampleGenTest, TaxiExamplesMatchThoseTfxWrote) {
  fs::path input = FreshDir("taxi_in");
  ASSERT_TRUE(base::WriteFileAtomically(input / "data.csv", GoldenInputCsv()).ok());
  ExampleGenOptions options;
  options.input_base = input;
  options.output = FreshDir("taxi_root") / "examples";
  options.csv.chunk_bytes = 256 << 10;  // Several chunks.
  auto result = RunCsvExampleGen(options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->split_names, (std::vector<std::string>{"train", "eval"}));
  EXPECT_EQ(result->examples_per_split[0] + result->examples_per_split[1], 15000u);
  EXPECT_TRUE(fs::exists(options.output / "Split-train" / "data_tfrecord-00000-of-00001.gz"));

  std::vector<std::string> ours;
  for (int split = 0; split < 2; ++split) {
    std::vector<std::string> records =
        ReadSplit(options.output / (split == 0 ? "Split-train" : "Split-eval"));
    EXPECT_EQ(records.size(), result->examples_per_split[split]);
    for (const std::string& record : records) {
      ASSERT_EQ(Bucket(record, 3) < 2 ? 0 : 1, split);
      ours.push_back(ToLegacyEmptyCells(record));
    }
  }
  std::vector<std::string> golden = ReadSplit(kGolden / "Split-train");
  std::vector<std::string> golden_eval = ReadSplit(kGolden / "Split-eval");
  golden.insert(golden.end(), golden_eval.begin(), golden_eval.end());
  std::sort(ours.begin(), ours.end());
  std::sort(golden.begin(), golden.end());
  ASSERT_EQ(ours.size(), golden.size());
  std::vector<std::string> only_ours;
  std::set_difference(ours.begin(), ours.end(), golden.begin(), golden.end(),
                      std::back_inserter(only_ours));
  EXPECT_TRUE(only_ours.empty()) << only_ours.size() << " of weir's examples are not among TFX's";

  EXPECT_EQ(std::get<std::string>(result->properties["split_names"]), "[\"train\", \"eval\"]");
  EXPECT_EQ(std::get<std::string>(result->properties["payload_format"]), "FORMAT_TF_EXAMPLE");
  EXPECT_NE(std::get<std::string>(result->properties["input_fingerprint"])
                .find("split:single_split,num_files:1,total_bytes:" +
                      std::to_string(fs::file_size(input / "data.csv"))),
            std::string::npos);
}

TEST(CsvExampleGenTest, OutputIsDeterministicAcrossThreadCounts) {
  fs::path input = FreshDir("det_in");
  fs::copy_file(kTaxiCsv, input / "data.csv");
  std::vector<std::string> outputs;
  for (int threads : {1, 2, 3}) {
    ExampleGenOptions options;
    options.input_base = input;
    options.output = FreshDir("det_out_" + std::to_string(threads)) / "examples";
    options.csv.chunk_bytes = 100 << 10;
    options.csv.num_threads = threads;
    options.shard_input_bytes = 700 << 10;  // Three shards per split.
    auto result = RunCsvExampleGen(options);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->num_shards, 3u);
    std::string all;
    for (const char* split : {"Split-train", "Split-eval"}) {
      for (int shard = 0; shard < 3; ++shard) {
        all += *base::ReadFile(options.output / split /
                               ("data_tfrecord-0000" + std::to_string(shard) + "-of-00003.gz"));
      }
    }
    outputs.push_back(all);
  }
  EXPECT_EQ(outputs[0], outputs[1]);
  EXPECT_EQ(outputs[0], outputs[2]);
}

TEST(CsvExampleGenTest, CustomSplitsAndPartitionFeature) {
  fs::path input = FreshDir("part_in");
  fs::copy_file(kTaxiCsv, input / "data.csv");
  ExampleGenOptions options;
  options.input_base = input;
  options.output = FreshDir("part_out") / "examples";
  options.output_splits = {{"train", 8}, {"eval", 1}, {"test", 1}};
  options.partition_feature = "company";
  auto result = RunCsvExampleGen(options);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->split_names, (std::vector<std::string>{"train", "eval", "test"}));
  // Every company lands in exactly one split, chosen by the hash of its serialized tf.Feature.
  std::map<std::string, int> split_of_company;
  for (int split = 0; split < 3; ++split) {
    for (const std::string& record :
         ReadSplit(options.output / ("Split-" + result->split_names[split]))) {
      auto batch = io::DecodeExample(record);
      ASSERT_TRUE(batch.ok());
      const data::Column* company = batch->FindColumn("company");
      ASSERT_NE(company, nullptr);
      std::string feature;
      io::ExampleEncoder::EncodeFeature(*company, 0, &feature);
      uint64_t bucket = Bucket(feature, 10);
      ASSERT_EQ(bucket < 8 ? 0 : bucket < 9 ? 1 : 2, split);
      std::string name =
          company->value_count(0) ? std::string(company->bytes_value(company->value_begin(0))) : "";
      auto [it, inserted] = split_of_company.emplace(name, split);
      ASSERT_EQ(it->second, split) << name;
    }
  }
  EXPECT_GT(split_of_company.size(), 20u);
}

TEST(CsvExampleGenTest, PreSplitInput) {
  fs::path input = FreshDir("presplit_in");
  fs::create_directories(input / "train");
  fs::create_directories(input / "eval");
  ASSERT_TRUE(base::WriteFileAtomically(input / "train" / "a.csv", "x,y\n1,a\n2,b\n3,c\n").ok());
  ASSERT_TRUE(base::WriteFileAtomically(input / "eval" / "a.csv", "x,y\n4.5,d\n").ok());
  ExampleGenOptions options;
  options.input_base = input;
  options.input_splits = {{"train", "train/*.csv"}, {"eval", "eval/*.csv"}};
  options.output = FreshDir("presplit_out") / "examples";
  auto result = RunCsvExampleGen(options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->examples_per_split, (std::vector<uint64_t>{3, 1}));
  // One schema over both splits: x is float everywhere because of 4.5 in eval.
  EXPECT_EQ(result->schema.types[0], data::DataType::kFloat);
  auto train = ReadSplit(options.output / "Split-train");
  ASSERT_EQ(train.size(), 3u);
  auto first = io::DecodeExample(train[0]);
  EXPECT_EQ(first->FindColumn("x")->float_values()[0], 1.0f);
}

TEST(CsvExampleGenTest, TypesThatChangeAfterTheFirstChunkHoldForAllRows) {
  // The first chunk shows only integers in `x` and nothing in `late`; later rows hold a float and
  // a string. Every example must carry the final types, as if inferred over all rows first.
  fs::path input = FreshDir("late_in");
  std::string csv = "x,late\n";
  for (int i = 0; i < 3000; ++i) csv += std::to_string(i) + ",\n";
  csv += "2.5,word\n";
  ASSERT_TRUE(base::WriteFileAtomically(input / "data.csv", csv).ok());
  ExampleGenOptions options;
  options.input_base = input;
  options.output = FreshDir("late_out") / "examples";
  options.csv.chunk_bytes = 1 << 10;
  auto result = RunCsvExampleGen(options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->schema.types,
            (std::vector<data::DataType>{data::DataType::kFloat, data::DataType::kBytes}));
  size_t floats = 0;
  for (const char* split : {"Split-train", "Split-eval"}) {
    for (const std::string& record : ReadSplit(options.output / split)) {
      auto batch = io::DecodeExample(record);
      ASSERT_TRUE(batch.ok());
      ASSERT_EQ(batch->FindColumn("x")->type(), data::DataType::kFloat);
      ASSERT_EQ(batch->FindColumn("late")->type(), data::DataType::kBytes);
      ++floats;
    }
  }
  EXPECT_EQ(floats, 3001u);
}

TEST(CsvExampleGenTest, ParsesSplitSpecs) {
  auto split = ParseOutputSplit("test:3", "--split");
  ASSERT_TRUE(split.ok());
  EXPECT_EQ(split->name, "test");
  EXPECT_EQ(split->hash_buckets, 3u);
  EXPECT_NE(ParseOutputSplit("train", "--split")
                .status()
                .message()
                .find("--split 'train' must look like NAME:VALUE"),
            std::string::npos);
  EXPECT_NE(ParseOutputSplit("train:x", "--split")
                .status()
                .message()
                .find("bucket count must be a positive"),
            std::string::npos);
  EXPECT_FALSE(ParseOutputSplit("train:0", "--split").ok());
  auto input = ParseInputSplit("eval:eval/*.csv", "--input_split");
  ASSERT_TRUE(input.ok());
  EXPECT_EQ(input->pattern, "eval/*.csv");
}

TEST(CsvExampleGenTest, FailureLeavesNoOutput) {
  fs::path input = FreshDir("fail_in");
  ASSERT_TRUE(base::WriteFileAtomically(input / "data.csv", "a,b\n1,2\n3\n").ok());
  ExampleGenOptions options;
  options.input_base = input;
  fs::path root = FreshDir("fail_out");
  options.output = root / "examples";
  auto result = RunCsvExampleGen(options);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("data.csv:3:"), std::string::npos) << result.status();
  EXPECT_TRUE(fs::is_empty(root));
}

TEST(CsvExampleGenTest, RefusesToOverwriteAndRejectsBadOptions) {
  fs::path input = FreshDir("opts_in");
  ASSERT_TRUE(base::WriteFileAtomically(input / "data.csv", "a,f\n1,0.5\n").ok());
  fs::path existing = FreshDir("opts_out");
  ASSERT_TRUE(base::WriteFileAtomically(existing / "keep.txt", "x").ok());
  ExampleGenOptions options;
  options.input_base = input;
  options.output = existing;
  EXPECT_TRUE(absl::IsAlreadyExists(RunCsvExampleGen(options).status()));
  EXPECT_TRUE(fs::exists(existing / "keep.txt"));

  options.output = FreshDir("opts_out2") / "examples";
  options.partition_feature = "f";
  auto float_partition = RunCsvExampleGen(options);
  EXPECT_NE(float_partition.status().message().find("only int64 and bytes"), std::string::npos);
  options.partition_feature = "missing";
  EXPECT_NE(RunCsvExampleGen(options).status().message().find("'missing' is not a column"),
            std::string::npos);
  options.partition_feature.clear();
  options.output_splits = {{"train", 1}, {"train", 1}};
  EXPECT_NE(RunCsvExampleGen(options).status().message().find("given twice"), std::string::npos);
  options.output_splits = {{"train", 2}, {"eval", 1}};
  options.input_base = input / "nope";
  EXPECT_FALSE(RunCsvExampleGen(options).ok());
}

TEST(CsvExampleGenTest, ReadsTheLatestSpanAndRecordsItAsTfxDoes) {
  fs::path input = FreshDir("spans_in");
  fs::create_directories(input / "span-1");
  fs::create_directories(input / "span-2");
  fs::copy_file(kTaxiCsv, input / "span-1" / "data.csv");
  fs::copy_file(fs::path(WEIR_SHARED_DIR) / "data/taxi/span2.csv", input / "span-2" / "data.csv");
  ExampleGenOptions options;
  options.input_base = input;
  options.input_pattern = "span-{SPAN}/*.csv";
  auto fingerprint = ComputeInputFingerprint(options);
  ASSERT_TRUE(fingerprint.ok()) << fingerprint.status();
  EXPECT_EQ(fingerprint->substr(0, 35), "span:2,version:0\nsplit:single_split");

  const fs::path out = FreshDir("spans_out");
  options.output = out / "latest";
  auto latest = RunCsvExampleGen(options);
  ASSERT_TRUE(latest.ok()) << latest.status();
  EXPECT_EQ(latest->examples_per_split[0] + latest->examples_per_split[1], 5000u);
  EXPECT_EQ(std::get<int64_t>(latest->properties.at("span")), 2);
  EXPECT_EQ(std::get<std::string>(latest->properties.at("input_fingerprint")), *fingerprint);

  // An earlier span on request: the same examples as that span's file read on its own.
  options.span = 1;
  options.output = out / "span1";
  auto span1 = RunCsvExampleGen(options);
  ASSERT_TRUE(span1.ok()) << span1.status();
  EXPECT_EQ(std::get<int64_t>(span1->properties.at("span")), 1);
  ExampleGenOptions plain;
  plain.input_base = input / "span-1";
  plain.output = out / "plain";
  ASSERT_TRUE(RunCsvExampleGen(plain).ok());
  for (const char* split : {"Split-train", "Split-eval"}) {
    const std::vector<std::string> records = ReadSplit(options.output / split);
    EXPECT_FALSE(records.empty()) << split;
    EXPECT_TRUE(records == ReadSplit(plain.output / split)) << split;  // Too long to print.
  }
  EXPECT_NE(*ComputeInputFingerprint(options), *fingerprint);
}

}  // namespace
}  // namespace weir::components
