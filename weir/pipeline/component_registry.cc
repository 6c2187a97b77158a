#include "weir/pipeline/component_registry.h"

#include <algorithm>

namespace weir::pipeline {
namespace {

template <typename T>
const T* FindByName(const std::vector<T>& items, const std::string& name) {
  auto it =
      std::find_if(items.begin(), items.end(), [&](const T& item) { return item.name == name; });
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
    case ParamType::kMessage:
      return "map of settings";
  }
  return "?";
}

const ChannelSpec* ComponentSpec::FindInput(const std::string& name) const {
  return FindByName(inputs, name);
}
const ChannelSpec* ComponentSpec::FindOutput(const std::string& name) const {
  return FindByName(outputs, name);
}
const ParamSpec* ComponentSpec::FindParam(const std::string& name) const {
  return FindByName(params, name);
}

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

}  // namespace weir::pipeline
