// The web server's JSON API (docs/web-api.md) and the UI's files, as one request handler; and the
// pipeline and task operations behind it, which the CLI's `weir pipelines` and `weir tasks`
// commands call too, so both do exactly the same thing.
#ifndef WEIR_WEB_API_H_
#define WEIR_WEB_API_H_

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "weir/metadata/metadata_store.h"
#include "weir/pipeline/component_registry.h"
#include "weir/scheduler/catalog.h"
#include "weir/scheduler/scheduler.h"
#include "weir/serving/http_server.h"

namespace weir::web {

using Json = nlohmann::ordered_json;

// The pipeline named `name` in ${WEIR_HOME}/pipelines. Errors: NotFound listing those there are.
absl::StatusOr<scheduler::PipelineFile> FindPipeline(const std::string& name,
                                                     const pipeline::ComponentRegistry& registry);
absl::StatusOr<std::unique_ptr<metadata::MetadataStore>> OpenStoreOf(
    const pipeline::PipelineSpec& spec);

// GET /api/pipelines: every pipeline in the folder with its schedule state and recent runs, and
// the files that do not compile.
absl::StatusOr<Json> ListPipelines(const pipeline::ComponentRegistry& registry);
absl::Status SetPaused(const std::string& pipeline, bool paused,
                       const pipeline::ComponentRegistry& registry);
// Queues a run (it starts when the pipeline is unpaused); returns its id. Errors:
// InvalidArgument when `conf` is not a JSON object.
absl::StatusOr<std::string> Trigger(const std::string& pipeline, const Json& conf,
                                    const pipeline::ComponentRegistry& registry);

// One run of a pipeline in the folder, with its store.
struct RunHandle {
  scheduler::PipelineFile file;
  std::unique_ptr<metadata::MetadataStore> store;
  scheduler::ScheduledRun run;
};
// The run `run_id` of `pipeline` (or of the one pipeline that has such a run, when `pipeline`
// is empty). Errors: NotFound; InvalidArgument when several pipelines have that run id.
absl::StatusOr<RunHandle> FindRun(const std::string& run_id, const std::string& pipeline,
                                  const pipeline::ComponentRegistry& registry);
// GET /api/runs/{pipeline}/{run}: the run and its nodes' states, attempts and outputs.
absl::StatusOr<Json> DescribeRun(RunHandle& handle);
// Makes the node (and, with `downstream`, every node after it) run again in its run: returns the
// nodes cleared. Errors: NotFound for an unknown node.
absl::StatusOr<std::vector<std::string>> ClearTasks(RunHandle& handle, const std::string& node,
                                                    bool downstream);
// Counts the node as succeeded, so that the nodes after it may run.
absl::Status MarkSuccess(RunHandle& handle, const std::string& node);
// The node's log in the run: the attempt `try_number` (0: the latest) the scheduler ran, or the
// log `weir run` wrote. Empty when there is none yet.
std::filesystem::path NodeLog(const RunHandle& handle, const std::string& node, int64_t try_number);
// The node's state in the run (scheduler/catalog.h's names).
absl::StatusOr<scheduler::TaskView> NodeState(RunHandle& handle, const std::string& node);

// A web server running for this WEIR_HOME, as it recorded itself in
// ${WEIR_HOME}/webserver.json while it runs.
struct RunningWebServer {
  std::string host;
  uint16_t port = 0;
};
// Records this process as the WEIR_HOME's web server (removed by ForgetWebServer).
absl::Status RecordWebServer(const std::string& host, uint16_t port);
void ForgetWebServer();
// The recorded web server, when its process is still alive.
std::optional<RunningWebServer> FindRunningWebServer();

struct WebApiOptions {
  // When set, every request must carry it (Authorization: Bearer, or the weir_token cookie that
  // /login?token=... sets).
  std::string auth_token;
};

class WebApi {
 public:
  WebApi(const pipeline::ComponentRegistry& registry, WebApiOptions options);
  serving::HttpResponse Handle(const serving::HttpRequest& request);

 private:
  absl::StatusOr<serving::HttpResponse> Route(const serving::HttpRequest& request,
                                              const std::vector<std::string>& path);
  absl::StatusOr<Json> ListRuns(const std::string& pipeline, size_t limit);
  absl::StatusOr<serving::HttpResponse> ArtifactRequest(int64_t id, const std::string& what,
                                                        const serving::HttpRequest& request);

  const pipeline::ComponentRegistry& registry_;
  WebApiOptions options_;
  const std::string csrf_token_;
};

}  // namespace weir::web

#endif  // WEIR_WEB_API_H_
