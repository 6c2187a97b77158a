// weir init, weir scheduler, weir pipelines list|pause|unpause|trigger, weir runs list,
// weir tasks logs|clear|mark-success: the Airflow-like side of weir.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <set>
#include <thread>

#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "weir/base/files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/cli/command.h"
#include "weir/cli/metadata_view.h"
#include "weir/orchestrator/local_runner.h"
#include "weir/pipeline/pipeline_spec.h"
#include "weir/scheduler/catalog.h"
#include "weir/scheduler/cron.h"
#include "weir/scheduler/scheduler.h"

namespace weir::cli {
namespace {
namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;
using metadata::MetadataStore;
using scheduler::GetInt;
using scheduler::GetString;
using scheduler::TaskKey;

constexpr char kSettingsTemplate[] =
    R"(# weir's settings for this WEIR_HOME (written by `weir init`).
webserver:
  # The UI and API listen here. Binding anything but 127.0.0.1 needs an auth token: set
  # auth_token_env to the name of an environment variable that holds it.
  bind: 127.0.0.1
  port: 8080
  # auth_token_env: WEIR_TOKEN
scheduler:
  parallelism: 0  # Node processes at once; 0: one per core.
)";

// Where `weir init --example` finds examples: $WEIR_EXAMPLES, the installed share folder, or the
// source tree this binary was built from.
fs::path ExamplesFolder() {
  if (const char* folder = std::getenv("WEIR_EXAMPLES"); folder != nullptr && *folder != '\0') {
    return folder;
  }
  std::error_code error;
  const fs::path exe = fs::read_symlink("/proc/self/exe", error);
  if (!error) {
    const fs::path installed = exe.parent_path().parent_path() / "share" / "weir" / "examples";
    if (fs::is_directory(installed, error)) return installed;
  }
  return WEIR_EXAMPLES_DIR;
}

absl::Status Init(const std::string& example) {
  const fs::path home = pipeline::WeirHome();
  std::error_code error;
  fs::create_directories(scheduler::PipelinesFolder(), error);
  if (error) {
    return absl::UnavailableError(
        StrCat("cannot create ", scheduler::PipelinesFolder().string(), ": ", error.message()));
  }
  const fs::path settings = home / "weir.yaml";
  if (!fs::exists(settings, error)) {
    RETURN_IF_ERROR(base::WriteFileAtomically(settings, kSettingsTemplate));
  }
  std::cout << "WEIR_HOME is " << home.string() << " (settings: " << settings.string()
            << ", pipelines: " << scheduler::PipelinesFolder().string() << ")\n";
  if (example.empty()) return absl::OkStatus();
  const fs::path source = ExamplesFolder() / example;
  if (!fs::is_regular_file(source / "pipeline.yaml", error)) {
    std::vector<std::string> known;
    for (const auto& entry : fs::directory_iterator(ExamplesFolder(), error)) {
      if (fs::is_regular_file(entry.path() / "pipeline.yaml")) {
        known.push_back(entry.path().filename().string());
      }
    }
    std::sort(known.begin(), known.end());
    return absl::NotFoundError(StrCat("no example '", example, "' in ", ExamplesFolder().string(),
                                      " (examples: ", absl::StrJoin(known, ", "), ")"));
  }
  const fs::path target = home / "examples" / example;
  if (fs::exists(target, error)) {
    std::cout << "The " << example << " example is already in " << target.string()
              << "; left as it is.\n";
  } else {
    fs::create_directories(target.parent_path(), error);
    fs::copy(source, target, fs::copy_options::recursive, error);
    if (error) {
      return absl::UnavailableError(
          StrCat("cannot copy ", source.string(), " to ", target.string(), ": ", error.message()));
    }
    std::cout << "Copied the " << example << " example to " << target.string() << "\n";
  }
  // Linked, not copied: the pipeline's relative paths (its data) resolve beside the real file,
  // and editing either name edits the one pipeline.
  const fs::path link = scheduler::PipelinesFolder() / StrCat(example, ".yaml");
  if (!fs::exists(fs::symlink_status(link, error))) {
    fs::create_symlink(target / "pipeline.yaml", link, error);
    if (error) {
      return absl::UnavailableError(
          StrCat("cannot link ", link.string(), " to the example: ", error.message()));
    }
  }
  std::cout << "Pipeline file: " << link.string() << " -> " << (target / "pipeline.yaml").string()
            << "\nStart it with `weir standalone` (UI on http://127.0.0.1:8080), or "
               "`weir scheduler` and `weir pipelines unpause "
            << example << "`.\n";
  return absl::OkStatus();
}

// The pipeline file that defines `name` in the pipelines folder. Errors: NotFound listing those
// there are; FailedPrecondition when its file does not compile.
absl::StatusOr<scheduler::PipelineFile> FindPipeline(const std::string& name,
                                                     const pipeline::ComponentRegistry& registry) {
  std::vector<std::string> known;
  for (scheduler::PipelineFile& file :
       scheduler::ScanPipelineFiles(scheduler::PipelinesFolder(), registry)) {
    if (file.spec.has_value() && file.spec->name() == name) return file;
    if (file.spec.has_value()) known.push_back(file.spec->name());
  }
  return absl::NotFoundError(
      StrCat("no pipeline named '", name, "' in ", scheduler::PipelinesFolder().string(),
             " (pipelines: ", known.empty() ? "none" : absl::StrJoin(known, ", "), ")"));
}

absl::StatusOr<std::unique_ptr<MetadataStore>> OpenStoreOf(const pipeline::PipelineSpec& spec) {
  ASSIGN_OR_RETURN(std::string location, pipeline::MetadataLocation(spec));
  return MetadataStore::Open(location);
}

std::string MsToTime(int64_t ms) { return ms == 0 ? "" : FormatUtcTime(ms); }

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
    ASSIGN_OR_RETURN(auto store, OpenStoreOf(spec));
    ASSIGN_OR_RETURN(scheduler::PipelineState state,
                     scheduler::GetPipelineState(*store, spec.name()));
    Json entry;
    entry["name"] = spec.name();
    entry["file"] = file.file.string();
    entry["paused"] = state.paused;
    entry["schedule"] = spec.schedule().cron();
    absl::StatusOr<scheduler::CronSchedule> cron =
        scheduler::CronSchedule::Parse(spec.schedule().cron());
    entry["schedule_description"] = cron.ok() ? cron->Describe() : "";
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
    entry["error"] = cron.ok() ? Json(nullptr) : Json(std::string(cron.status().message()));
    pipelines.push_back(std::move(entry));
  }
  return Json{{"pipelines", std::move(pipelines)}, {"broken", std::move(broken)}};
}

