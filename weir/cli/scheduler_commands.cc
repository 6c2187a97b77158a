// weir init, weir scheduler, weir pipelines list|pause|unpause|trigger, weir runs list,
// weir tasks logs|clear|mark-success: the Airflow-like side of weir.
#include <signal.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "weir/base/files.h"
#include "weir/base/json_parse.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/cli/command.h"
#include "weir/orchestrator/local_runner.h"
#include "weir/pipeline/pipeline_spec.h"
#include "weir/scheduler/catalog.h"
#include "weir/scheduler/cron.h"
#include "weir/scheduler/scheduler.h"
#include "weir/scheduler/task_operations.h"
#include "weir/serving/http_server.h"
#include "weir/views/pipelines.h"
#include "weir/views/runs.h"
#include "weir/web/api.h"
#include "weir/web/http_client.h"
#include "weir/web/web_server.h"
#include "yaml-cpp/yaml.h"

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
  # Names the UI is reached by besides localhost and 127.0.0.1 (others are refused):
  # allowed_hosts: [weir.example.com]
scheduler:
  parallelism: 0  # Node processes at once; 0: one per core.
)";

// What weir.yaml says (weir init writes it), with the command line's overrides.
struct WebSettings {
  std::string bind = "127.0.0.1";
  int port = 8080;
  std::string auth_token_env;
  std::vector<std::string> allowed_hosts;
  int parallelism = 0;
};

absl::StatusOr<WebSettings> ReadSettings() {
  WebSettings settings;
  const fs::path file = pipeline::WeirHome() / "weir.yaml";
  std::error_code error;
  if (!fs::exists(file, error)) return settings;
  try {
    const YAML::Node root = YAML::LoadFile(file.string());
    if (const YAML::Node web = root["webserver"]) {
      if (web["bind"]) settings.bind = web["bind"].as<std::string>();
      if (web["port"]) settings.port = web["port"].as<int>();
      if (web["auth_token_env"]) settings.auth_token_env = web["auth_token_env"].as<std::string>();
      if (web["allowed_hosts"])
        settings.allowed_hosts = web["allowed_hosts"].as<std::vector<std::string>>();
    }
    if (const YAML::Node scheduler = root["scheduler"]) {
      if (scheduler["parallelism"]) settings.parallelism = scheduler["parallelism"].as<int>();
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(StrCat(file.string(), ":", e.mark.line + 1, ": ", e.msg));
  }
  return settings;
}

// When a web server runs for this WEIR_HOME, the pipeline and task commands go through its API
// (with the token of the variable weir.yaml names), so they pass the same checks as the UI;
// nullopt when none runs, and the command works on the store itself. Errors: the API's.
absl::StatusOr<std::optional<Json>> ThroughWebServer(const std::string& method,
                                                     const std::string& target,
                                                     const Json& body = nullptr) {
  const std::optional<web::RunningWebServer> server = web::FindRunningWebServer();
  if (!server.has_value()) return std::nullopt;
  ASSIGN_OR_RETURN(WebSettings settings, ReadSettings());
  std::map<std::string, std::string> headers;
  if (!settings.auth_token_env.empty()) {
    if (const char* token = std::getenv(settings.auth_token_env.c_str()); token != nullptr) {
      headers["Authorization"] = StrCat("Bearer ", token);
    }
  }
  auto call = [&](const std::string& verb, const std::string& path,
                  const std::string& payload) -> absl::StatusOr<Json> {
    ASSIGN_OR_RETURN(web::HttpReply reply,
                     web::HttpCall(server->host, server->port, verb, path, payload, headers));
    const Json parsed = Json::parse(reply.body, nullptr, false);
    if (reply.status / 100 != 2) {
      const std::string message = parsed.is_object() && parsed.contains("error")
                                      ? parsed["error"].get<std::string>()
                                      : reply.body;
      return absl::FailedPreconditionError(
          StrCat("the web server at http://", server->host, ":", server->port, " says: ", message));
    }
    return parsed;
  };
  if (method != "GET") {
    ASSIGN_OR_RETURN(Json session, call("GET", "/api/session", ""));
    headers["X-Weir-CSRF"] = session.value("csrf_token", "");
  }
  ASSIGN_OR_RETURN(Json answer, call(method, target, body.is_null() ? "" : body.dump()));
  return std::optional<Json>(std::move(answer));
}

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
        p["schedule_description"].is_string() ? p["schedule_description"].get<std::string>()
                                              : "none (manual runs only)",
        p["next_run"].is_null() ? "" : StrCat(", next run ", p["next_run"].get<std::string>()),
        "\n  recent runs (newest first): ", runs.empty() ? "none" : runs, "\n");
  }
  for (const Json& b : view["broken"]) {
    out += StrCat("BROKEN ", b["file"].get<std::string>(), "\n  ", b["error"].get<std::string>(),
                  "\n");
  }
  return out;
}

