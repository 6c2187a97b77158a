#include "weir/pipeline/pipeline_spec.h"

#include <cstdlib>
#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "weir/base/files.h"
#include "weir/base/proto_files.h"
#include "weir/base/test_dirs.h"
#include "weir/pipeline/pipeline_builder.h"
#include "weir/proto/model.pb.h"
#include "weir/proto/transform.pb.h"

namespace weir::pipeline {
namespace {
namespace fs = std::filesystem;

class PipelineSpecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RegisterBuiltins(registry_);
    dir_ = base::FreshDirForThisTest("pipeline_spec_test");
    setenv("WEIR_HOME", (dir_ / "home").c_str(), 1);
  }
  // Writes `yaml` as a pipeline file and loads it.
  absl::StatusOr<PipelineSpec> Load(const std::string& yaml) {
    EXPECT_TRUE(base::WriteFileAtomically(dir_ / "pipeline.yaml", yaml).ok());
    return LoadPipelineFile(dir_ / "pipeline.yaml", registry_);
  }
  // The error message of loading `yaml`, which must fail.
  std::string ErrorOf(const std::string& yaml) {
    auto spec = Load(yaml);
    EXPECT_FALSE(spec.ok()) << yaml;
    return spec.ok() ? "" : std::string(spec.status().message());
  }
  ComponentRegistry registry_;
  fs::path dir_;
};

TEST_F(PipelineSpecTest, TaxiSolutionCompilesInDependencyOrder) {
  auto spec = LoadPipelineFile(fs::path(WEIR_SOURCE_DIR) / "examples/taxi/pipeline_solution.yaml",
                               registry_);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->name(), "taxi");
  EXPECT_TRUE(spec->enable_cache());
  EXPECT_EQ(spec->schedule().cron(), "@daily");
  EXPECT_EQ(spec->pipeline_root(), (dir_ / "home" / "artifacts" / "taxi").string());
  EXPECT_EQ(spec->metadata().sqlite().path(), (dir_ / "home" / "metadata.db").string());
  ASSERT_EQ(spec->nodes_size(), 9);
  // A relative path parameter resolves against the pipeline file's folder.
  EXPECT_EQ(spec->nodes(0).params().at("input_base").string_value(),
            (fs::path(WEIR_SOURCE_DIR) / "examples/taxi/data").lexically_normal().string());
  EXPECT_FALSE(spec->nodes(2).params().at("infer_feature_shape").bool_value());
  auto order = ExecutionOrder(*spec);
  ASSERT_TRUE(order.ok());
  std::vector<std::string> ids;
  for (const NodeSpec* node : *order) ids.push_back(node->id());
  EXPECT_EQ(ids, (std::vector<std::string>{"CsvExampleGen", "StatisticsGen", "SchemaGen",
                                           "ExampleValidator", "Transform", "Trainer",
                                           "LatestBlessedModelResolver", "Evaluator", "Pusher"}));
  // The Transform's spec is a structured parameter, read from YAML into its message.
  transform::TransformSpec transform;
  ASSERT_TRUE(spec->nodes(4).params().at("spec").message_value().UnpackTo(&transform));
  EXPECT_EQ(transform.features(0).name(), "trip_miles_xf");
  EXPECT_TRUE(transform.features(0).ops(1).has_scale_to_z_score());
  EXPECT_EQ(transform.features().rbegin()->expression(), "tips > 0.2 * fare");
}

