#include "weir/scheduler/task_operations.h"

#include <set>

#include "absl/strings/str_join.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/metadata/run_records.h"
#include "weir/orchestrator/local_runner.h"
#include "weir/pipeline/pipeline_spec.h"

namespace weir::scheduler {
namespace fs = std::filesystem;
using metadata::Execution;

namespace {

absl::Status CheckNode(const pipeline::PipelineSpec& spec, const std::string& node) {
  if (FindNode(spec, node) != nullptr) return absl::OkStatus();
  std::vector<std::string> ids;
  for (const pipeline::NodeSpec& n : spec.nodes()) ids.push_back(n.id());
  return absl::NotFoundError(StrCat("pipeline ", spec.name(), " has no node '", node,
                                    "' (nodes: ", absl::StrJoin(ids, ", "), ")"));
}

// `node` and, with `downstream`, every node that reads from it, directly or not; in file order.
std::vector<std::string> WithDownstream(const pipeline::PipelineSpec& spec, const std::string& node,
                                        bool downstream) {
  std::set<std::string> chosen = {node};
  for (bool grew = downstream; grew;) {
    grew = false;
    for (const pipeline::NodeSpec& n : spec.nodes()) {
      if (chosen.contains(n.id())) continue;
      for (const std::string& up : Upstream(n)) {
        if (chosen.contains(up)) {
          chosen.insert(n.id());
          grew = true;
          break;
        }
      }
    }
  }
  std::vector<std::string> ordered;
  for (const pipeline::NodeSpec& n : spec.nodes()) {
    if (chosen.contains(n.id())) ordered.push_back(n.id());
  }
  return ordered;
}

}  // namespace

const pipeline::NodeSpec* FindNode(const pipeline::PipelineSpec& spec, const std::string& id) {
  for (const pipeline::NodeSpec& node : spec.nodes()) {
    if (node.id() == id) return &node;
  }
  return nullptr;
}

std::vector<std::string> Upstream(const pipeline::NodeSpec& node) {
  std::set<std::string> ids;
  for (const auto& [input, reference] : node.inputs()) {
    ids.insert(reference.substr(0, reference.find('.')));
  }
  return {ids.begin(), ids.end()};
}

bool IsFinished(const std::string& state) {
  return state == kSuccess || state == kCached || state == kFailed || state == kUpstreamFailed ||
         state == kSkipped;
}

absl::StatusOr<PipelineFile> FindPipeline(const std::string& name,
                                          const pipeline::ComponentRegistry& registry) {
  std::vector<std::string> known;
  for (PipelineFile& file : ScanPipelineFiles(PipelinesFolder(), registry)) {
    if (file.spec.has_value() && file.spec->name() == name) return file;
    if (file.spec.has_value()) known.push_back(file.spec->name());
  }
  return absl::NotFoundError(
      StrCat("no pipeline named '", name, "' in ", PipelinesFolder().string(),
             " (pipelines: ", known.empty() ? "none" : absl::StrJoin(known, ", "), ")"));
}

absl::Status SetPaused(const std::string& pipeline, bool paused,
                       const pipeline::ComponentRegistry& registry) {
  ASSIGN_OR_RETURN(PipelineFile file, FindPipeline(pipeline, registry));
  ASSIGN_OR_RETURN(auto store, orchestrator::OpenPipelineStore(*file.spec));
  return SetPaused(*store, pipeline, paused);
}

absl::StatusOr<std::string> Trigger(const std::string& pipeline, const nlohmann::ordered_json& conf,
                                    const pipeline::ComponentRegistry& registry) {
  if (!conf.is_object()) {
    return absl::InvalidArgumentError(
        StrCat("a run's conf must be a JSON object, e.g. {\"key\": 1}, not ", conf.dump()));
  }
  ASSIGN_OR_RETURN(PipelineFile file, FindPipeline(pipeline, registry));
  ASSIGN_OR_RETURN(auto store, orchestrator::OpenPipelineStore(*file.spec));
  return QueueRun(*store, *file.spec, {.trigger = "manual", .conf_json = conf.dump()});
}

absl::StatusOr<RunHandle> FindRun(const std::string& run_id, const std::string& pipeline_name,
                                  const pipeline::ComponentRegistry& registry) {
  std::vector<RunHandle> found;
  for (PipelineFile& file : ScanPipelineFiles(PipelinesFolder(), registry)) {
    if (!file.spec.has_value()) continue;
    if (!pipeline_name.empty() && file.spec->name() != pipeline_name) continue;
    ASSIGN_OR_RETURN(auto store, orchestrator::OpenPipelineStore(*file.spec));
    absl::StatusOr<ScheduledRun> run = GetRun(*store, file.spec->name(), run_id);
    if (absl::IsNotFound(run.status())) continue;
    RETURN_IF_ERROR(run.status());
    found.push_back({std::move(file), std::move(store), *std::move(run)});
  }
  if (found.empty()) {
    return absl::NotFoundError(StrCat("no run '", run_id, "'",
                                      pipeline_name.empty() ? "" : StrCat(" of ", pipeline_name),
                                      " (weir runs list shows the runs)"));
  }
  if (found.size() > 1) {
    return absl::InvalidArgumentError(
        StrCat("several pipelines have a run '", run_id, "'; name one with --pipeline NAME"));
  }
  return std::move(found.front());
}

absl::StatusOr<TaskView> NodeState(RunHandle& handle, const std::string& node) {
  RETURN_IF_ERROR(CheckNode(*handle.file.spec, node));
  ASSIGN_OR_RETURN(handle.run, GetRun(*handle.store, handle.run.pipeline, handle.run.run_id));
  ASSIGN_OR_RETURN(std::vector<Execution> executions,
                   handle.store->GetExecutionsByContext(handle.run.context_id));
  for (const TaskView& task :
       TaskStates(*handle.file.spec, executions, handle.run.properties, nullptr)) {
    if (task.node == node) return task;
  }
  return absl::NotFoundError(node);
}

absl::StatusOr<std::vector<std::string>> ClearTasks(RunHandle& handle, const std::string& node,
                                                    bool downstream) {
  RETURN_IF_ERROR(CheckNode(*handle.file.spec, node));
  std::vector<std::string> nodes = WithDownstream(*handle.file.spec, node, downstream);
  ASSIGN_OR_RETURN(std::vector<Execution> executions,
                   handle.store->GetExecutionsByContext(handle.run.context_id));
  RETURN_IF_ERROR(
      UpdateRun(*handle.store, handle.run.context_id, [&](metadata::Properties& properties) {
        for (const std::string& cleared : nodes) {
          int64_t last = 0;
          for (const Execution& execution : executions) {
            if (GetString(execution.custom_properties, metadata::kNodeIdProperty) == cleared) {
              last = std::max(last, execution.id);
            }
          }
          properties[TaskKey(cleared, "cleared_after")] = last;
          properties.erase(TaskKey(cleared, "state"));
          properties.erase(TaskKey(cleared, "retry_at"));
          properties.erase(TaskKey(cleared, "error"));
        }
        // A run made by `weir run` becomes the scheduler's from here on.
        properties[metadata::kPipelineProperty] = handle.run.pipeline;
        properties[metadata::kRunIdProperty] = handle.run.run_id;
        properties[metadata::kRunStateProperty] = std::string(kQueued);
        properties.erase(metadata::kEndedAtProperty);
      }));
  return nodes;
}

absl::Status MarkSuccess(RunHandle& handle, const std::string& node) {
  RETURN_IF_ERROR(CheckNode(*handle.file.spec, node));
  const std::vector<std::string> after = WithDownstream(*handle.file.spec, node, true);
  return UpdateRun(*handle.store, handle.run.context_id, [&](metadata::Properties& properties) {
    properties[TaskKey(node, "state")] = std::string(kSuccess);
    // Nodes held back by this one's failure may run now.
    for (const std::string& later : after) {
      if (GetString(properties, TaskKey(later, "state")) == kUpstreamFailed) {
        properties.erase(TaskKey(later, "state"));
      }
    }
    properties[metadata::kPipelineProperty] = handle.run.pipeline;
    properties[metadata::kRunIdProperty] = handle.run.run_id;
    if (GetString(properties, metadata::kRunStateProperty) != kRunning) {
      properties[metadata::kRunStateProperty] = std::string(kQueued);
    }
    properties.erase(metadata::kEndedAtProperty);
  });
}

fs::path NodeLog(const RunHandle& handle, const std::string& node, int64_t try_number) {
  const fs::path folder = pipeline::WeirHome() / "logs" / handle.run.pipeline / handle.run.run_id;
  std::error_code error;
  if (try_number > 0) {
    const fs::path file = folder / StrCat(node, ".attempt-", try_number, ".log");
    return fs::exists(file, error) ? file : fs::path();
  }
  for (int64_t attempt = GetInt(handle.run.properties, TaskKey(node, "try")); attempt >= 1;
       --attempt) {
    const fs::path file = folder / StrCat(node, ".attempt-", attempt, ".log");
    if (fs::exists(file, error)) return file;
  }
  const fs::path single = folder / StrCat(node, ".log");
  return fs::exists(single, error) ? single : fs::path();
}

}  // namespace weir::scheduler
