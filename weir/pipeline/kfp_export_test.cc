// The KFP pipeline spec `weir export kfp` writes, read back as KFP reads it: the YAML parsed,
// then read as JSON into the public pipeline spec messages (testdata/pipeline_spec.proto) with
// unknown fields refused.
#include "weir/pipeline/kfp_export.h"

#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <set>

#include "weir/pipeline/component_registry.h"
#include "weir/pipeline/pipeline_spec.h"
#include "weir/pipeline/testdata/pipeline_spec.pb.h"

namespace weir::pipeline {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAreArray;

// YAML as JSON: quoted scalars are strings; plain ones are booleans, numbers or strings.
nlohmann::json YamlToJson(const YAML::Node& node) {
  if (node.IsMap()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& entry : node) out[entry.first.as<std::string>()] = YamlToJson(entry.second);
    return out;
  }
  if (node.IsSequence()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : node) out.push_back(YamlToJson(item));
    return out;
  }
  const std::string text = node.as<std::string>();
  if (node.Tag() == "!") return text;  // Quoted.
  if (text == "true" || text == "false") return text == "true";
  nlohmann::json number = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  return number.is_number() ? number : nlohmann::json(text);
}

template <typename Message>
Message ParseJson(const std::string& json) {
  Message message;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &message, options);
  EXPECT_TRUE(status.ok()) << status.ToString() << "\n" << json;
  return message;
}

struct Parsed {
  ml_pipelines::PipelineSpec spec;
  ml_pipelines::PipelineDeploymentConfig deployment;
};

Parsed Parse(const std::string& yaml) {
  Parsed parsed;
  parsed.spec = ParseJson<ml_pipelines::PipelineSpec>(YamlToJson(YAML::Load(yaml)).dump());
  std::string deployment;
  EXPECT_TRUE(
      google::protobuf::util::MessageToJsonString(parsed.spec.deployment_spec(), &deployment).ok());
  parsed.deployment = ParseJson<ml_pipelines::PipelineDeploymentConfig>(deployment);
  return parsed;
}

TEST(KfpExportTest, TheTaxiPipelineIsOneContainerTaskPerNodeWithItsDependencies) {
  absl::StatusOr<PipelineSpec> spec =
      LoadPipelineFile(WEIR_SOURCE_DIR "/examples/taxi/pipeline_solution.yaml", BuiltinRegistry());
  ASSERT_TRUE(spec.ok()) << spec.status();
  absl::StatusOr<std::string> yaml =
      ExportKfpPipeline(*spec, {.pipeline_file = "/pipelines/taxi.yaml",
                                .image = "registry.example.com/weir:1",
                                .environment = {{"WEIR_HOME", "/mnt/weir"}}});
  ASSERT_TRUE(yaml.ok()) << yaml.status();
  const Parsed parsed = Parse(*yaml);
  EXPECT_EQ(parsed.spec.schema_version(), "2.1.0");
  EXPECT_EQ(parsed.spec.pipeline_info().name(), "taxi");
  const auto& tasks = parsed.spec.root().dag().tasks();
  ASSERT_EQ(tasks.size(), static_cast<size_t>(spec->nodes_size()));
  for (const NodeSpec& node : spec->nodes()) {
    std::string name = node.id();
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    SCOPED_TRACE(node.id());
    ASSERT_TRUE(tasks.contains(name));
    const ml_pipelines::PipelineTaskSpec& task = tasks.at(name);
    EXPECT_EQ(task.task_info().name(), node.id());
    EXPECT_FALSE(task.caching_options().enable_cache());
    // One dependency per upstream node, however many of its outputs the node reads.
    std::set<std::string> upstream;
    for (const auto& [input, reference] : node.inputs()) {
      std::string from = reference.substr(0, reference.find('.'));
      for (char& c : from) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      upstream.insert(from);
    }
    EXPECT_THAT(task.dependent_tasks(), UnorderedElementsAreArray(upstream));
    // The run id comes from the pipeline job into the component's input parameter.
    EXPECT_EQ(task.inputs().parameters().at("run_id").runtime_value().constant().string_value(),
              "{{$.pipeline_job_uuid}}");
    const ml_pipelines::ComponentSpec& component =
        parsed.spec.components().at(task.component_ref().name());
    EXPECT_EQ(component.input_definitions().parameters().at("run_id").parameter_type(),
              ml_pipelines::ParameterType::STRING);
    const auto& container =
        parsed.deployment.executors().at(component.executor_label()).container();
    EXPECT_EQ(container.image(), "registry.example.com/weir:1");
    EXPECT_THAT(container.command(), ElementsAre("weir"));
    EXPECT_THAT(container.args(),
                ElementsAre("run-node", "--pipeline", "/pipelines/taxi.yaml", "--run",
                            "{{$.inputs.parameters['run_id']}}", "--node", node.id()));
    ASSERT_EQ(container.env_size(), 1);
    EXPECT_EQ(container.env(0).name(), "WEIR_HOME");
    EXPECT_EQ(container.env(0).value(), "/mnt/weir");
  }
}