// The C++ builder and a pipeline file give the same IR for the same pipeline.
TEST_F(PipelineSpecTest, BuilderGivesTheSameSpecAsTheFile) {
  auto from_file = Load(R"(pipeline: built
pipeline_root: root
metadata: {sqlite: store/metadata.db}
enable_cache: true
schedule: {cron: "@hourly", catchup: true}
nodes:
  gen: {component: CsvExampleGen, params: {input_base: data}}
  stats: {component: StatisticsGen, inputs: {examples: gen.examples}}
  schema:
    component: SchemaGen
    params: {infer_feature_shape: false}
    inputs: {statistics: stats.statistics}
  validate:
    component: ExampleValidator
    inputs: {statistics: stats.statistics, schema: schema.schema}
  transform:
    component: Transform
    inputs: {examples: gen.examples, schema: schema.schema}
    params:
      spec:
        features:
        - {name: fare_xf, input: fare, ops: [fill_missing, scale_to_z_score]}
  train:
    component: Trainer
    inputs: {examples: transform.transformed_examples, transform_graph: transform.transform_graph}
    params:
      model: {family: gbdt, label: fare_xf, seed: 7}
)");
  ASSERT_TRUE(from_file.ok()) << from_file.status();

  // Relative paths resolve against the current folder in code, the file's folder in a file.
  const fs::path previous = fs::current_path();
  fs::current_path(dir_);
  PipelineBuilder builder("built");
  Schedule schedule;
  schedule.set_cron("@hourly");
  schedule.set_catchup(true);
  builder.PipelineRoot("root")
      .SqliteMetadata("store/metadata.db")
      .EnableCache(true)
      .Schedule(schedule);
  auto& gen = builder.Add("gen", "CsvExampleGen").Param("input_base", "data");
  auto& stats = builder.Add("stats", "StatisticsGen").Input("examples", gen, "examples");
  auto& schema = builder.Add("schema", "SchemaGen")
                     .Param("infer_feature_shape", false)
                     .Input("statistics", stats, "statistics");
  builder.Add("validate", "ExampleValidator")
      .Input("statistics", stats, "statistics")
      .Input("schema", schema, "schema");
  transform::TransformSpec transform_spec;
  transform::FeatureSpec* fare = transform_spec.add_features();
  fare->set_name("fare_xf");
  fare->set_input("fare");
  fare->add_ops()->mutable_fill_missing();
  fare->add_ops()->mutable_scale_to_z_score();
  auto& transform = builder.Add("transform", "Transform")
                        .Param("spec", transform_spec)
                        .Input("examples", gen, "examples")
                        .Input("schema", schema, "schema");
  model::TrainerConfig model;
  model.set_family("gbdt");
  model.set_label("fare_xf");
  model.set_seed(7);
  builder.Add("train", "Trainer")
      .Param("model", model)
      .Input("examples", transform, "transformed_examples")
      .Input("transform_graph", transform, "transform_graph");
  auto built = builder.Build(registry_);
  fs::current_path(previous);
  ASSERT_TRUE(built.ok()) << built.status();

  // What only a file has: where it came from.
  PipelineSpec expected = *from_file;
  expected.clear_source_file();
  for (NodeSpec& node : *expected.mutable_nodes()) node.clear_line();
  EXPECT_EQ(base::ToTextProto(*built), base::ToTextProto(expected));
  EXPECT_EQ(built->metadata().sqlite().path(), (dir_ / "store/metadata.db").string());
}

TEST_F(PipelineSpecTest, BuilderErrorsAsForAFile) {
  PipelineBuilder builder("bad");
  auto& gen = builder.Add("gen", "CsvExampleGen").Param("input_base", int64_t{3});
  EXPECT_THAT(std::string(builder.Build(registry_).status().message()),
              ::testing::HasSubstr("parameter 'input_base' of node 'gen' must be a"));
  gen.Param("input_base", "/data");
  builder.Add("train", "Trainer").Param("model", Schedule()).Input("examples", gen, "examples");
  EXPECT_THAT(std::string(builder.Build(registry_).status().message()),
              ::testing::HasSubstr("parameter 'model' of node 'train' must be a"));
  PipelineBuilder missing("missing");
  missing.Add("stats", "StatisticsGen");
  EXPECT_THAT(std::string(missing.Build(registry_).status().message()),
              ::testing::HasSubstr("needs input 'examples'"));
  PipelineBuilder unknown("unknown");
  unknown.Add("x", "NoSuchComponent");
  EXPECT_THAT(std::string(unknown.Build(registry_).status().message()),
              ::testing::HasSubstr("NoSuchComponent"));
}

