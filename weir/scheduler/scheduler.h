// The scheduler: watches the pipelines folder, queues runs when their cron ticks come (and when
// someone triggers one), and runs each node of a run as a child process (`weir run-node`), so a
// crashing component cannot take it down. Everything it knows lives in the metadata store
// (catalog.h): kill it mid-run and start it again, and the run carries on from the nodes that did
// not finish, without a duplicate run. One scheduler per WEIR_HOME (a lock file says so).
//
// From a node's process ending to its downstream nodes' processes starting takes one pass: the
// scheduler wakes on SIGCHLD rather than waiting for its poll interval.
#ifndef WEIR_SCHEDULER_SCHEDULER_H_
#define WEIR_SCHEDULER_SCHEDULER_H_

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "weir/metadata/metadata_store.h"
#include "weir/pipeline/component_registry.h"
#include "weir/proto/pipeline.pb.h"
#include "weir/scheduler/catalog.h"
#include "weir/scheduler/cron.h"

namespace weir::scheduler {

struct SchedulerOptions {
  std::filesystem::path pipelines_folder = {};  // Default: ${WEIR_HOME}/pipelines.
  std::filesystem::path weir_binary = {};       // Runs the nodes; default: this executable.
  int parallelism = 0;                          // Node processes at once; default: one per core.
  std::chrono::milliseconds poll{500};          // How often files and schedules are looked at.
};

// A node's state in a run as the scheduler sees it (catalog.h's names).
struct TaskView {
  std::string node;
  std::string state;
  int64_t try_number = 0;
  int64_t execution_id = 0;  // The latest execution counted, 0 for none.
};

// The node states of a run: what its executions say, overridden by what the scheduler recorded
// (started, retries, upstream failures, marked success, cleared nodes). For the scheduler,
// `live_processes` holds the nodes it has a process for, and a node recorded or executing as
// running without one was abandoned (its scheduler was killed): it counts as not started. Other
// readers (the UI, the CLI) pass null and see such nodes as running.
std::vector<TaskView> TaskStates(const pipeline::PipelineSpec& spec,
                                 const std::vector<metadata::Execution>& executions,
                                 const metadata::Properties& run_properties,
                                 const std::map<std::string, bool>* live_processes);

class Scheduler {
 public:
  // Errors: FailedPrecondition when another scheduler holds ${WEIR_HOME}/scheduler.lock.
  static absl::StatusOr<std::unique_ptr<Scheduler>> Create(
      SchedulerOptions options, const pipeline::ComponentRegistry& registry);
  ~Scheduler();

  // One pass: reads changed pipeline files, queues due runs, reaps finished node processes,
  // starts nodes whose upstream nodes are done. Errors: the store's.
  absl::Status Tick();
  // Ticks until `stop` is set, waking at once when a node process ends. Node processes still
  // running when it returns are terminated (their nodes start again on the next start).
  absl::Status Run(const std::atomic<bool>& stop);

  size_t running_nodes() const { return children_.size(); }

 private:
  struct Pipeline {
    PipelineFile file;
    std::optional<CronSchedule> schedule;
    std::string location;  // Its metadata store.
  };
  struct Child {
    std::string location;
    std::string pipeline;
    std::string run_id;
    int64_t run_context = 0;
    std::string node;
    int64_t try_number = 0;
    std::chrono::steady_clock::time_point started;
    std::chrono::steady_clock::time_point deadline;  // max() without a timeout.
    bool terminated = false;
  };

  Scheduler(SchedulerOptions options, const pipeline::ComponentRegistry& registry, int lock_fd);
  absl::Status RefreshPipelines();
  absl::StatusOr<metadata::MetadataStore*> Store(const std::string& location);
  absl::Status QueueDueRuns(const Pipeline& pipeline);
  absl::Status Reap();
  absl::Status NodeEnded(const Child& child, bool succeeded, const std::string& why);
  absl::Status Advance(metadata::MetadataStore& store, const ScheduledRun& run,
                       const Pipeline& pipeline);
  absl::Status Launch(metadata::MetadataStore& store, const ScheduledRun& run,
                      const Pipeline& pipeline, const pipeline::NodeSpec& node);
  void EnforceTimeouts();
  // Terminates and reaps the node processes still running.
  void StopNodes();

  SchedulerOptions options_;
  const pipeline::ComponentRegistry& registry_;
  int lock_fd_;
  int sigchld_fd_ = -1;
  std::map<std::filesystem::path, std::filesystem::file_time_type> seen_files_;
  std::map<std::string, Pipeline> pipelines_;  // By name.
  std::map<std::string, std::unique_ptr<metadata::MetadataStore>> stores_;
  std::map<pid_t, Child> children_;
};

}  // namespace weir::scheduler

#endif  // WEIR_SCHEDULER_SCHEDULER_H_
