// The web server of `weir webserver` and `weir standalone`: the UI and its API on an HTTP server,
// and optionally the scheduler in the same process, until SIGINT or SIGTERM.
#ifndef WEIR_WEB_WEB_SERVER_H_
#define WEIR_WEB_WEB_SERVER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace weir::web {

struct WebServerOptions {
  std::string bind = "127.0.0.1";
  uint16_t port = 8080;  // 0: any free port.
  // When set, every request must carry it; an address other than the loopback requires one.
  std::string auth_token;
  // More names the server answers to (the Host header), beside its loopback names; on an address
  // beyond the loopback, listing any makes the server answer to those (and its address) only.
  std::vector<std::string> allowed_hosts;
  bool with_scheduler = false;
  int parallelism = 0;  // The scheduler's node processes at once; 0: one per core.
};

// Blocks SIGINT and SIGTERM, serves the UI and API for ${WEIR_HOME} (creating its pipelines
// folder), runs the scheduler beside it when asked, records itself in ${WEIR_HOME}/webserver.json
// (so that the CLI's pipeline and task commands go through it) and calls `ready` with the URL;
// returns when a stop signal arrives, having stopped the scheduler and the server. Errors:
// FailedPrecondition for an address beyond the loopback without a token; the scheduler's and the
// HTTP server's.
absl::Status RunWebServer(const WebServerOptions& options,
                          const std::function<void(const std::string& url)>& ready);

}  // namespace weir::web

#endif  // WEIR_WEB_WEB_SERVER_H_
