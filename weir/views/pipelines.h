// What the pipelines folder and a scheduled run look like: the web UI's pipeline list and run
// page, as JSON (docs/web-api.md).
#ifndef WEIR_VIEWS_PIPELINES_H_
#define WEIR_VIEWS_PIPELINES_H_

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "weir/pipeline/component_registry.h"
#include "weir/scheduler/task_operations.h"

namespace weir::views {

// Every pipeline in ${WEIR_HOME}/pipelines with its schedule state and recent runs, and the files
// that do not compile: {"pipelines": [{"name", "file", "paused", "schedule",
// "schedule_description", "next_run", "nodes", "recent_runs", "error"}], "broken": [{"file",
// "error"}]}.
absl::StatusOr<nlohmann::ordered_json> ListPipelines(const pipeline::ComponentRegistry& registry);

// The run and its nodes' states, attempts and outputs: {"pipeline", "run_id", "state", "trigger",
// "conf", "logical_date", "data_interval_start" (scheduled cron runs; else null), "queued_at",
// "started", "ended", "duration_ms", "nodes": [{"id", "component", "state", "try_number",
// "execution_id", "started", "ended", "duration_ms", "error", "upstream", "outputs"}]}. Reads the
// run afresh.
absl::StatusOr<nlohmann::ordered_json> DescribeRun(scheduler::RunHandle& handle);

}  // namespace weir::views

#endif  // WEIR_VIEWS_PIPELINES_H_
