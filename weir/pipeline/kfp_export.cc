#include "weir/pipeline/kfp_export.h"

#include <cctype>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "weir/base/status.h"
#include "weir/base/strings.h"

namespace weir::pipeline {
namespace {

using Json = nlohmann::ordered_json;

// The input parameter every component takes: the run id, which each task gets from the pipeline
// job (KFP fills runtime values such as {{$.pipeline_job_uuid}} when it starts the task).
constexpr char kRunIdParameter[] = "run_id";
constexpr char kRunIdPlaceholder[] = "{{$.pipeline_job_uuid}}";
// A sharded node's loop: the item ("I/N") its DAG gets, and the shard task's parameter for it.
constexpr char kLoopItemParameter[] = "pipelinechannel--loop-item-param";
constexpr char kShardParameter[] = "shard";

// A KFP name: lower-case letters, digits and '-', starting with a letter or digit.
std::string KfpName(std::string_view text) {
  std::string name;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    name += std::isalnum(byte) ? static_cast<char>(std::tolower(byte)) : '-';
  }
  while (!name.empty() && name.front() == '-') name.erase(0, 1);
  return name.empty() ? "weir" : name.substr(0, 128);
}

std::string Duration(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.9gs", seconds);
  return text;
}

// A key as YAML takes it: plain when it is a simple word, else quoted as a JSON string.
std::string YamlKey(const std::string& key) {
  for (const char c : key) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-')
      return Json(key).dump();
  }
  return key.empty() ? "\"\"" : key;
}

// JSON values in YAML's block style. Scalars are written as JSON (a JSON string is a YAML
// double-quoted scalar), so the text reads back exactly with any YAML parser.
void AppendYaml(const Json& value, int indent, std::string& out) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) {
      out += StrCat(pad, YamlKey(key), ":");
      if (child.is_structured() && !child.empty()) {
        out += "\n";
        AppendYaml(child, child.is_array() ? indent : indent + 2, out);
      } else {
        out += StrCat(" ", child.dump(), "\n");
      }
    }
    return;
  }
  for (const Json& item : value) {  // An array: "- " then the item, its later lines indented.
    if (item.is_structured() && !item.empty()) {
      std::string nested;
      AppendYaml(item, indent + 2, nested);
      out += StrCat(pad, "- ", nested.substr(static_cast<size_t>(indent) + 2));
    } else {
      out += StrCat(pad, "- ", item.dump(), "\n");
    }
  }
}

}  // namespace