std::string RenderPipelines(const Json& view) {
  std::string out;
  if (view["pipelines"].empty()) {
    out += StrCat("No pipelines in ", scheduler::PipelinesFolder().string(),
                  " (weir init --example taxi adds one).\n");
  }
  for (const Json& p : view["pipelines"]) {
    std::string runs;
    for (const Json& run : p["recent_runs"]) {
      runs += StrCat(runs.empty() ? "" : " ", run["state"].get<std::string>());
    }
    out += StrCat(
        p["name"].get<std::string>(), p["paused"].get<bool>() ? "  [paused]" : "",
        "\n  file: ", p["file"].get<std::string>(), "\n  schedule: ",
        p["schedule"].get<std::string>().empty() ? "none (manual runs only)"
                                                 : p["schedule_description"].get<std::string>(),
        p["next_run"].is_null() ? "" : StrCat(", next run ", p["next_run"].get<std::string>()),
        "\n  recent runs (newest first): ", runs.empty() ? "none" : runs, "\n");
  }
  for (const Json& b : view["broken"]) {
    out += StrCat("BROKEN ", b["file"].get<std::string>(), "\n  ", b["error"].get<std::string>(),
                  "\n");
  }
  return out;
}

// The run of `run_id` and the pipeline it belongs to: `pipeline` when given, else the one
// pipeline in the folder that has such a run.
struct RunHandle {
  scheduler::PipelineFile file;
  std::unique_ptr<MetadataStore> store;
  scheduler::ScheduledRun run;
};

