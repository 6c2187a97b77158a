#include "weir/web/api.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <random>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "weir/base/files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/metadata/run_records.h"
#include "weir/pipeline/pipeline_spec.h"
#include "weir/scheduler/cron.h"
#include "weir/scheduler/scheduler.h"
#include "weir/views/artifact_view.h"
#include "weir/views/runs.h"
#include "weir/web/dag_svg.h"
#include "weir/web/embedded_file.h"

namespace weir::web {
namespace fs = std::filesystem;
using metadata::Execution;
using metadata::GetInt;
using metadata::GetString;
using metadata::MetadataStore;
using scheduler::TaskKey;
using serving::HttpRequest;
using serving::HttpResponse;

namespace {

constexpr size_t kMaxLogChunk = 1 << 20;

Json TimeOrNull(int64_t ms) { return ms == 0 ? Json(nullptr) : Json(views::FormatUtcTime(ms)); }

HttpResponse JsonResponse(const Json& body, int status = 200) {
  // Bytes that are not UTF-8 (a bytes feature's values) become U+FFFD rather than an error.
  return {.status = status,
          .body = body.dump(-1, ' ', false, Json::error_handler_t::replace),
          .content_type = "application/json"};
}

HttpResponse ErrorResponse(int status, std::string_view message) {
  return JsonResponse(Json{{"error", message}}, status);
}

int HttpStatusOf(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAlreadyExists:
      return 400;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    default:
      return 500;
  }
}

std::string RandomToken() {
  std::random_device device;
  std::string token;
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 32; ++i) token += kHex[device() % 16];
  return token;
}

std::vector<std::string> Split(std::string_view path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t end = std::min(path.find('/', start), path.size());
    if (end > start) parts.push_back(PercentDecode(path.substr(start, end - start)));
    start = end + 1;
  }
  return parts;
}

