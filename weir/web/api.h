// The web server's JSON API (docs/web-api.md) and the UI's files, as one request handler: a router
// over the views (weir/views) and the pipeline and task operations (weir/scheduler/
// task_operations.h), which the CLI calls too.
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
  // The names (without port, lower case) a request's Host header may give; empty: any. A server
  // on the loopback without a token lists the loopback names, so that a page of another site
  // whose name was rebound to 127.0.0.1 (DNS rebinding) cannot use it.
  std::vector<std::string> allowed_hosts;
};

class WebApi {
 public:
  WebApi(const pipeline::ComponentRegistry& registry, WebApiOptions options);
  // Every response carries headers that keep other sites from framing the UI or the browser
  // from guessing types: X-Frame-Options, X-Content-Type-Options, a Content-Security-Policy.
  serving::HttpResponse Handle(const serving::HttpRequest& request);

 private:
  serving::HttpResponse Guarded(const serving::HttpRequest& request);
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
