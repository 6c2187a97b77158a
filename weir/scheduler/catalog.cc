#include "weir/scheduler/catalog.h"

#include <algorithm>
#include <chrono>

#include "google/protobuf/text_format.h"
#include "weir/base/proto_files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/metadata/run_records.h"
#include "weir/orchestrator/local_runner.h"
#include "weir/pipeline/pipeline_spec.h"
#include "weir/scheduler/cron.h"

namespace weir::scheduler {
namespace fs = std::filesystem;
using metadata::Context;
using metadata::MetadataStore;
using metadata::Properties;

fs::path PipelinesFolder() { return pipeline::WeirHome() / "pipelines"; }

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string TaskKey(std::string_view node, std::string_view field) {
  return StrCat("task:", node, ":", field);
}

std::vector<PipelineFile> ScanPipelineFiles(const fs::path& folder,
                                            const pipeline::ComponentRegistry& registry) {
  std::vector<PipelineFile> files;
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator(folder, error)) {
    const std::string extension = entry.path().extension().string();
    if (!entry.is_regular_file(error) || (extension != ".yaml" && extension != ".yml" &&
                                          extension != ".json" && extension != ".pbtxt")) {
      continue;
    }
    PipelineFile& file = files.emplace_back();
    file.file = entry.path();
    file.modified = entry.last_write_time(error);
    absl::StatusOr<pipeline::PipelineSpec> spec = pipeline::LoadPipelineFile(file.file, registry);
    if (spec.ok()) {
      file.spec = *std::move(spec);
    } else {
      file.error = std::string(spec.status().message());
    }
  }
  std::sort(files.begin(), files.end(),
            [](const PipelineFile& a, const PipelineFile& b) { return a.file < b.file; });
  return files;
}

namespace {

absl::StatusOr<Context> EnsurePipelineContext(MetadataStore& store, std::string_view pipeline) {
  absl::StatusOr<Context> context =
      store.GetContextByTypeAndName(metadata::kPipelineContextType, pipeline);
  if (context.ok() || !absl::IsNotFound(context.status())) return context;
  ASSIGN_OR_RETURN(int64_t type_id, store.PutContextType(metadata::kPipelineContextType, {}));
  Context created{.type_id = type_id, .name = std::string(pipeline)};
  RETURN_IF_ERROR(store.PutContext(created));
  return created;
}

// Changes the pipeline context's custom properties in one transaction.
absl::Status UpdatePipeline(MetadataStore& store, std::string_view pipeline,
                            const std::function<void(Properties&)>& change) {
  return store.InTransaction([&]() -> absl::Status {
    ASSIGN_OR_RETURN(Context context, EnsurePipelineContext(store, pipeline));
    change(context.custom_properties);
    return store.PutContext(context);
  });
}

ScheduledRun ToScheduledRun(const Context& context) {
  ScheduledRun run;
  run.context_id = context.id;
  run.properties = context.custom_properties;
  run.state = GetString(context.custom_properties, metadata::kRunStateProperty);
  run.pipeline = GetString(context.custom_properties, metadata::kPipelineProperty);
  run.run_id = GetString(context.custom_properties, metadata::kRunIdProperty);
  return run;
}

// 2026-11-26T15:04:05.123Z
std::string IsoTime(int64_t ms) {
  const auto point = std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
  std::string text = FormatUtcTime(point);  // Whole seconds, then Z.
  text.pop_back();
  char millis[8];
  std::snprintf(millis, sizeof millis, ".%03dZ", static_cast<int>(ms % 1000));
  return text + millis;
}

}  // namespace

absl::StatusOr<PipelineState> GetPipelineState(MetadataStore& store, std::string_view pipeline) {
  PipelineState state;
  absl::StatusOr<Context> context =
      store.GetContextByTypeAndName(metadata::kPipelineContextType, pipeline);
  if (absl::IsNotFound(context.status())) return state;
  RETURN_IF_ERROR(context.status());
  state.known = true;
  const Properties& properties = context->custom_properties;
  state.paused = GetInt(properties, "paused", 1) != 0;
  state.last_scheduled_ms = GetInt(properties, "last_scheduled");
  state.unpaused_at_ms = GetInt(properties, "unpaused_at");
  state.file = GetString(properties, "file");
  state.error = GetString(properties, "error");
  const std::string spec_text = GetString(properties, "spec");
  if (!spec_text.empty()) {
    pipeline::PipelineSpec spec;
    if (google::protobuf::TextFormat::ParseFromString(spec_text, &spec)) {
      state.last_good_spec = std::move(spec);
    }
  }
  return state;
}

