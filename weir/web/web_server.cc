#include "weir/web/web_server.h"

#include <atomic>
#include <filesystem>
#include <memory>
#include <thread>

#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/pipeline/component_registry.h"
#include "weir/scheduler/catalog.h"
#include "weir/scheduler/scheduler.h"
#include "weir/serving/http_server.h"
#include "weir/web/api.h"

namespace weir::web {

absl::Status RunWebServer(const WebServerOptions& options,
                          const std::function<void(const std::string& url)>& ready) {
  const bool loopback =
      options.bind == "127.0.0.1" || options.bind == "localhost" || options.bind == "::1";
  if (!loopback && options.auth_token.empty()) {
    return absl::FailedPreconditionError(
        StrCat("binding ", options.bind,
               " would let other machines run and change pipelines without a token: give one "
               "(webserver.auth_token_env in weir.yaml names the variable holding it)"));
  }
  serving::BlockStopSignals();  // Before any thread starts, so that sigwait gets them.
  const pipeline::ComponentRegistry& registry = pipeline::BuiltinRegistry();
  std::error_code error;
  std::filesystem::create_directories(scheduler::PipelinesFolder(), error);
  std::unique_ptr<scheduler::Scheduler> scheduler;
  if (options.with_scheduler) {
    ASSIGN_OR_RETURN(scheduler,
                     scheduler::Scheduler::Create({.parallelism = options.parallelism}, registry));
  }
  auto api = std::make_shared<WebApi>(registry, WebApiOptions{.auth_token = options.auth_token});
  ASSIGN_OR_RETURN(auto server, serving::HttpServer::Start(
                                    {.address = options.bind, .port = options.port, .threads = 2},
                                    [api](const serving::HttpRequest& request) {
                                      return api->Handle(request);
                                    }));
  std::atomic<bool> stop{false};
  std::thread loop;
  absl::Status scheduler_status;
  if (scheduler) loop = std::thread([&] { scheduler_status = scheduler->Run(stop); });
  // From here on the scheduler thread runs: every way out stops it first.
  auto shut_down = [&] {
    stop = true;
    if (loop.joinable()) loop.join();
    server->Stop();
  };
  if (absl::Status recorded = RecordWebServer(options.bind, server->port()); !recorded.ok()) {
    shut_down();
    return recorded;
  }
  ready(
      StrCat("http://", options.bind == "::1" ? "[::1]" : options.bind, ":", server->port(), "/"));
  serving::WaitForStopSignal();
  ForgetWebServer();
  shut_down();
  return scheduler_status;
}

}  // namespace weir::web
