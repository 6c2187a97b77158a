#include "weir/io/example/example_codec.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <random>

#include "gtest/gtest.h"
#include "weir/proto/example.pb.h"

namespace weir::io {
namespace {

using data::DataType;
using data::Presence;

std::string DeterministicBytes(const tensorflow::Example& example) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  example.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

tensorflow::Example RandomExample(std::mt19937& rng) {
  tensorflow::Example example;
  auto& features = *example.mutable_features()->mutable_feature();
  std::uniform_int_distribution<int> kind(0, 5);
  std::uniform_int_distribution<int> count(0, 4);
  for (const char* name : {"zeta", "alpha", "mid", "b", "a_long_feature_name", "n"}) {
    int k = kind(rng);
    if (k == 5) continue;  // Absent.
    tensorflow::Feature& feature = features[name];
    int n = count(rng);
    switch (k) {
      case 0:
        break;  // No kind.
      case 1:
        feature.mutable_int64_list();
        for (int i = 0; i < n; ++i)
          feature.mutable_int64_list()->add_value(static_cast<int64_t>(rng()) - (1ll << 31));
        break;
      case 2:
        feature.mutable_float_list();
        for (int i = 0; i < n; ++i)
          feature.mutable_float_list()->add_value(static_cast<float>(rng()) / 7.0f);
        break;
      default:
        feature.mutable_bytes_list();
        for (int i = 0; i < n; ++i)
          feature.mutable_bytes_list()->add_value(std::string(rng() % 200, 'q'));
        break;
    }
  }
  return example;
}

TEST(ExampleCodecTest, ReencodingMatchesProtobufDeterministicBytes) {
  // Each feature name keeps one kind across examples so the batch is consistent: use one
  // example per batch.
  std::mt19937 rng(42);
  for (int i = 0; i < 300; ++i) {
    tensorflow::Example example = RandomExample(rng);
    std::string expected = DeterministicBytes(example);
    auto batch = DecodeExample(expected);
    ASSERT_TRUE(batch.ok()) << batch.status();
    ExampleEncoder encoder(*batch);
    std::string encoded;
    encoder.Encode(0, &encoded);
    ASSERT_EQ(encoded, expected) << example.DebugString();
    tensorflow::Example parsed;
    ASSERT_TRUE(parsed.ParseFromString(encoded));
  }
}

TEST(ExampleCodecTest, EncodesColumnsAsProtobufWould) {
  data::RecordBatch batch;
  batch.AddColumn("ints", DataType::kInt64);
  batch.AddColumn("floats", DataType::kFloat);
  batch.AddColumn("strings", DataType::kBytes);
  batch.AddColumn("unknown", DataType::kNull);
  auto& ints = batch.mutable_column(0);
  auto& floats = batch.mutable_column(1);
  auto& strings = batch.mutable_column(2);
  auto& unknown = batch.mutable_column(3);
  ints.AddInt64(-5);
  ints.AddInt64(300);
  ints.FinishRow(Presence::kPresent);
  floats.FinishRow(Presence::kPresent);  // Empty list.
  strings.AppendMissing();               // Absent.
  unknown.AppendMissing(Presence::kNoKind);

  ExampleEncoder encoder(batch);
  std::string encoded;
  encoder.Encode(0, &encoded);

  tensorflow::Example expected;
  auto& features = *expected.mutable_features()->mutable_feature();
  features["ints"].mutable_int64_list()->add_value(-5);
  features["ints"].mutable_int64_list()->add_value(300);
  features["floats"].mutable_float_list();
  features["unknown"];
  EXPECT_EQ(encoded, DeterministicBytes(expected));

  std::string feature_bytes;
  ExampleEncoder::EncodeFeature(ints, 0, &feature_bytes);
  EXPECT_EQ(feature_bytes, features["ints"].SerializeAsString());
}

TEST(ExampleCodecTest, BuilderFillsAbsentRowsAndRetypesNullColumns) {
  tensorflow::Example first;
  (*first.mutable_features()->mutable_feature())["x"];  // No kind.
  tensorflow::Example second;
  (*second.mutable_features()->mutable_feature())["x"].mutable_float_list()->add_value(2.5f);
  (*second.mutable_features()->mutable_feature())["y"].mutable_bytes_list()->add_value("hi");
  ExampleBatchBuilder builder;
  ASSERT_TRUE(builder.Add(first.SerializeAsString()).ok());
  ASSERT_TRUE(builder.Add(second.SerializeAsString()).ok());
  data::RecordBatch batch = builder.Finish();
  ASSERT_EQ(batch.num_rows(), 2u);
  const data::Column* x = batch.FindColumn("x");
  const data::Column* y = batch.FindColumn("y");
  ASSERT_TRUE(x && y);
  EXPECT_EQ(x->type(), DataType::kFloat);
  EXPECT_EQ(x->presence(0), Presence::kNoKind);
  EXPECT_EQ(x->float_values()[x->value_begin(1)], 2.5f);
  EXPECT_EQ(y->presence(0), Presence::kAbsent);
  EXPECT_EQ(y->bytes_value(y->value_begin(1)), "hi");
}

TEST(ExampleCodecTest, AcceptsUnpackedNumbers) {
  // Field 1 of FloatList as individual fixed32 values (wire type 5) and Int64List as varints.
  std::string float_list = std::string("\x0d", 1) + std::string("\x00\x00\x80\x3f", 4);  // 1.0f
  std::string int_list = std::string("\x08\x07", 2);                                     // 7
  auto entry = [](const std::string& key, char tag, const std::string& list) {
    std::string feature = std::string(1, tag) + static_cast<char>(list.size()) + list;
    std::string body = "\x0a" + std::string(1, static_cast<char>(key.size())) + key + "\x12" +
                       std::string(1, static_cast<char>(feature.size())) + feature;
    return "\x0a" + std::string(1, static_cast<char>(body.size())) + body;
  };
  std::string features = entry("f", '\x12', float_list) + entry("i", '\x1a', int_list);
  std::string example = "\x0a" + std::string(1, static_cast<char>(features.size())) + features;
  auto batch = DecodeExample(example);
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_EQ(batch->FindColumn("f")->float_values()[0], 1.0f);
  EXPECT_EQ(batch->FindColumn("i")->int64_values()[0], 7);
}

TEST(ExampleCodecTest, RejectsConflictingTypesWithoutChangingTheBatch) {
  tensorflow::Example a;
  (*a.mutable_features()->mutable_feature())["x"].mutable_int64_list()->add_value(1);
  tensorflow::Example b;
  (*b.mutable_features()->mutable_feature())["x"].mutable_bytes_list()->add_value("1");
  (*b.mutable_features()->mutable_feature())["new"].mutable_bytes_list()->add_value("1");
  ExampleBatchBuilder builder;
  ASSERT_TRUE(builder.Add(a.SerializeAsString()).ok());
  absl::Status status = builder.Add(b.SerializeAsString());
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("'x'"), std::string::npos) << status;
  data::RecordBatch batch = builder.Finish();
  EXPECT_EQ(batch.num_rows(), 1u);
  EXPECT_EQ(batch.num_columns(), 1u);
}

TEST(ExampleCodecTest, RejectsMalformedBytes) {
  for (std::string bad : {std::string("\x0a\x05\x0a\x03", 4), std::string("\x0a\xff", 2),
                          std::string("\x0a\x04\x0a\x02\x12\x05", 6)}) {
    EXPECT_FALSE(DecodeExample(bad).ok());
  }
}

}  // namespace
}  // namespace weir::io
