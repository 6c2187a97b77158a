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
#include "weir/base/json_parse.h"
#include "weir/base/json_text.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/metadata/run_records.h"
#include "weir/orchestrator/local_runner.h"
#include "weir/pipeline/pipeline_spec.h"
#include "weir/scheduler/cron.h"
#include "weir/scheduler/scheduler.h"
#include "weir/scheduler/task_operations.h"
#include "weir/views/artifact_view.h"
#include "weir/views/pipelines.h"
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
  return {.status = status, .body = base::JsonText(body), .content_type = "application/json"};
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

// A query parameter that is a count or an offset: `absent` when it is not given.
absl::StatusOr<uint64_t> QueryNumber(std::string_view query, std::string_view name,
                                     uint64_t absent) {
  const std::string text = QueryValue(query, name);
  if (text.empty()) return absent;
  uint64_t value = 0;
  // Bounded so that it fits every signed offset it becomes.
  if (!absl::SimpleAtoi(text, &value) || value > (uint64_t{1} << 53)) {
    return absl::InvalidArgumentError(
        StrCat("query parameter '", name, "' is a count, not '", text, "'"));
  }
  return value;
}

// A POST body that must be a JSON object (an empty body is {}); `example` shows one in errors.
absl::StatusOr<Json> BodyObject(std::string_view body, std::string_view example) {
  if (body.empty()) return Json::object();
  ASSIGN_OR_RETURN(Json parsed, base::ParseJson<Json>(body, "the body"));
  if (!parsed.is_object())
    return absl::InvalidArgumentError(StrCat("the body must be a JSON object: ", example));
  return parsed;
}

absl::StatusOr<std::string> ReadText(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return absl::NotFoundError(StrCat("cannot read ", file.string()));
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

}  // namespace

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

namespace {

// The host part of a Host or Origin header's authority ("[::1]:8080" -> "[::1]"), lower case.
std::string HostName(std::string_view authority) {
  size_t end = authority.size();
  if (!authority.empty() && authority.front() == '[') {
    end = std::min(end, authority.find(']') + 1);
  } else if (const size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    end = colon;
  }
  std::string host(authority.substr(0, end));
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return host;
}

// The value of cookie `name` in a Cookie header ("a=1; weir_token=x"), nullopt when absent.
std::optional<std::string_view> CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const size_t end = std::min(header.find(';'), header.size());
    std::string_view pair = header.substr(0, end);
    header.remove_prefix(std::min(end + 1, header.size()));
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const size_t equals = pair.find('=');
    if (equals != std::string_view::npos && pair.substr(0, equals) == name)
      return pair.substr(equals + 1);
  }
  return std::nullopt;
}

// Compares secrets in time that does not depend on where they first differ.
bool SameSecret(std::string_view given, std::string_view secret) {
  unsigned char difference = given.size() == secret.size() ? 0 : 1;
  for (size_t i = 0; i < given.size(); ++i)
    difference |=
        static_cast<unsigned char>(given[i] ^ secret[i % std::max<size_t>(1, secret.size())]);
  return difference == 0;
}

}  // namespace

