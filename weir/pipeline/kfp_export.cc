#include "weir/pipeline/kfp_export.h"

#include <cctype>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

#include "weir/base/strings.h"

namespace weir::pipeline {
namespace {

using Json = nlohmann::ordered_json;

// The input parameter every component takes: the run id, which each task gets from the pipeline
// job (KFP fills runtime values such as {{$.pipeline_job_uuid}} when it starts the task).
constexpr char kRunIdParameter[] = "run_id";
constexpr char kRunIdPlaceholder[] = "{{$.pipeline_job_uuid}}";

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
  std::set<std::string> task_names;
  for (const NodeSpec& node : spec.nodes()) {
    const std::string task = KfpName(node.id());
    if (!task_names.insert(task).second) {
      return absl::InvalidArgumentError(
          StrCat("nodes '", node.id(), "' and another have the same KFP name '", task,
                 "' (KFP names are lower case letters, digits and '-'): rename one"));
    }
    const std::string component = StrCat("comp-", task), executor = StrCat("exec-", task);
    components[component] = {
        {"executorLabel", executor},
        {"inputDefinitions", {{"parameters", {{kRunIdParameter, {{"parameterType", "STRING"}}}}}}}};
    Json command = Json::array();
    if (node.timeout_seconds() > 0) {
      // A pipeline spec has no task timeout: coreutils' stops the node (exit 124, a failure that
      // KFP retries).
      command = {"timeout", Duration(node.timeout_seconds()), "weir"};
    } else {
      command = {"weir"};
    }
    Json container = {
        {"image", options.image},
        {"command", command},
        {"args",
         {"run-node", "--pipeline", options.pipeline_file, "--run",
          StrCat("{{$.inputs.parameters['", kRunIdParameter, "']}}"), "--node", node.id()}}};
    if (!environment.empty()) container["env"] = environment;
    executors[executor] = {{"container", container}};

    std::set<std::string> upstream;
    for (const auto& [name, reference] : node.inputs())
      upstream.insert(KfpName(reference.substr(0, reference.find('.'))));
    // weir caches nodes itself; KFP's cache would skip a task of a new run.
    Json entry = {{"cachingOptions", {{"enableCache", false}}},
                  {"componentRef", {{"name", component}}}};
    if (!upstream.empty()) entry["dependentTasks"] = upstream;
    entry["inputs"] = {
        {"parameters", {{kRunIdParameter, {{"runtimeValue", {{"constant", kRunIdPlaceholder}}}}}}}};
    if (node.retries() > 0) {
      // weir's scheduler doubles the wait before each later retry, as KFP's backoff does.
      entry["retryPolicy"] = {
          {"backoffDuration",
           Duration(node.retry_delay_seconds() > 0 ? node.retry_delay_seconds() : 10)},
          {"backoffFactor", 2.0},
          {"backoffMaxDuration", "3600s"},
          {"maxRetryCount", node.retries()}};
    }
    entry["taskInfo"] = {{"name", node.id()}};
    tasks[task] = entry;
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
             "# node running `weir run-node` for the pipeline job. Generated by `weir export kfp`; "
             "export again\n# when the pipeline file changes (docs/scale-out.md).\n");
  AppendYaml(pipeline, 0, yaml);
  return yaml;
}

}  // namespace weir::pipeline
