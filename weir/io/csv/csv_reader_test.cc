#include "weir/io/csv/csv_reader.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>

#include "fast_float/fast_float.h"
#include "gtest/gtest.h"
#include "weir/base/files.h"

namespace weir::io {
namespace {
namespace fs = std::filesystem;
using data::DataType;
using data::Presence;

fs::path WriteTemp(const std::string& name, const std::string& contents) {
  fs::path dir = fs::path(::testing::TempDir()) / "csv_reader_test";
  fs::create_directories(dir);
  fs::path path = dir / name;
  EXPECT_TRUE(base::WriteFileAtomically(path, contents).ok());
  return path;
}

// Reads all rows of `files` into one list of batches.
absl::StatusOr<std::vector<data::RecordBatch>> ReadAll(const std::vector<fs::path>& files,
                                                       CsvOptions options,
                                                       CsvInference* inference) {
  auto inferred = InferCsvSchema(files, options);
  if (!inferred.ok()) return inferred.status();
  *inference = *inferred;
  std::vector<data::RecordBatch> batches;
  absl::Status status = ReadCsv(files, inferred->schema, options, [&](data::RecordBatch&& batch) {
    batches.push_back(std::move(batch));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return batches;
}

// What the general parser (fast_float) reads `text` as, with ParseCsvDouble's rules for a sign.
bool ReferenceDouble(std::string_view text, double* value) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  const char* end = text.data() + text.size();
  auto result = fast_float::from_chars(text.data(), end, *value);
  return !text.empty() && result.ec == std::errc() && result.ptr == end;
}

void ExpectSameDouble(const std::string& text) {
  double expected = 0, actual = 0;
  bool expected_ok = ReferenceDouble(text, &expected);
  ASSERT_EQ(ParseCsvDouble(text, &actual), expected_ok) << text;
  if (expected_ok) {
    ASSERT_EQ(std::memcmp(&expected, &actual, sizeof(double)), 0) << text;
  }
}

// ParseCsvFloat must give the general parser's double rounded to float32, bit for bit.
void ExpectSameFloat(const std::string& text) {
  double expected = 0;
  float actual = 0;
  bool expected_ok = ReferenceDouble(text, &expected);
  ASSERT_EQ(ParseCsvFloat(text, &actual), expected_ok) << text;
  if (expected_ok) {
    const float rounded = static_cast<float>(expected);
    ASSERT_EQ(std::memcmp(&rounded, &actual, sizeof(float)), 0) << text;
  }
}

TEST(CsvNumbersTest, PlainDecimalsParseToTheSameBitsAsTheGeneralParser) {
  constexpr const char* kEdgeCases[] = {"0",
                                        "-0",
                                        "0.0",
                                        "-0.0",
                                        "1",
                                        "1.5",
                                        "-1.5",
                                        "0.1",
                                        "0.3",
                                        "2.675",
                                        "9007199254740992",
                                        "9007199254740993",
                                        "9007199254740991.5",
                                        "900719925474099.3",
                                        "1234567890123456789",
                                        "12345678901234567890",
                                        "0.0000000000000000000001",
                                        "0.9999999999999999999",
                                        "0.00000000000000000000001",
                                        "4.9406564584124654e-324",
                                        "1.7976931348623157e308",
                                        "41.879066",
                                        "-87.620331",
                                        "1.",
                                        ".5",
                                        "-.5",
                                        "-",
                                        ".",
                                        "",
                                        "1..2",
                                        "1.2.3",
                                        "--1",
                                        "1-",
                                        "00000000000000000001.5",
                                        "0.30000000000000004",
                                        "123456789.123456789"};
  for (const char* text : kEdgeCases) {
    ExpectSameDouble(text);
    ExpectSameFloat(text);
  }
  std::mt19937_64 random(42);
  std::string text;
  for (int i = 0; i < 3'000'000; ++i) {
    text.clear();
    if (random() % 4 == 0) text += '-';
    const int int_digits = static_cast<int>(random() % 20);
    const int fraction_digits = static_cast<int>(random() % 24) - 2;
    for (int d = 0; d < int_digits; ++d) text += static_cast<char>('0' + random() % 10);
    if (fraction_digits >= 0) {
      text += '.';
      for (int d = 0; d < fraction_digits; ++d) text += static_cast<char>('0' + random() % 10);
    }
    ExpectSameDouble(text);
    ExpectSameFloat(text);
  }
}

TEST(CsvNumbersTest, FloatsHalfwayBetweenTwoFloat32sRoundAsTheDoubleDoes) {
  // Above 2^24 float32s are even integers, and an odd integer is exactly halfway between two:
  // the fast path's product lands on the midpoint (or within a few units of it, with a fraction)
  // and must leave the decision to the exact division, which rounds half to even.
  for (const char* text : {"16777217", "16777217.0", "-16777219.00", "33554434.0", "16777216.5",
                           "0.1", "8388608.5", "8388609.25"}) {
    ExpectSameFloat(text);
  }
  std::mt19937_64 random(7);
  for (int i = 0; i < 1'000'000; ++i) {
    const uint64_t integer = (uint64_t{1} << 24) + random() % (uint64_t{1} << 30);
    std::string text = std::to_string(integer);
    const int zeros = static_cast<int>(random() % 4);
    if (zeros > 0) text.append(".").append(static_cast<size_t>(zeros), '0');
    ExpectSameFloat(text);
  }
}

TEST(CsvNumbersTest, ParsesInt64AsPython) {
  int64_t value = 0;
  EXPECT_TRUE(ParseCsvInt64("-0", &value));
  EXPECT_EQ(value, 0);
  EXPECT_TRUE(ParseCsvInt64("999999999999999999", &value));
  EXPECT_EQ(value, 999999999999999999);
  EXPECT_TRUE(ParseCsvInt64("-99999999999999999", &value));
  EXPECT_EQ(value, -99999999999999999);
  EXPECT_TRUE(ParseCsvInt64("-9223372036854775808", &value));
  EXPECT_EQ(value, std::numeric_limits<int64_t>::min());
  EXPECT_TRUE(ParseCsvInt64(" +12 ", &value));
  EXPECT_EQ(value, 12);
  EXPECT_FALSE(ParseCsvInt64("9223372036854775808", &value));
  EXPECT_FALSE(ParseCsvInt64("-", &value));
  EXPECT_FALSE(ParseCsvInt64("", &value));
  EXPECT_FALSE(ParseCsvInt64("1-", &value));
  EXPECT_FALSE(ParseCsvInt64("1.0", &value));
}

TEST(CsvTypesTest, ClassifiesCellsAsTfx) {
  EXPECT_EQ(ClassifyCell(""), DataType::kNull);
  EXPECT_EQ(ClassifyCell("42"), DataType::kInt64);
  EXPECT_EQ(ClassifyCell("-9223372036854775808"), DataType::kInt64);
  EXPECT_EQ(ClassifyCell("9223372036854775808"), DataType::kFloat);  // Beyond int64.
  EXPECT_EQ(ClassifyCell(" 7 "), DataType::kInt64);                  // Python's int() strips.
  EXPECT_EQ(ClassifyCell("+3"), DataType::kInt64);
  EXPECT_EQ(ClassifyCell("0.0"), DataType::kFloat);
  EXPECT_EQ(ClassifyCell("1e5"), DataType::kFloat);
  EXPECT_EQ(ClassifyCell(".5"), DataType::kFloat);
  EXPECT_EQ(ClassifyCell("nan"), DataType::kFloat);
  EXPECT_EQ(ClassifyCell("-inf"), DataType::kFloat);
  EXPECT_EQ(ClassifyCell("+-1"), DataType::kBytes);
  EXPECT_EQ(ClassifyCell("12abc"), DataType::kBytes);
  EXPECT_EQ(ClassifyCell(" "), DataType::kBytes);
  EXPECT_EQ(ClassifyCell("123456789012345678"), DataType::kInt64);
  EXPECT_EQ(ClassifyCell("1234567890123456789"), DataType::kInt64);  // 19 digits: exact check.
  EXPECT_EQ(ClassifyCell("5."), DataType::kFloat);
  EXPECT_EQ(ClassifyCell("+.5"), DataType::kFloat);
  EXPECT_EQ(ClassifyCell("1.e5"), DataType::kFloat);
  EXPECT_EQ(ClassifyCell("-1E-3"), DataType::kFloat);
  EXPECT_EQ(ClassifyCell("1e"), DataType::kBytes);
  EXPECT_EQ(ClassifyCell("."), DataType::kBytes);
  EXPECT_EQ(ClassifyCell("-"), DataType::kBytes);
  EXPECT_EQ(ClassifyCell("1.2.3"), DataType::kBytes);
  EXPECT_EQ(ClassifyCell("Infinity"), DataType::kFloat);
}

TEST(CsvTypesTest, EveryNumberFormParsesAsItsInferredType) {
  // Whatever type inference accepts, parsing must accept too.
  fs::path file =
      WriteTemp("forms.csv",
                "f,i\n5.,+7\n+.5, 8 \n1.e5,-0\n-1E-3,1234567890123456789\nInfinity,1\n nan ,2\n");
  CsvInference inference;
  auto batches = ReadAll({file}, {}, &inference);
  ASSERT_TRUE(batches.ok()) << batches.status();
  EXPECT_EQ(inference.schema.types, (std::vector<DataType>{DataType::kFloat, DataType::kInt64}));
  const data::Column& f = (*batches)[0].column(0);
  EXPECT_EQ(f.float_values()[0], 5.0f);
  EXPECT_EQ(f.float_values()[2], 1e5f);
  EXPECT_TRUE(std::isinf(f.float_values()[4]));
  EXPECT_TRUE(std::isnan(f.float_values()[5]));
  EXPECT_EQ((*batches)[0].column(1).int64_values()[3], 1234567890123456789);
}

TEST(CsvReaderTest, MultiLineStringsFromTfxEdgeCases) {
  fs::path file =
      fs::path(WEIR_SHARED_DIR) / "tfx-golden/csv_edge_cases/multi_line_string/data.csv";
  CsvInference inference;
  auto batches = ReadAll({file}, {}, &inference);
  ASSERT_TRUE(batches.ok()) << batches.status();
  EXPECT_EQ(inference.num_rows, 3u);
  EXPECT_EQ(inference.schema.names, (std::vector<std::string>{"A", "B", "C", "D"}));
  EXPECT_EQ(inference.schema.types, (std::vector<DataType>{DataType::kInt64, DataType::kBytes,
                                                           DataType::kInt64, DataType::kInt64}));
  ASSERT_EQ(batches->size(), 1u);
  const data::Column& b = (*batches)[0].column(1);
  EXPECT_EQ(b.bytes_value(0), "2");
  EXPECT_EQ(b.bytes_value(1), "\"2,\n\"3\",\n4\n5\"");
  EXPECT_EQ(b.bytes_value(2), "2");
}

TEST(CsvReaderTest, EmptyColumnHasNoKindAndEmptyCellsArePresentEmptyLists) {
  fs::path file = fs::path(WEIR_SHARED_DIR) / "tfx-golden/csv_edge_cases/empty_column/data.csv";
  CsvInference inference;
  auto batches = ReadAll({file}, {}, &inference);
  ASSERT_TRUE(batches.ok()) << batches.status();
  EXPECT_EQ(inference.schema.types, (std::vector<DataType>{DataType::kInt64, DataType::kNull,
                                                           DataType::kBytes, DataType::kFloat}));
  const data::RecordBatch& batch = (*batches)[0];
  ASSERT_EQ(batch.num_rows(), 3u);
  EXPECT_EQ(batch.column(1).presence(0), Presence::kNoKind);
  const data::Column& c = batch.column(2);
  EXPECT_EQ(c.presence(2), Presence::kPresent);
  EXPECT_EQ(c.value_count(2), 0u);
  EXPECT_EQ(batch.column(3).float_values()[2], 0.3f);
}

TEST(CsvReaderTest, TaxiDataTypesAndCounts) {
  fs::path file = fs::path(WEIR_SHARED_DIR) / "data/taxi/data.csv";
  CsvInference inference;
  CsvOptions options;
  options.chunk_bytes = 64 << 10;  // Many chunks, so the parallel path is exercised.
  auto batches = ReadAll({file}, options, &inference);
  ASSERT_TRUE(batches.ok()) << batches.status();
  EXPECT_EQ(inference.num_rows, 15000u);
  ASSERT_EQ(inference.schema.names.size(), 18u);
  std::map<std::string, DataType> types;
  for (size_t i = 0; i < 18; ++i) types[inference.schema.names[i]] = inference.schema.types[i];
  EXPECT_EQ(types["fare"], DataType::kFloat);
  EXPECT_EQ(types["trip_start_hour"], DataType::kInt64);
  EXPECT_EQ(types["payment_type"], DataType::kBytes);
  EXPECT_EQ(types["pickup_latitude"], DataType::kFloat);
  size_t rows = 0;
  for (const auto& batch : *batches) rows += batch.num_rows();
  EXPECT_EQ(rows, 15000u);
  // The first data row: 60,27.05,10,2,3,1380593700,41.836150155,-87.648787952,,,12.6,...
  const data::RecordBatch& first = (*batches)[0];
  EXPECT_EQ(first.FindColumn("pickup_community_area")->int64_values()[0], 60);
  EXPECT_EQ(first.FindColumn("fare")->float_values()[0], 27.05f);
  EXPECT_EQ(first.FindColumn("dropoff_latitude")->value_count(0), 0u);
  EXPECT_EQ(first.FindColumn("company")->bytes_value(0), "Taxi Affiliation Services");
}

TEST(CsvReaderTest, ChunkSizeDoesNotChangeTheResult) {
  std::string csv = "id,text,value\n";
  for (int i = 0; i < 2000; ++i) {
    csv += std::to_string(i) + ",\"line one\nline \"\"two\"\", " + std::to_string(i) + "\"," +
           std::to_string(i * 0.5) + "\r\n";
  }
  fs::path file = WriteTemp("chunks.csv", csv);
  std::vector<std::string> reference;
  for (size_t chunk_bytes : {size_t{4} << 20, size_t{100}, size_t{1000}}) {
    CsvOptions options;
    options.chunk_bytes = chunk_bytes;
    CsvInference inference;
    auto batches = ReadAll({file}, options, &inference);
    ASSERT_TRUE(batches.ok()) << batches.status();
    std::vector<std::string> texts;
    for (const auto& batch : *batches) {
      for (size_t r = 0; r < batch.num_rows(); ++r)
        texts.emplace_back(batch.column(1).bytes_value(r));
    }
    ASSERT_EQ(texts.size(), 2000u);
    EXPECT_EQ(texts[7], "line one\nline \"two\", 7");
    if (reference.empty()) reference = texts;
    EXPECT_EQ(texts, reference);
  }
}

// Record splitting: blank lines (LF or CRLF) are skipped, a quoted empty field is not a blank
// line, quoted fields may hold delimiters, doubled quotes and newlines and be followed by CRLF,
// and the last record needs no newline.
TEST(CsvReaderTest, SplitsRecordsAroundQuotesBlankLinesAndLineEnds) {
  fs::path file = WriteTemp("records.csv",
                            "a,b\n1,x\n\n\r\n2,\"q,\"\"uo\"\"te\"\r\n3,\"multi\nline\"\n"
                            "\"4\",plain\n5,last");
  CsvInference inference;
  auto batches = ReadAll({file}, {}, &inference);
  ASSERT_TRUE(batches.ok()) << batches.status();
  ASSERT_EQ(inference.num_rows, 5u);
  const data::Column& a = (*batches)[0].column(0);
  const data::Column& b = (*batches)[0].column(1);
  EXPECT_EQ(a.type(), DataType::kInt64);
  EXPECT_EQ(std::vector<int64_t>(a.int64_values().begin(), a.int64_values().end()),
            (std::vector<int64_t>{1, 2, 3, 4, 5}));
  std::vector<std::string> texts;
  for (size_t r = 0; r < b.num_rows(); ++r) texts.emplace_back(b.bytes_value(r));
  EXPECT_EQ(texts, (std::vector<std::string>{"x", "q,\"uo\"te", "multi\nline", "plain", "last"}));

  fs::path one_column = WriteTemp("one_column.csv", "a\n\"\"\n\n7\n");
  auto one = ReadAll({one_column}, {}, &inference);
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(inference.num_rows, 2u);  // The quoted empty cell is a row; the blank line is not.

  // Line numbers count the newlines inside quoted fields.
  fs::path short_row = WriteTemp("short_row.csv", "a,b\n1,\"x\ny\"\n2\n");
  auto failed = InferCsvSchema({short_row}, {});
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("short_row.csv:4: expected 2 fields"), std::string::npos)
      << failed.status().message();
}

TEST(CsvReaderTest, BadInputNamesFileAndLine) {
  struct Case {
    std::string contents;
    std::string expected;
  };
  std::vector<Case> cases = {
      {"", "bad0.csv:1: the file is empty"},
      {"a,b\n", "bad1.csv:2: the file has a header but no data rows"},
      {"a,b\n1,2\n3\n", "bad2.csv:3: expected 2 fields (as in the header), found 1"},
      {"a,b\n1,2\n3,\"open\n4,5\n", "bad3.csv:3: unterminated quoted field"},
      {"a,b\n1,2\n3,x\xff\n", "bad4.csv:3: field 2 is not valid UTF-8"},
      {"a,a\n1,2\n", "bad5.csv:1: the header names column 'a' twice"},
      {"a,b\n1,ab\"c\n", "bad6.csv:2: quote inside an unquoted field"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    fs::path file = WriteTemp("bad" + std::to_string(i) + ".csv", cases[i].contents);
    auto inference = InferCsvSchema({file}, {});
    ASSERT_FALSE(inference.ok()) << cases[i].contents;
    EXPECT_NE(inference.status().message().find(cases[i].expected), std::string::npos)
        << inference.status().message();
  }
}

TEST(CsvReaderTest, SkipBadRowsCountsThem) {
  fs::path file = WriteTemp("skip.csv", "a,b\n1,2\n3\n4,5\n6,7,8\n9,\xc3\n10,11\n");
  CsvOptions options;
  options.skip_bad_rows = true;
  CsvInference inference;
  auto batches = ReadAll({file}, options, &inference);
  ASSERT_TRUE(batches.ok()) << batches.status();
  EXPECT_EQ(inference.num_rows, 3u);
  EXPECT_EQ(inference.bad_rows.count, 3u);
  ASSERT_EQ(inference.bad_rows.messages.size(), 3u);
  EXPECT_NE(inference.bad_rows.messages[0].find("skip.csv:3:"), std::string::npos);
  EXPECT_EQ((*batches)[0].num_rows(), 3u);
  EXPECT_EQ((*batches)[0].column(1).int64_values()[2], 11);
}

TEST(CsvReaderTest, ReadInferringTypesRestartsWhenALaterRowChangesATypes) {
  std::string csv = "n,s\n";
  for (int i = 0; i < 20000; ++i) csv += std::to_string(i) + ",\n";
  fs::path stable = WriteTemp("stable.csv", csv);
  fs::path late = WriteTemp("late.csv", csv + "0.5,text\n");
  CsvOptions options;
  options.chunk_bytes = 4 << 10;
  for (const auto& [file, restarts_expected] : {std::pair{stable, 0}, std::pair{late, 1}}) {
    size_t rows = 0;
    int restarts = 0;
    auto schema = ReadCsvInferringTypes(
        {file}, options,
        [&](data::RecordBatch&& batch) {
          rows += batch.num_rows();
          return absl::OkStatus();
        },
        [&] {
          rows = 0;
          ++restarts;
        });
    ASSERT_TRUE(schema.ok()) << schema.status();
    EXPECT_EQ(restarts, restarts_expected);
    if (restarts_expected == 0) {
      EXPECT_EQ(schema->types, (std::vector<DataType>{DataType::kInt64, DataType::kNull}));
      EXPECT_EQ(rows, 20000u);
    } else {
      EXPECT_EQ(schema->types, (std::vector<DataType>{DataType::kFloat, DataType::kBytes}));
      EXPECT_EQ(rows, 20001u);
    }
  }
}

TEST(CsvReaderTest, FilesMustShareTheHeader) {
  fs::path one = WriteTemp("one.csv", "a,b\n1,2\n");
  fs::path two = WriteTemp("two.csv", "a,c\n1,2\n");
  auto inference = InferCsvSchema({one, two}, {});
  ASSERT_FALSE(inference.ok());
  EXPECT_NE(inference.status().message().find("two.csv:1: the header differs"), std::string::npos);
}

// A spreadsheet's UTF-8 byte-order mark is not part of the first column's name, so a file saved
// with one has the same header as one without; a mark later in the file is data.
TEST(CsvReaderTest, ByteOrderMarkIsNotPartOfTheHeader) {
  fs::path marked = WriteTemp("marked.csv", "\xEF\xBB\xBFtrip_id,fare\n1,\xEF\xBB\xBFx\n");
  fs::path plain = WriteTemp("plain.csv", "trip_id,fare\n2,y\n");
  CsvInference inference;
  auto batches = ReadAll({marked, plain}, {}, &inference);
  ASSERT_TRUE(batches.ok()) << batches.status();
  EXPECT_EQ(inference.schema.names, (std::vector<std::string>{"trip_id", "fare"}));
  EXPECT_EQ(inference.schema.types[0], DataType::kInt64);
  EXPECT_EQ(inference.num_rows, 2u);
  // Only a mark: the file is as empty as a 0-byte one.
  fs::path only_mark = WriteTemp("only_mark.csv", "\xEF\xBB\xBF");
  auto empty = InferCsvSchema({only_mark}, {});
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("only_mark.csv:1: the file is empty"), std::string::npos);
}

TEST(CsvReaderTest, TypesAreInferredOverAllFiles) {
  fs::path one = WriteTemp("ints.csv", "a\n1\n2\n");
  fs::path two = WriteTemp("floats.csv", "a\n1.5\n");
  CsvInference inference;
  auto batches = ReadAll({one, two}, {}, &inference);
  ASSERT_TRUE(batches.ok());
  EXPECT_EQ(inference.schema.types[0], DataType::kFloat);
  EXPECT_EQ(inference.num_rows, 3u);
}

}  // namespace
}  // namespace weir::io
