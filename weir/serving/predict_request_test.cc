#include "weir/serving/predict_request.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

namespace weir::serving {
namespace {

using Json = nlohmann::json;

model::ModelSpec Signature() {
  model::ModelSpec spec;
  auto add = [&](const char* name, transform::ValueType type) {
    transform::RawFeature* input = spec.add_signature_inputs();
    input->set_name(name);
    input->set_type(type);
  };
  add("hour", transform::INT);
  add("fare", transform::FLOAT);
  add("company", transform::STRING);
  return spec;
}

// The rows of one column as text: a value, "-" when missing, "[]" for an empty list.
std::vector<std::string> Cells(const data::Column& column) {
  std::vector<std::string> cells;
  for (size_t row = 0; row < column.num_rows(); ++row) {
    if (!column.is_present(row) || column.value_count(row) == 0) {
      cells.push_back(column.is_present(row) ? "[]" : "-");
      continue;
    }
    const uint32_t i = column.value_begin(row);
    switch (column.type()) {
      case data::DataType::kInt64:
        cells.push_back(std::to_string(column.int64_values()[i]));
        break;
      case data::DataType::kFloat:
        cells.push_back(Json(column.float_values()[i]).dump());
        break;
      default:
        cells.push_back(std::string(column.bytes_value(i)));
    }
  }
  return cells;
}

using Cols = std::vector<std::vector<std::string>>;
Cols AllCells(const PredictRequest& request) {
  Cols cols;
  for (const data::Column& column : request.raw.columns()) cols.push_back(Cells(column));
  return cols;
}

TEST(PredictRequestTest, RowsBecomeColumnsInSignatureOrder) {
  const PredictRequestReader reader(Signature());
  auto request = reader.Read(
      "\xEF\xBB\xBF"
      R"( {"signature_name": "serving_default", "instances": [
      {"company": "Flash Cab", "fare": 9.5, "hour": 14},
      {"hour": [3], "fare": [600], "company": []},
      {"hour": 3.0, "fare": null, "company": [null]},
      {"hour": 2e1},
      {}
  ]} )");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_FALSE(request->columnar);
  ASSERT_EQ(request->raw.num_columns(), 3u);
  EXPECT_EQ(request->raw.column(0).name(), "hour");
  EXPECT_EQ(request->raw.column(0).type(), data::DataType::kInt64);
  EXPECT_EQ(request->raw.column(1).type(), data::DataType::kFloat);
  EXPECT_EQ(request->raw.column(2).type(), data::DataType::kBytes);
  EXPECT_EQ(AllCells(*request), (Cols{{"14", "3", "3", "20", "-"},
                                      {"9.5", "600.0", "-", "-", "-"},
                                      {"Flash Cab", "[]", "-", "-", "-"}}));
  // [] is an empty list, as an empty CSV cell is in training; null and an absent key are missing.
  const data::Column& company = request->raw.column(2);
  EXPECT_EQ(company.presence(1), data::Presence::kPresent);
  EXPECT_EQ(company.value_count(1), 0u);
  EXPECT_EQ(company.presence(2), data::Presence::kAbsent);
  EXPECT_EQ(company.presence(3), data::Presence::kAbsent);
  EXPECT_EQ(request->raw.column(1).presence(2), data::Presence::kAbsent);
}

TEST(PredictRequestTest, NumbersConvertAsTheCsvReaderDoesAndOnlyWhereExact) {
  const PredictRequestReader reader(Signature());
  auto request = reader.Read(R"({"instances": [{"hour": 9007199254740993, "fare": 0.1},
                                    {"hour": -9223372036854775808, "fare": 3.4028235e38},
                                    {"hour": 0, "fare": -0.0}]})");
  ASSERT_TRUE(request.ok()) << request.status();
  const data::Column& hour = request->raw.column(0);
  EXPECT_EQ(hour.int64_values()[0], 9007199254740993);  // Beyond double's exact integers.
  EXPECT_EQ(hour.int64_values()[1], std::numeric_limits<int64_t>::min());
  const data::Column& fare = request->raw.column(1);
  EXPECT_EQ(fare.float_values()[0], static_cast<float>(0.1));  // Through double, as CSV.
  EXPECT_EQ(fare.float_values()[1], std::numeric_limits<float>::max());
  EXPECT_TRUE(std::signbit(fare.float_values()[2]));

  for (const char* inexact : {"1.5", "1e-1", "9223372036854775808", "1e19", "true", "\"3\""}) {
    auto wrong = reader.Read(std::string(R"({"instances": [{"hour": )") + inexact + "}]}");
    ASSERT_FALSE(wrong.ok()) << inexact;
    EXPECT_EQ(wrong.status().message(),
              std::string("instance 0: feature 'hour' is an integer; got ") + inexact);
  }
}