absl::StatusOr<RunHandle> FindRun(const std::string& run_id, const std::string& pipeline_name,
                                  const pipeline::ComponentRegistry& registry) {
  std::vector<RunHandle> found;
  for (scheduler::PipelineFile& file :
       scheduler::ScanPipelineFiles(scheduler::PipelinesFolder(), registry)) {
    if (!file.spec.has_value()) continue;
    if (!pipeline_name.empty() && file.spec->name() != pipeline_name) continue;
    ASSIGN_OR_RETURN(auto store, OpenStoreOf(*file.spec));
    absl::StatusOr<scheduler::ScheduledRun> run =
        scheduler::GetRun(*store, file.spec->name(), run_id);
    if (absl::IsNotFound(run.status())) continue;
    RETURN_IF_ERROR(run.status());
    found.push_back({std::move(file), std::move(store), *std::move(run)});
  }
  if (found.empty()) {
    return absl::NotFoundError(StrCat("no run '", run_id, "'",
                                      pipeline_name.empty() ? "" : StrCat(" of ", pipeline_name),
                                      " (weir runs list shows the runs)"));
  }
  if (found.size() > 1) {
    return absl::InvalidArgumentError(
        StrCat("several pipelines have a run '", run_id, "'; name one with --pipeline NAME"));
  }
  return std::move(found.front());
}

const pipeline::NodeSpec* FindNode(const pipeline::PipelineSpec& spec, const std::string& id) {
  for (const pipeline::NodeSpec& node : spec.nodes()) {
    if (node.id() == id) return &node;
  }
  return nullptr;
}

absl::Status CheckNode(const pipeline::PipelineSpec& spec, const std::string& node) {
  if (FindNode(spec, node) != nullptr) return absl::OkStatus();
  std::vector<std::string> ids;
  for (const pipeline::NodeSpec& n : spec.nodes()) ids.push_back(n.id());
  return absl::NotFoundError(StrCat("pipeline ", spec.name(), " has no node '", node,
                                    "' (nodes: ", absl::StrJoin(ids, ", "), ")"));
}

// `node` and, with `downstream`, every node that reads from it, directly or not.
std::vector<std::string> WithDownstream(const pipeline::PipelineSpec& spec, const std::string& node,
                                        bool downstream) {
  std::set<std::string> chosen = {node};
  bool grew = downstream;
  while (grew) {
    grew = false;
    for (const pipeline::NodeSpec& n : spec.nodes()) {
      if (chosen.contains(n.id())) continue;
      for (const auto& [input, reference] : n.inputs()) {
        if (chosen.contains(reference.substr(0, reference.find('.')))) {
          chosen.insert(n.id());
          grew = true;
          break;
        }
      }
    }
  }
  std::vector<std::string> ordered;
  for (const pipeline::NodeSpec& n : spec.nodes()) {
    if (chosen.contains(n.id())) ordered.push_back(n.id());
  }
  return ordered;
}

// The newest attempt's log of a node in a run (the scheduler writes one per attempt), or the
// node log `weir run` writes. Empty when there is none yet.
fs::path LatestLog(const std::string& pipeline, const std::string& run, const std::string& node,
                   int64_t tries) {
  const fs::path folder = pipeline::WeirHome() / "logs" / pipeline / run;
  for (int64_t attempt = tries; attempt >= 1; --attempt) {
    const fs::path file = folder / StrCat(node, ".attempt-", attempt, ".log");
    if (fs::exists(file)) return file;
  }
  const fs::path single = folder / StrCat(node, ".log");
  return fs::exists(single) ? single : fs::path();
}

