#include "weir/serving/http_server.h"

#include <array>
#include <asio.hpp>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "weir/base/parallel.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/serving/http_request_reader.h"
#include "weir/serving/socket_io.h"

namespace weir::serving {
namespace {

std::string_view Reason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
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

struct Shared {
  HttpHandler handler;
  HttpLimits limits;
  std::chrono::milliseconds idle_timeout;
};

// The handler's answer, or a 500 saying why it threw.
HttpResponse HandleSafely(const HttpHandler& handler, const HttpRequest& request) {
  try {
    return handler(request);
  } catch (const std::exception& e) {
    return {.status = 500,
            .body = StrCat("{\"error\": \"internal error: ", JsonSafeAscii(e.what()), "\"}")};
  }
}

// One client connection. Everything it does, the handler included, runs on its socket's strand.
// Requests are answered in order, pipelined ones too; reading stops while answers pile up
// unread, so a client that does not read holds at most a little more than one read's answers.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::ip::tcp::socket socket, const Shared& shared)
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        shared_(shared),
        reader_(shared.limits) {}

  void Start() {
    ArmTimer();
    Read();
  }

 private:
  // Answers waiting to be written beyond this stop reading.
  static constexpr size_t kMaxPendingBytes = 1 << 20;

  void Read() {
    socket_.async_read_some(asio::buffer(in_),
                            [self = shared_from_this()](const std::error_code& error, size_t size) {
                              if (error) return self->Close();
                              self->Consume(std::string_view(self->in_.data(), size));
                            });
  }

  // Reads the requests in `bytes` and answers each one in turn.
  void Consume(std::string_view bytes) {
    while (!closing_) {
      bytes.remove_prefix(reader_.Feed(bytes));
      if (reader_.TakeContinue()) Queue("HTTP/1.1 100 Continue\r\n\r\n");
      if (reader_.failure()) {
        // What follows cannot be trusted to start a request: answer, then close.
        Respond(*reader_.failure(), /*head=*/false, /*keep_alive=*/false);
        return;
      }
      if (!reader_.complete()) break;  // Every byte used: the rest of the request is to come.
      const HttpRequest request = reader_.request();
      const bool keep_alive = reader_.keep_alive();
      Respond(HandleSafely(shared_.handler, request), request.method == "HEAD", keep_alive);
      if (!keep_alive) return;
      reader_.Next();
      ArmTimer();  // The client has this long for its next request.
      if (bytes.empty()) break;
    }
    if (closing_) return;
    if (out_.size() > kMaxPendingBytes) {
      read_after_write_ = true;
    } else {
      Read();
    }
  }

  void Respond(const HttpResponse& response, bool head, bool keep_alive) {
    std::string& out = out_.pending();
    out += StrCat("HTTP/1.1 ", response.status, " ", Reason(response.status),
                  "\r\nContent-Type: ", response.content_type,
                  "\r\nContent-Length: ", response.body.size(), "\r\n");
    for (const auto& [name, value] : response.headers) out += StrCat(name, ": ", value, "\r\n");
    if (!keep_alive) out += "Connection: close\r\n";
    out += "\r\n";
    if (!head) out += response.body;
    if (!keep_alive) closing_ = true;
    Flush();
  }

  void Queue(std::string_view bytes) {
    out_.pending() += bytes;
    Flush();
  }

  // Writes what is pending; one write at a time, the rest gathered behind it. Once the last
  // answer is out, a closing connection closes.
  void Flush() {
    if (out_.writing()) return;
    if (out_.pending().empty()) {
      if (closing_) LingerAndClose();
      return;
    }
    out_.Write(socket_, [self = shared_from_this()](const std::error_code& error) {
      if (error) return self->Close();
      self->Flush();
      if (std::exchange(self->read_after_write_, false)) self->Read();
    });
  }

  // A request refused before its body was read leaves that body arriving: closing at once could
  // reset the connection before the client reads the answer. So: stop sending, read and drop
  // what still comes for a moment, then close.
  void LingerAndClose() {
    if (std::exchange(lingering_, true)) return;
    std::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    timer_.expires_after(std::chrono::seconds(2));
    timer_.async_wait([self = shared_from_this()](const std::error_code& error) {
      if (!error) self->Close();
    });
    Drain();
  }

  void Drain() {
    socket_.async_read_some(asio::buffer(in_),
                            [self = shared_from_this()](const std::error_code& error, size_t) {
                              if (error) return self->Close();
                              self->Drain();
                            });
  }

  // A client that takes longer than this for a request (or to read its answer) is let go, so
  // that idle or slow clients cannot hold connections open.
  void ArmTimer() {
    timer_.expires_after(shared_.idle_timeout);
    timer_.async_wait([self = shared_from_this()](const std::error_code& error) {
      if (!error) self->Close();
    });
  }

  void Close() {
    std::error_code ignored;
    timer_.cancel();
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  const Shared& shared_;
  HttpRequestReader reader_;
  std::array<char, 64 << 10> in_;
  WriteQueue out_;
  bool closing_ = false;  // The last answer is queued; close once it is out.
  bool read_after_write_ = false;
  bool lingering_ = false;
};

class Server final : public HttpServer {
 public:
  Server(Shared shared, size_t threads)
      : shared_(std::move(shared)), threads_(threads), acceptor_(io_) {}
  ~Server() override { Stop(); }

  absl::Status Listen(const std::string& address, uint16_t port) {
    RETURN_IF_ERROR(serving::Listen(acceptor_, address, port, "HTTP"));
    port_ = acceptor_.local_endpoint().port();
    Accept();
    for (size_t i = 0; i < threads_; ++i) running_.emplace_back([this] { io_.run(); });
    return absl::OkStatus();
  }

  uint16_t port() const override { return port_; }

  void Wait() override {
    std::unique_lock lock(mutex_);
    stopped_changed_.wait(lock, [this] { return stopped_; });
  }

  void Stop() override {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    asio::post(io_, [this] {
      std::error_code ignored;
      acceptor_.close(ignored);
    });
    io_.stop();
    for (std::thread& thread : running_) thread.join();
    running_.clear();
    stopped_ = true;
    stopped_changed_.notify_all();
  }

 private:
  void Accept() {
    acceptor_.async_accept(asio::make_strand(io_),
                           [this](const std::error_code& error, asio::ip::tcp::socket socket) {
                             if (error == asio::error::operation_aborted) return;  // Stopping.
                             if (!error) {
                               std::error_code ignored;
                               socket.set_option(asio::ip::tcp::no_delay(true), ignored);
                               std::make_shared<Connection>(std::move(socket), shared_)->Start();
                             }
                             Accept();
                           });
  }

  // Declared before io_: the connections that io_'s destructor releases read it.
  const Shared shared_;
  const size_t threads_;
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::vector<std::thread> running_;
  uint16_t port_ = 0;
  std::mutex mutex_;
  std::condition_variable stopped_changed_;
  bool stopped_ = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                              HttpHandler handler) {
  const int threads = options.threads > 0 ? options.threads : base::DefaultThreadCount();
  auto server =
      std::make_unique<Server>(Shared{.handler = std::move(handler),
                                      .limits = {.max_body_bytes = options.max_body_bytes},
                                      .idle_timeout = options.idle_timeout},
                               static_cast<size_t>(threads));
  RETURN_IF_ERROR(server->Listen(options.address, options.port));
  return server;
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
