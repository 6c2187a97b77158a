// Cleaning up after processes that died (kill -9, a crash, a power cut) while they ran nodes, as
// ML Metadata and Airflow do: what such a process left unfinished in the store is closed (its
// executions CANCELED, its pending outputs ABANDONED, a `weir run` run it drove failed) and what it
// left on disk (temporary files, staging folders, an output it wrote but never recorded) removed.
// A process counts as gone only when it ran on this host and no longer runs
// (base::ProcessLiveness); anything else is left alone. `weir run`, `weir run-node` and the
// scheduler do this as they start; `weir gc` does it on demand.
#ifndef WEIR_ORCHESTRATOR_RECOVERY_H_
#define WEIR_ORCHESTRATOR_RECOVERY_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "weir/metadata/metadata_store.h"

namespace weir::orchestrator {

// What a clean-up found (and, unless it was a dry run, put right).
struct Leftovers {
  std::vector<int64_t> executions;  // Left NEW or RUNNING: now CANCELED.
  std::vector<int64_t> artifacts;   // Their outputs, left PENDING: now ABANDONED.
  std::vector<std::string> runs;    // "<pipeline> <run id>" of `weir run` runs: now failed.
  std::vector<std::filesystem::path> files;  // Removed from disk.
  // Unfinished executions whose process cannot be checked from here (it ran on another host, or
  // was recorded before weir named processes): left as they are.
  std::vector<int64_t> unknown;
};

struct CleanUpOptions {
  bool dry_run = false;  // Find only.
  // Also look for leftovers in the folder of every output the store knows (a full sweep, for
  // `weir gc`); otherwise only beside the outputs of the executions being closed.
  bool sweep_all_output_folders = false;
};

// Closes what processes that are gone left unfinished in `store`, and removes their files.
absl::StatusOr<Leftovers> CleanUpLeftovers(metadata::MetadataStore& store,
                                           const CleanUpOptions& options = {});

// Closes one execution that nobody will finish: CANCELED with `why` as its error, its pending
// outputs ABANDONED and their folders removed (the process may have been killed between writing
// an output and recording it), with the temporary files of gone writers beside them. Adds what
// it did to `done` when given.
absl::Status AbandonExecution(metadata::MetadataStore& store, metadata::Execution& execution,
                              std::string_view why, Leftovers* done = nullptr);

}  // namespace weir::orchestrator

#endif  // WEIR_ORCHESTRATOR_RECOVERY_H_