TEST_F(PipelineSpecTest, PostgresMetadataBecomesAUriWithThePasswordFromTheEnvironment) {
  auto spec = Load(R"(pipeline: shared
metadata:
  postgres: {host: db.example, port: 5433, database: mlmd, user: "we ir", password_env: WEIR_TEST_PW}
nodes:
  gen: {component: CsvExampleGen, params: {input_base: data}}
)");
  ASSERT_TRUE(spec.ok()) << spec.status();
  unsetenv("WEIR_TEST_PW");
  auto unset = MetadataLocation(*spec);
  EXPECT_TRUE(absl::IsInvalidArgument(unset.status()));
  EXPECT_THAT(std::string(unset.status().message()), ::testing::HasSubstr("WEIR_TEST_PW"));
  setenv("WEIR_TEST_PW", "p@ss w/rd", 1);
  auto location = MetadataLocation(*spec);
  ASSERT_TRUE(location.ok()) << location.status();
  EXPECT_EQ(*location, "postgresql://we%20ir@db.example:5433/mlmd?password=p%40ss%20w%2Frd");
  unsetenv("WEIR_TEST_PW");
}

TEST_F(PipelineSpecTest, TutorialSkeletonHasOnlyExampleGen) {
  auto spec =
      LoadPipelineFile(fs::path(WEIR_SOURCE_DIR) / "examples/taxi/pipeline.yaml", registry_);
  ASSERT_TRUE(spec.ok()) << spec.status();
  ASSERT_EQ(spec->nodes_size(), 1);
  EXPECT_EQ(spec->nodes(0).component(), "CsvExampleGen");
}

TEST_F(PipelineSpecTest, VariablesExpand) {
  auto spec = Load(
      "pipeline: p\npipeline_root: ${WEIR_HOME}/roots/p\nmetadata:\n  sqlite: "
      "${PIPELINE_DIR}/m.db\n"
      "nodes:\n  Gen:\n    component: CsvExampleGen\n    params:\n      input_base: "
      "${PIPELINE_DIR}/data\n"
      "      splits: [train:3, eval:1]\n");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->pipeline_root(), (dir_ / "home" / "roots" / "p").string());
  EXPECT_EQ(spec->metadata().sqlite().path(), (dir_ / "m.db").string());
  EXPECT_EQ(spec->nodes(0).params().at("splits").list_value().values(1).string_value(), "eval:1");
}

