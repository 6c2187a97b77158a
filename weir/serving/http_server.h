// The HTTP layer weir's servers share: RESTinio over standalone Asio, on a thread pool, with
// TCP_NODELAY. It hands each request's method, path and body to a handler and writes back what
// the handler answers; it knows nothing of models or pipelines.
#ifndef WEIR_SERVING_HTTP_SERVER_H_
#define WEIR_SERVING_HTTP_SERVER_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace weir::serving {

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers = {};  // Beside Content-Type.
};

struct HttpRequest {
  std::string_view method;
  std::string_view path;   // Without the query string, not decoded.
  std::string_view query;  // After '?', not decoded.
  std::string_view body;
  // A request header's value, "" when it is absent; names are case-insensitive.
  std::function<std::string(std::string_view name)> header;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest& request)>;

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8501;  // 0: any free port (see HttpServer::port()).
  int threads = 0;       // 0: all cores.
  // Bodies up to this size are read and handed over (the handler applies its own, smaller
  // limit and answers 413); a larger one closes the connection.
  size_t max_body_bytes = 64 << 20;
  // A connection that starts no request for this long is closed, so idle clients cannot hold
  // connections (and their memory) open.
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(30);
};

class HttpServer {
 public:
  // Starts serving in the background; returns once the port is listening.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                           HttpHandler handler);
  virtual ~HttpServer() = default;
  virtual uint16_t port() const = 0;
  // Blocks until the server stops.
  virtual void Wait() = 0;
  virtual void Stop() = 0;
};

// Blocks SIGINT and SIGTERM in the calling thread and in the threads it starts afterwards: call
// it first thing, before starting servers, then WaitForStopSignal.
void BlockStopSignals();
// Waits for SIGINT or SIGTERM (blocked by BlockStopSignals).
void WaitForStopSignal();

}  // namespace weir::serving

#endif  // WEIR_SERVING_HTTP_SERVER_H_