HttpResponse WebApi::Handle(const HttpRequest& request) {
  HttpResponse response = Guarded(request);
  response.headers.emplace_back("X-Frame-Options", "DENY");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  // The UI loads its own scripts only; its charts and graph set styles from script.
  response.headers.emplace_back(
      "Content-Security-Policy",
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' "
      "data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
  return response;
}

HttpResponse WebApi::Guarded(const HttpRequest& request) {
  const std::string host = request.header("Host");
  if (!options_.allowed_hosts.empty() && !host.empty() &&
      std::find(options_.allowed_hosts.begin(), options_.allowed_hosts.end(), HostName(host)) ==
          options_.allowed_hosts.end()) {
    return ErrorResponse(403, StrCat("this server does not answer to the name '", HostName(host),
                                     "'; list it under webserver: allowed_hosts in weir.yaml"));
  }
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
    const std::string cookies = request.header("Cookie");
    const std::optional<std::string_view> cookie = CookieValue(cookies, "weir_token");
    const bool authorized = SameSecret(bearer, StrCat("Bearer ", options_.auth_token)) ||
                            (cookie.has_value() && SameSecret(*cookie, options_.auth_token));
    if (!authorized) {
      return ErrorResponse(401,
                           "this weir web server needs its token: open /login?token=TOKEN once, "
                           "or send Authorization: Bearer TOKEN");
    }
  }
  // State changes need the CSRF token, which only pages of this origin can read, and a browser's
  // must come from a page of this origin.
  if (request.method != "GET" && request.method != "HEAD") {
    const std::string origin = request.header("Origin");
    if (!origin.empty() && origin != StrCat("http://", host) &&
        origin != StrCat("https://", host)) {
      return ErrorResponse(403, StrCat("a request from ", origin, " may not change anything here"));
    }
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
    ASSIGN_OR_RETURN(auto store, orchestrator::OpenPipelineStore(*file.spec));
    ASSIGN_OR_RETURN(Json runs, views::ListRuns(*store, file.spec->name()));
    for (const Json& listed : runs["runs"]) {
      if (rows.size() >= limit) break;
      scheduler::RunHandle handle{file, nullptr, {}};
      ASSIGN_OR_RETURN(handle.store, orchestrator::OpenPipelineStore(*file.spec));
      ASSIGN_OR_RETURN(handle.run, scheduler::GetRun(*handle.store, file.spec->name(),
                                                     listed["run_id"].get<std::string>()));
      ASSIGN_OR_RETURN(Json run, views::DescribeRun(handle));
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
      ASSIGN_OR_RETURN(Json pipelines, views::ListPipelines(registry_));
      return JsonResponse(pipelines);
    }
    if (n < 2) return absl::NotFoundError("no such endpoint");
    const std::string& name = api[1];
    if (get && n == 2) {
      ASSIGN_OR_RETURN(Json all, views::ListPipelines(registry_));
      for (Json& entry : all["pipelines"]) {
        if (entry["name"] != name) continue;
        ASSIGN_OR_RETURN(scheduler::PipelineFile file, scheduler::FindPipeline(name, registry_));
        ASSIGN_OR_RETURN(std::vector<const pipeline::NodeSpec*> order,
                         pipeline::ExecutionOrder(*file.spec));
        Json nodes = Json::array();
        for (const pipeline::NodeSpec* node : order) {
          nodes.push_back({{"id", node->id()},
                           {"component", node->component()},
                           {"upstream", scheduler::Upstream(*node)}});
        }
        entry["nodes"] = std::move(nodes);
        return JsonResponse(entry);
      }
      return absl::NotFoundError(StrCat("no pipeline named '", name, "'"));
    }
    if (get && n == 3 && api[2] == "graph.svg") {
      ASSIGN_OR_RETURN(scheduler::PipelineFile file, scheduler::FindPipeline(name, registry_));
      std::vector<DagNode> nodes;
      std::vector<DagEdge> edges;
      for (const pipeline::NodeSpec& node : file.spec->nodes()) {
        nodes.push_back({.id = node.id(), .label = node.id(), .sublabel = node.component()});
        for (const std::string& up : scheduler::Upstream(node))
          edges.push_back({.from = up, .to = node.id()});
      }
      ASSIGN_OR_RETURN(std::string svg, LayoutDagSvg(nodes, edges));
      return HttpResponse{.status = 200, .body = std::move(svg), .content_type = "image/svg+xml"};
    }
    if (post && n == 3 && (api[2] == "pause" || api[2] == "unpause")) {
      const bool paused = api[2] == "pause";
      RETURN_IF_ERROR(scheduler::SetPaused(name, paused, registry_));
      return JsonResponse({{"name", name}, {"paused", paused}});
    }
    if (post && n == 3 && api[2] == "trigger") {
      ASSIGN_OR_RETURN(const Json body, BodyObject(request.body, "{\"conf\": {...}}"));
      ASSIGN_OR_RETURN(std::string run_id,
                       scheduler::Trigger(
                           name, body.contains("conf") ? body["conf"] : Json::object(), registry_));
      return JsonResponse({{"run_id", run_id}});
    }
    return absl::NotFoundError("no such endpoint");
  }
  if (n >= 1 && api[0] == "runs") {
    if (get && n == 1) {
      ASSIGN_OR_RETURN(const uint64_t limit, QueryNumber(request.query, "limit", 100));
      ASSIGN_OR_RETURN(Json runs, ListRuns(QueryValue(request.query, "pipeline"), limit));
      return JsonResponse(runs);
    }
    if (n < 3) return absl::NotFoundError("no such endpoint: /api/runs/PIPELINE/RUN");
    ASSIGN_OR_RETURN(scheduler::RunHandle handle, scheduler::FindRun(api[2], api[1], registry_));
    if (get && n == 3) {
      ASSIGN_OR_RETURN(Json run, views::DescribeRun(handle));
      return JsonResponse(run);
    }
    if (get && n == 6 && api[3] == "nodes" && api[5] == "log") {
      const std::string& node = api[4];
      ASSIGN_OR_RETURN(scheduler::TaskView task, scheduler::NodeState(handle, node));
      ASSIGN_OR_RETURN(const uint64_t try_number, QueryNumber(request.query, "try", 0));
      const fs::path log = scheduler::NodeLog(handle, node, static_cast<int64_t>(try_number));
      ASSIGN_OR_RETURN(const uint64_t offset, QueryNumber(request.query, "offset", 0));
      std::string text;
      if (!log.empty()) {
        std::ifstream in(log, std::ios::binary);
        in.seekg(static_cast<std::streamoff>(offset));
        text.resize(kMaxLogChunk);
        in.read(text.data(), static_cast<std::streamsize>(text.size()));
        text.resize(static_cast<size_t>(std::max<std::streamsize>(0, in.gcount())));
      }
      const bool complete =
          scheduler::IsFinished(task.state) ||
          (task.state == scheduler::kNone && handle.run.state != scheduler::kQueued &&
           handle.run.state != scheduler::kRunning);
      return JsonResponse({{"text", text},
                           {"offset", offset},
                           {"next_offset", offset + text.size()},
                           {"complete", complete && text.size() < kMaxLogChunk},
                           {"tries", task.try_number}});
    }
    if (post && n == 6 && api[3] == "nodes" && api[5] == "clear") {
      ASSIGN_OR_RETURN(const Json body, BodyObject(request.body, "{\"downstream\": true}"));
      const auto downstream = body.find("downstream");
      if (downstream != body.end() && !downstream->is_boolean())
        return absl::InvalidArgumentError("\"downstream\" is true or false");
      ASSIGN_OR_RETURN(std::vector<std::string> cleared,
                       scheduler::ClearTasks(handle, api[4],
                                             downstream != body.end() && downstream->get<bool>()));
      return JsonResponse({{"cleared", cleared}});
    }
    if (post && n == 6 && api[3] == "nodes" && api[5] == "mark_success") {
      RETURN_IF_ERROR(scheduler::MarkSuccess(handle, api[4]));
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
                  {"compare", QueryValue(request.query, "compare")},
                  {"compare_artifact", QueryValue(request.query, "compare_artifact")}},
      .check_path = [this](const std::string& uri) { return CheckInsideRoots(uri, registry_); }};
  ASSIGN_OR_RETURN(Json data, view->to_json(view_request));
  return JsonResponse(
      {{"kind", view->kind}, {"artifact", std::move(described)}, {"data", std::move(data)}});
}

}  // namespace weir::web
