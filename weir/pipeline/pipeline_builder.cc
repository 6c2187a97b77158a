#include "weir/pipeline/pipeline_builder.h"

#include <filesystem>

#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/pipeline/pipeline_spec.h"

namespace weir::pipeline {

PipelineBuilder::Node& PipelineBuilder::Node::Param(std::string_view name, std::string_view value) {
  (*spec_->mutable_params())[std::string(name)].set_string_value(std::string(value));
  return *this;
}

PipelineBuilder::Node& PipelineBuilder::Node::Param(std::string_view name, int64_t value) {
  (*spec_->mutable_params())[std::string(name)].set_int_value(value);
  return *this;
}

PipelineBuilder::Node& PipelineBuilder::Node::Param(std::string_view name, double value) {
  (*spec_->mutable_params())[std::string(name)].set_double_value(value);
  return *this;
}

PipelineBuilder::Node& PipelineBuilder::Node::Param(std::string_view name, bool value) {
  (*spec_->mutable_params())[std::string(name)].set_bool_value(value);
  return *this;
}

PipelineBuilder::Node& PipelineBuilder::Node::Param(std::string_view name,
                                                    const std::vector<std::string>& values) {
  ValueList* list = (*spec_->mutable_params())[std::string(name)].mutable_list_value();
  list->Clear();
  for (const std::string& value : values) list->add_values()->set_string_value(value);
  return *this;
}

PipelineBuilder::Node& PipelineBuilder::Node::Param(std::string_view name,
                                                    const google::protobuf::Message& value) {
  (*spec_->mutable_params())[std::string(name)].mutable_message_value()->PackFrom(value);
  return *this;
}

PipelineBuilder::Node& PipelineBuilder::Node::Input(std::string_view name, const Node& upstream,
                                                    std::string_view output) {
  (*spec_->mutable_inputs())[std::string(name)] = StrCat(upstream.id(), ".", output);
  return *this;
}

PipelineBuilder::PipelineBuilder(std::string_view name) { spec_.set_name(std::string(name)); }

PipelineBuilder& PipelineBuilder::PipelineRoot(std::string_view folder) {
  spec_.set_pipeline_root(std::string(folder));
  return *this;
}

PipelineBuilder& PipelineBuilder::SqliteMetadata(std::string_view file) {
  spec_.mutable_metadata()->mutable_sqlite()->set_path(std::string(file));
  return *this;
}

PipelineBuilder& PipelineBuilder::PostgresMetadata(const PostgresConnection& connection) {
  *spec_.mutable_metadata()->mutable_postgres() = connection;
  return *this;
}

PipelineBuilder& PipelineBuilder::EnableCache(bool enable) {
  spec_.set_enable_cache(enable);
  return *this;
}

PipelineBuilder& PipelineBuilder::Schedule(const weir::pipeline::Schedule& schedule) {
  *spec_.mutable_schedule() = schedule;
  return *this;
}

PipelineBuilder::Node& PipelineBuilder::Add(std::string_view id, std::string_view component) {
  NodeSpec* node = spec_.add_nodes();
  node->set_id(std::string(id));
  node->set_component(std::string(component));
  return nodes_.emplace_back(Node(node));
}

absl::StatusOr<PipelineSpec> PipelineBuilder::Build(const ComponentRegistry& registry) const {
  namespace fs = std::filesystem;
  PipelineSpec spec = spec_;
  std::error_code error;
  const fs::path here = fs::current_path(error);
  auto absolute = [&](const std::string& path) {
    return path.empty() || fs::path(path).is_absolute() ? path
                                                        : (here / path).lexically_normal().string();
  };
  spec.set_pipeline_root(absolute(spec.pipeline_root()));
  if (spec.metadata().has_sqlite()) {
    spec.mutable_metadata()->mutable_sqlite()->set_path(absolute(spec.metadata().sqlite().path()));
  }
  for (NodeSpec& node : *spec.mutable_nodes()) {
    const ComponentSpec* component = registry.Find(node.component());
    if (component == nullptr) continue;  // ValidatePipeline names it.
    for (auto& [name, value] : *node.mutable_params()) {
      const ParamSpec* param = component->FindParam(name);
      if (param != nullptr && param->type == ParamType::kPath && value.has_string_value()) {
        value.set_string_value(absolute(value.string_value()));
      }
    }
  }
  ApplyDefaults(spec);
  RETURN_IF_ERROR(ValidatePipeline(spec, registry));
  return spec;
}

}  // namespace weir::pipeline
