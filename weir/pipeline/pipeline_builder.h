// Builds a pipeline in C++: the same PipelineSpec (IR) a pipeline file compiles to, checked by the
// same rules, for programs that generate pipelines or embed weir. For example:
//
//   PipelineBuilder taxi("taxi");
//   auto& gen = taxi.Add("CsvExampleGen", "CsvExampleGen").Param("input_base", "/data/taxi");
//   auto& stats = taxi.Add("StatisticsGen", "StatisticsGen").Input("examples", gen, "examples");
//   taxi.Add("SchemaGen", "SchemaGen").Input("statistics", stats, "statistics");
//   absl::StatusOr<PipelineSpec> spec = taxi.Build(registry);
//
// Relative path parameters resolve against the current folder; ${WEIR_HOME} is not expanded
// (a program has the real value at hand).
#ifndef WEIR_PIPELINE_PIPELINE_BUILDER_H_
#define WEIR_PIPELINE_PIPELINE_BUILDER_H_

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "weir/pipeline/component_registry.h"
#include "weir/proto/pipeline.pb.h"

namespace weir::pipeline {

class PipelineBuilder {
 public:
  // One node: its parameters and where its inputs come from.
  class Node {
   public:
    Node& Param(std::string_view name, std::string_view value);
    Node& Param(std::string_view name, const char* value) {
      return Param(name, std::string_view(value));
    }
    Node& Param(std::string_view name, int64_t value);
    Node& Param(std::string_view name, int value) { return Param(name, int64_t{value}); }
    Node& Param(std::string_view name, double value);
    Node& Param(std::string_view name, bool value);
    Node& Param(std::string_view name, const std::vector<std::string>& values);
    // A structured parameter (a TransformSpec, TrainerConfig, EvalConfig, …).
    Node& Param(std::string_view name, const google::protobuf::Message& value);

    // The input `name` reads `upstream`'s output `output`.
    Node& Input(std::string_view name, const Node& upstream, std::string_view output);

    const std::string& id() const { return spec_->id(); }

   private:
    friend class PipelineBuilder;
    explicit Node(NodeSpec* spec) : spec_(spec) {}
    NodeSpec* spec_;
  };

  explicit PipelineBuilder(std::string_view name);

  // Defaults as for a pipeline file: ${WEIR_HOME}/artifacts/<name> and ${WEIR_HOME}/metadata.db.
  PipelineBuilder& PipelineRoot(std::string_view folder);
  PipelineBuilder& SqliteMetadata(std::string_view file);
  PipelineBuilder& PostgresMetadata(const PostgresConnection& connection);
  PipelineBuilder& EnableCache(bool enable);
  PipelineBuilder& Schedule(const weir::pipeline::Schedule& schedule);

  // Adds a node running `component` (a registered component type). The reference stays valid
  // for the builder's life.
  Node& Add(std::string_view id, std::string_view component);

  // The pipeline, checked as LoadPipelineFile checks a file: unknown components and parameters,
  // parameters of the wrong kind, missing inputs, outputs whose type does not fit, cycles.
  absl::StatusOr<PipelineSpec> Build(const ComponentRegistry& registry) const;

 private:
  PipelineSpec spec_;
  std::deque<Node> nodes_;  // A deque: adding a node leaves references to the others valid.
};

}  // namespace weir::pipeline

#endif  // WEIR_PIPELINE_PIPELINE_BUILDER_H_