absl::StatusOr<std::string> ExportKfpPipeline(const PipelineSpec& spec,
                                              const KfpExportOptions& options) {
  Json components = Json::object(), executors = Json::object(), tasks = Json::object();
  Json environment = Json::array();
  for (const auto& [name, value] : options.environment)
    environment.push_back({{"name", name}, {"value", value}});
  std::set<std::string> names;
  auto claim = [&](const std::string& name, const NodeSpec& node) -> absl::Status {
    if (names.insert(name).second) return absl::OkStatus();
    return absl::InvalidArgumentError(
        StrCat("node '", node.id(), "' and another have the same KFP name '", name,
               "' for a task (KFP names are lower case letters, digits and '-'): rename one"));
  };
  const Json string_parameter = {{"parameterType", "STRING"}};
  // A container component running `weir run-node` for `node`, with `extra` arguments: registers
  // comp-<name> and exec-<name>, with the run id and `inputs` as its input parameters.
  auto add_component = [&](const NodeSpec& node, const std::string& name,
                           const std::vector<std::string>& extra,
                           const std::vector<std::string>& inputs) {
    Json parameters = {{kRunIdParameter, string_parameter}};
    for (const std::string& input : inputs) parameters[input] = {{"parameterType", "STRING"}};
    components[StrCat("comp-", name)] = {{"executorLabel", StrCat("exec-", name)},
                                         {"inputDefinitions", {{"parameters", parameters}}}};
    Json command = Json::array();
    if (node.timeout_seconds() > 0) {
      // A pipeline spec has no task timeout: coreutils' stops the node (exit 124, a failure that
      // KFP retries).
      command = {"timeout", Duration(node.timeout_seconds()), "weir"};
    } else {
      command = {"weir"};
    }
    Json args = {"run-node",
                 "--pipeline",
                 options.pipeline_file,
                 "--run",
                 StrCat("{{$.inputs.parameters['", kRunIdParameter, "']}}"),
                 "--node",
                 node.id()};
    for (const std::string& word : extra) args.push_back(word);
    Json container = {{"image", options.image}, {"command", command}, {"args", args}};
    if (!environment.empty()) container["env"] = environment;
    executors[StrCat("exec-", name)] = {{"container", container}};
  };
  // A task of `component` after the tasks `upstream`, with its input parameters, the node's
  // retry policy and its name.
  auto make_task = [&](const NodeSpec& node, const std::string& component,
                       const std::set<std::string>& upstream, const Json& parameters,
                       const std::string& name) {
    // weir caches nodes itself; KFP's cache would skip a task of a new run.
    Json task = {{"cachingOptions", {{"enableCache", false}}},
                 {"componentRef", {{"name", StrCat("comp-", component)}}}};
    if (!upstream.empty()) task["dependentTasks"] = upstream;
    task["inputs"] = {{"parameters", parameters}};
    if (node.retries() > 0) {
      // weir's scheduler doubles the wait before each later retry, as KFP's backoff does.
      task["retryPolicy"] = {
          {"backoffDuration",
           Duration(node.retry_delay_seconds() > 0 ? node.retry_delay_seconds() : 10)},
          {"backoffFactor", 2.0},
          {"backoffMaxDuration", "3600s"},
          {"maxRetryCount", node.retries()}};
    }
    task["taskInfo"] = {{"name", name}};
    return task;
  };
  const Json run_id_from_job = {
      {kRunIdParameter, {{"runtimeValue", {{"constant", kRunIdPlaceholder}}}}}};
  for (const NodeSpec& node : spec.nodes()) {
    const std::string task = KfpName(node.id());
    RETURN_IF_ERROR(claim(task, node));
    std::set<std::string> upstream;
    for (const auto& [name, reference] : node.inputs())
      upstream.insert(KfpName(reference.substr(0, reference.find('.'))));
    std::vector<std::string> extra;
    if (node.shards() > 1) {
      // The shards: a ParallelFor over "0/N" ... "N-1/N" (a DAG component whose one task runs a
      // shard, as the KFP compiler writes a loop), which the merge task then waits for.
      const std::string loop = StrCat(task, "-shards"), shard = StrCat(task, "-shard");
      RETURN_IF_ERROR(claim(loop, node));
      RETURN_IF_ERROR(claim(shard, node));
      add_component(node, shard,
                    {"--shard", StrCat("{{$.inputs.parameters['", kShardParameter, "']}}")},
                    {kShardParameter});
      const Json shard_task =
          make_task(node, shard, {},
                    {{kRunIdParameter, {{"componentInputParameter", kRunIdParameter}}},
                     {kShardParameter, {{"componentInputParameter", kLoopItemParameter}}}},
                    StrCat(node.id(), ".shard"));
      components[StrCat("comp-", loop)] = {
          {"dag", {{"tasks", {{shard, shard_task}}}}},
          {"inputDefinitions",
           {{"parameters",
             {{kRunIdParameter, string_parameter}, {kLoopItemParameter, string_parameter}}}}}};
      Json items = Json::array();
      for (uint32_t index = 0; index < node.shards(); ++index)
        items.push_back(StrCat(index, "/", node.shards()));
      Json loop_task = {{"componentRef", {{"name", StrCat("comp-", loop)}}}};
      if (!upstream.empty()) loop_task["dependentTasks"] = upstream;
      loop_task["inputs"] = {{"parameters", run_id_from_job}};
      loop_task["parameterIterator"] = {{"itemInput", kLoopItemParameter},
                                        {"items", {{"raw", items.dump()}}}};
      loop_task["taskInfo"] = {{"name", StrCat(node.id(), ".shards")}};
      tasks[loop] = loop_task;
      upstream = {loop};
      extra = {"--merge_shards", StrCat(node.shards())};
    }
    add_component(node, task, extra, {});
    tasks[task] = make_task(node, task, upstream, run_id_from_job, node.id());
  }
  Json pipeline = {
      {"components", components},
      {"deploymentSpec", {{"executors", executors}}},
      {"pipelineInfo",
       {{"name", KfpName(spec.name())},
        {"displayName", spec.name()},
        {"description", StrCat("The weir pipeline ", spec.name(), ", one task per node")}}},
      {"root", {{"dag", {{"tasks", tasks}}}}},
      {"schemaVersion", "2.1.0"},
      {"sdkVersion", StrCat("weir-", WEIR_VERSION)}};
  std::string yaml =
      StrCat("# PIPELINE DEFINITION\n# Name: ", KfpName(spec.name()), "\n# The weir pipeline ",
             Json(spec.name()).dump(),
             " for Kubeflow Pipelines 2 and Vertex AI Pipelines: one container task per\n"
             "# node running `weir run-node` for the pipeline job (a sharded node: a loop of shard "
             "tasks,\n# then its merge task). Generated by `weir export kfp`; export again when "
             "the pipeline\n# file changes (docs/scale-out.md).\n");
  AppendYaml(pipeline, 0, yaml);
  return yaml;
}

}  // namespace weir::pipeline