TEST(PredictRequestTest, ColumnarFormTakesListsOrOneBareValue) {
  const PredictRequestReader reader(Signature());
  auto request = reader.Read(R"({"inputs": {"fare": [1, 2.5, null], "hour": [[7], [], 9]}})");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_TRUE(request->columnar);
  EXPECT_EQ(AllCells(*request), (Cols{{"7", "[]", "9"}, {"1.0", "2.5", "-"}, {"-", "-", "-"}}));

  auto bare = reader.Read(R"({"inputs": {"company": "Taxi Affiliation Services"}})");
  ASSERT_TRUE(bare.ok()) << bare.status();
  EXPECT_EQ(AllCells(*bare), (Cols{{"-"}, {"-"}, {"Taxi Affiliation Services"}}));

  auto none = reader.Read(R"({"inputs": {}})");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(none->raw.num_rows(), 0u);

  auto uneven = reader.Read(R"({"inputs": {"fare": [1, 2], "hour": [1, 2, 3]}})");
  ASSERT_FALSE(uneven.ok());
  EXPECT_EQ(uneven.status().message(), "feature 'hour' has 3 values; the others have 2");
}

TEST(PredictRequestTest, StringsDecodeEveryEscape) {
  const PredictRequestReader reader(Signature());
  auto request = reader.Read(
      R"({"instances": [{"company": "a\"b\\c\/d\b\f\n\r\t"}, {"company": "caf\u00e9 \ud83d\ude95"},
                        {"company": "déjà vu"}, {"company": ""}]})");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(Cells(request->raw.column(2)),
            (std::vector<std::string>{"a\"b\\c/d\b\f\n\r\t", "caf\xC3\xA9 \xF0\x9F\x9A\x95",
                                      "d\xC3\xA9j\xC3\xA0 vu", ""}));
}