TEST_F(PipelineSpecTest, ErrorsNameTheLineAndTheFix) {
  const std::string gen =
      "  Gen:\n    component: CsvExampleGen\n    params:\n      input_base: data\n";
  EXPECT_NE(ErrorOf("pipeline: p\nnodes:\n  A:\n    component: CsvExampleGenn\n")
                .find("pipeline.yaml:4: unknown component 'CsvExampleGenn' (known: CsvExampleGen, "
                      "Evaluator, ExampleValidator"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf("pipeline: p\nnodes:\n" + gen + "      bogus: 1\n")
          .find("pipeline.yaml:7: unknown parameter 'bogus' for CsvExampleGen (known: input_base"),
      std::string::npos);
  EXPECT_NE(ErrorOf("pipeline: p\nnodes:\n" + gen + "      skip_bad_rows: maybe\n")
                .find("pipeline.yaml:7: parameter 'skip_bad_rows' of node 'Gen' must be a true or "
                      "false, not 'maybe'"),
            std::string::npos);
  EXPECT_NE(ErrorOf("pipeline: p\nnodes:\n  Gen:\n    component: CsvExampleGen\n")
                .find("pipeline.yaml:3: node 'Gen' (CsvExampleGen) needs parameter 'input_base'"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf("pipeline: p\nnodes:\n" + gen + "  Stats:\n    component: StatisticsGen\n")
          .find("pipeline.yaml:7: node 'Stats' (StatisticsGen) needs input 'examples' (Examples)"),
      std::string::npos);
  EXPECT_NE(
      ErrorOf("pipeline: p\nnodes:\n" + gen +
              "  Stats:\n    component: StatisticsGen\n    inputs:\n      examples: Gen.example\n")
          .find("node 'Gen' has no output 'example' (outputs: examples)"),
      std::string::npos);
  EXPECT_NE(
      ErrorOf("pipeline: p\nnodes:\n" + gen +
              "  Schema:\n    component: SchemaGen\n    inputs:\n      statistics: Gen.examples\n")
          .find("input 'statistics' takes ExampleStatistics but Gen.examples is Examples"),
      std::string::npos);
  EXPECT_NE(ErrorOf("pipeline: p\nnodes:\n" + gen +
                    "  Window:\n    component: SpanRangeResolver\n    inputs:\n      examples: "
                    "Gen.examples\n  Schema:\n    component: SchemaGen\n    inputs:\n      "
                    "statistics: Stats.statistics\n  Stats:\n    component: StatisticsGen\n    "
                    "inputs:\n      examples: Window.examples\n  Eval:\n    component: Evaluator\n"
                    "    inputs:\n      examples: Window.examples\n")
                .find("node 'Eval': input 'examples' takes one Examples artifact but "
                      "Window.examples may give several"),
            std::string::npos);
  EXPECT_NE(ErrorOf("pipeline: p\nnodez:\n" + gen).find("pipeline.yaml:2: unknown key 'nodez'"),
            std::string::npos);
  EXPECT_NE(ErrorOf("pipeline: p\nnodes: [\n").find("pipeline.yaml:3:"), std::string::npos);
  EXPECT_NE(ErrorOf("nodes:\n" + gen).find("needs a name"), std::string::npos);
  EXPECT_NE(ErrorOf("pipeline: p\npipeline_root: ${HOME}/x\nnodes:\n" + gen)
                .find("unknown variable ${HOME}"),
            std::string::npos);
}

// A pipeline's name becomes folders under WEIR_HOME, and its schedule is what the scheduler
// follows: either one wrong is an error at its line, never a path outside WEIR_HOME or a pipeline
// quietly left to manual runs.
TEST_F(PipelineSpecTest, NamesThatLeaveWeirHomeAndBadSchedulesAreCompileErrors) {
  const std::string gen =
      "nodes:\n  Gen:\n    component: CsvExampleGen\n    params:\n      input_base: data\n";
  for (const std::string name :
       {"/tmp/x", "../../etc", "..", ".hidden", "a/b", "sp ace", "\"\"", "caf\xc3\xa9"}) {
    EXPECT_THAT(ErrorOf("pipeline: " + name + "\n" + gen),
                ::testing::HasSubstr("pipeline.yaml:1: pipeline name"))
        << name;
  }
  EXPECT_THAT(ErrorOf("pipeline: caf\xe9\n" + gen),
              ::testing::HasSubstr("pipeline.yaml:1: the text is not UTF-8"));
  EXPECT_TRUE(Load("pipeline: taxi-v2.1_daily\n" + gen).ok());

  for (const std::string cron : {"99 * * * *", "* * *", "@sometimes", "*/0 * * * *"}) {
    EXPECT_THAT(
        ErrorOf("pipeline: p\nschedule:\n  catchup: false\n  cron: \"" + cron + "\"\n" + gen),
        ::testing::HasSubstr("pipeline.yaml:4: cron \"" + cron + "\""))
        << cron;
  }
  EXPECT_TRUE(Load("pipeline: p\nschedule:\n  cron: \"*/5 * * * *\"\n" + gen).ok());
  EXPECT_TRUE(Load("pipeline: p\nschedule:\n  cron: \"@daily\"\n" + gen).ok());

  // A text-proto pipeline has no lines: the file is named.
  ASSERT_TRUE(
      base::WriteFileAtomically(dir_ / "p.pbtxt",
                                "name: 'p' schedule { cron: '61 * * * *' }\n"
                                "nodes { id: 'Gen' component: 'CsvExampleGen' "
                                "params { key: 'input_base' value { string_value: 'd' } } }\n")
          .ok());
  auto pbtxt = LoadPipelineFile(dir_ / "p.pbtxt", registry_);
  ASSERT_FALSE(pbtxt.ok());
  EXPECT_THAT(std::string(pbtxt.status().message()), ::testing::HasSubstr("p.pbtxt: cron"));
  // Text that is not UTF-8, as is or escaped, names its field.
  for (const std::string value : {"d\xe9", "d\\351"}) {
    ASSERT_TRUE(base::WriteFileAtomically(dir_ / "u.pbtxt",
                                          "name: 'p' nodes { id: 'Gen' component: 'CsvExampleGen' "
                                          "params { key: 'input_base' value { string_value: '" +
                                              value + "' } } }\n")
                    .ok());
    auto latin1 = LoadPipelineFile(dir_ / "u.pbtxt", registry_);
    ASSERT_FALSE(latin1.ok()) << value;
    EXPECT_THAT(
        std::string(latin1.status().message()),
        ::testing::HasSubstr("u.pbtxt: nodes[0].params[0].value.string_value is not UTF-8"));
  }
}

// A pipeline file up to a Transform node whose spec's feature list ends with `features` (YAML list
// items, one per line), followed by `rest` (more nodes).
std::string PipelineWithTransform(const std::string& features, const std::string& rest = "") {
  return "pipeline: p\nnodes:\n"
         "  Gen:\n    component: CsvExampleGen\n    params:\n      input_base: data\n"
         "  Stats:\n    component: StatisticsGen\n    inputs: {examples: Gen.examples}\n"
         "  Schema:\n    component: SchemaGen\n    inputs: {statistics: Stats.statistics}\n"
         "  Transform:\n    component: Transform\n"
         "    inputs: {examples: Gen.examples, schema: Schema.schema}\n"
         "    params:\n      spec:\n        features:\n" +
         features + rest;
}

// What the trainer would only find out after the upstream nodes ran is an error at compile time,
// at the Trainer node's line.
TEST_F(PipelineSpecTest, TrainerMistakesKnowableBeforeTheRunAreCompileErrors) {
  auto pipeline = [](const std::string& model, const std::string& label_ops) {
    return PipelineWithTransform(
        "        - {name: \"{}_xf\", each: [a, b], ops: [scale_to_z_score]}\n"
        "        - {name: y, input: y" +
            label_ops + "}\n",
        "  Trainer:\n    component: Trainer\n"
        "    inputs: {examples: Transform.transformed_examples, "
        "transform_graph: Transform.transform_graph}\n"
        "    params:\n      model: " +
            model + "\n");
  };
  EXPECT_TRUE(Load(pipeline("{label: y}", "")).ok());
  EXPECT_TRUE(Load(pipeline("{label: y, task: multiclass_classification}",
                            ", ops: [compute_and_apply_vocabulary]"))
                  .ok());
  EXPECT_THAT(ErrorOf(pipeline("{label: y, task: multiclass_classification}", "")),
              ::testing::HasSubstr("pipeline.yaml:21: node 'Trainer': a multiclass model needs "
                                   "num_classes: set it, or make the label 'y' categorical"));
  EXPECT_THAT(ErrorOf(pipeline("{label: y, task: regression}", ", ops: [log1p]")),
              ::testing::HasSubstr("the regression label 'y' goes through log1p"));
  EXPECT_THAT(ErrorOf(pipeline("{label: z}", "")),
              ::testing::HasSubstr("the label 'z' is not a transformed feature (they are: a_xf, "
                                   "b_xf, y)"));
  EXPECT_THAT(ErrorOf(pipeline("{label: y, features: [a_xf, c_xf]}", "")),
              ::testing::HasSubstr("the model feature 'c_xf' is not a transformed feature"));
  EXPECT_THAT(ErrorOf(pipeline("{label: y, family: forest}", "")),
              ::testing::HasSubstr("unknown model family 'forest'"));
  EXPECT_THAT(ErrorOf(pipeline("{label: y, validation_fraction: 1.5}", "")),
              ::testing::HasSubstr("validation_fraction is 1.5; it must be in [0, 1)"));
  EXPECT_THAT(ErrorOf(pipeline("{family: gbdt}", "")),
              ::testing::HasSubstr("the trainer needs a label"));
}

// yaml-cpp keeps both entries of a repeated key; a reader would take one of them silently.
TEST_F(PipelineSpecTest, ARepeatedKeyIsAnErrorNamingBothLines) {
  const std::string gen =
      "nodes:\n  Gen:\n    component: CsvExampleGen\n    params:\n      input_base: data\n";
  EXPECT_THAT(
      ErrorOf("pipeline: p\npipeline: q\n" + gen),
      ::testing::HasSubstr("pipeline.yaml:2: key 'pipeline' is set twice (first at line 1)"));
  EXPECT_THAT(ErrorOf("pipeline: p\n" + gen + "      input_base: other\n"),
              ::testing::HasSubstr("pipeline.yaml:7: key 'input_base' is set twice (first at line "
                                   "6)"));
  EXPECT_THAT(ErrorOf("{\"pipeline\": \"p\", \"enable_cache\": true,\n \"enable_cache\": false, "
                      "\"nodes\": {}}"),
              ::testing::HasSubstr("pipeline.yaml:2: key 'enable_cache' is set twice"));
}

// A Transform spec written inline is checked when the pipeline compiles, not when the node runs.
TEST_F(PipelineSpecTest, TransformSpecMistakesAreCompileErrors) {
  auto pipeline = [](const std::string& feature) {
    return PipelineWithTransform("        - " + feature + "\n");
  };
  EXPECT_TRUE(Load(pipeline("{name: y, input: y}")).ok());
  EXPECT_THAT(ErrorOf(pipeline("{name: y}")),
              ::testing::HasSubstr("pipeline.yaml:13: node 'Transform': transform feature 'y' "
                                   "needs exactly one of input, inputs (for cross) or expression"));
  EXPECT_THAT(ErrorOf(pipeline("{name: y, input: y, expression: \"a + b\"}")),
              ::testing::HasSubstr("transform feature 'y' needs exactly one of"));
  EXPECT_THAT(ErrorOf(pipeline("{name: y, expression: \"a + \"}")),
              ::testing::HasSubstr("transform feature 'y': "));
  EXPECT_THAT(ErrorOf(pipeline("{name: \"{}_xf\", each: [a], input: a}")),
              ::testing::HasSubstr("each and each_matching replace input"));
  EXPECT_THAT(ErrorOf(pipeline("{name: y, input: y}\n        - {name: y, input: z}")),
              ::testing::HasSubstr("transform feature 'y' is defined twice"));
  // Text that is not UTF-8, anywhere in the file, is refused at its line.
  EXPECT_THAT(ErrorOf(pipeline("{name: \"caf\xe9\", input: y}")),
              ::testing::HasSubstr("pipeline.yaml:19: the text is not UTF-8"));
}

TEST_F(PipelineSpecTest, NodesListedOutOfOrderRunAfterTheirInputs) {
  auto spec = Load(
      "pipeline: p\nnodes:\n"
      "  S:\n    component: SchemaGen\n    inputs:\n      statistics: T.statistics\n"
      "  T:\n    component: StatisticsGen\n    inputs:\n      examples: U.examples\n"
      "  U:\n    component: CsvExampleGen\n    params: {input_base: d}\n");
  ASSERT_TRUE(spec.ok()) << spec.status();
  auto order = ExecutionOrder(*spec);
  ASSERT_TRUE(order.ok());
  ASSERT_EQ(order->size(), 3u);
  EXPECT_EQ((*order)[0]->id(), "U");
  EXPECT_EQ((*order)[1]->id(), "T");
  EXPECT_EQ((*order)[2]->id(), "S");
}

TEST_F(PipelineSpecTest, CyclesAreRejected) {
  PipelineSpec spec;
  spec.set_name("p");
  spec.set_source_file("p.yaml");
  NodeSpec* a = spec.add_nodes();
  a->set_id("A");
  a->set_component("StatisticsGen");
  (*a->mutable_inputs())["examples"] = "B.examples";
  NodeSpec* b = spec.add_nodes();
  b->set_id("B");
  b->set_component("StatisticsGen");
  (*b->mutable_inputs())["examples"] = "A.statistics";
  auto order = ExecutionOrder(spec);
  ASSERT_FALSE(order.ok());
  EXPECT_NE(order.status().message().find("A, B depend on each other in a cycle"),
            std::string::npos);
}

}  // namespace
}  // namespace weir::pipeline
