// The names that a run's writers (the orchestrator, the scheduler) and its readers (the views, the
// web API) share in the metadata store, kept in one place as ML Metadata's constants.h keeps its
// own. Contexts are TFX's: a pipeline, one run of it, one node of it.
#ifndef WEIR_METADATA_RUN_RECORDS_H_
#define WEIR_METADATA_RUN_RECORDS_H_

#include <string>
#include <string_view>

#include "weir/base/strings.h"

namespace weir::metadata {

// Context types.
inline constexpr char kPipelineContextType[] = "pipeline";
inline constexpr char kRunContextType[] = "pipeline_run";
inline constexpr char kNodeContextType[] = "node";

// A run's context is named "<pipeline>.<run id>", a node's "<pipeline>.<node id>".
inline std::string RunContextName(std::string_view pipeline, std::string_view run_id) {
  return StrCat(pipeline, ".", run_id);
}
inline std::string NodeContextName(std::string_view pipeline, std::string_view node_id) {
  return StrCat(pipeline, ".", node_id);
}

// Custom properties of an execution.
inline constexpr char kRunIdProperty[] = "run_id";
inline constexpr char kNodeIdProperty[] = "node_id";
inline constexpr char kLogProperty[] = "log";      // The node's log file.
inline constexpr char kErrorProperty[] = "error";  // Why it failed.
inline constexpr char kCacheKeyProperty[] = "cache_key";
inline constexpr char kCachedFromProperty[] = "cached_from_execution";  // The execution reused.
// For components with a starting-point input (pipeline::ChannelSpec::starting_point): the cache
// key without it.
inline constexpr char kCacheKeyWithoutStartProperty[] = "cache_key_without_start";
// The process running it (base::ThisProcess()), so that an execution a killed process left RUNNING
// can be told from one under way. On a run's context too, while `weir run` runs it.
inline constexpr char kProcessProperty[] = "process";

// Custom properties of a run's context (kRunIdProperty too). Times are Unix milliseconds.
inline constexpr char kPipelineProperty[] = "pipeline";
inline constexpr char kRunStateProperty[] = "state";
inline constexpr char kTriggerProperty[] = "trigger";
inline constexpr char kConfProperty[] = "conf";  // The run's conf, as a JSON object.
inline constexpr char kLogicalDateProperty[] = "logical_date";
// A scheduled run's data interval [start, logical date): its start is the schedule's tick before
// the run's, in ms since the Unix epoch (Airflow's data_interval_start). Runs of a cron schedule
// only.
inline constexpr char kDataIntervalStartProperty[] = "data_interval_start";
inline constexpr char kQueuedAtProperty[] = "queued_at";
inline constexpr char kStartedAtProperty[] = "started_at";
inline constexpr char kEndedAtProperty[] = "ended_at";

// Run and task states (a run's kRunStateProperty, a task's in the scheduler), as the UI and
// `weir runs` name them.
inline constexpr char kQueued[] = "queued";
inline constexpr char kRunning[] = "running";
inline constexpr char kSuccess[] = "success";
inline constexpr char kFailed[] = "failed";
inline constexpr char kCached[] = "cached";
inline constexpr char kUpForRetry[] = "up_for_retry";
inline constexpr char kUpstreamFailed[] = "upstream_failed";
inline constexpr char kSkipped[] = "skipped";
inline constexpr char kNone[] = "none";

}  // namespace weir::metadata

#endif  // WEIR_METADATA_RUN_RECORDS_H_