std::string QueryValue(std::string_view query, std::string_view name) {
  for (absl::string_view piece :
       absl::StrSplit(absl::string_view(query.data(), query.size()), '&')) {
    const std::string pair(piece);
    const size_t equals = pair.find('=');
    if (pair.substr(0, equals) == name) {
      if (equals == std::string::npos) return "";
      std::string value = pair.substr(equals + 1);
      std::replace(value.begin(), value.end(), '+', ' ');  // A space, in a query string.
      return PercentDecode(value);
    }
  }
  return "";
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

std::vector<std::string> Upstream(const pipeline::NodeSpec& node) {
  std::set<std::string> ids;
  for (const auto& [input, reference] : node.inputs()) {
    ids.insert(reference.substr(0, reference.find('.')));
  }
  return {ids.begin(), ids.end()};
}

// `node` and, with `downstream`, every node that reads from it, directly or not; in file order.
std::vector<std::string> WithDownstream(const pipeline::PipelineSpec& spec, const std::string& node,
                                        bool downstream) {
  std::set<std::string> chosen = {node};
  for (bool grew = downstream; grew;) {
    grew = false;
    for (const pipeline::NodeSpec& n : spec.nodes()) {
      if (chosen.contains(n.id())) continue;
      for (const std::string& up : Upstream(n)) {
        if (chosen.contains(up)) {
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

bool Finished(const std::string& state) {
  return state == scheduler::kSuccess || state == scheduler::kCached ||
         state == scheduler::kFailed || state == scheduler::kUpstreamFailed ||
         state == scheduler::kSkipped;
}

absl::StatusOr<std::string> ReadText(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return absl::NotFoundError(StrCat("cannot read ", file.string()));
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

}  // namespace

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
    ASSIGN_OR_RETURN(Json runs, views::ListRuns(*store, spec.name()));
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

absl::Status SetPaused(const std::string& pipeline, bool paused,
                       const pipeline::ComponentRegistry& registry) {
  ASSIGN_OR_RETURN(scheduler::PipelineFile file, FindPipeline(pipeline, registry));
  ASSIGN_OR_RETURN(auto store, OpenStoreOf(*file.spec));
  return scheduler::SetPaused(*store, pipeline, paused);
}

absl::StatusOr<std::string> Trigger(const std::string& pipeline, const Json& conf,
                                    const pipeline::ComponentRegistry& registry) {
  if (!conf.is_object()) {
    return absl::InvalidArgumentError(
        StrCat("a run's conf must be a JSON object, e.g. {\"key\": 1}, not ", conf.dump()));
  }
  ASSIGN_OR_RETURN(scheduler::PipelineFile file, FindPipeline(pipeline, registry));
  ASSIGN_OR_RETURN(auto store, OpenStoreOf(*file.spec));
  return scheduler::QueueRun(*store, *file.spec, {.trigger = "manual", .conf_json = conf.dump()});
}

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

absl::StatusOr<scheduler::TaskView> NodeState(RunHandle& handle, const std::string& node) {
  RETURN_IF_ERROR(CheckNode(*handle.file.spec, node));
  ASSIGN_OR_RETURN(handle.run,
                   scheduler::GetRun(*handle.store, handle.run.pipeline, handle.run.run_id));
  ASSIGN_OR_RETURN(std::vector<Execution> executions,
                   handle.store->GetExecutionsByContext(handle.run.context_id));
  for (const scheduler::TaskView& task :
       scheduler::TaskStates(*handle.file.spec, executions, handle.run.properties, nullptr)) {
    if (task.node == node) return task;
  }
  return absl::NotFoundError(node);
}

absl::StatusOr<Json> DescribeRun(RunHandle& handle) {
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
    const pipeline::NodeSpec* node = FindNode(spec, task.node);
    Json entry;
    entry["id"] = task.node;
    entry["component"] = node->component();
    entry["state"] = task.state;
    entry["try_number"] = task.try_number;
    const Execution* execution = task.execution_id != 0 ? by_id[task.execution_id] : nullptr;
    entry["execution_id"] = execution != nullptr ? Json(execution->id) : Json(nullptr);
    const bool ended = Finished(task.state);
    entry["started"] = execution != nullptr ? TimeOrNull(execution->create_time_ms) : Json(nullptr);
    entry["ended"] =
        execution != nullptr && ended ? TimeOrNull(execution->update_time_ms) : Json(nullptr);
    entry["duration_ms"] = execution != nullptr && ended
                               ? Json(execution->update_time_ms - execution->create_time_ms)
                               : Json(nullptr);
    std::string error = GetString(properties, TaskKey(task.node, "error"));
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
    entry["upstream"] = Upstream(*node);
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
  run["queued_at"] = TimeOrNull(GetInt(properties, metadata::kQueuedAtProperty, started));
  run["started"] = TimeOrNull(started);
  run["ended"] = TimeOrNull(ended);
  run["duration_ms"] = started != 0 && ended != 0 ? Json(ended - started) : Json(nullptr);
  run["nodes"] = std::move(nodes);
  return run;
}

absl::StatusOr<std::vector<std::string>> ClearTasks(RunHandle& handle, const std::string& node,
                                                    bool downstream) {
  RETURN_IF_ERROR(CheckNode(*handle.file.spec, node));
  std::vector<std::string> nodes = WithDownstream(*handle.file.spec, node, downstream);
  ASSIGN_OR_RETURN(std::vector<Execution> executions,
                   handle.store->GetExecutionsByContext(handle.run.context_id));
  RETURN_IF_ERROR(scheduler::UpdateRun(
      *handle.store, handle.run.context_id, [&](metadata::Properties& properties) {
        for (const std::string& cleared : nodes) {
          int64_t last = 0;
          for (const Execution& execution : executions) {
            if (GetString(execution.custom_properties, metadata::kNodeIdProperty) == cleared) {
              last = std::max(last, execution.id);
            }
          }
          properties[TaskKey(cleared, "cleared_after")] = last;
          properties.erase(TaskKey(cleared, "state"));
          properties.erase(TaskKey(cleared, "retry_at"));
          properties.erase(TaskKey(cleared, "error"));
        }
        // A run made by `weir run` becomes the scheduler's from here on.
        properties["pipeline"] = handle.run.pipeline;
        properties["run_id"] = handle.run.run_id;
        properties["state"] = std::string(scheduler::kQueued);
        properties.erase(metadata::kEndedAtProperty);
      }));
  return nodes;
}

absl::Status MarkSuccess(RunHandle& handle, const std::string& node) {
  RETURN_IF_ERROR(CheckNode(*handle.file.spec, node));
  const std::vector<std::string> after = WithDownstream(*handle.file.spec, node, true);
  return scheduler::UpdateRun(
      *handle.store, handle.run.context_id, [&](metadata::Properties& properties) {
        properties[TaskKey(node, "state")] = std::string(scheduler::kSuccess);
        // Nodes held back by this one's failure may run now.
        for (const std::string& later : after) {
          if (GetString(properties, TaskKey(later, "state")) == scheduler::kUpstreamFailed) {
            properties.erase(TaskKey(later, "state"));
          }
        }
        properties["pipeline"] = handle.run.pipeline;
        properties["run_id"] = handle.run.run_id;
        if (GetString(properties, "state") != scheduler::kRunning) {
          properties["state"] = std::string(scheduler::kQueued);
        }
        properties.erase(metadata::kEndedAtProperty);
      });
}

fs::path NodeLog(const RunHandle& handle, const std::string& node, int64_t try_number) {
  const fs::path folder = pipeline::WeirHome() / "logs" / handle.run.pipeline / handle.run.run_id;
  std::error_code error;
  if (try_number > 0) {
    const fs::path file = folder / StrCat(node, ".attempt-", try_number, ".log");
    return fs::exists(file, error) ? file : fs::path();
  }
  for (int64_t attempt = GetInt(handle.run.properties, TaskKey(node, "try")); attempt >= 1;
       --attempt) {
    const fs::path file = folder / StrCat(node, ".attempt-", attempt, ".log");
    if (fs::exists(file, error)) return file;
  }
  const fs::path single = folder / StrCat(node, ".log");
  return fs::exists(single, error) ? single : fs::path();
}

namespace {
fs::path WebServerFile() { return pipeline::WeirHome() / "webserver.json"; }
}  // namespace

absl::Status RecordWebServer(const std::string& host, uint16_t port) {
  const Json record = {{"host", host}, {"port", port}, {"pid", getpid()}};
  return base::WriteFileAtomically(WebServerFile(), record.dump() + "\n");
}

void ForgetWebServer() {
  std::error_code error;
  fs::remove(WebServerFile(), error);
}

std::optional<RunningWebServer> FindRunningWebServer() {
  absl::StatusOr<std::string> text = ReadText(WebServerFile());
  if (!text.ok()) return std::nullopt;
  const Json record = Json::parse(*text, nullptr, false);
  if (!record.is_object() || !record.contains("pid") || !record.contains("port")) {
    return std::nullopt;
  }
  // A server that died without cleaning up (SIGKILL) left the file: its pid is gone.
  const pid_t pid = record["pid"].get<pid_t>();
  if (kill(pid, 0) != 0 && errno != EPERM) return std::nullopt;
  std::string host = record.value("host", "127.0.0.1");
  if (host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  return RunningWebServer{.host = host, .port = record["port"].get<uint16_t>()};
}

WebApi::WebApi(const pipeline::ComponentRegistry& registry, WebApiOptions options)
    : registry_(registry), options_(std::move(options)), csrf_token_(RandomToken()) {}

HttpResponse WebApi::Handle(const HttpRequest& request) {
  const std::vector<std::string> path = Split(request.path);
  // Authentication, when configured: a bearer token or the cookie /login sets.
  if (!options_.auth_token.empty()) {
    if (path.size() == 1 && path[0] == "login") {
      if (QueryValue(request.query, "token") != options_.auth_token) {
        return ErrorResponse(401, "wrong token");
      }
      return {.status = 303,
              .body = "",
              .content_type = "text/plain",
              .headers = {{"Location", "/"},
                          {"Set-Cookie", StrCat("weir_token=", options_.auth_token,
                                                "; HttpOnly; SameSite=Strict; Path=/")}}};
    }
    const std::string bearer = request.header("Authorization");
    const std::string cookie = request.header("Cookie");
    const bool authorized =
        bearer == StrCat("Bearer ", options_.auth_token) ||
        cookie.find(StrCat("weir_token=", options_.auth_token)) != std::string::npos;
    if (!authorized) {
      return ErrorResponse(401,
                           "this weir web server needs its token: open /login?token=TOKEN once, "
                           "or send Authorization: Bearer TOKEN");
    }
  }
  // State changes need the CSRF token, which only pages of this origin can read.
  if (request.method != "GET" && request.method != "HEAD") {
    if (request.header("X-Weir-CSRF") != csrf_token_) {
      return ErrorResponse(403,
                           "missing or stale X-Weir-CSRF header: GET /api/session for a token");
    }
  }
  absl::StatusOr<HttpResponse> response = Route(request, path);
  if (!response.ok()) {
    return ErrorResponse(HttpStatusOf(response.status()), std::string(response.status().message()));
  }
  return *std::move(response);
}

absl::StatusOr<Json> WebApi::ListRuns(const std::string& pipeline, size_t limit) {
  std::vector<std::pair<std::string, Json>> rows;  // (started, run)
  for (scheduler::PipelineFile& file :
       scheduler::ScanPipelineFiles(scheduler::PipelinesFolder(), registry_)) {
    if (!file.spec.has_value() || (!pipeline.empty() && file.spec->name() != pipeline)) continue;
    ASSIGN_OR_RETURN(auto store, OpenStoreOf(*file.spec));
    ASSIGN_OR_RETURN(Json runs, views::ListRuns(*store, file.spec->name()));
    for (const Json& listed : runs["runs"]) {
      if (rows.size() >= limit) break;
      RunHandle handle{file, nullptr, {}};
      ASSIGN_OR_RETURN(handle.store, OpenStoreOf(*file.spec));
      ASSIGN_OR_RETURN(handle.run, scheduler::GetRun(*handle.store, file.spec->name(),
                                                     listed["run_id"].get<std::string>()));
      ASSIGN_OR_RETURN(Json run, DescribeRun(handle));
      run.erase("nodes");
      rows.emplace_back(listed["started"].is_string() ? listed["started"].get<std::string>() : "",
                        std::move(run));
    }
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  Json runs = Json::array();
  for (auto& [started, run] : rows) {
    if (runs.size() >= limit) break;
    runs.push_back(std::move(run));
  }
  return Json{{"runs", std::move(runs)}};
}

absl::StatusOr<HttpResponse> WebApi::Route(const HttpRequest& request,
                                           const std::vector<std::string>& path) {
  const bool get = request.method == "GET" || request.method == "HEAD";
  const bool post = request.method == "POST";
  // The UI: index.html for /, its files under /static/.
  if (path.empty() || (path[0] != "api" && path[0] != "static")) {
    if (!get) return absl::NotFoundError("no such page");
    const auto page = FindEmbeddedFile("index.html");
    if (!page.has_value()) return absl::InternalError("the UI was not built into this binary");
    return HttpResponse{.status = 200,
                        .body = std::string(page->content),
                        .content_type = std::string(page->content_type)};
  }
  if (path[0] == "static") {
    const auto file = path.size() == 2 ? FindEmbeddedFile(path[1]) : std::nullopt;
    if (!file.has_value()) return absl::NotFoundError(StrCat("no file ", request.path));
    return HttpResponse{.status = 200,
                        .body = std::string(file->content),
                        .content_type = std::string(file->content_type),
                        .headers = {{"Cache-Control", "no-cache"}}};
  }
  const std::vector<std::string> api(path.begin() + 1, path.end());
  const size_t n = api.size();
  if (get && n == 1 && api[0] == "session") {
    return JsonResponse({{"csrf_token", csrf_token_},
                         {"user", nullptr},
                         {"auth_required", !options_.auth_token.empty()}});
  }
  if (n >= 1 && api[0] == "pipelines") {
    if (get && n == 1) {
      ASSIGN_OR_RETURN(Json pipelines, ListPipelines(registry_));
      return JsonResponse(pipelines);
    }
    if (n < 2) return absl::NotFoundError("no such endpoint");
    const std::string& name = api[1];
    if (get && n == 2) {
      ASSIGN_OR_RETURN(Json all, ListPipelines(registry_));
      for (Json& entry : all["pipelines"]) {
        if (entry["name"] != name) continue;
        ASSIGN_OR_RETURN(scheduler::PipelineFile file, FindPipeline(name, registry_));
        ASSIGN_OR_RETURN(std::vector<const pipeline::NodeSpec*> order,
                         pipeline::ExecutionOrder(*file.spec));
        Json nodes = Json::array();
        for (const pipeline::NodeSpec* node : order) {
          nodes.push_back({{"id", node->id()},
                           {"component", node->component()},
                           {"upstream", Upstream(*node)}});
        }
        entry["nodes"] = std::move(nodes);
        return JsonResponse(entry);
      }
      return absl::NotFoundError(StrCat("no pipeline named '", name, "'"));
    }
    if (get && n == 3 && api[2] == "graph.svg") {
      ASSIGN_OR_RETURN(scheduler::PipelineFile file, FindPipeline(name, registry_));
      std::vector<DagNode> nodes;
      std::vector<DagEdge> edges;
      for (const pipeline::NodeSpec& node : file.spec->nodes()) {
        nodes.push_back({.id = node.id(), .label = node.id(), .sublabel = node.component()});
        for (const std::string& up : Upstream(node)) edges.push_back({.from = up, .to = node.id()});
      }
      ASSIGN_OR_RETURN(std::string svg, LayoutDagSvg(nodes, edges));
      return HttpResponse{.status = 200, .body = std::move(svg), .content_type = "image/svg+xml"};
    }
    if (post && n == 3 && (api[2] == "pause" || api[2] == "unpause")) {
      const bool paused = api[2] == "pause";
      RETURN_IF_ERROR(SetPaused(name, paused, registry_));
      return JsonResponse({{"name", name}, {"paused", paused}});
    }
    if (post && n == 3 && api[2] == "trigger") {
      const Json body =
          request.body.empty() ? Json::object() : Json::parse(request.body, nullptr, false);
      if (body.is_discarded() || !body.is_object()) {
        return absl::InvalidArgumentError("the body must be a JSON object: {\"conf\": {...}}");
      }
      ASSIGN_OR_RETURN(
          std::string run_id,
          Trigger(name, body.contains("conf") ? body["conf"] : Json::object(), registry_));
      return JsonResponse({{"run_id", run_id}});
    }
    return absl::NotFoundError("no such endpoint");
  }
  if (n >= 1 && api[0] == "runs") {
    if (get && n == 1) {
      const std::string limit = QueryValue(request.query, "limit");
      ASSIGN_OR_RETURN(Json runs, ListRuns(QueryValue(request.query, "pipeline"),
                                           limit.empty() ? 100 : std::stoul(limit)));
      return JsonResponse(runs);
    }
    if (n < 3) return absl::NotFoundError("no such endpoint: /api/runs/PIPELINE/RUN");
    ASSIGN_OR_RETURN(RunHandle handle, FindRun(api[2], api[1], registry_));
    if (get && n == 3) {
      ASSIGN_OR_RETURN(Json run, DescribeRun(handle));
      return JsonResponse(run);
    }
    if (get && n == 6 && api[3] == "nodes" && api[5] == "log") {
      const std::string& node = api[4];
      ASSIGN_OR_RETURN(scheduler::TaskView task, NodeState(handle, node));
      const std::string try_text = QueryValue(request.query, "try");
      const fs::path log = NodeLog(handle, node, try_text.empty() ? 0 : std::stoll(try_text));
      const std::string offset_text = QueryValue(request.query, "offset");
      const size_t offset = offset_text.empty() ? 0 : std::stoull(offset_text);
      std::string text;
      if (!log.empty()) {
        std::ifstream in(log, std::ios::binary);
        in.seekg(static_cast<std::streamoff>(offset));
        text.resize(kMaxLogChunk);
        in.read(text.data(), static_cast<std::streamsize>(text.size()));
        text.resize(static_cast<size_t>(std::max<std::streamsize>(0, in.gcount())));
      }
      const bool complete = Finished(task.state) || (task.state == scheduler::kNone &&
                                                     handle.run.state != scheduler::kQueued &&
                                                     handle.run.state != scheduler::kRunning);
      return JsonResponse({{"text", text},
                           {"offset", offset},
                           {"next_offset", offset + text.size()},
                           {"complete", complete && text.size() < kMaxLogChunk},
                           {"tries", task.try_number}});
    }
    if (post && n == 6 && api[3] == "nodes" && api[5] == "clear") {
      const Json body =
          request.body.empty() ? Json::object() : Json::parse(request.body, nullptr, false);
      const bool downstream = body.is_object() && body.value("downstream", false);
      ASSIGN_OR_RETURN(std::vector<std::string> cleared, ClearTasks(handle, api[4], downstream));
      return JsonResponse({{"cleared", cleared}});
    }
    if (post && n == 6 && api[3] == "nodes" && api[5] == "mark_success") {
      RETURN_IF_ERROR(MarkSuccess(handle, api[4]));
      return JsonResponse({{"node", api[4]}, {"state", scheduler::kSuccess}});
    }
    return absl::NotFoundError("no such endpoint");
  }
  if (get && n >= 2 && api[0] == "artifacts") {
    int64_t id = 0;
    if (!absl::SimpleAtoi(api[1], &id)) {
      return absl::InvalidArgumentError(StrCat("artifact ids are numbers, not '", api[1], "'"));
    }
    return ArtifactRequest(id, n == 2 ? "" : api[2], request);
  }
  return absl::NotFoundError(StrCat("no such endpoint: ", request.method, " ", request.path));
}

namespace {

// The artifact's files may be read when they lie under a pipeline root or WEIR_HOME: a view
// never follows a uri elsewhere.
absl::Status CheckInsideRoots(const std::string& uri, const pipeline::ComponentRegistry& registry) {
  std::error_code error;
  const fs::path target = fs::weakly_canonical(uri, error);
  std::vector<fs::path> roots = {fs::weakly_canonical(pipeline::WeirHome(), error)};
  for (const scheduler::PipelineFile& file :
       scheduler::ScanPipelineFiles(scheduler::PipelinesFolder(), registry)) {
    if (file.spec.has_value())
      roots.push_back(fs::weakly_canonical(file.spec->pipeline_root(), error));
  }
  for (const fs::path& root : roots) {
    const auto [root_end, target_it] =
        std::mismatch(root.begin(), root.end(), target.begin(), target.end());
    if (root_end == root.end()) return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      StrCat("artifact files at ", uri, " are outside the artifact roots; not shown"));
}

}  // namespace

absl::StatusOr<HttpResponse> WebApi::ArtifactRequest(int64_t id, const std::string& what,
                                                     const HttpRequest& request) {
  // Artifact ids belong to the default store, where pipelines record unless they name another.
  ASSIGN_OR_RETURN(auto store,
                   MetadataStore::Open((pipeline::WeirHome() / "metadata.db").string()));
  if (what.empty()) {
    ASSIGN_OR_RETURN(Json artifact, views::DescribeArtifact(*store, id));
    return JsonResponse(artifact);
  }
  if (what == "lineage") {
    ASSIGN_OR_RETURN(Json lineage, views::Lineage(*store, id));
    return JsonResponse(lineage);
  }
  if (what != "view") return absl::NotFoundError("no such endpoint");
  ASSIGN_OR_RETURN(metadata::Artifact artifact, store->GetArtifact(id));
  RETURN_IF_ERROR(CheckInsideRoots(artifact.uri, registry_));
  const views::ArtifactView* view = views::FindArtifactView(artifact.type_name);
  if (view == nullptr) {
    return absl::NotFoundError(StrCat("no view for artifacts of type ", artifact.type_name));
  }
  ASSIGN_OR_RETURN(Json described, views::DescribeArtifact(*store, id));
  views::ViewRequest view_request{
      .artifact = artifact,
      .store = *store,
      .options = {{"split", QueryValue(request.query, "split")},
                  {"compare", QueryValue(request.query, "compare")}},
      .check_path = [this](const std::string& uri) { return CheckInsideRoots(uri, registry_); }};
  ASSIGN_OR_RETURN(Json data, view->to_json(view_request));
  return JsonResponse(
      {{"kind", view->kind}, {"artifact", std::move(described)}, {"data", std::move(data)}});
}

}  // namespace weir::web