void AddPipelinesCommand(CLI::App& app, int& exit_code) {
  CLI::App* pipelines = app.add_subcommand(
      "pipelines",
      "The pipelines in ${WEIR_HOME}/pipelines (Airflow's dags folder): list them, pause or "
      "unpause their schedules, trigger a run.");
  pipelines->require_subcommand(1);
  pipelines->footer(
      "New pipelines start paused, as in Airflow. A triggered run is queued: the scheduler "
      "(weir scheduler, or weir standalone) starts it.\n\nExamples:\n"
      "  weir pipelines list\n  weir pipelines unpause taxi\n"
      "  weir pipelines trigger taxi --conf '{\"note\": \"retrain\"}'");
  {
    auto json = std::make_shared<bool>(false);
    CLI::App* cmd = pipelines->add_subcommand(
        "list",
        "Each pipeline: paused or not, schedule, next run, recent runs; broken files "
        "with their errors.");
    cmd->add_flag("--json", *json, "Print JSON (the web API's /api/pipelines)");
    cmd->callback([json, &exit_code]() {
      pipeline::ComponentRegistry registry;
      pipeline::RegisterBuiltins(registry);
      absl::StatusOr<Json> view = ListPipelines(registry);
      if (!view.ok()) {
        exit_code = ReportError("pipelines list", view.status());
        return;
      }
      std::cout << (*json ? view->dump(2) + "\n" : RenderPipelines(*view));
    });
  }
  for (const bool pause : {true, false}) {
    auto name = std::make_shared<std::string>();
    const std::string verb = pause ? "pause" : "unpause";
    CLI::App* cmd = pipelines->add_subcommand(
        verb, pause ? "Stop scheduling the pipeline's runs (running ones finish)."
                    : "Schedule the pipeline's runs from its next cron tick on.");
    cmd->add_option("name", *name, "The pipeline's name")->required();
    cmd->callback([name, pause, verb, &exit_code]() {
      pipeline::ComponentRegistry registry;
      pipeline::RegisterBuiltins(registry);
      absl::Status status = [&]() -> absl::Status {
        ASSIGN_OR_RETURN(scheduler::PipelineFile file, FindPipeline(*name, registry));
        ASSIGN_OR_RETURN(auto store, OpenStoreOf(*file.spec));
        return scheduler::SetPaused(*store, *name, pause);
      }();
      if (!status.ok()) {
        exit_code = ReportError(StrCat("pipelines ", verb), status);
        return;
      }
      std::cout << *name << (pause ? " paused\n" : " unpaused\n");
    });
  }
  {
    auto name = std::make_shared<std::string>();
    auto conf = std::make_shared<std::string>("{}");
    CLI::App* cmd = pipelines->add_subcommand(
        "trigger", "Queue a run of the pipeline now (paused or not); prints its run id.");
    cmd->add_option("name", *name, "The pipeline's name")->required();
    cmd->add_option("--conf", *conf, "A JSON object recorded with the run (default {})")
        ->type_name("JSON");
    cmd->callback([name, conf, &exit_code]() {
      pipeline::ComponentRegistry registry;
      pipeline::RegisterBuiltins(registry);
      absl::StatusOr<std::string> run_id = [&]() -> absl::StatusOr<std::string> {
        const Json parsed = Json::parse(*conf, nullptr, /*allow_exceptions=*/false);
        if (parsed.is_discarded() || !parsed.is_object()) {
          return absl::InvalidArgumentError(
              StrCat("--conf must be a JSON object, e.g. '{\"key\": 1}', not ", *conf));
        }
        ASSIGN_OR_RETURN(scheduler::PipelineFile file, FindPipeline(*name, registry));
        ASSIGN_OR_RETURN(auto store, OpenStoreOf(*file.spec));
        return scheduler::QueueRun(*store, *file.spec,
                                   {.trigger = "manual", .conf_json = parsed.dump()});
      }();
      if (!run_id.ok()) {
        exit_code = ReportError("pipelines trigger", run_id.status());
        return;
      }
      std::cout << *run_id << "\n";
    });
  }
}

