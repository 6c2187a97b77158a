#include "weir/orchestrator/local_runner.h"

#include <chrono>
#include <ctime>

#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/pipeline/pipeline_spec.h"

namespace weir::orchestrator {
namespace fs = std::filesystem;

namespace {

std::string UtcRunId() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y%m%dT%H%M%SZ", &utc);
  return buffer;
}

}  // namespace

bool RunResult::ok() const {
  for (const NodeOutcome& node : nodes) {
    if (node.state != NodeState::kSucceeded) return false;
  }
  return true;
}

absl::StatusOr<RunResult> RunPipeline(const pipeline::PipelineSpec& spec,
                                      const pipeline::ComponentRegistry& registry,
                                      std::string run_id, const ProgressCallback& progress) {
  ASSIGN_OR_RETURN(std::vector<const pipeline::NodeSpec*> order, pipeline::ExecutionOrder(spec));
  RunResult result;
  result.run_id = run_id.empty() ? UtcRunId() : run_id;
  if (result.run_id.find('/') != std::string::npos) {
    return absl::InvalidArgumentError(StrCat("run id '", result.run_id, "' may not contain '/'"));
  }
  const fs::path root = spec.pipeline_root();
  std::map<std::string, const NodeOutcome*> outcomes;
  result.nodes.reserve(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    const pipeline::NodeSpec& node = *order[i];
    const pipeline::ComponentSpec* component = registry.Find(node.component());
    result.nodes.emplace_back();
    NodeOutcome& outcome = result.nodes.back();
    outcome.node_id = node.id();
    pipeline::ExecutionContext context;
    context.node_id = node.id();
    context.params.insert(node.params().begin(), node.params().end());
    context.output_properties = &outcome.output_properties;
    // Inputs come from this run's outputs of the upstream nodes.
    for (const auto& [name, reference] : node.inputs()) {
      std::string upstream = reference.substr(0, reference.find('.'));
      std::string output = reference.substr(reference.find('.') + 1);
      const NodeOutcome* upstream_outcome = outcomes.at(upstream);
      if (upstream_outcome->state != NodeState::kSucceeded) {
        outcome.error = StrCat("upstream node ", upstream, " did not succeed");
        break;
      }
      context.inputs[name] = upstream_outcome->outputs.at(output);
    }
    if (outcome.error.empty() && component == nullptr)
      outcome.error = "unknown component " + node.component();
    if (!outcome.error.empty()) {
      outcome.state = NodeState::kSkipped;
      outcomes[node.id()] = &outcome;
      if (progress) progress(node, i, order.size(), &outcome);
      continue;
    }
    for (const pipeline::ChannelSpec& output : component->outputs) {
      fs::path uri = root / node.id() / output.name / result.run_id;
      std::error_code ec;
      if (fs::exists(uri, ec)) {
        return absl::AlreadyExistsError(StrCat(uri.string(), " exists: run id ", result.run_id,
                                               " was used before; choose another"));
      }
      context.outputs[output.name] = uri;
    }
    if (progress) progress(node, i, order.size(), nullptr);
    auto start = std::chrono::steady_clock::now();
    absl::Status status = component->executor
                              ? component->executor(context)
                              : absl::UnimplementedError(node.component() + " has no executor");
    outcome.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (status.ok()) {
      outcome.state = NodeState::kSucceeded;
      outcome.outputs = context.outputs;
    } else {
      outcome.state = NodeState::kFailed;
      outcome.error = std::string(status.message());
    }
    outcomes[node.id()] = &outcome;
    if (progress) progress(node, i, order.size(), &outcome);
  }
  return result;
}

}  // namespace weir::orchestrator