TEST(PredictRequestTest, ErrorsSayWhatIsWrongAndWhere) {
  const PredictRequestReader reader(Signature());
  const std::pair<std::string, std::string> cases[] = {
      {"", "the body is not valid JSON: unexpected end at byte 0"},
      {"{not json", "the body is not valid JSON: expected a quoted key at byte 1"},
      {R"({"instances": [{"hour": 01}]})", "not valid JSON: expected '}' at byte 25"},
      {R"({"instances": [{"fare": -}]})", "a number without digits at byte 25"},
      {R"({"instances": [{"fare": 1.}]})", "a number without digits after the point at byte 26"},
      {R"({"instances": [{"fare": .5}]})", "a number without digits at byte 24"},
      {R"({"instances": [{"fare": +1}]})", "a number without digits at byte 24"},
      {R"({"instances": [{"fare": 1e}]})", "a number without exponent digits at byte 26"},
      {R"({"instances": [{"fare": nul}]})", "an unknown word at byte 24"},
      {R"({"instances": [{"fare": 1,}]})", "expected a quoted key at byte 26"},
      {R"({"instances": [{"fare": 1}],})", "expected a quoted key at byte 28"},
      {R"({"instances": []} [])", "text after the end at byte 18"},
      {"{\"instances\": [{\"company\": \"a\tb\"}]}", "a control character in a string"},
      {"{\"instances\": [{\"company\": \"\xC3\"}]}", "a string that is not UTF-8"},
      {R"({"instances": [{"company": "\ud83d"}]})", "a lone high surrogate"},
      {R"({"instances": [{"company": "\ude95"}]})", "a lone low surrogate"},
      {R"({"instances": [{"company": "\x41"}]})", "an unknown escape"},
      {R"({"instances": [{"company": "\u00g9"}]})", "a bad \\u escape"},
      {R"({"instances": [{"company": "abc)", "an unterminated string"},
      {R"({"deep": )" + std::string(100, '[') + std::string(100, ']') + "}", "nesting too deep"},
      {"[1, 2]", "the body must be {\"instances\": [...]} (rows) or {\"inputs\": {...}} (columns)"},
      {R"({"signature_name": "serving_default"})", "the body must be"},
      {R"({"instances": [], "inputs": {}})", "the body must be"},
      {R"({"instances": [], "instances": []})", "\"instances\" appears twice"},
      {R"({"instances": {}})", "\"instances\" must be a list of objects"},
      {R"({"instances": [3]})", "instance 0: each instance must be an object of feature: value"},
      {R"({"inputs": []})", "\"inputs\" must be an object of feature: [values]"},
      {R"({"instances": [{"farez": 1}]})",
       "unknown feature 'farez'; the model takes: hour, fare, company"},
      {R"({"instances": [{}, {"hour": 1, "hour": 2}]})",
       "instance 1: feature 'hour' appears twice"},
      {R"({"inputs": {"hour": 1, "hour": 2}})", "feature 'hour' appears twice"},
      {R"({"instances": [{"fare": 1e400}]})",
       "instance 0: feature 'fare' holds 1e400, beyond a float's range"},
      {R"({"inputs": {"fare": [1, -1e39]}})", "row 1: feature 'fare' holds -1e39, beyond"},
      {R"({"instances": [{"hour": 1e400}]})",
       "instance 0: feature 'hour' is an integer; got 1e400"},
      {R"({"instances": [{"fare": "9.5"}]})",
       "instance 0: feature 'fare' is a number; got \"9.5\""},
      {R"({"instances": [{"company": 3}]})", "instance 0: feature 'company' is a string; got 3"},
      {R"({"instances": [{"company": {"a": 1}}]})",
       "instance 0: feature 'company' is a string; got {\"a\": 1}"},
      {R"({"instances": [{"hour": [[1]]}]})",
       "instance 0: feature 'hour' is an integer; got [[1]]"},
      {R"({"instances": [{"hour": [1, 2, 3]}]})",
       "instance 0: feature 'hour' takes one value per row, not 3"},
      {R"({"inputs": {"hour": [1, "x"]}})", "row 1: feature 'hour' is an integer; got \"x\""},
      {R"({"instances": [{"company": {"b64": "@@"}}]})", "\"b64\" is not base64"},
      {R"({"instances": [{"company": {"b64": 3}}]})", "\"b64\" takes a string"},
      {R"({"instances": [{"fare": {"b64": "AAAA"}}]})", "instance 0: feature 'fare' is a number"},
      {R"({"instances": [{"examples": 3}]})", "instance 0: \"examples\" takes {\"b64\""},
      {R"({"instances": [{"examples": {"b64": "AAAA"}}]})",
       "instance 0: not a serialized tf.Example"},
      {R"({"inputs": {"examples": [], "hour": [1]}})", "cannot be given beside features"},
      {R"({"inputs": {"examples": {}}})", "\"examples\" must be a list"},
  };
  for (const auto& [body, message] : cases) {
    auto request = reader.Read(body);
    ASSERT_FALSE(request.ok()) << body;
    EXPECT_EQ(request.status().code(), absl::StatusCode::kInvalidArgument) << body;
    EXPECT_NE(request.status().message().find(message), std::string::npos)
        << body << "\n  said: " << request.status().message() << "\n  want: " << message;
  }
  // Wrong values are quoted, but not at any length.
  auto long_value = reader.Read(R"({"instances": [{"hour": ")" + std::string(500, 'x') + "\"}]}");
  ASSERT_FALSE(long_value.ok());
  EXPECT_LT(long_value.status().message().size(), 200u);
  EXPECT_TRUE(std::string(long_value.status().message()).ends_with("..."));
}

