// What the scheduler, the web server and the pipeline commands share: the pipeline files in
// ${WEIR_HOME}/pipelines/ (like Airflow's dags folder), and the scheduling state kept in the
// metadata store beside the runs themselves, as custom properties of ML Metadata contexts:
//  - the pipeline context (<pipeline>): paused, unpaused_at, file, spec (the last good compiled
//    spec, so a pipeline whose file breaks keeps its graph and history), error, last_scheduled;
//  - each pipeline_run context (<pipeline>.<run id>): state (queued, running, success, failed),
//    trigger, conf, logical_date, queued_at, started_at, ended_at, and per node
//    "task:<node>:<field>" (try, state, retry_at).
// Runs made by `weir run` have no state property: theirs is derived from their executions.
#ifndef WEIR_SCHEDULER_CATALOG_H_
#define WEIR_SCHEDULER_CATALOG_H_

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "weir/metadata/metadata_store.h"
#include "weir/metadata/run_records.h"
#include "weir/pipeline/component_registry.h"
#include "weir/proto/pipeline.pb.h"

namespace weir::scheduler {

// ${WEIR_HOME}/pipelines.
std::filesystem::path PipelinesFolder();

// One pipeline file: its compiled spec, or why it does not compile.
struct PipelineFile {
  std::filesystem::path file;
  std::optional<pipeline::PipelineSpec> spec;
  std::string error;  // When spec is empty.
  std::filesystem::file_time_type modified;
};

// Every *.yaml, *.yml, *.json and *.pbtxt file in `folder`, in name order; none when the
// folder does not exist.
std::vector<PipelineFile> ScanPipelineFiles(const std::filesystem::path& folder,
                                            const pipeline::ComponentRegistry& registry);

// Run and task states (weir/metadata/run_records.h).
using metadata::kCached;
using metadata::kFailed;
using metadata::kNone;
using metadata::kQueued;
using metadata::kRunning;
using metadata::kSkipped;
using metadata::kSuccess;
using metadata::kUpForRetry;
using metadata::kUpstreamFailed;

// A pipeline's scheduling state. A pipeline the store has never seen is paused, as new DAGs are
// in Airflow.
struct PipelineState {
  bool known = false;  // The store has a context for it.
  bool paused = true;
  int64_t last_scheduled_ms = 0;  // The last cron tick a run was queued for.
  int64_t unpaused_at_ms = 0;     // When it was last unpaused.
  std::string file;
  std::string error;  // The file's error when it last failed to compile.
  std::optional<pipeline::PipelineSpec> last_good_spec;
};

absl::StatusOr<PipelineState> GetPipelineState(metadata::MetadataStore& store,
                                               std::string_view pipeline);
// Creates the pipeline's context when the store has none; callers check that the pipeline exists.
absl::Status SetPaused(metadata::MetadataStore& store, std::string_view pipeline, bool paused);
// Records the file's latest compile: its spec (kept as the last good one) or its error.
absl::Status RecordPipelineFile(metadata::MetadataStore& store, const PipelineFile& file,
                                std::string_view pipeline);

// A run to queue.
struct RunRequest {
  std::string trigger = "manual";  // manual, scheduled, cli.
  std::string conf_json = "{}";
  int64_t logical_date_ms = 0;  // Default: now.
  // For scheduled runs: the cron tick, recorded as the pipeline's last_scheduled in the same
  // transaction, so that a restarted scheduler never queues a tick twice.
  int64_t scheduled_tick_ms = 0;
  // For scheduled runs of a cron schedule: the tick before, where the run's data interval starts
  // (metadata::kDataIntervalStartProperty); 0: none.
  int64_t data_interval_start_ms = 0;
};

// Queues a run for the scheduler: a pipeline_run context with state queued. Its id is
// <trigger>__<logical date>, e.g. manual__2026-11-26T15:04:05.123Z (with a suffix when taken).
absl::StatusOr<std::string> QueueRun(metadata::MetadataStore& store,
                                     const pipeline::PipelineSpec& spec, const RunRequest& request);

// A scheduler-managed run.
struct ScheduledRun {
  std::string pipeline;
  std::string run_id;
  int64_t context_id = 0;
  std::string state;
  metadata::Properties properties;  // The run context's custom properties.
};

// The runs whose state is queued or running, oldest first.
absl::StatusOr<std::vector<ScheduledRun>> ActiveRuns(metadata::MetadataStore& store);
absl::StatusOr<ScheduledRun> GetRun(metadata::MetadataStore& store, std::string_view pipeline,
                                    std::string_view run_id);

// Changes a run's custom properties (read, modify, write in one transaction).
absl::Status UpdateRun(metadata::MetadataStore& store, int64_t run_context_id,
                       const std::function<void(metadata::Properties&)>& change);

// The property holding `field` of `node`'s task in a run: "task:<node>:<field>".
std::string TaskKey(std::string_view node, std::string_view field);

int64_t NowMs();
using metadata::GetInt;
using metadata::GetString;

}  // namespace weir::scheduler

#endif  // WEIR_SCHEDULER_CATALOG_H_
