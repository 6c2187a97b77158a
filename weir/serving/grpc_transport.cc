#include "weir/serving/grpc_transport.h"

#include <nghttp2/nghttp2.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <exception>
#include <thread>
#include <utility>
#include <vector>

// Asio needs <utility> under C++20 before its headers (ARCHITECTURE.md).
#include <asio.hpp>

#include "weir/base/parallel.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/serving/socket_io.h"

namespace weir::serving {
namespace {

// A gRPC message on the wire: a compressed flag, a big-endian 32-bit length, the bytes.
constexpr size_t kPrefixBytes = 5;

// What every connection of a transport reads.
struct Shared {
  absl::flat_hash_map<std::string, GrpcMethod> methods;
  size_t max_message_bytes;
  size_t threads;
  bool calls_wait;
  // Threads inside a connection's handler now: calls go to the pool only when some are idle.
  mutable std::atomic<size_t> busy{0};
};

// Counts its thread busy while it lives.
class BusyThread {
 public:
  explicit BusyThread(const Shared& shared) : shared_(shared) { ++shared_.busy; }
  ~BusyThread() { --shared_.busy; }
  BusyThread(const BusyThread&) = delete;
  BusyThread& operator=(const BusyThread&) = delete;

 private:
  const Shared& shared_;
};

// A message compressed as gzip or zlib (gRPC's "deflate"), refused once it grows past `limit`.
absl::StatusOr<std::string> Inflate(std::string_view compressed, size_t limit) {
  z_stream stream{};
  if (inflateInit2(&stream, 15 + 32) != Z_OK)  // 32: a gzip or a zlib header.
    return absl::InternalError("cannot start zlib");
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  int result = Z_OK;
  while (result == Z_OK && out.size() <= limit) {
    const size_t used = out.size();
    out.resize(std::min(limit + 1, std::max<size_t>(2 * used, 4096)));
    stream.next_out = reinterpret_cast<Bytef*>(out.data() + used);
    stream.avail_out = static_cast<uInt>(out.size() - used);
    result = inflate(&stream, Z_NO_FLUSH);
    out.resize(out.size() - stream.avail_out);
  }
  inflateEnd(&stream);
  if (out.size() > limit) {
    return absl::ResourceExhaustedError(
        StrCat("the request message is larger than ", limit, " bytes once decompressed"));
  }
  if (result != Z_STREAM_END || stream.avail_in != 0)
    return absl::InvalidArgumentError("the request message does not decompress");
  return out;
}

struct Stream {
  std::string method, path, content_type, encoding;  // Request headers.
  std::string body;                                  // The request's DATA: the framed message.
  bool too_large = false;                            // The body passed the limit and was dropped.
  bool refused = false;  // Reset: the connection held its budget of request bytes already.
  std::string response;  // The framed response message being sent,
  size_t sent = 0;       // and how much of it is.
};

// A call's request, taken from its stream to run in the pool.
struct PendingCall {
  int32_t stream_id;
  std::string path, encoding, body;
  bool too_large;
};

nghttp2_nv Header(std::string_view name, std::string_view value, bool static_strings = true) {
  return {reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
          reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(), value.size(),
          static_cast<uint8_t>(static_strings
                                   ? NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE
                                   : NGHTTP2_NV_FLAG_NONE)};
}

// One client connection. Everything it does runs on its socket's strand (Asio's completions and,
// inside them, nghttp2's callbacks) but the calls' methods, which run in the pool.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::io_context& io, asio::ip::tcp::socket socket, const Shared& shared,
             const nghttp2_session_callbacks* callbacks)
      : io_(io), socket_(std::move(socket)), shared_(shared) {
    nghttp2_session_server_new(&session_, callbacks, this);
  }
  ~Connection() { nghttp2_session_del(session_); }

