// The operations on pipelines and their runs that the CLI (`weir pipelines`, `weir tasks`) and
// the web API both offer, in one place so that both do exactly the same: pause, trigger, find a
// run, clear a task, mark it done, find its log. Pipelines are the files in
// ${WEIR_HOME}/pipelines; each keeps its runs in its own metadata store.
#ifndef WEIR_SCHEDULER_TASK_OPERATIONS_H_
#define WEIR_SCHEDULER_TASK_OPERATIONS_H_

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "weir/metadata/metadata_store.h"
#include "weir/pipeline/component_registry.h"
#include "weir/scheduler/catalog.h"
#include "weir/scheduler/scheduler.h"

namespace weir::scheduler {

// The pipeline named `name` in ${WEIR_HOME}/pipelines. Errors: NotFound listing those there are.
absl::StatusOr<PipelineFile> FindPipeline(const std::string& name,
                                          const pipeline::ComponentRegistry& registry);
absl::Status SetPaused(const std::string& pipeline, bool paused,
                       const pipeline::ComponentRegistry& registry);
// Queues a run (it starts when the pipeline is unpaused); returns its id. Errors:
// InvalidArgument when `conf` is not a JSON object.
absl::StatusOr<std::string> Trigger(const std::string& pipeline, const nlohmann::ordered_json& conf,
                                    const pipeline::ComponentRegistry& registry);

// One run of a pipeline in the folder, with its store.
struct RunHandle {
  PipelineFile file;
  std::unique_ptr<metadata::MetadataStore> store;
  ScheduledRun run;
};
// The run `run_id` of `pipeline` (or of the one pipeline that has such a run, when `pipeline`
// is empty). Errors: NotFound; InvalidArgument when several pipelines have that run id.
absl::StatusOr<RunHandle> FindRun(const std::string& run_id, const std::string& pipeline,
                                  const pipeline::ComponentRegistry& registry);
// Makes the node (and, with `downstream`, every node after it) run again in its run: returns the
// nodes cleared. Errors: NotFound for an unknown node.
absl::StatusOr<std::vector<std::string>> ClearTasks(RunHandle& handle, const std::string& node,
                                                    bool downstream);
// Counts the node as succeeded, so that the nodes after it may run.
absl::Status MarkSuccess(RunHandle& handle, const std::string& node);
// The node's log in the run: the attempt `try_number` (0: the latest) the scheduler ran, or the
// log `weir run` wrote. Empty when there is none yet.
std::filesystem::path NodeLog(const RunHandle& handle, const std::string& node, int64_t try_number);
// The node's state in the run (catalog.h's names), read afresh.
absl::StatusOr<TaskView> NodeState(RunHandle& handle, const std::string& node);

// The node of that id; nullptr when the pipeline has none.
const pipeline::NodeSpec* FindNode(const pipeline::PipelineSpec& spec, const std::string& id);
// The nodes `node` reads from, by id.
std::vector<std::string> Upstream(const pipeline::NodeSpec& node);
// Whether a task in this state is done, one way or another.
bool IsFinished(const std::string& state);

}  // namespace weir::scheduler

#endif  // WEIR_SCHEDULER_TASK_OPERATIONS_H_
