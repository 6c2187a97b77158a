#include "weir/views/pipelines.h"

#include <chrono>
#include <map>

#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/metadata/run_records.h"
#include "weir/orchestrator/local_runner.h"
#include "weir/scheduler/cron.h"
#include "weir/views/runs.h"

namespace weir::views {
namespace {

using Json = nlohmann::ordered_json;
using metadata::Execution;
using metadata::GetInt;
using metadata::GetString;

Json TimeOrNull(int64_t ms) { return ms == 0 ? Json(nullptr) : Json(FormatUtcTime(ms)); }

}  // namespace

absl::StatusOr<Json> ListPipelines(const pipeline::ComponentRegistry& registry) {
  Json pipelines = Json::array();
  Json broken = Json::array();
  for (const scheduler::PipelineFile& file :
       scheduler::ScanPipelineFiles(scheduler::PipelinesFolder(), registry)) {
    if (!file.spec.has_value()) {
      broken.push_back({{"file", file.file.string()}, {"error", file.error}});
      continue;
    }
    const pipeline::PipelineSpec& spec = *file.spec;
    ASSIGN_OR_RETURN(auto store, orchestrator::OpenPipelineStore(spec));
    ASSIGN_OR_RETURN(scheduler::PipelineState state,
                     scheduler::GetPipelineState(*store, spec.name()));
    Json entry;
    entry["name"] = spec.name();
    entry["file"] = file.file.string();
    entry["paused"] = state.paused;
    entry["schedule"] =
        spec.schedule().cron().empty() ? Json(nullptr) : Json(spec.schedule().cron());
    absl::StatusOr<scheduler::CronSchedule> cron =
        scheduler::CronSchedule::Parse(spec.schedule().cron());
    entry["schedule_description"] = cron.ok() ? Json(cron->Describe()) : Json(nullptr);
    Json next = nullptr;
    if (cron.ok() && !state.paused && !cron->manual() && !cron->once()) {
      auto after = cron->NextAfter(std::chrono::system_clock::now());
      if (after.has_value()) next = scheduler::FormatUtcTime(*after);
    }
    entry["next_run"] = next;
    entry["nodes"] = spec.nodes_size();
    ASSIGN_OR_RETURN(Json runs, ListRuns(*store, spec.name()));
    Json recent = Json::array();
    for (const Json& run : runs["runs"]) {
      if (recent.size() == 10) break;
      recent.push_back({{"run_id", run["run_id"]}, {"state", run["state"]}});
    }
    entry["recent_runs"] = std::move(recent);
    entry["error"] = !cron.ok()            ? Json(std::string(cron.status().message()))
                     : state.error.empty() ? Json(nullptr)
                                           : Json(state.error);
    pipelines.push_back(std::move(entry));
  }
  return Json{{"pipelines", std::move(pipelines)}, {"broken", std::move(broken)}};
}

absl::StatusOr<Json> DescribeRun(scheduler::RunHandle& handle) {
  const pipeline::PipelineSpec& spec = *handle.file.spec;
  ASSIGN_OR_RETURN(handle.run,
                   scheduler::GetRun(*handle.store, handle.run.pipeline, handle.run.run_id));
  const metadata::Properties& properties = handle.run.properties;
  ASSIGN_OR_RETURN(std::vector<Execution> executions,
                   handle.store->GetExecutionsByContext(handle.run.context_id));
  std::map<int64_t, const Execution*> by_id;
  for (const Execution& execution : executions) by_id[execution.id] = &execution;
  Json nodes = Json::array();
  bool any_failed = false, any_active = false;
  int64_t last_update = 0, first_start = 0;
  for (const scheduler::TaskView& task :
       scheduler::TaskStates(spec, executions, properties, nullptr)) {
    const pipeline::NodeSpec* node = scheduler::FindNode(spec, task.node);
    Json entry;
    entry["id"] = task.node;
    entry["component"] = node->component();
    entry["state"] = task.state;
    entry["try_number"] = task.try_number;
    const Execution* execution = task.execution_id != 0 ? by_id[task.execution_id] : nullptr;
    entry["execution_id"] = execution != nullptr ? Json(execution->id) : Json(nullptr);
    const bool ended = scheduler::IsFinished(task.state);
    entry["started"] = execution != nullptr ? TimeOrNull(execution->create_time_ms) : Json(nullptr);
    entry["ended"] =
        execution != nullptr && ended ? TimeOrNull(execution->update_time_ms) : Json(nullptr);
    entry["duration_ms"] = execution != nullptr && ended
                               ? Json(execution->update_time_ms - execution->create_time_ms)
                               : Json(nullptr);
    std::string error = GetString(properties, scheduler::TaskKey(task.node, "error"));
    if (execution != nullptr) {
      const std::string recorded =
          GetString(execution->custom_properties, metadata::kErrorProperty);
      if (!recorded.empty()) error = recorded;
      last_update = std::max(last_update, execution->update_time_ms);
      if (first_start == 0 || execution->create_time_ms < first_start) {
        first_start = execution->create_time_ms;
      }
    }
    entry["error"] =
        error.empty() || task.state == scheduler::kSuccess || task.state == scheduler::kCached
            ? Json(nullptr)
            : Json(error);
    entry["upstream"] = scheduler::Upstream(*node);
    Json outputs = Json::array();
    if (execution != nullptr) {
      ASSIGN_OR_RETURN(std::vector<metadata::Event> events,
                       handle.store->GetEventsByExecution(execution->id));
      for (const metadata::Event& event : events) {
        if (event.type != metadata::Event::Type::kOutput) continue;
        ASSIGN_OR_RETURN(metadata::Artifact artifact, handle.store->GetArtifact(event.artifact_id));
        std::string name;
        if (!event.path.empty()) {
          if (const auto* key = std::get_if<std::string>(&event.path.front())) name = *key;
        }
        outputs.push_back({{"name", name},
                           {"artifact_id", artifact.id},
                           {"type", artifact.type_name},
                           {"uri", artifact.uri}});
      }
    }
    entry["outputs"] = std::move(outputs);
    any_failed =
        any_failed || task.state == scheduler::kFailed || task.state == scheduler::kUpstreamFailed;
    any_active = any_active || !ended;
    nodes.push_back(std::move(entry));
  }
  Json run;
  run["pipeline"] = handle.run.pipeline;
  run["run_id"] = handle.run.run_id;
  // Runs made by `weir run` have no recorded state: it follows from their nodes.
  run["state"] = !handle.run.state.empty() ? handle.run.state
                 : any_failed              ? scheduler::kFailed
                 : any_active              ? scheduler::kRunning
                                           : scheduler::kSuccess;
  const std::string trigger = GetString(properties, metadata::kTriggerProperty);
  run["trigger"] = trigger.empty() ? "cli" : trigger;
  run["conf"] = Json::parse(GetString(properties, metadata::kConfProperty, "{}"), nullptr, false);
  const int64_t started = GetInt(properties, metadata::kStartedAtProperty, first_start);
  const int64_t ended =
      GetInt(properties, metadata::kEndedAtProperty, any_active ? 0 : last_update);
  run["logical_date"] = TimeOrNull(GetInt(properties, metadata::kLogicalDateProperty, started));
  run["data_interval_start"] = TimeOrNull(GetInt(properties, metadata::kDataIntervalStartProperty));
  run["queued_at"] = TimeOrNull(GetInt(properties, metadata::kQueuedAtProperty, started));
  run["started"] = TimeOrNull(started);
  run["ended"] = TimeOrNull(ended);
  run["duration_ms"] = started != 0 && ended != 0 ? Json(ended - started) : Json(nullptr);
  run["nodes"] = std::move(nodes);
  return run;
}

}  // namespace weir::views
