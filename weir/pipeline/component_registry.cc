#include "weir/pipeline/component_registry.h"

#include <algorithm>

namespace weir::pipeline {
namespace {

template <typename T>
const T* FindByName(const std::vector<T>& items, const std::string& name) {
  auto it = std::find_if(items.begin(), items.end(), [&](const T& item) { return item.name == name; });
  return it == items.end() ? nullptr : &*it;
}

}  // namespace

std::string ParamTypeName(ParamType type) {
  switch (type) {
    case ParamType::kString:
      return "string";
    case ParamType::kPath:
      return "path";
    case ParamType::kInt:
      return "integer";
    case ParamType::kDouble:
      return "number";
    case ParamType::kBool:
      return "true or false";
    case ParamType::kStringList:
      return "list of strings";
  }
  return "?";
}

const ChannelSpec* ComponentSpec::FindInput(const std::string& name) const { return FindByName(inputs, name); }
const ChannelSpec* ComponentSpec::FindOutput(const std::string& name) const { return FindByName(outputs, name); }
const ParamSpec* ComponentSpec::FindParam(const std::string& name) const { return FindByName(params, name); }

void ComponentRegistry::Register(ComponentSpec spec) {
  std::string type = spec.type;
  specs_[type] = std::move(spec);
}

const ComponentSpec* ComponentRegistry::Find(const std::string& type) const {
  auto it = specs_.find(type);
  return it == specs_.end() ? nullptr : &it->second;
}

std::vector<std::string> ComponentRegistry::Types() const {
  std::vector<std::string> types;
  for (const auto& [type, spec] : specs_) types.push_back(type);
  return types;
}

void RegisterBuiltins(ComponentRegistry& registry) {
  registry.Register({
      .type = "CsvExampleGen",
      .version = "1",
      .description = "CSV files to Examples (gzip TFRecords of tf.Example), split by hash as TFX splits",
      .inputs = {},
      .outputs = {{"examples", "Examples"}},
      .params = {
          {"input_base", ParamType::kPath, true, "Folder of CSV files"},
          {"splits", ParamType::kStringList, false, "Output splits NAME:HASH_BUCKETS (default train:2, eval:1)"},
          {"input_splits", ParamType::kStringList, false, "Pre-split input NAME:GLOB"},
          {"partition_feature", ParamType::kString, false, "Hash this feature instead of the example"},
          {"skip_bad_rows", ParamType::kBool, false, "Skip malformed rows and count them"},
      },
  });
  registry.Register({
      .type = "StatisticsGen",
      .version = "1",
      .description = "Per-feature statistics of every split (TFDV's FeatureStats.pb)",
      .inputs = {{"examples", "Examples"}},
      .outputs = {{"statistics", "ExampleStatistics"}},
      .params = {},
  });
  registry.Register({
      .type = "SchemaGen",
      .version = "1",
      .description = "schema.pbtxt inferred from statistics by TFDV's rules",
      .inputs = {{"statistics", "ExampleStatistics"}},
      .outputs = {{"schema", "Schema"}},
      .params = {
          {"infer_feature_shape", ParamType::kBool, false, "Fixed shapes for always-present features"},
          {"split", ParamType::kString, false, "Split to infer from (default train)"},
      },
  });
  registry.Register({
      .type = "ImportSchemaGen",
      .version = "1",
      .description = "A curated schema.pbtxt, imported byte for byte",
      .inputs = {},
      .outputs = {{"schema", "Schema"}},
      .params = {{"schema_file", ParamType::kPath, true, "The schema.pbtxt to import"}},
  });
  registry.Register({
      .type = "ExampleValidator",
      .version = "1",
      .description = "Anomalies of each split's statistics against the schema, with drift and skew",
      .inputs = {{"statistics", "ExampleStatistics"}, {"schema", "Schema"}},
      .outputs = {{"anomalies", "ExampleAnomalies"}},
      .params = {{"environment", ParamType::kString, false, "Schema environment to validate in"}},
  });
}

}  // namespace weir::pipeline