// The API path of an action on a node of a run: /api/runs/PIPELINE/RUN/nodes/NODE/ACTION.
std::string NodeActionPath(const scheduler::RunHandle& handle, const std::string& node,
                           std::string_view action) {
  return StrCat("/api/runs/", PercentEncode(handle.run.pipeline), "/",
                PercentEncode(handle.run.run_id), "/nodes/", PercentEncode(node), "/", action);
}

void AddPipelinesCommand(CLI::App& app, int& exit_code) {
  CLI::App* pipelines = app.add_subcommand(
      "pipelines",
      "The pipelines in ${WEIR_HOME}/pipelines (Airflow's dags folder): list them, pause or "
      "unpause their schedules, trigger a run.");
  pipelines->require_subcommand(1);
  pipelines->footer(
      "New pipelines start paused, as in Airflow. A triggered run is queued: the scheduler "
      "(weir scheduler, or weir standalone) starts it once the pipeline is unpaused.\n\nExamples:\n"
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
      absl::StatusOr<Json> view = [&]() -> absl::StatusOr<Json> {
        ASSIGN_OR_RETURN(std::optional<Json> remote, ThroughWebServer("GET", "/api/pipelines"));
        if (remote.has_value()) return *std::move(remote);
        return views::ListPipelines(pipeline::BuiltinRegistry());
      }();
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
      absl::Status status = [&]() -> absl::Status {
        ASSIGN_OR_RETURN(std::optional<Json> remote,
                         ThroughWebServer("POST",
                                          StrCat("/api/pipelines/", PercentEncode(*name), "/",
                                                 pause ? "pause" : "unpause"),
                                          Json::object()));
        if (remote.has_value()) return absl::OkStatus();
        return scheduler::SetPaused(*name, pause, pipeline::BuiltinRegistry());
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
        "trigger",
        "Queue a run of the pipeline; prints its run id. It starts at once when the "
        "pipeline is unpaused, and waits for the unpause when it is paused.");
    cmd->add_option("name", *name, "The pipeline's name")->required();
    cmd->add_option("--conf", *conf, "A JSON object recorded with the run (default {})")
        ->type_name("JSON");
    cmd->callback([name, conf, &exit_code]() {
      absl::StatusOr<std::string> run_id = [&]() -> absl::StatusOr<std::string> {
        ASSIGN_OR_RETURN(const Json parsed, base::ParseJson<Json>(*conf, "--conf"));
        ASSIGN_OR_RETURN(
            std::optional<Json> remote,
            ThroughWebServer("POST", StrCat("/api/pipelines/", PercentEncode(*name), "/trigger"),
                             Json{{"conf", parsed}}));
        if (remote.has_value()) return remote->value("run_id", "");
        return scheduler::Trigger(*name, parsed, pipeline::BuiltinRegistry());
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
    absl::StatusOr<scheduler::RunHandle> Find() const {
      return scheduler::FindRun(run, pipeline, weir::pipeline::BuiltinRegistry());
    }
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
      absl::Status status = [&]() -> absl::Status {
        ASSIGN_OR_RETURN(scheduler::RunHandle handle, flags->Find());
        std::streamoff printed = 0;
        while (true) {
          ASSIGN_OR_RETURN(scheduler::TaskView task, scheduler::NodeState(handle, flags->node));
          const std::string& state = task.state;
          const fs::path log = scheduler::NodeLog(handle, flags->node, 0);
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
      absl::StatusOr<std::vector<std::string>> cleared =
          [&]() -> absl::StatusOr<std::vector<std::string>> {
        ASSIGN_OR_RETURN(scheduler::RunHandle handle, flags->Find());
        ASSIGN_OR_RETURN(std::optional<Json> remote,
                         ThroughWebServer("POST", NodeActionPath(handle, flags->node, "clear"),
                                          Json{{"downstream", *downstream}}));
        if (remote.has_value()) return (*remote)["cleared"].get<std::vector<std::string>>();
        return scheduler::ClearTasks(handle, flags->node, *downstream);
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
      absl::Status status = [&]() -> absl::Status {
        ASSIGN_OR_RETURN(scheduler::RunHandle handle, flags->Find());
        ASSIGN_OR_RETURN(
            std::optional<Json> remote,
            ThroughWebServer("POST", NodeActionPath(handle, flags->node, "mark_success"),
                             Json::object()));
        if (remote.has_value()) return absl::OkStatus();
        return scheduler::MarkSuccess(handle, flags->node);
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

// Serves the UI and API, and with `with_scheduler` the scheduler, with weir.yaml's settings.
absl::Status ServeWeb(const WebSettings& settings, bool with_scheduler) {
  std::string token;
  if (!settings.auth_token_env.empty()) {
    const char* value = std::getenv(settings.auth_token_env.c_str());
    if (value == nullptr || *value == '\0') {
      return absl::FailedPreconditionError(
          StrCat("weir.yaml names auth_token_env ", settings.auth_token_env,
                 ", which is not set; export it with the token users must give"));
    }
    token = value;
  }
  return web::RunWebServer({.bind = settings.bind,
                            .port = static_cast<uint16_t>(settings.port),
                            .auth_token = token,
                            .allowed_hosts = settings.allowed_hosts,
                            .with_scheduler = with_scheduler,
                            .parallelism = settings.parallelism},
                           [&](const std::string& url) {
                             std::cout << "weir " << (with_scheduler ? "standalone" : "webserver")
                                       << ": the UI is at " << url << " (pipelines from "
                                       << scheduler::PipelinesFolder().string() << "; Ctrl-C stops)"
                                       << std::endl;
                           });
}

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
      auto scheduler =
          scheduler::Scheduler::Create({.parallelism = *parallelism}, pipeline::BuiltinRegistry());
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
  for (const bool with_scheduler : {false, true}) {
    auto port = std::make_shared<int>(0);
    auto bind = std::make_shared<std::string>();
    CLI::App* cmd = app.add_subcommand(
        with_scheduler ? "standalone" : "webserver",
        with_scheduler
            ? "The web UI and the scheduler in one process, for a laptop: open the URL it prints."
            : "Serve the web UI and its JSON API (docs/web-api.md); run weir scheduler beside "
              "it to have runs start.");
    cmd->add_option("--port", *port, "Port (default: webserver.port in weir.yaml, else 8080)");
    cmd->add_option("--bind", *bind,
                    "Address to listen on (default: webserver.bind, else 127.0.0.1); any other "
                    "than the loopback needs webserver.auth_token_env")
        ->type_name("ADDRESS");
    cmd->footer(StrCat(
        "Settings come from ${WEIR_HOME}/weir.yaml (weir init writes it). State-changing "
        "requests need the page's CSRF token; with an auth token, every request needs it too "
        "(open /login?token=TOKEN once in the browser).",
        with_scheduler ? "\n\nExample:\n  weir init --example taxi && weir standalone" : ""));
    cmd->callback([port, bind, with_scheduler, &exit_code]() {
      const char* name = with_scheduler ? "standalone" : "webserver";
      absl::StatusOr<WebSettings> settings = ReadSettings();
      if (!settings.ok()) {
        exit_code = ReportError(name, settings.status());
        return;
      }
      if (*port != 0) settings->port = *port;
      if (!bind->empty()) settings->bind = *bind;
      absl::Status status = ServeWeb(*settings, with_scheduler);
      if (!status.ok()) exit_code = ReportError(name, status);
    });
  }
  AddPipelinesCommand(app, exit_code);
  AddTasksCommand(app, exit_code);
}

}  // namespace weir::cli