TEST(KfpExportTest, RetriesTimeoutsAndAwkwardTextReadBackExactly) {
  PipelineSpec spec;
  spec.set_name("My Pipeline");
  NodeSpec* gen = spec.add_nodes();
  gen->set_id("Gen");
  gen->set_retries(3);
  gen->set_retry_delay_seconds(30);
  gen->set_timeout_seconds(600);
  NodeSpec* stats = spec.add_nodes();
  stats->set_id("Stats");
  (*stats->mutable_inputs())["examples"] = "Gen.examples";
  const std::string file = "/data/it's \"here\": a\nb/p.yaml";
  absl::StatusOr<std::string> yaml =
      ExportKfpPipeline(spec, {.pipeline_file = file, .environment = {{"NOTE", "- [x]: {y}"}}});
  ASSERT_TRUE(yaml.ok()) << yaml.status();
  const Parsed parsed = Parse(*yaml);
  EXPECT_EQ(parsed.spec.pipeline_info().name(), "my-pipeline");
  EXPECT_EQ(parsed.spec.pipeline_info().display_name(), "My Pipeline");
  const auto& gen_task = parsed.spec.root().dag().tasks().at("gen");
  EXPECT_EQ(gen_task.retry_policy().max_retry_count(), 3);
  EXPECT_EQ(gen_task.retry_policy().backoff_duration().seconds(), 30);
  EXPECT_EQ(gen_task.retry_policy().backoff_factor(), 2.0);
  EXPECT_FALSE(parsed.spec.root().dag().tasks().at("stats").has_retry_policy());
  const auto& gen_container = parsed.deployment.executors().at("exec-gen").container();
  EXPECT_EQ(gen_container.image(), kDefaultImage);
  EXPECT_THAT(gen_container.command(), ElementsAre("timeout", "600s", "weir"));
  EXPECT_EQ(gen_container.args(2), file);
  EXPECT_EQ(gen_container.env(0).value(), "- [x]: {y}");
  EXPECT_THAT(parsed.spec.root().dag().tasks().at("stats").dependent_tasks(), ElementsAre("gen"));
}

TEST(KfpExportTest, AShardedNodeIsALoopOfShardTasksThenAMergeTask) {
  PipelineSpec spec;
  spec.set_name("p");
  spec.add_nodes()->set_id("Gen");
  NodeSpec* stats = spec.add_nodes();
  stats->set_id("Stats");
  stats->set_shards(3);
  stats->set_retries(2);
  (*stats->mutable_inputs())["examples"] = "Gen.examples";
  NodeSpec* schema = spec.add_nodes();
  schema->set_id("Schema");
  (*schema->mutable_inputs())["statistics"] = "Stats.statistics";
  absl::StatusOr<std::string> yaml = ExportKfpPipeline(spec, {.pipeline_file = "/p.yaml"});
  ASSERT_TRUE(yaml.ok()) << yaml.status();
  const Parsed parsed = Parse(*yaml);
  const auto& tasks = parsed.spec.root().dag().tasks();
  ASSERT_EQ(tasks.size(), 4u);

  // The loop: after Gen, one iteration per shard.
  const auto& loop = tasks.at("stats-shards");
  EXPECT_THAT(loop.dependent_tasks(), ElementsAre("gen"));
  EXPECT_EQ(nlohmann::json::parse(loop.parameter_iterator().items().raw()),
            nlohmann::json({"0/3", "1/3", "2/3"}));
  const std::string item = loop.parameter_iterator().item_input();
  EXPECT_EQ(loop.inputs().parameters().at("run_id").runtime_value().constant().string_value(),
            "{{$.pipeline_job_uuid}}");
  const auto& loop_component = parsed.spec.components().at(loop.component_ref().name());
  EXPECT_TRUE(loop_component.input_definitions().parameters().contains(item));
  ASSERT_EQ(loop_component.dag().tasks().size(), 1u);

  // Its one task runs a shard, the iteration's item as --shard, retried as the node is.
  const auto& shard = loop_component.dag().tasks().begin()->second;
  EXPECT_EQ(shard.inputs().parameters().at("shard").component_input_parameter(), item);
  EXPECT_EQ(shard.inputs().parameters().at("run_id").component_input_parameter(), "run_id");
  EXPECT_EQ(shard.retry_policy().max_retry_count(), 2);
  const auto& shard_component = parsed.spec.components().at(shard.component_ref().name());
  const auto& shard_container =
      parsed.deployment.executors().at(shard_component.executor_label()).container();
  EXPECT_THAT(
      shard_container.args(),
      ElementsAre("run-node", "--pipeline", "/p.yaml", "--run", "{{$.inputs.parameters['run_id']}}",
                  "--node", "Stats", "--shard", "{{$.inputs.parameters['shard']}}"));

  // The merge task waits for the loop; what needs the node's outputs waits for the merge.
  const auto& merge = tasks.at("stats");
  EXPECT_THAT(merge.dependent_tasks(), ElementsAre("stats-shards"));
  EXPECT_THAT(
      parsed.deployment.executors().at("exec-stats").container().args(),
      ElementsAre("run-node", "--pipeline", "/p.yaml", "--run", "{{$.inputs.parameters['run_id']}}",
                  "--node", "Stats", "--merge_shards", "3"));
  EXPECT_THAT(tasks.at("schema").dependent_tasks(), ElementsAre("stats"));
}

TEST(KfpExportTest, NodesWhoseKfpNamesCollideAreRefused) {
  PipelineSpec spec;
  spec.set_name("p");
  spec.add_nodes()->set_id("Gen_1");
  spec.add_nodes()->set_id("gen-1");
  absl::StatusOr<std::string> yaml = ExportKfpPipeline(spec, {.pipeline_file = "/p.yaml"});
  EXPECT_THAT(yaml.status().message(), ::testing::HasSubstr("the same KFP name 'gen-1'"));
}

}  // namespace
}  // namespace weir::pipeline
