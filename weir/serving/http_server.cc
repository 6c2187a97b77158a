#include "weir/serving/http_server.h"

#include <csignal>
#include <utility>

// Boost's and standalone Asio need <utility> under C++20 before RESTinio (ARCHITECTURE.md).
#include <restinio/all.hpp>

#include "weir/base/parallel.h"
#include "weir/base/strings.h"

namespace weir::serving {
namespace {

std::string Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 413:
      return "Payload Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return status < 400 ? "OK" : "Error";
  }
}

// `text` with what JSON strings cannot hold as is (quotes, backslashes, control and non-ASCII
// bytes) replaced by '?', for messages whose text nobody controls.
std::string JsonSafeAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f || c == '"' || c == '\\') c = '?';
  }
  return out;
}

using Traits = restinio::default_traits_t;

class RestinioServer : public HttpServer {
 public:
  RestinioServer(restinio::running_server_handle_t<Traits> handle, uint16_t port)
      : handle_(std::move(handle)), port_(port) {}
  ~RestinioServer() override { Stop(); }
  uint16_t port() const override { return port_; }
  void Wait() override {
    if (handle_) handle_->wait();
  }
  void Stop() override {
    if (handle_) {
      handle_->stop();
      handle_->wait();
      handle_.reset();
    }
  }

 private:
  restinio::running_server_handle_t<Traits> handle_;
  uint16_t port_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                              HttpHandler handler) {
  uint16_t port = options.port;
  if (port == 0) {
    // Ask the kernel for a free port, then listen on it.
    asio::io_context io;
    asio::ip::tcp::acceptor probe(
        io, asio::ip::tcp::endpoint(asio::ip::make_address(options.address), 0));
    port = probe.local_endpoint().port();
  }
  const int threads = options.threads > 0 ? options.threads : base::DefaultThreadCount();
  auto shared = std::make_shared<HttpHandler>(std::move(handler));
  try {
    auto handle = restinio::run_async<Traits>(
        restinio::own_io_context(),
        restinio::server_settings_t<Traits>{}
            .address(options.address)
            .port(port)
            .socket_options_setter([](auto& socket_options) {
              socket_options.set_option(asio::ip::tcp::no_delay{true});
            })
            .read_next_http_message_timelimit(options.idle_timeout)
            .incoming_http_msg_limits(
                restinio::incoming_http_msg_limits_t{}.max_body_size(options.max_body_bytes))
            .request_handler([shared](restinio::request_handle_t request) {
              const auto& header = request->header();
              const HttpRequest view{
                  .method = std::string_view(header.method().c_str()),
                  .path = std::string_view(header.path().data(), header.path().size()),
                  .query = std::string_view(header.query().data(), header.query().size()),
                  .body = std::string_view(request->body()),
                  .header =
                      [&header](std::string_view name) {
                        return header.get_field_or(std::string(name), std::string());
                      },
              };
              // RESTinio closes the connection without an answer when a handler throws; a client
              // gets a 500 saying why instead.
              HttpResponse response;
              try {
                response = (*shared)(view);
              } catch (const std::exception& e) {
                response = {.status = 500,
                            .body = StrCat(
                                "{\"error\": \"internal error: ", JsonSafeAscii(e.what()), "\"}")};
              }
              auto reply = request->create_response(restinio::http_status_line_t(
                  restinio::http_status_code_t{static_cast<std::uint16_t>(response.status)},
                  Reason(response.status)));
              reply.append_header(restinio::http_field::content_type, response.content_type);
              for (const auto& [name, value] : response.headers) reply.append_header(name, value);
              return reply.set_body(std::move(response.body)).done();
            }),
        static_cast<std::size_t>(threads));
    return std::unique_ptr<HttpServer>(new RestinioServer(std::move(handle), port));
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        StrCat("cannot serve on ", options.address, ":", port, ": ", e.what()));
  }
}

namespace {
sigset_t StopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  return signals;
}
}  // namespace

void BlockStopSignals() {
  const sigset_t signals = StopSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

void WaitForStopSignal() {
  const sigset_t signals = StopSignals();
  int received = 0;
  sigwait(&signals, &received);
}

}  // namespace weir::serving
