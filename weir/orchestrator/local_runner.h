// Runs a pipeline in this process, node by node in dependency order. Each output artifact goes to
// <pipeline_root>/<node>/<output>/<run id>/ and appears atomically. A failed node stops every
// node downstream of it; nodes that do not depend on it still run.
//
// This runner records nothing in a metadata store yet, so it neither caches nor resumes: every
// run executes every node into a new run folder.
#ifndef WEIR_ORCHESTRATOR_LOCAL_RUNNER_H_
#define WEIR_ORCHESTRATOR_LOCAL_RUNNER_H_

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "weir/pipeline/component_registry.h"
#include "weir/proto/pipeline.pb.h"

namespace weir::orchestrator {

enum class NodeState { kSucceeded, kFailed, kSkipped };

struct NodeOutcome {
  std::string node_id;
  NodeState state = NodeState::kSkipped;
  double seconds = 0;
  std::string error;  // Why it failed, or which upstream node failed.
  std::map<std::string, std::filesystem::path> outputs;
  std::map<std::string, components::ArtifactProperties> output_properties;
};

struct RunResult {
  std::string run_id;
  std::vector<NodeOutcome> nodes;  // In execution order.
  bool ok() const;
};

// Called as each node starts (outcome == nullptr) and ends.
using ProgressCallback = std::function<void(const pipeline::NodeSpec& node, size_t index,
                                            size_t total, const NodeOutcome* outcome)>;

// Runs every node of `spec`. `run_id` names the run's folders (default: UTC time,
// e.g. 20261126T111500Z); it must not have been used by this pipeline before.
absl::StatusOr<RunResult> RunPipeline(const pipeline::PipelineSpec& spec,
                                      const pipeline::ComponentRegistry& registry,
                                      std::string run_id, const ProgressCallback& progress);

}  // namespace weir::orchestrator

#endif  // WEIR_ORCHESTRATOR_LOCAL_RUNNER_H_
