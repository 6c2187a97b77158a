#include "weir/pipeline/yaml_proto.h"

#include <cmath>
#include <limits>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "weir/pipeline/testdata/yaml_proto_test.pb.h"

namespace weir::pipeline {
namespace {

namespace test_proto = ::weir::pipeline::testing;
using test_proto::Sample;
using ::testing::ElementsAre;
using ::testing::StartsWith;

// Parses `yaml` (as the file "test.yaml") into a Sample.
absl::Status Parse(const std::string& yaml, Sample* sample) {
  return YamlToMessage(YAML::Load(yaml), "test.yaml", sample);
}

// The error message of parsing `yaml`, which must fail with InvalidArgument.
std::string ErrorOf(const std::string& yaml) {
  Sample sample;
  absl::Status status = Parse(yaml, &sample);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << yaml;
  return std::string(status.message());
}

TEST(YamlToMessageTest, ConvertsEveryScalarKind) {
  Sample sample;
  ASSERT_TRUE(Parse(R"(
name: 1.50
count: -2147483648
total: 9000000000
port: 4294967295
ratio: 0.25
weight: -1.5e3
enabled: yes
color: dark_green
big: 0xFFFFFFFFFFFFFFFF
blob: raw
)",
                    &sample)
                  .ok());
  EXPECT_EQ(sample.name(), "1.50");  // As written, not as a number would print.
  EXPECT_EQ(sample.count(), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(sample.total(), 9000000000);
  EXPECT_EQ(sample.port(), 4294967295u);
  EXPECT_EQ(sample.ratio(), 0.25);
  EXPECT_EQ(sample.weight(), -1500.0f);
  EXPECT_TRUE(sample.enabled());
  EXPECT_EQ(sample.color(), test_proto::DARK_GREEN);
  EXPECT_EQ(sample.big(), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(sample.blob(), "raw");
}

TEST(YamlToMessageTest, ReadsYamlNumberAndBoolSpellings) {
  Sample sample;
  ASSERT_TRUE(Parse("{count: +0o17, total: -0x10, ratio: -.inf, weight: .NaN, enabled: False, "
                    "color: RED}",
                    &sample)
                  .ok());
  EXPECT_EQ(sample.count(), 15);
  EXPECT_EQ(sample.total(), -16);
  EXPECT_EQ(sample.ratio(), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(sample.weight()));
  EXPECT_FALSE(sample.enabled());
  EXPECT_EQ(sample.color(), test_proto::RED);
}

TEST(YamlToMessageTest, ConvertsListsMessagesOneofsAndMaps) {
  Sample sample;
  absl::Status status = Parse(R"(
tags: [a, b]
ids:
  - 1
  - 0x2
steps:
  - scale
  - clip: {min: 0, max: 1}
  - {scale: {}}
inner:
  label: x
  size: 3
clip: {max: 2}
labels: {k1: v1, k2: ''}
by_id:
  7: {label: seven}
  8: {size: 8}
  9:
child: {child: {name: grandchild}}
)",
                              &sample);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_THAT(sample.tags(), ElementsAre("a", "b"));
  EXPECT_THAT(sample.ids(), ElementsAre(1, 2));
  ASSERT_EQ(sample.steps_size(), 3);
  EXPECT_TRUE(sample.steps(0).has_scale());  // The shorthand sets a message field to defaults.
  EXPECT_EQ(sample.steps(1).clip().max(), 1.0);
  EXPECT_TRUE(sample.steps(2).has_scale());
  EXPECT_EQ(sample.inner().label(), "x");
  EXPECT_EQ(sample.inner().size(), 3);
  EXPECT_EQ(sample.choice_case(), Sample::kClip);
  EXPECT_EQ(sample.clip().max(), 2.0);
  EXPECT_EQ(sample.labels().at("k1"), "v1");
  EXPECT_EQ(sample.labels().at("k2"), "");
  EXPECT_EQ(sample.by_id().at(7).label(), "seven");
  EXPECT_EQ(sample.by_id().at(8).size(), 8);
  EXPECT_EQ(sample.by_id().size(), 3u);  // An empty value is a default message.
  EXPECT_EQ(sample.child().child().name(), "grandchild");
}

TEST(YamlToMessageTest, ShorthandAtTopLevelAndInSingularField) {
  Sample sample;
  ASSERT_TRUE(Parse("scale", &sample).ok());
  EXPECT_TRUE(sample.has_scale());
  ASSERT_TRUE(Parse("child: inner", &sample).ok());
  EXPECT_TRUE(sample.child().has_inner());
}

TEST(YamlToMessageTest, EmptyValuesSetMessagesAndLeaveListsAndMapsAlone) {
  Sample sample;
  sample.set_name("kept");
  ASSERT_TRUE(Parse("inner:\nchild: ~\ntags:\nlabels:\n", &sample).ok());
  EXPECT_EQ(sample.name(), "kept");
  EXPECT_TRUE(sample.has_inner());
  EXPECT_TRUE(sample.has_child());
  EXPECT_TRUE(sample.tags().empty());
  ASSERT_TRUE(Parse("", &sample).ok());
  ASSERT_TRUE(YamlToMessage(YAML::Node(), "test.yaml", &sample).ok());
  const YAML::Node map = YAML::Load("a: 1");
  ASSERT_TRUE(YamlToMessage(map["missing"], "test.yaml", &sample).ok());
  EXPECT_EQ(sample.name(), "kept");
}

TEST(YamlToMessageTest, MergesIntoExistingMessage) {
  Sample sample;
  sample.add_tags("old");
  sample.set_count(1);
  ASSERT_TRUE(Parse("tags: [new]\ncount: 2", &sample).ok());
  EXPECT_THAT(sample.tags(), ElementsAre("old", "new"));
  EXPECT_EQ(sample.count(), 2);
}

TEST(YamlToMessageTest, UnknownFieldNamesMessageAndKnownFields) {
  EXPECT_EQ(ErrorOf("name: a\ncolour: red\n"),
            "test.yaml:2: unknown field 'colour' in weir.pipeline.testing.Sample; known fields: "
            "name, count, total, port, ratio, weight, enabled, color, tags, steps, inner, scale, "
            "clip, labels, big, ids, by_id, blob, child");
  EXPECT_EQ(ErrorOf("inner:\n  label: x\n  sise: 3\n"),
            "test.yaml:3: unknown field 'sise' in weir.pipeline.testing.Inner; known fields: "
            "label, size");
}

TEST(YamlToMessageTest, IntegerErrors) {
  EXPECT_EQ(ErrorOf("name: a\ncount: ten\n"),
            "test.yaml:2: field 'count' of weir.pipeline.testing.Sample must be an integer, not "
            "'ten'");
  EXPECT_EQ(ErrorOf("count: 1.5"),
            "test.yaml:1: field 'count' of weir.pipeline.testing.Sample must be an integer, not "
            "'1.5'");
  EXPECT_EQ(ErrorOf("count: 2147483648"),
            "test.yaml:1: field 'count' of weir.pipeline.testing.Sample must be an integer from "
            "-2147483648 to 2147483647, not '2147483648'");
  EXPECT_EQ(ErrorOf("port: -1"),
            "test.yaml:1: field 'port' of weir.pipeline.testing.Sample must be an integer from 0 "
            "to 4294967295, not '-1'");
  EXPECT_EQ(ErrorOf("total: 99999999999999999999"),
            "test.yaml:1: field 'total' of weir.pipeline.testing.Sample must be an integer from "
            "-9223372036854775808 to 9223372036854775807, not '99999999999999999999'");
  EXPECT_EQ(ErrorOf("big: --1"),
            "test.yaml:1: field 'big' of weir.pipeline.testing.Sample must be an integer, not "
            "'--1'");
  EXPECT_EQ(ErrorOf("count: [1]"),
            "test.yaml:1: field 'count' of weir.pipeline.testing.Sample must be an integer, not a "
            "list");
}

TEST(YamlToMessageTest, NumberBoolEnumAndStringErrors) {
  EXPECT_EQ(ErrorOf("ratio: half"),
            "test.yaml:1: field 'ratio' of weir.pipeline.testing.Sample must be a number, not "
            "'half'");
  EXPECT_EQ(ErrorOf("weight: 1e39"),
            "test.yaml:1: field 'weight' of weir.pipeline.testing.Sample must be a number from "
            "-3.4028235e+38 to 3.4028235e+38, not '1e39'");
  EXPECT_EQ(ErrorOf("enabled: maybe"),
            "test.yaml:1: field 'enabled' of weir.pipeline.testing.Sample must be true or false, "
            "not 'maybe'");
  EXPECT_EQ(ErrorOf("color: purple"),
            "test.yaml:1: field 'color' of weir.pipeline.testing.Sample must be one of "
            "COLOR_UNSPECIFIED, RED, DARK_GREEN, not 'purple'");
  EXPECT_EQ(ErrorOf("name: {first: a}"),
            "test.yaml:1: field 'name' of weir.pipeline.testing.Sample must be a string, not a "
            "map");
}

TEST(YamlToMessageTest, EmptyScalarIsAnErrorAtItsKey) {
  EXPECT_EQ(ErrorOf("name: a\ncount:\nport: 1\n"),
            "test.yaml:2: field 'count' of weir.pipeline.testing.Sample must be an integer, not "
            "empty");
  EXPECT_EQ(ErrorOf("name: ~"),
            "test.yaml:1: field 'name' of weir.pipeline.testing.Sample must be a string, not "
            "empty");
}

TEST(YamlToMessageTest, RepeatedFieldErrors) {
  EXPECT_EQ(ErrorOf("name: a\ntags: solo\n"),
            "test.yaml:2: field 'tags' of weir.pipeline.testing.Sample is a list: write [solo] or "
            "one '- ' item a line, not 'solo'");
  EXPECT_EQ(ErrorOf("steps: {scale: {}}"),
            "test.yaml:1: field 'steps' of weir.pipeline.testing.Sample is a list: write [...] or "
            "one '- ' item a line, not a map");
  EXPECT_EQ(ErrorOf("ids:\n  - 1\n  - x\n"),
            "test.yaml:3: item 2 of field 'ids' of weir.pipeline.testing.Sample must be an "
            "integer, not 'x'");
  EXPECT_EQ(ErrorOf("tags: [[a]]"),
            "test.yaml:1: item 1 of field 'tags' of weir.pipeline.testing.Sample must be a string, "
            "not a list");
  EXPECT_EQ(ErrorOf("name: a\nsteps:\n  - scale\n  -\n  - clip\n"),
            "test.yaml:2: item 2 of field 'steps' of weir.pipeline.testing.Sample is empty");
}

TEST(YamlToMessageTest, MessageErrors) {
  EXPECT_EQ(ErrorOf("inner: [a]"),
            "test.yaml:1: field 'inner' of weir.pipeline.testing.Sample must be a map of "
            "weir.pipeline.testing.Inner fields, not a list");
  EXPECT_EQ(ErrorOf("- a"),
            "test.yaml:1: the document must be a map of weir.pipeline.testing.Sample fields, not a "
            "list");
  EXPECT_EQ(ErrorOf("{[a]: 1}"),
            "test.yaml:1: field names of weir.pipeline.testing.Sample are plain words, not a list");
  // A nested error points at the nested line.
  EXPECT_EQ(ErrorOf("child:\n  child:\n    inner:\n      size: big\n"),
            "test.yaml:4: field 'size' of weir.pipeline.testing.Inner must be an integer, not "
            "'big'");
}

TEST(YamlToMessageTest, ShorthandErrorsListTheMessageFields) {
  EXPECT_EQ(ErrorOf("steps:\n  - scale\n  - shift\n"),
            "test.yaml:3: item 2 of field 'steps' of weir.pipeline.testing.Sample must be a map of "
            "weir.pipeline.testing.Step fields or the name of one of its message fields to set to "
            "its defaults (scale, clip), not 'shift'");
  // A scalar field is no shorthand.
  EXPECT_EQ(ErrorOf("inner: label"),
            "test.yaml:1: field 'inner' of weir.pipeline.testing.Sample must be a map of "
            "weir.pipeline.testing.Inner fields, not 'label'");
}

TEST(YamlToMessageTest, OneofAndRepeatedKeyErrors) {
  EXPECT_EQ(ErrorOf("scale: {}\nname: a\nclip: {max: 1}\n"),
            "test.yaml:3: fields 'scale' (line 1) and 'clip' of weir.pipeline.testing.Sample are "
            "both in oneof 'choice'; set only one");
  EXPECT_EQ(ErrorOf("steps:\n  - scale: {}\n    clip: {}\n"),
            "test.yaml:3: fields 'scale' (line 2) and 'clip' of weir.pipeline.testing.Step are "
            "both in oneof 'kind'; set only one");
  EXPECT_EQ(ErrorOf("name: a\ncount: 1\nname: b\n"),
            "test.yaml:3: field 'name' of weir.pipeline.testing.Sample is set twice (first at "
            "line 1)");
}

TEST(YamlToMessageTest, MapFieldErrors) {
  EXPECT_EQ(ErrorOf("labels: [a]"),
            "test.yaml:1: field 'labels' of weir.pipeline.testing.Sample must be a map, e.g. "
            "{key: value}, not a list");
  EXPECT_EQ(ErrorOf("by_id:\n  seven: {}\n"),
            "test.yaml:2: a key of field 'by_id' of weir.pipeline.testing.Sample must be an "
            "integer, not 'seven'");
  EXPECT_EQ(ErrorOf("by_id:\n  1: {}\n  0x1: {}\n"),
            "test.yaml:3: key '0x1' of field 'by_id' of weir.pipeline.testing.Sample is set twice "
            "(first at line 2)");
  EXPECT_EQ(ErrorOf("labels:\n  k: [v]\n"),
            "test.yaml:2: the value of 'k' in field 'labels' of weir.pipeline.testing.Sample must "
            "be a string, not a list");
  EXPECT_EQ(ErrorOf("labels:\n  k:\n"),
            "test.yaml:2: the value of 'k' in field 'labels' of weir.pipeline.testing.Sample must "
            "be a string, not empty");
  EXPECT_EQ(ErrorOf("by_id:\n  1: {size: x}\n"),
            "test.yaml:2: field 'size' of weir.pipeline.testing.Inner must be an integer, not 'x'");
}

TEST(YamlToMessageTest, RecursiveAliasStopsWithAnError) {
  EXPECT_THAT(ErrorOf("&a {child: *a}"),
              StartsWith("test.yaml:1: field 'child' of weir.pipeline.testing.Sample is nested "
                         "more than 100 levels deep"));
}

TEST(YamlToMessageTest, NodeBuiltInCodeHasNoLine) {
  YAML::Node node;
  node["count"] = "x";
  Sample sample;
  absl::Status status = YamlToMessage(node, "built", &sample);
  EXPECT_EQ(status.message(),
            "built: field 'count' of weir.pipeline.testing.Sample must be an integer, not 'x'");
}

}  // namespace
}  // namespace weir::pipeline
