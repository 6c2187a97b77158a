#include "weir/web/web_server.h"

#include <algorithm>
#include <atomic>
#include <cctype>
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
  WebApiOptions api_options{.auth_token = options.auth_token};
  for (const std::string& name : options.allowed_hosts) {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    api_options.allowed_hosts.push_back(std::move(lower));
  }
  // Without a token only the loopback can reach the server, so only its names are answered: a
  // page of another site rebound to 127.0.0.1 is refused. With a token, the token guards it.
  if (loopback) {
    for (const char* name : {"localhost", "127.0.0.1", "[::1]"})
      api_options.allowed_hosts.push_back(name);
  } else if (!api_options.allowed_hosts.empty()) {
    api_options.allowed_hosts.push_back(options.bind);
  }
  auto api = std::make_shared<WebApi>(registry, std::move(api_options));
  // The API's bodies are small JSON objects (a run's conf, a note): a larger one is refused
  // from its Content-Length, before it is read.
  constexpr size_t kMaxBodyBytes = 1 << 20;
  ASSIGN_OR_RETURN(auto server, serving::HttpServer::Start({.address = options.bind,
                                                            .port = options.port,
                                                            .threads = 2,
                                                            .max_body_bytes = kMaxBodyBytes},
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