absl::Status SetPaused(MetadataStore& store, std::string_view pipeline, bool paused) {
  return UpdatePipeline(store, pipeline, [&](Properties& properties) {
    // Without catchup, the schedule starts from the unpause: ticks that passed while paused
    // are not run.
    if (!paused && GetInt(properties, "paused", 1) != 0) properties["unpaused_at"] = NowMs();
    properties["paused"] = int64_t{paused};
  });
}

absl::Status RecordPipelineFile(MetadataStore& store, const PipelineFile& file,
                                std::string_view pipeline) {
  return UpdatePipeline(store, pipeline, [&](Properties& properties) {
    properties["file"] = file.file.string();
    properties["error"] = file.error;
    if (file.spec.has_value()) properties["spec"] = base::ToTextProto(*file.spec);
  });
}

absl::StatusOr<std::string> QueueRun(MetadataStore& store, const pipeline::PipelineSpec& spec,
                                     const RunRequest& request) {
  const int64_t now = NowMs();
  const int64_t logical_date = request.logical_date_ms != 0 ? request.logical_date_ms : now;
  std::string run_id;
  RETURN_IF_ERROR(store.InTransaction([&]() -> absl::Status {
    const std::string base = StrCat(request.trigger, "__", IsoTime(logical_date));
    run_id = base;
    for (int suffix = 2; store
                             .GetContextByTypeAndName(metadata::kRunContextType,
                                                      metadata::RunContextName(spec.name(), run_id))
                             .ok();
         ++suffix) {
      run_id = StrCat(base, "-", suffix);
    }
    ASSIGN_OR_RETURN(orchestrator::RunContexts contexts,
                     orchestrator::EnsureRunContexts(store, spec, run_id));
    ASSIGN_OR_RETURN(Context run, store.GetContext(contexts.run));
    run.custom_properties = {{metadata::kPipelineProperty, spec.name()},
                             {metadata::kRunIdProperty, run_id},
                             {metadata::kRunStateProperty, std::string(kQueued)},
                             {metadata::kTriggerProperty, request.trigger},
                             {metadata::kConfProperty, request.conf_json},
                             {metadata::kLogicalDateProperty, logical_date},
                             {metadata::kQueuedAtProperty, now}};
    if (request.data_interval_start_ms != 0) {
      run.custom_properties[metadata::kDataIntervalStartProperty] = request.data_interval_start_ms;
    }
    RETURN_IF_ERROR(store.PutContext(run));
    if (request.scheduled_tick_ms != 0) {
      ASSIGN_OR_RETURN(Context pipeline, EnsurePipelineContext(store, spec.name()));
      pipeline.custom_properties["last_scheduled"] = request.scheduled_tick_ms;
      RETURN_IF_ERROR(store.PutContext(pipeline));
    }
    return absl::OkStatus();
  }));
  return run_id;
}

absl::StatusOr<std::vector<ScheduledRun>> ActiveRuns(MetadataStore& store) {
  ASSIGN_OR_RETURN(std::vector<Context> contexts,
                   store.GetContextsByType(metadata::kRunContextType));
  std::vector<ScheduledRun> runs;
  for (const Context& context : contexts) {
    ScheduledRun run = ToScheduledRun(context);
    if (run.state == kQueued || run.state == kRunning) runs.push_back(std::move(run));
  }
  return runs;
}

absl::StatusOr<ScheduledRun> GetRun(MetadataStore& store, std::string_view pipeline,
                                    std::string_view run_id) {
  ASSIGN_OR_RETURN(Context context,
                   store.GetContextByTypeAndName(metadata::kRunContextType,
                                                 metadata::RunContextName(pipeline, run_id)));
  ScheduledRun run = ToScheduledRun(context);
  // Runs made by `weir run` carry no scheduler properties.
  run.pipeline = std::string(pipeline);
  run.run_id = std::string(run_id);
  return run;
}

absl::Status UpdateRun(MetadataStore& store, int64_t run_context_id,
                       const std::function<void(Properties&)>& change) {
  return store.InTransaction([&]() -> absl::Status {
    ASSIGN_OR_RETURN(Context context, store.GetContext(run_context_id));
    change(context.custom_properties);
    return store.PutContext(context);
  });
}

}  // namespace weir::scheduler