// Typed columns (gRPC's tensors) give what the same values give as JSON, by the same rules.
TEST(PredictRequestTest, TypedColumnsReadAsTheSameValuesInJson) {
  const PredictRequestReader reader(Signature());
  const std::vector<TypedColumn> typed = {
      {.name = "fare", .values = std::vector<int64_t>{600, 9}},
      {.name = "hour", .values = std::vector<double>{14.0, 3}},
      {.name = "company", .values = std::vector<std::string_view>{"Flash Cab", ""}},
  };
  auto from_typed = reader.Read(typed);
  ASSERT_TRUE(from_typed.ok()) << from_typed.status();
  auto from_json = reader.Read(
      R"({"inputs": {"fare": [600, 9], "hour": [14.0, 3], "company": ["Flash Cab", ""]}})");
  ASSERT_TRUE(from_json.ok()) << from_json.status();
  EXPECT_TRUE(from_typed->columnar);
  EXPECT_EQ(AllCells(*from_typed), AllCells(*from_json));
  // A feature left out is missing in every row.
  auto partial = reader.Read(std::vector<TypedColumn>{typed[0]});
  ASSERT_TRUE(partial.ok()) << partial.status();
  EXPECT_EQ(AllCells(*partial), (Cols{{"-", "-"}, {"600.0", "9.0"}, {"-", "-"}}));

  auto error = [&](std::vector<TypedColumn> columns) {
    auto read = reader.Read(columns);
    EXPECT_FALSE(read.ok());
    return read.ok() ? std::string() : std::string(read.status().message());
  };
  EXPECT_EQ(error({{.name = "hour", .values = std::vector<double>{1.5}}}),
            "row 0: feature 'hour' is an integer; got 1.5");
  EXPECT_EQ(error({{.name = "company", .values = std::vector<int64_t>{1}}}),
            "feature 'company' is a string; its input holds integers");
  EXPECT_EQ(error({{.name = "fare", .values = std::vector<std::string_view>{"9.5"}}}),
            "feature 'fare' is a number; its input holds strings");
  EXPECT_EQ(error({{.name = "fare", .values = std::vector<double>{1, 1e39}}}),
            "row 1: feature 'fare' holds 1e+39, beyond a float's range");
  EXPECT_EQ(error({{.name = "fare", .values = std::vector<double>{std::nan("")}}}),
            "row 0: feature 'fare' holds nan, beyond a float's range");
  EXPECT_EQ(error({typed[0], {.name = "hour", .values = std::vector<int64_t>{1}}}),
            "feature 'hour' has 1 values; the others have 2");
  EXPECT_EQ(error({typed[0], typed[0]}), "feature 'fare' appears twice");
  EXPECT_EQ(error({{.name = "farez", .values = std::vector<int64_t>{1}}}),
            "unknown feature 'farez'; the model takes: hour, fare, company");
  EXPECT_EQ(error({{.name = "examples", .values = std::vector<int64_t>{1}}}),
            "\"examples\" takes serialized tf.Examples (strings)");
  EXPECT_EQ(error({{.name = "examples", .values = std::vector<std::string_view>{}}, typed[0]}),
            "\"examples\" (serialized tf.Examples) cannot be given beside features");
}

TEST(PredictRequestTest, OtherTopLevelKeysAreReadPast) {
  const PredictRequestReader reader(Signature());
  auto request = reader.Read(R"({"meta": {"a": [1, {"b": null}], "c": "\"}"}, "inputs": {"hour": 4},
                                 "x": [true, false, -1.5e-3]})");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(AllCells(*request), (Cols{{"4"}, {"-"}, {"-"}}));
}

TEST(PredictResponseTest, ShortestFloatsAsValidJson) {
  const std::vector<float> values = {0.1f, 1.f / 3, 1e-7f, -2.5f};
  EXPECT_EQ(WritePredictResponse(values, 1, false),
            "{\"predictions\":[0.1,0.33333334,1e-07,-2.5]}");
  EXPECT_EQ(WritePredictResponse(values, 2, true), "{\"outputs\":[[0.1,0.33333334],[1e-07,-2.5]]}");
  EXPECT_EQ(WritePredictResponse({}, 1, false), "{\"predictions\":[]}");
  EXPECT_EQ(WritePredictResponse({}, 3, false), "{\"predictions\":[]}");
  const std::vector<float> odd = {std::nanf(""), std::numeric_limits<float>::infinity(), 1.f};
  EXPECT_EQ(WritePredictResponse(odd, 3, false), "{\"predictions\":[[null,null,1.0]]}");
  // Every float reads back as itself.
  const Json parsed = Json::parse(WritePredictResponse(values, 1, false));
  for (size_t i = 0; i < values.size(); ++i)
    EXPECT_EQ(parsed["predictions"][i].get<float>(), values[i]);
}

}  // namespace
}  // namespace weir::serving