void AddTasksCommand(CLI::App& app, int& exit_code) {
  CLI::App* tasks = app.add_subcommand(
      "tasks", "One node of a run (a task, in Airflow's words): its log, clear it, mark it done.");
  tasks->require_subcommand(1);
  struct TaskFlags {
    std::string run;
    std::string node;
    std::string pipeline;
  };
  auto add_task_flags = [](CLI::App* cmd, TaskFlags& flags) {
    cmd->add_option("run", flags.run, "The run id (weir runs list)")->required();
    cmd->add_option("node", flags.node, "The node id")->required();
    cmd->add_option("--pipeline", flags.pipeline,
                    "The pipeline's name, when several have a run of that id")
        ->type_name("NAME");
  };
  {
    auto flags = std::make_shared<TaskFlags>();
    auto follow = std::make_shared<bool>(false);
    CLI::App* cmd = tasks->add_subcommand(
        "logs", "Print the node's log in the run (its latest attempt's, when it ran several).");
    add_task_flags(cmd, *flags);
    cmd->add_flag("--follow,-f", *follow, "Keep printing as the log grows, until the node ends");
    cmd->callback([flags, follow, &exit_code]() {
      pipeline::ComponentRegistry registry;
      pipeline::RegisterBuiltins(registry);
      absl::Status status = [&]() -> absl::Status {
        ASSIGN_OR_RETURN(RunHandle handle, FindRun(flags->run, flags->pipeline, registry));
        RETURN_IF_ERROR(CheckNode(*handle.file.spec, flags->node));
        std::streamoff printed = 0;
        while (true) {
          ASSIGN_OR_RETURN(handle.run,
                           scheduler::GetRun(*handle.store, handle.run.pipeline, flags->run));
          ASSIGN_OR_RETURN(std::vector<metadata::Execution> executions,
                           handle.store->GetExecutionsByContext(handle.run.context_id));
          const std::vector<scheduler::TaskView> states =
              scheduler::TaskStates(*handle.file.spec, executions, handle.run.properties, nullptr);
          std::string state;
          int64_t tries = 0;
          for (const scheduler::TaskView& task : states) {
            if (task.node == flags->node) {
              state = task.state;
              tries = task.try_number;
            }
          }
          const fs::path log = LatestLog(handle.run.pipeline, flags->run, flags->node, tries);
          if (!log.empty()) {
            std::ifstream in(log, std::ios::binary);
            in.seekg(printed);
            std::string chunk((std::istreambuf_iterator<char>(in)), {});
            std::cout << chunk << std::flush;
            printed += static_cast<std::streamoff>(chunk.size());
          } else if (!*follow) {
            std::cout << "No log yet: " << flags->node << " has not started in run " << flags->run
                      << ".\n";
          }
          const bool active =
              state == scheduler::kRunning || state == scheduler::kQueued ||
              state == scheduler::kUpForRetry ||
              (state == scheduler::kNone &&
               (handle.run.state == scheduler::kQueued || handle.run.state == scheduler::kRunning));
          if (!*follow || !active) return absl::OkStatus();
          std::this_thread::sleep_for(std::chrono::milliseconds(500));
        }
      }();
      if (!status.ok()) exit_code = ReportError("tasks logs", status);
    });
  }
  {
    auto flags = std::make_shared<TaskFlags>();
    auto downstream = std::make_shared<bool>(false);
    CLI::App* cmd = tasks->add_subcommand(
        "clear", "Run the node again in its run (and, with --downstream, the nodes after it).");
    add_task_flags(cmd, *flags);
    cmd->add_flag("--downstream", *downstream, "Also clear every node downstream of it");
    cmd->footer(
        "The run goes back to queued and the scheduler runs the cleared nodes again; a node "
        "whose inputs and parameters did not change is taken from the cache.");
    cmd->callback([flags, downstream, &exit_code]() {
      pipeline::ComponentRegistry registry;
      pipeline::RegisterBuiltins(registry);
      absl::StatusOr<std::vector<std::string>> cleared =
          [&]() -> absl::StatusOr<std::vector<std::string>> {
        ASSIGN_OR_RETURN(RunHandle handle, FindRun(flags->run, flags->pipeline, registry));
        RETURN_IF_ERROR(CheckNode(*handle.file.spec, flags->node));
        std::vector<std::string> nodes =
            WithDownstream(*handle.file.spec, flags->node, *downstream);
        ASSIGN_OR_RETURN(std::vector<metadata::Execution> executions,
                         handle.store->GetExecutionsByContext(handle.run.context_id));
        RETURN_IF_ERROR(scheduler::UpdateRun(
            *handle.store, handle.run.context_id, [&](metadata::Properties& properties) {
              for (const std::string& node : nodes) {
                int64_t last = 0;
                for (const metadata::Execution& execution : executions) {
                  if (GetString(execution.custom_properties, "node_id") == node) {
                    last = std::max(last, execution.id);
                  }
                }
                properties[TaskKey(node, "cleared_after")] = last;
                properties.erase(TaskKey(node, "state"));
                properties.erase(TaskKey(node, "retry_at"));
                properties.erase(TaskKey(node, "error"));
              }
              // A run made by `weir run` becomes the scheduler's from here on.
              properties["pipeline"] = handle.run.pipeline;
              properties["run_id"] = flags->run;
              properties["state"] = std::string(scheduler::kQueued);
              properties.erase("ended_at");
            }));
        return nodes;
      }();
      if (!cleared.ok()) {
        exit_code = ReportError("tasks clear", cleared.status());
        return;
      }
      std::cout << "Cleared " << absl::StrJoin(*cleared, ", ") << " in run " << flags->run
                << "; the scheduler runs them again.\n";
    });
  }
  {
    auto flags = std::make_shared<TaskFlags>();
    CLI::App* cmd = tasks->add_subcommand(
        "mark-success", "Count the node as succeeded in its run, so the nodes after it can run.");
    add_task_flags(cmd, *flags);
    cmd->callback([flags, &exit_code]() {
      pipeline::ComponentRegistry registry;
      pipeline::RegisterBuiltins(registry);
      absl::Status status = [&]() -> absl::Status {
        ASSIGN_OR_RETURN(RunHandle handle, FindRun(flags->run, flags->pipeline, registry));
        RETURN_IF_ERROR(CheckNode(*handle.file.spec, flags->node));
        const std::vector<std::string> after =
            WithDownstream(*handle.file.spec, flags->node, /*downstream=*/true);
        return scheduler::UpdateRun(
            *handle.store, handle.run.context_id, [&](metadata::Properties& properties) {
              properties[TaskKey(flags->node, "state")] = std::string(scheduler::kSuccess);
              // Nodes held back by this one's failure may run now.
              for (const std::string& node : after) {
                if (GetString(properties, TaskKey(node, "state")) == scheduler::kUpstreamFailed) {
                  properties.erase(TaskKey(node, "state"));
                }
              }
              properties["pipeline"] = handle.run.pipeline;
              properties["run_id"] = flags->run;
              const std::string state = GetString(properties, "state");
              if (state != scheduler::kRunning) {
                properties["state"] = std::string(scheduler::kQueued);
              }
              properties.erase("ended_at");
            });
      }();
      if (!status.ok()) {
        exit_code = ReportError("tasks mark-success", status);
        return;
      }
      std::cout << flags->node << " marked success in run " << flags->run << "\n";
    });
  }
}

