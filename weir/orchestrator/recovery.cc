#include "weir/orchestrator/recovery.h"

#include <algorithm>
#include <chrono>
#include <set>

#include "weir/base/files.h"
#include "weir/base/process_identity.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/metadata/run_records.h"

namespace weir::orchestrator {
namespace {

namespace fs = std::filesystem;
using metadata::Artifact;
using metadata::Context;
using metadata::Event;
using metadata::Execution;
using metadata::MetadataStore;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The outputs the runner announced for the execution (PENDING_OUTPUT events) that are still
// PENDING.
absl::StatusOr<std::vector<Artifact>> PendingOutputs(MetadataStore& store, int64_t execution_id) {
  ASSIGN_OR_RETURN(std::vector<Event> events, store.GetEventsByExecution(execution_id));
  std::vector<Artifact> pending;
  for (const Event& event : events) {
    if (event.type != Event::Type::kPendingOutput) continue;
    ASSIGN_OR_RETURN(Artifact artifact, store.GetArtifact(event.artifact_id));
    if (artifact.state == Artifact::State::kPending) pending.push_back(std::move(artifact));
  }
  return pending;
}

void Sweep(const fs::path& folder, bool dry_run, Leftovers& done) {
  for (fs::path& path : base::RemoveLeftoversOfGoneWriters(folder, dry_run)) {
    done.files.push_back(std::move(path));
  }
}

// The execution closed, or (dry run) what closing it would do.
absl::Status Abandon(MetadataStore& store, Execution& execution, std::string_view why, bool dry_run,
                     Leftovers& done) {
  ASSIGN_OR_RETURN(std::vector<Artifact> outputs, PendingOutputs(store, execution.id));
  if (!dry_run) {
    RETURN_IF_ERROR(store.InTransaction([&]() -> absl::Status {
      execution.last_known_state = Execution::State::kCanceled;
      execution.custom_properties[metadata::kErrorProperty] = std::string(why);
      RETURN_IF_ERROR(store.PutExecution(execution));
      for (Artifact& artifact : outputs) {
        artifact.state = Artifact::State::kAbandoned;
        RETURN_IF_ERROR(store.PutArtifact(artifact));
      }
      return absl::OkStatus();
    }));
  }
  done.executions.push_back(execution.id);
  for (const Artifact& artifact : outputs) {
    done.artifacts.push_back(artifact.id);
    // Only now that the store no longer calls it pending may its folder go.
    const fs::path folder(artifact.uri);
    std::error_code error;
    if (fs::exists(folder, error)) {
      if (!dry_run) fs::remove_all(folder, error);
      if (!error) done.files.push_back(folder);
    }
    Sweep(folder.parent_path(), dry_run, done);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status AbandonExecution(MetadataStore& store, Execution& execution, std::string_view why,
                              Leftovers* done) {
  Leftovers ignored;
  return Abandon(store, execution, why, /*dry_run=*/false, done != nullptr ? *done : ignored);
}

absl::StatusOr<Leftovers> CleanUpLeftovers(MetadataStore& store, const CleanUpOptions& options) {
  Leftovers done;
  ASSIGN_OR_RETURN(std::vector<Execution> unfinished, store.GetUnfinishedExecutions());
  for (Execution& execution : unfinished) {
    const std::string process =
        metadata::GetString(execution.custom_properties, metadata::kProcessProperty);
    const base::Liveness liveness =
        process.empty() ? base::Liveness::kUnknown : base::ProcessLiveness(process);
    if (liveness == base::Liveness::kUnknown) done.unknown.push_back(execution.id);
    if (liveness != base::Liveness::kGone) continue;
    RETURN_IF_ERROR(Abandon(
        store, execution,
        StrCat("abandoned: the process running it (", process, ") ended without finishing it"),
        options.dry_run, done));
  }

  // A `weir run` names itself on its run while it drives it.
  ASSIGN_OR_RETURN(std::vector<Context> runs,
                   store.GetContextsByTypeWithCustomProperty(metadata::kRunContextType,
                                                             metadata::kProcessProperty));
  for (Context& run : runs) {
    const std::string process =
        metadata::GetString(run.custom_properties, metadata::kProcessProperty);
    if (base::ProcessLiveness(process) != base::Liveness::kGone) continue;
    done.runs.push_back(
        StrCat(metadata::GetString(run.custom_properties, metadata::kPipelineProperty), " ",
               metadata::GetString(run.custom_properties, metadata::kRunIdProperty)));
    if (options.dry_run) continue;
    run.custom_properties.erase(metadata::kProcessProperty);
    run.custom_properties[metadata::kRunStateProperty] = std::string(metadata::kFailed);
    run.custom_properties[metadata::kEndedAtProperty] = NowMs();
    RETURN_IF_ERROR(store.PutContext(run));
  }

  if (options.sweep_all_output_folders) {
    ASSIGN_OR_RETURN(std::vector<Artifact> artifacts, store.GetArtifacts());
    std::set<fs::path> folders;
    for (const Artifact& artifact : artifacts) {
      if (!artifact.uri.empty()) folders.insert(fs::path(artifact.uri).parent_path());
      // A pushed model's version folder sits in the serving folder, outside the artifact's.
      const std::string pushed =
          metadata::GetString(artifact.custom_properties, "pushed_destination");
      if (!pushed.empty()) folders.insert(fs::path(pushed).parent_path());
    }
    for (const fs::path& folder : folders) Sweep(folder, options.dry_run, done);
  }
  std::sort(done.files.begin(), done.files.end());
  done.files.erase(std::unique(done.files.begin(), done.files.end()), done.files.end());
  return done;
}

}  // namespace weir::orchestrator
