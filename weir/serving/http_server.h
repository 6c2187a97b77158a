// The HTTP/1.1 server weir's servers share (weir serve's REST API, the web UI): standalone Asio
// on a thread pool, a strand and TCP_NODELAY per connection, and http_request_reader.h to read
// requests. It hands each request's method, path, query, headers and body to a handler and
// writes back what the handler answers, in order (keep-alive and pipelining); it knows nothing
// of models or pipelines. What a client gets from the server itself: 413 for a body over the
// limit (from its Content-Length, before the body is read, or as a chunked body grows past it),
// 431 for headers over 64 KiB, 400 for a malformed request, 100 Continue when asked for it, 500
// when the handler throws; a connection is closed when its client takes longer than the idle
// timeout to send a request (or to read the answer).
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
  // A larger body is answered 413 (and the connection closed) without being read.
  size_t max_body_bytes = 64 << 20;
  // A client gets this long from its connection's start, or from the last answer, to send a
  // whole request (and to read the answer); then the connection is closed, so that idle or slow
  // clients cannot hold connections (and their memory) open.
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
