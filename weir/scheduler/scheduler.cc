#include "weir/scheduler/scheduler.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <set>
#include <thread>

#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/metadata/run_records.h"
#include "weir/orchestrator/local_runner.h"
#include "weir/orchestrator/recovery.h"
#include "weir/pipeline/pipeline_spec.h"

namespace weir::scheduler {
namespace fs = std::filesystem;
using metadata::Execution;
using metadata::MetadataStore;
using metadata::Properties;

namespace {

constexpr int kDefaultMaxActiveRuns = 16;  // Airflow's default.
constexpr double kDefaultRetryDelaySeconds = 10;
// How long a node process gets after SIGTERM (timeout, shutdown) before SIGKILL.
constexpr auto kTerminateGrace = std::chrono::seconds(5);

int64_t ToMs(TimePoint point) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(point.time_since_epoch()).count();
}

TimePoint FromMs(int64_t ms) { return TimePoint(std::chrono::milliseconds(ms)); }

bool Finished(const std::string& state) {
  return state == kSuccess || state == kCached || state == kFailed || state == kUpstreamFailed ||
         state == kSkipped;
}

bool Succeeded(const std::string& state) { return state == kSuccess || state == kCached; }

}  // namespace

std::vector<TaskView> TaskStates(const pipeline::PipelineSpec& spec,
                                 const std::vector<Execution>& executions,
                                 const Properties& run_properties,
                                 const std::map<std::string, bool>* live_processes) {
  std::vector<TaskView> tasks;
  for (const pipeline::NodeSpec& node : spec.nodes()) {
    TaskView task;
    task.node = node.id();
    task.try_number = GetInt(run_properties, TaskKey(node.id(), "try"));
    // Executions up to the one a clear saw are history, not the node's state.
    const int64_t cleared_after = GetInt(run_properties, TaskKey(node.id(), "cleared_after"));
    const Execution* latest = nullptr;
    for (const Execution& execution : executions) {
      if (GetString(execution.custom_properties, metadata::kNodeIdProperty) != node.id()) continue;
      if (execution.id <= cleared_after) continue;
      if (latest == nullptr || execution.id > latest->id) latest = &execution;
    }
    task.execution_id = latest != nullptr ? latest->id : 0;
    const std::string recorded = GetString(run_properties, TaskKey(node.id(), "state"));
    const bool abandoned = live_processes != nullptr && !live_processes->contains(node.id());
    if (live_processes != nullptr && live_processes->contains(node.id())) {
      task.state = kRunning;
    } else if (recorded == kRunning) {
      task.state = abandoned ? kNone : kRunning;
    } else if (!recorded.empty()) {
      task.state = recorded;  // up_for_retry, failed, upstream_failed, skipped, success (marked).
    } else if (latest == nullptr) {
      task.state = kNone;
    } else {
      switch (latest->last_known_state) {
        case Execution::State::kComplete:
          task.state = kSuccess;
          break;
        case Execution::State::kCached:
          task.state = kCached;
          break;
        case Execution::State::kFailed:
        case Execution::State::kCanceled:
          task.state = kFailed;
          break;
        default:
          // NEW or RUNNING: a `weir run` in progress, or for the scheduler an abandoned node.
          task.state = abandoned ? kNone : kRunning;
          break;
      }
    }
    tasks.push_back(std::move(task));
  }
  return tasks;
}