std::atomic<bool> stop_requested{false};

}  // namespace

void AddSchedulerCommands(CLI::App& app, int& exit_code) {
  {
    auto example = std::make_shared<std::string>();
    CLI::App* cmd = app.add_subcommand(
        "init",
        "Create WEIR_HOME: a settings file (weir.yaml) and the pipelines folder; with "
        "--example, an example pipeline and its data.");
    cmd->add_option("--example", *example, "Add this example (e.g. taxi, the TFX tutorial's)")
        ->type_name("NAME");
    cmd->footer(
        "WEIR_HOME is $WEIR_HOME, or ~/weir. Running init again changes nothing that exists.\n\n"
        "Example:\n  weir init --example taxi && weir standalone");
    cmd->callback([example, &exit_code]() {
      absl::Status status = Init(*example);
      if (!status.ok()) exit_code = ReportError("init", status);
    });
  }
  {
    auto parallelism = std::make_shared<int>(0);
    CLI::App* cmd = app.add_subcommand(
        "scheduler",
        "Run the scheduler: watch ${WEIR_HOME}/pipelines, queue runs on their cron schedules and "
        "when triggered, and run each node as a child process (weir run-node).");
    cmd->add_option("--parallelism", *parallelism,
                    "Node processes at once (default: one per core)");
    cmd->footer(
        "Stops on Ctrl-C or SIGTERM. Its state lives in the metadata store, so a scheduler "
        "started again carries on where the last one stopped: nodes that finished are not run "
        "again. Logs: ${WEIR_HOME}/logs/<pipeline>/<run>/<node>.attempt-<n>.log.");
    cmd->callback([parallelism, &exit_code]() {
      pipeline::ComponentRegistry registry;
      pipeline::RegisterBuiltins(registry);
      auto scheduler = scheduler::Scheduler::Create({.parallelism = *parallelism}, registry);
      if (!scheduler.ok()) {
        exit_code = ReportError("scheduler", scheduler.status());
        return;
      }
      struct sigaction action {};
      action.sa_handler = [](int) { stop_requested = true; };
      sigaction(SIGINT, &action, nullptr);
      sigaction(SIGTERM, &action, nullptr);
      std::cerr << "weir scheduler: watching " << scheduler::PipelinesFolder().string() << "\n";
      absl::Status status = (*scheduler)->Run(stop_requested);
      if (!status.ok()) exit_code = ReportError("scheduler", status);
    });
  }
  AddPipelinesCommand(app, exit_code);
  AddTasksCommand(app, exit_code);
}

}  // namespace weir::cli
