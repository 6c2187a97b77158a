// The component types a pipeline file may name: their inputs, outputs and parameters. Components
// are registered explicitly (RegisterBuiltins), so a plug-in is one more call.
#ifndef WEIR_PIPELINE_COMPONENT_REGISTRY_H_
#define WEIR_PIPELINE_COMPONENT_REGISTRY_H_

#include <map>
#include <string>
#include <vector>

namespace weir::pipeline {

enum class ParamType {
  kString,
  kPath,  // A string; a relative path is resolved against the pipeline file's folder.
  kInt,
  kDouble,
  kBool,
  kStringList,
};

std::string ParamTypeName(ParamType type);

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::kString;
  bool required = false;
  std::string description;
};

// An input or output: a name and the TFX artifact type it carries (Examples, Schema, ...).
struct ChannelSpec {
  std::string name;
  std::string artifact_type;
  bool optional = false;  // Inputs only.
};

struct ComponentSpec {
  std::string type;
  std::string version;  // Part of the cache key: bump it when the executor's output changes.
  std::string description;
  std::vector<ChannelSpec> inputs;
  std::vector<ChannelSpec> outputs;
  std::vector<ParamSpec> params;

  const ChannelSpec* FindInput(const std::string& name) const;
  const ChannelSpec* FindOutput(const std::string& name) const;
  const ParamSpec* FindParam(const std::string& name) const;
};

class ComponentRegistry {
 public:
  // Registering a type twice replaces it.
  void Register(ComponentSpec spec);
  // nullptr when no such type is registered.
  const ComponentSpec* Find(const std::string& type) const;
  std::vector<std::string> Types() const;

 private:
  std::map<std::string, ComponentSpec> specs_;
};

// The components weir ships: CsvExampleGen, StatisticsGen, SchemaGen, ImportSchemaGen,
// ExampleValidator.
void RegisterBuiltins(ComponentRegistry& registry);

}  // namespace weir::pipeline

#endif  // WEIR_PIPELINE_COMPONENT_REGISTRY_H_