namespace {

// Takes ${WEIR_HOME}/scheduler.lock and writes our pid into it. A scheduler killed while it was
// forking a node leaves a child that shares the lock until it execs or exits, moments later; so
// when the pid in the file is dead, the lock is tried again for a while before giving up.
absl::StatusOr<int> LockHome(const fs::path& home) {
  const fs::path lock_file = home / "scheduler.lock";
  const int lock_fd = open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0) {
    return absl::UnavailableError(
        StrCat("cannot open ", lock_file.string(), ": ", std::strerror(errno)));
  }
  const auto holder_is_dead = [&] {
    char text[32] = {};
    const ssize_t size = pread(lock_fd, text, sizeof(text) - 1, 0);
    const long holder = size > 0 ? std::strtol(text, nullptr, 10) : 0;
    return holder > 0 && kill(static_cast<pid_t>(holder), 0) != 0 && errno == ESRCH;
  };
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    if (!holder_is_dead() || std::chrono::steady_clock::now() > give_up) {
      close(lock_fd);
      return absl::FailedPreconditionError(
          StrCat("another scheduler is running for ", home.string(), " (it holds ",
                 lock_file.string(), "); stop it first, or set WEIR_HOME to another folder"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const std::string pid = StrCat(getpid(), "\n");
  if (ftruncate(lock_fd, 0) != 0 || pwrite(lock_fd, pid.data(), pid.size(), 0) < 0) {
    // The pid is for people looking at the file and for the wait above; the lock is what counts.
  }
  return lock_fd;
}

}  // namespace

Scheduler::Scheduler(SchedulerOptions options, const pipeline::ComponentRegistry& registry,
                     int lock_fd)
    : options_(std::move(options)), registry_(registry), lock_fd_(lock_fd) {}

Scheduler::~Scheduler() {
  StopNodes();
  if (sigchld_fd_ >= 0) close(sigchld_fd_);
  if (lock_fd_ >= 0) close(lock_fd_);
}

absl::StatusOr<std::unique_ptr<Scheduler>> Scheduler::Create(
    SchedulerOptions options, const pipeline::ComponentRegistry& registry) {
  if (options.pipelines_folder.empty()) options.pipelines_folder = PipelinesFolder();
  if (options.weir_binary.empty()) {
    std::error_code error;
    options.weir_binary = fs::read_symlink("/proc/self/exe", error);
    if (error) return absl::InternalError("cannot find the weir executable (/proc/self/exe)");
  }
  if (options.parallelism <= 0) {
    options.parallelism = std::max(1u, std::thread::hardware_concurrency());
  }
  const fs::path home = pipeline::WeirHome();
  std::error_code error;
  fs::create_directories(home, error);
  fs::create_directories(options.pipelines_folder, error);
  ASSIGN_OR_RETURN(const int lock_fd, LockHome(home));
  std::unique_ptr<Scheduler> scheduler(new Scheduler(std::move(options), registry, lock_fd));
  // SIGCHLD arrives on a file descriptor, so that the loop wakes as soon as a node ends.
  sigset_t child;
  sigemptyset(&child);
  sigaddset(&child, SIGCHLD);
  pthread_sigmask(SIG_BLOCK, &child, nullptr);
  scheduler->sigchld_fd_ = signalfd(-1, &child, SFD_NONBLOCK | SFD_CLOEXEC);
  return scheduler;
}

absl::StatusOr<MetadataStore*> Scheduler::Store(const std::string& location) {
  auto found = stores_.find(location);
  if (found != stores_.end()) return found->second.get();
  ASSIGN_OR_RETURN(std::unique_ptr<MetadataStore> store, MetadataStore::Open(location));
  // What node processes left when the last scheduler was killed (they die with it) is closed
  // before anything is scheduled again.
  RETURN_IF_ERROR(orchestrator::CleanUpLeftovers(*store).status());
  return (stores_[location] = std::move(store)).get();
}

absl::Status Scheduler::RefreshPipelines() {
  // Look at modification times first: files are parsed again only when one changed.
  std::map<fs::path, fs::file_time_type> files;
  std::error_code error;
  for (const fs::directory_entry& entry :
       fs::directory_iterator(options_.pipelines_folder, error)) {
    if (entry.is_regular_file(error)) files[entry.path()] = entry.last_write_time(error);
  }
  if (files == seen_files_) return absl::OkStatus();
  seen_files_ = std::move(files);

  std::map<std::string, Pipeline> pipelines;
  for (PipelineFile& file : ScanPipelineFiles(options_.pipelines_folder, registry_)) {
    if (!file.spec.has_value()) {
      // A file that used to hold a pipeline keeps it, marked broken, with its last good spec.
      for (auto& [name, previous] : pipelines_) {
        if (previous.file.file != file.file) continue;
        ASSIGN_OR_RETURN(MetadataStore * store, Store(previous.location));
        RETURN_IF_ERROR(RecordPipelineFile(*store, file, name));
      }
      continue;
    }
    Pipeline entry;
    const std::string name = file.spec->name();
    if (pipelines.contains(name)) continue;  // The first file (in name order) wins.
    ASSIGN_OR_RETURN(entry.location, pipeline::MetadataLocation(*file.spec));
    if (!file.spec->schedule().cron().empty() || file.spec->has_schedule()) {
      absl::StatusOr<CronSchedule> schedule = CronSchedule::Parse(file.spec->schedule().cron());
      if (!schedule.ok()) {
        file.error = StrCat(file.file.string(), ": schedule: ", schedule.status().message());
        file.spec.reset();
        ASSIGN_OR_RETURN(MetadataStore * store, Store(entry.location));
        RETURN_IF_ERROR(RecordPipelineFile(*store, file, name));
        continue;
      }
      entry.schedule = *std::move(schedule);
    }
    ASSIGN_OR_RETURN(MetadataStore * store, Store(entry.location));
    RETURN_IF_ERROR(RecordPipelineFile(*store, file, name));
    entry.file = std::move(file);
    pipelines[name] = std::move(entry);
  }
  // Pipelines whose file broke or went away keep running what they have (their runs finish).
  for (auto& [name, previous] : pipelines_) {
    if (!pipelines.contains(name)) pipelines[name] = std::move(previous);
  }
  pipelines_ = std::move(pipelines);
  return absl::OkStatus();
}

absl::Status Scheduler::QueueDueRuns(const Pipeline& pipeline) {
  if (!pipeline.schedule.has_value() || pipeline.schedule->manual()) return absl::OkStatus();
  const pipeline::PipelineSpec& spec = *pipeline.file.spec;
  ASSIGN_OR_RETURN(MetadataStore * store, Store(pipeline.location));
  ASSIGN_OR_RETURN(PipelineState state, GetPipelineState(*store, spec.name()));
  if (state.paused) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::vector<ScheduledRun> active, ActiveRuns(*store));
  const int max_active = spec.schedule().max_active_runs() > 0
                             ? static_cast<int>(spec.schedule().max_active_runs())
                             : kDefaultMaxActiveRuns;
  const auto mine = std::count_if(active.begin(), active.end(), [&](const ScheduledRun& run) {
    return run.pipeline == spec.name();
  });
  if (mine >= max_active) return absl::OkStatus();

  int64_t start_ms = 0;
  if (!spec.schedule().start_date().empty()) {
    absl::StatusOr<TimePoint> start = ParseUtcTime(spec.schedule().start_date());
    if (start.ok()) start_ms = ToMs(*start);
  }
  const TimePoint now = std::chrono::system_clock::now();
  if (pipeline.schedule->once()) {
    if (state.last_scheduled_ms != 0 || ToMs(now) < start_ms) return absl::OkStatus();
    const int64_t tick = std::max(start_ms, ToMs(now));
    return QueueRun(*store, spec,
                    {.trigger = "scheduled", .logical_date_ms = tick, .scheduled_tick_ms = tick})
        .status();
  }
  // The ticks after the last one queued and after the start date; without catchup, also only
  // those after the pipeline was (last) unpaused.
  int64_t baseline = std::max(state.last_scheduled_ms, start_ms - 1);
  if (!spec.schedule().catchup()) baseline = std::max(baseline, state.unpaused_at_ms);
  if (baseline <= 0) baseline = ToMs(now);
  std::optional<TimePoint> next = pipeline.schedule->NextAfter(FromMs(baseline));
  if (!next.has_value() || *next > now) return absl::OkStatus();
  if (!spec.schedule().catchup()) {
    // Only the latest tick that has come.
    std::optional<TimePoint> latest = pipeline.schedule->PreviousAtOrBefore(now);
    if (latest.has_value()) next = latest;
  }
  // The run covers the interval since the tick before (Airflow's data interval), and so reads
  // the span of that interval's day, catch-up runs included.
  const std::optional<TimePoint> interval_start =
      pipeline.schedule->PreviousAtOrBefore(*next - std::chrono::milliseconds(1));
  return QueueRun(*store, spec,
                  {.trigger = "scheduled",
                   .logical_date_ms = ToMs(*next),
                   .scheduled_tick_ms = ToMs(*next),
                   .data_interval_start_ms = interval_start ? ToMs(*interval_start) : 0})
      .status();
}

absl::Status Scheduler::Reap() {
  if (sigchld_fd_ >= 0) {
    signalfd_siginfo info;
    while (read(sigchld_fd_, &info, sizeof info) == sizeof info) {
    }
  }
  while (true) {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return absl::OkStatus();
    auto found = children_.find(pid);
    if (found == children_.end()) continue;
    const Child child = std::move(found->second);
    children_.erase(found);
    const bool succeeded = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    std::string why;
    if (child.terminated) {
      why = "timed out";
    } else if (WIFSIGNALED(status)) {
      why = StrCat("killed by signal ", WTERMSIG(status), " (", strsignal(WTERMSIG(status)), ")");
    } else if (!succeeded) {
      why = StrCat("exit code ", WEXITSTATUS(status));
    }
    RETURN_IF_ERROR(NodeEnded(child, succeeded, why));
  }
}

absl::Status Scheduler::NodeEnded(const Child& child, bool succeeded, const std::string& why) {
  ASSIGN_OR_RETURN(MetadataStore * store, Store(child.location));
  // An execution the process left RUNNING (it was killed) is CANCELED, so that no one waits for it.
  ASSIGN_OR_RETURN(std::vector<Execution> executions,
                   store->GetExecutionsByContext(child.run_context));
  for (Execution& execution : executions) {
    if (GetString(execution.custom_properties, metadata::kNodeIdProperty) != child.node) continue;
    if (execution.last_known_state == Execution::State::kRunning ||
        execution.last_known_state == Execution::State::kNew) {
      RETURN_IF_ERROR(orchestrator::AbandonExecution(*store, execution,
                                                     StrCat("the node's process ended: ", why)));
    }
  }
  if (succeeded) {
    // From now on its execution (COMPLETE or CACHED) says how it went.
    return UpdateRun(*store, child.run_context, [&](Properties& properties) {
      properties.erase(TaskKey(child.node, "state"));
    });
  }
  const Pipeline& pipeline = pipelines_.at(child.pipeline);
  const pipeline::NodeSpec* node = nullptr;
  for (const pipeline::NodeSpec& candidate : pipeline.file.spec->nodes()) {
    if (candidate.id() == child.node) node = &candidate;
  }
  const int64_t retries = node != nullptr ? node->retries() : 0;
  const double delay = node != nullptr && node->retry_delay_seconds() > 0
                           ? node->retry_delay_seconds()
                           : kDefaultRetryDelaySeconds;
  return UpdateRun(*store, child.run_context, [&](Properties& properties) {
    if (!why.empty()) properties[TaskKey(child.node, "error")] = why;
    if (child.try_number <= retries) {
      properties[TaskKey(child.node, "state")] = std::string(kUpForRetry);
      const double wait = delay * std::pow(2.0, static_cast<double>(child.try_number - 1));
      properties[TaskKey(child.node, "retry_at")] = NowMs() + static_cast<int64_t>(wait * 1000);
    } else {
      properties[TaskKey(child.node, "state")] = std::string(kFailed);
    }
  });
}

absl::Status Scheduler::Launch(MetadataStore& store, const ScheduledRun& run,
                               const Pipeline& pipeline, const pipeline::NodeSpec& node) {
  const int64_t try_number = GetInt(run.properties, TaskKey(node.id(), "try")) + 1;
  RETURN_IF_ERROR(UpdateRun(store, run.context_id, [&](Properties& properties) {
    properties[TaskKey(node.id(), "try")] = try_number;
    properties[TaskKey(node.id(), "state")] = std::string(kRunning);
    properties.erase(TaskKey(node.id(), "retry_at"));
    properties.erase(TaskKey(node.id(), "error"));
  }));
  const fs::path log = pipeline::WeirHome() / "logs" / run.pipeline / run.run_id /
                       StrCat(node.id(), ".attempt-", try_number, ".log");
  std::error_code error;
  fs::create_directories(log.parent_path(), error);

  // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
  const std::string binary = options_.weir_binary.string();
  const std::string file = pipeline.file.file.string();
  std::vector<std::string> arguments = {"weir",  "run-node", "--pipeline", file,
                                        "--run", run.run_id, "--node",     node.id()};
  std::vector<char*> argv;
  for (std::string& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);
  std::vector<std::string> environment;
  for (char** variable = environ; *variable != nullptr; ++variable) {
    if (std::strncmp(*variable, "WEIR_NODE_LOG=", 14) != 0) environment.emplace_back(*variable);
  }
  environment.push_back(StrCat("WEIR_NODE_LOG=", log.string()));
  std::vector<char*> envp;
  for (std::string& variable : environment) envp.push_back(variable.data());
  envp.push_back(nullptr);
  const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    return absl::UnavailableError(StrCat("cannot open ", log.string(), ": ", std::strerror(errno)));
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    return absl::ResourceExhaustedError(StrCat("fork: ", std::strerror(errno)));
  }
  if (pid == 0) {
    // The node dies with the scheduler; the next scheduler starts it again.
    close(lock_fd_);  // Only the scheduler holds the lock; exec would close it, but later.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    const int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    execve(binary.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  close(log_fd);
  Child& child = children_[pid];
  child.location = pipeline.location;
  child.pipeline = run.pipeline;
  child.run_id = run.run_id;
  child.run_context = run.context_id;
  child.node = node.id();
  child.try_number = try_number;
  child.started = std::chrono::steady_clock::now();
  child.deadline = node.timeout_seconds() > 0
                       ? child.started + std::chrono::milliseconds(
                                             static_cast<int64_t>(node.timeout_seconds() * 1000))
                       : std::chrono::steady_clock::time_point::max();
  return absl::OkStatus();
}

absl::Status Scheduler::Advance(MetadataStore& store, const ScheduledRun& queued,
                                const Pipeline& pipeline) {
  if (!pipeline.file.spec.has_value()) return absl::OkStatus();  // Broken: wait for a fix.
  const pipeline::PipelineSpec& spec = *pipeline.file.spec;
  ScheduledRun run = queued;
  if (run.state == kQueued) {
    // As in Airflow, a paused pipeline's triggered runs wait for it to be unpaused.
    ASSIGN_OR_RETURN(PipelineState pipeline_state, GetPipelineState(store, spec.name()));
    if (pipeline_state.paused) return absl::OkStatus();
    ASSIGN_OR_RETURN(std::vector<ScheduledRun> active, ActiveRuns(store));
    const int max_active = spec.schedule().max_active_runs() > 0
                               ? static_cast<int>(spec.schedule().max_active_runs())
                               : kDefaultMaxActiveRuns;
    const auto running = std::count_if(active.begin(), active.end(), [&](const ScheduledRun& r) {
      return r.pipeline == spec.name() && r.state == kRunning;
    });
    if (running >= max_active) return absl::OkStatus();
    RETURN_IF_ERROR(UpdateRun(store, run.context_id, [&](Properties& properties) {
      properties[metadata::kRunStateProperty] = std::string(kRunning);
      if (GetInt(properties, metadata::kStartedAtProperty) == 0)
        properties[metadata::kStartedAtProperty] = NowMs();
      properties.erase(metadata::kEndedAtProperty);
    }));
    ASSIGN_OR_RETURN(run, GetRun(store, run.pipeline, run.run_id));
  }

  std::map<std::string, bool> running;
  for (const auto& [pid, child] : children_) {
    if (child.run_context == run.context_id) running[child.node] = true;
  }
  ASSIGN_OR_RETURN(std::vector<Execution> executions, store.GetExecutionsByContext(run.context_id));
  std::vector<TaskView> tasks = TaskStates(spec, executions, run.properties, &running);
  std::map<std::string, std::string> state;
  for (const TaskView& task : tasks) state[task.node] = task.state;

  ASSIGN_OR_RETURN(std::vector<const pipeline::NodeSpec*> order, pipeline::ExecutionOrder(spec));
  std::vector<std::string> upstream_failed;
  const int64_t now = NowMs();
  for (const pipeline::NodeSpec* node : order) {
    std::string& mine = state[node->id()];
    if (mine != kNone && mine != kUpForRetry) continue;
    if (mine == kUpForRetry && GetInt(run.properties, TaskKey(node->id(), "retry_at")) > now) {
      continue;
    }
    bool ready = true;
    bool blocked = false;
    for (const auto& [input, reference] : node->inputs()) {
      const std::string& upstream = state[reference.substr(0, reference.find('.'))];
      ready = ready && Succeeded(upstream);
      blocked =
          blocked || upstream == kFailed || upstream == kUpstreamFailed || upstream == kSkipped;
    }
    if (blocked) {
      mine = kUpstreamFailed;
      upstream_failed.push_back(node->id());
      continue;
    }
    if (!ready || children_.size() >= static_cast<size_t>(options_.parallelism)) continue;
    // A RUNNING execution nobody looks after any more (the scheduler was killed) is canceled
    // before the node starts again.
    for (Execution& execution : executions) {
      if (GetString(execution.custom_properties, metadata::kNodeIdProperty) == node->id() &&
          (execution.last_known_state == Execution::State::kRunning ||
           execution.last_known_state == Execution::State::kNew)) {
        RETURN_IF_ERROR(
            orchestrator::AbandonExecution(store, execution, "abandoned: its scheduler stopped"));
      }
    }
    RETURN_IF_ERROR(Launch(store, run, pipeline, *node));
    ASSIGN_OR_RETURN(run, GetRun(store, run.pipeline, run.run_id));
    mine = kRunning;
  }
  if (!upstream_failed.empty()) {
    RETURN_IF_ERROR(UpdateRun(store, run.context_id, [&](Properties& properties) {
      for (const std::string& node : upstream_failed) {
        properties[TaskKey(node, "state")] = std::string(kUpstreamFailed);
      }
    }));
  }
  const bool done = std::all_of(state.begin(), state.end(),
                                [](const auto& entry) { return Finished(entry.second); });
  if (!done) return absl::OkStatus();
  const bool failed = std::any_of(state.begin(), state.end(), [](const auto& entry) {
    return entry.second == kFailed || entry.second == kUpstreamFailed;
  });
  return UpdateRun(store, run.context_id, [&](Properties& properties) {
    properties[metadata::kRunStateProperty] = std::string(failed ? kFailed : kSuccess);
    properties[metadata::kEndedAtProperty] = NowMs();
  });
}

void Scheduler::EnforceTimeouts() {
  const auto now = std::chrono::steady_clock::now();
  for (auto& [pid, child] : children_) {
    if (now < child.deadline) continue;
    if (!child.terminated) {
      kill(pid, SIGTERM);
      child.terminated = true;
      child.deadline = now + kTerminateGrace;
    } else {
      kill(pid, SIGKILL);
    }
  }
}

absl::Status Scheduler::Tick() {
  RETURN_IF_ERROR(RefreshPipelines());
  RETURN_IF_ERROR(Reap());
  EnforceTimeouts();
  std::set<std::string> locations;
  for (const auto& [name, pipeline] : pipelines_) {
    if (pipeline.file.spec.has_value()) RETURN_IF_ERROR(QueueDueRuns(pipeline));
    locations.insert(pipeline.location);
  }
  for (const std::string& location : locations) {
    ASSIGN_OR_RETURN(MetadataStore * store, Store(location));
    ASSIGN_OR_RETURN(std::vector<ScheduledRun> runs, ActiveRuns(*store));
    for (const ScheduledRun& run : runs) {
      auto pipeline = pipelines_.find(run.pipeline);
      if (pipeline == pipelines_.end() || pipeline->second.location != location) continue;
      RETURN_IF_ERROR(Advance(*store, run, pipeline->second));
    }
  }
  return absl::OkStatus();
}

absl::Status Scheduler::Run(const std::atomic<bool>& stop) {
  absl::Status status;
  while (!stop.load()) {
    status = Tick();
    if (!status.ok()) break;
    pollfd wait{.fd = sigchld_fd_, .events = POLLIN, .revents = 0};
    poll(&wait, sigchld_fd_ >= 0 ? 1 : 0, static_cast<int>(options_.poll.count()));
  }
  StopNodes();
  return status;
}

void Scheduler::StopNodes() {
  // Node processes would die with us anyway (PR_SET_PDEATHSIG); ending and reaping them here
  // means none is left writing to the store or holding our lock once we are gone.
  for (auto& [pid, child] : children_) kill(pid, SIGTERM);
  const auto give_up = std::chrono::steady_clock::now() + kTerminateGrace;
  while (!children_.empty() && std::chrono::steady_clock::now() < give_up) {
    for (auto it = children_.begin(); it != children_.end();) {
      int child_status = 0;
      if (waitpid(it->first, &child_status, WNOHANG) == it->first) {
        it = children_.erase(it);
      } else {
        ++it;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (auto& [pid, child] : children_) {
    kill(pid, SIGKILL);
    int child_status = 0;
    waitpid(pid, &child_status, 0);
  }
  children_.clear();
}

}  // namespace weir::scheduler