  void Start() {
    const nghttp2_settings_entry settings[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 256},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20},
    };
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, std::size(settings));
    nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0, 8 << 20);
    Flush();
    Read();
  }

  static nghttp2_session_callbacks* NewCallbacks() {
    nghttp2_session_callbacks* callbacks = nullptr;
    nghttp2_session_callbacks_new(&callbacks);
    nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, &OnBeginHeaders);
    nghttp2_session_callbacks_set_on_header_callback(callbacks, &OnHeader);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, &OnData);
    nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, &OnFrame);
    nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, &OnStreamClose);
    return callbacks;
  }

 private:
  static Connection& Of(void* user_data) { return *static_cast<Connection*>(user_data); }

  static bool IsRequestHeaders(const nghttp2_frame* frame) {
    return frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST;
  }

  static int OnBeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    if (IsRequestHeaders(frame))
      Of(user_data).streams_[frame->hd.stream_id] = std::make_unique<Stream>();
    return 0;
  }

  static int OnHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name_bytes,
                      size_t name_size, const uint8_t* value_bytes, size_t value_size, uint8_t,
                      void* user_data) {
    if (!IsRequestHeaders(frame)) return 0;  // Trailers from a client say nothing we use.
    Stream* stream = Of(user_data).Find(frame->hd.stream_id);
    if (stream == nullptr) return 0;
    const std::string_view name(reinterpret_cast<const char*>(name_bytes), name_size);
    std::string value(reinterpret_cast<const char*>(value_bytes), value_size);
    if (name == ":method") stream->method = std::move(value);
    if (name == ":path") stream->path = std::move(value);
    if (name == "content-type") stream->content_type = std::move(value);
    if (name == "grpc-encoding") stream->encoding = std::move(value);
    return 0;
  }

  static int OnData(nghttp2_session* session, uint8_t, int32_t stream_id, const uint8_t* data,
                    size_t size, void* user_data) {
    Connection& connection = Of(user_data);
    Stream* stream = connection.Find(stream_id);
    if (stream == nullptr || stream->too_large || stream->refused) return 0;
    if (stream->body.size() + size > connection.shared_.max_message_bytes + kPrefixBytes) {
      stream->too_large = true;  // Answered RESOURCE_EXHAUSTED once it ends.
      connection.Drop(*stream);
      return 0;
    }
    if (connection.held_ + size > connection.Budget()) {
      // A client's calls on one connection hold at most this much: this one is refused (gRPC
      // clients retry a refused stream), the others go on.
      stream->refused = true;
      connection.Drop(*stream);
      nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_REFUSED_STREAM);
      return 0;
    }
    connection.held_ += size;
    stream->body.append(reinterpret_cast<const char*>(data), size);
    return 0;
  }

  // Request bytes a connection may hold, arriving or in calls not answered yet: a few messages
  // of the largest size.
  size_t Budget() const { return 4 * (shared_.max_message_bytes + kPrefixBytes); }

  // Frees a stream's request bytes.
  void Drop(Stream& stream) {
    held_ -= stream.body.size();
    std::string().swap(stream.body);
  }

  static int OnFrame(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    const bool request_part = frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA;
    if (request_part && (frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
      Of(user_data).complete_.push_back(frame->hd.stream_id);
    return 0;
  }

  static int OnStreamClose(nghttp2_session*, int32_t stream_id, uint32_t, void* user_data) {
    Connection& connection = Of(user_data);
    if (Stream* stream = connection.Find(stream_id)) connection.Drop(*stream);
    connection.streams_.erase(stream_id);
    return 0;
  }

  // Copies the response message into DATA frames; after its last byte, the trailers.
  static ssize_t ReadResponse(nghttp2_session* session, int32_t stream_id, uint8_t* buffer,
                              size_t length, uint32_t* flags, nghttp2_data_source* source, void*) {
    Stream& stream = *static_cast<Stream*>(source->ptr);
    const size_t size = std::min(length, stream.response.size() - stream.sent);
    std::memcpy(buffer, stream.response.data() + stream.sent, size);
    stream.sent += size;
    if (stream.sent == stream.response.size()) {
      *flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
      const nghttp2_nv trailers[] = {Header("grpc-status", "0")};
      nghttp2_submit_trailer(session, stream_id, trailers, std::size(trailers));
    }
    return static_cast<ssize_t>(size);
  }

  Stream* Find(int32_t stream_id) {
    auto found = streams_.find(stream_id);
    return found == streams_.end() ? nullptr : found->second.get();
  }

  void Read() {
    socket_.async_read_some(
        asio::buffer(in_), [self = shared_from_this()](const std::error_code& error, size_t size) {
          const BusyThread busy(self->shared_);
          if (error) return self->Close();
          if (nghttp2_session_mem_recv(self->session_, self->in_.data(), size) < 0) {
            self->Flush();  // A GOAWAY saying why, if nghttp2 queued one.
            return self->Close();
          }
          self->AnswerCompleteCalls();
          self->Flush();
          if (!nghttp2_session_want_read(self->session_) &&
              !nghttp2_session_want_write(self->session_)) {
            return self->Close();
          }
          self->Read();
        });
  }

  // Runs the calls whose requests have fully arrived, in groups handed to the pool, so that the
  // calls of one connection run on every core and calls waiting for a batch wait together. When
  // calls do not wait, the first group runs here, and only as many others as there are idle
  // threads (handing calls to busy threads would only add wake-ups). Each group's answers go out
  // together (one write for many calls, as they came in one read).
  void AnswerCompleteCalls() {
    std::vector<int32_t> complete;
    complete.swap(complete_);
    std::vector<PendingCall> calls;
    for (int32_t stream_id : complete) {
      Stream* stream = Find(stream_id);
      if (stream == nullptr || stream->refused) continue;
      if (stream->method != "POST" || !stream->content_type.starts_with("application/grpc")) {
        // Not a gRPC call: an HTTP status says so, as gRPC servers answer.
        const nghttp2_nv headers[] = {Header(":status", stream->method != "POST" ? "405" : "415")};
        nghttp2_submit_response(session_, stream_id, headers, std::size(headers), nullptr);
        continue;
      }
      // The call holds the body now (still counted in held_ until it is answered).
      calls.push_back({stream_id, std::move(stream->path), std::move(stream->encoding),
                       std::move(stream->body), stream->too_large});
      stream->body.clear();
    }
    const size_t idle = shared_.threads - std::min(shared_.threads, shared_.busy.load());
    const size_t groups = std::min(calls.size(), shared_.calls_wait ? shared_.threads : 1 + idle);
    const size_t first_handed = shared_.calls_wait ? 0 : 1;
    for (size_t group = first_handed; group < groups; ++group) {
      std::vector<PendingCall> theirs;
      for (size_t i = group; i < calls.size(); i += groups) theirs.push_back(std::move(calls[i]));
      asio::post(io_, [self = shared_from_this(), theirs = std::move(theirs)] {
        const BusyThread busy(self->shared_);
        std::vector<absl::StatusOr<std::string>> replies;
        replies.reserve(theirs.size());
        for (const PendingCall& call : theirs) replies.push_back(CallMethod(self->shared_, call));
        asio::post(self->socket_.get_executor(),
                   [self, theirs = std::move(theirs), replies = std::move(replies)] {
                     const BusyThread busy(self->shared_);
                     for (size_t i = 0; i < theirs.size(); ++i)
                       self->Respond(theirs[i], replies[i]);
                     self->Flush();
                   });
      });
    }
    if (first_handed == 0) return;
    // The first group here, in the reading thread: a lone call costs no hand-over.
    for (size_t i = 0; i < calls.size(); i += groups) {
      Respond(calls[i], CallMethod(shared_, calls[i]));
    }
  }

  // The method's answer to a call, or why the call fails.
  static absl::StatusOr<std::string> CallMethod(const Shared& shared, const PendingCall& call) {
    const size_t limit = shared.max_message_bytes;
    const std::string& path = call.path;
    const std::string& encoding = call.encoding;
    const std::string_view body = call.body;
    if (call.too_large) {
      return absl::ResourceExhaustedError(
          StrCat("the request message is larger than ", limit, " bytes"));
    }
    auto method = shared.methods.find(path);
    if (method == shared.methods.end()) return absl::UnimplementedError(StrCat("no method ", path));
    if (body.size() < kPrefixBytes)
      return absl::InternalError("the call carries no request message");
    const uint32_t size = (uint32_t{static_cast<uint8_t>(body[1])} << 24) |
                          (uint32_t{static_cast<uint8_t>(body[2])} << 16) |
                          (uint32_t{static_cast<uint8_t>(body[3])} << 8) |
                          uint32_t{static_cast<uint8_t>(body[4])};
    if (body.size() != kPrefixBytes + size) {
      return absl::InternalError(StrCat("the request message's prefix says ", size, " bytes; ",
                                        body.size() - kPrefixBytes, " came"));
    }
    std::string_view message = body.substr(kPrefixBytes);
    std::string inflated;
    if (body[0] & 1) {
      if (encoding != "gzip" && encoding != "deflate") {
        return absl::UnimplementedError(
            StrCat("grpc-encoding '", encoding, "' is not supported: identity, deflate or gzip"));
      }
      ASSIGN_OR_RETURN(inflated, Inflate(message, limit));
      message = inflated;
    }
    try {
      return method->second(message);
    } catch (const std::exception& e) {
      return absl::InternalError(e.what());
    }
  }

  // Submits a call's answer, unless the client has gone or reset the stream meanwhile, and frees
  // its request bytes.
  void Respond(const PendingCall& call, const absl::StatusOr<std::string>& reply) {
    held_ -= call.body.size();
    const int32_t stream_id = call.stream_id;
    Stream* stream = Find(stream_id);
    if (stream == nullptr) return;
    if (!reply.ok()) {  // "Trailers-only": one HEADERS frame ends the call.
      const std::string code = std::to_string(static_cast<int>(reply.status().code()));
      // grpc-message: UTF-8, percent-encoded but for printable ASCII.
      const std::string message =
          PercentEncode(std::string(reply.status().message()),
                        [](unsigned char c) { return c >= 0x20 && c <= 0x7e && c != '%'; });
      const nghttp2_nv headers[] = {
          Header(":status", "200"), Header("content-type", "application/grpc"),
          Header("grpc-status", code, false), Header("grpc-message", message, false)};
      nghttp2_submit_response(session_, stream_id, headers, std::size(headers), nullptr);
      return;
    }
    const size_t size = reply->size();
    std::string& response = stream->response;
    response.reserve(kPrefixBytes + size);
    response += '\0';
    for (int shift : {24, 16, 8, 0}) response += static_cast<char>((size >> shift) & 0xff);
    response += *reply;
    const nghttp2_nv headers[] = {Header(":status", "200"),
                                  Header("content-type", "application/grpc"),
                                  Header("grpc-accept-encoding", "identity,deflate,gzip")};
    nghttp2_data_provider provider;
    provider.source.ptr = stream;
    provider.read_callback = &ReadResponse;
    nghttp2_submit_response(session_, stream_id, headers, std::size(headers), &provider);
  }

  // Sends what nghttp2 has queued; one write at a time, the rest gathered behind it.
  void Flush() {
    const uint8_t* data = nullptr;
    for (ssize_t size; (size = nghttp2_session_mem_send(session_, &data)) > 0;)
      out_.pending().append(reinterpret_cast<const char*>(data), static_cast<size_t>(size));
    if (!socket_.is_open()) return;
    out_.Write(socket_, [self = shared_from_this()](const std::error_code& error) {
      if (error) return self->Close();
      self->Flush();
      if (self->closing_ && !self->out_.writing()) self->Close();
    });
  }

  // Closes once what is being written is out.
  void Close() {
    closing_ = true;
    if (out_.writing()) return;
    std::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  asio::io_context& io_;  // Where calls run.
  asio::ip::tcp::socket socket_;
  const Shared& shared_;
  nghttp2_session* session_ = nullptr;
  absl::flat_hash_map<int32_t, std::unique_ptr<Stream>> streams_;
  std::vector<int32_t> complete_;  // Streams whose request has fully arrived.
  size_t held_ = 0;                // Request bytes held: arriving, or in calls not answered.
  std::array<uint8_t, 64 << 10> in_;
  WriteQueue out_;
  bool closing_ = false;
};

class Transport final : public GrpcTransport {
 public:
  Transport(absl::flat_hash_map<std::string, GrpcMethod> methods, size_t max_message_bytes,
            int threads, bool calls_wait)
      : shared_{std::move(methods), max_message_bytes, static_cast<size_t>(threads), calls_wait},
        callbacks_(Connection::NewCallbacks()),
        acceptor_(io_) {}

  ~Transport() override {
    asio::post(io_, [this] {
      std::error_code ignored;
      acceptor_.close(ignored);
    });
    io_.stop();
    for (std::thread& thread : threads_) thread.join();
    nghttp2_session_callbacks_del(callbacks_);
  }

  absl::Status Listen(const std::string& address, uint16_t port) {
    RETURN_IF_ERROR(serving::Listen(acceptor_, address, port, "gRPC"));
    port_ = acceptor_.local_endpoint().port();
    Accept();
    for (size_t i = 0; i < shared_.threads; ++i) threads_.emplace_back([this] { io_.run(); });
    return absl::OkStatus();
  }

  uint16_t port() const override { return port_; }

 private:
  void Accept() {
    acceptor_.async_accept(
        asio::make_strand(io_), [this](const std::error_code& error, asio::ip::tcp::socket socket) {
          if (error == asio::error::operation_aborted) return;  // Stopping.
          if (!error) {
            std::error_code ignored;
            socket.set_option(asio::ip::tcp::no_delay(true), ignored);
            std::make_shared<Connection>(io_, std::move(socket), shared_, callbacks_)->Start();
          }
          Accept();
        });
  }

  // Declared before io_: the connections that io_'s destructor releases read them.
  const Shared shared_;
  nghttp2_session_callbacks* callbacks_;
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
};

}  // namespace

absl::StatusOr<std::unique_ptr<GrpcTransport>> GrpcTransport::Start(
    const GrpcTransportOptions& options, absl::flat_hash_map<std::string, GrpcMethod> methods) {
  auto transport = std::make_unique<Transport>(
      std::move(methods), options.max_message_bytes,
      options.threads > 0 ? options.threads : base::DefaultThreadCount(), options.calls_wait);
  RETURN_IF_ERROR(transport->Listen(options.address, options.port));
  return transport;
}

}  // namespace weir::serving
