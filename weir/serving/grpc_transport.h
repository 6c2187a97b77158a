// gRPC's unary calls over HTTP/2 cleartext (h2c), as the gRPC protocol spells them
// (PROTOCOL-HTTP2 in grpc/grpc): nghttp2 for the HTTP/2 framing and HPACK, standalone Asio for
// the sockets, a pool of threads sharing one io_context and a strand per connection. It hands
// each call's request message to the method its path names and writes back the answer or the
// status; it knows nothing of models.
//
// Why not gRPC's own server: under 64 connections sending one call at a time, gRPC C++'s
// callback server answered ~10k calls/s on two cores, a third of what weir's REST server answers
// for the same prediction (bench/README.md); this one answers several times that. Clients are
// any gRPC implementation (the tests use gRPC C++'s stubs): requests compressed with gzip or
// deflate are accepted, answers are not compressed, grpc-timeout is not enforced (a call takes
// microseconds, or a batch timeout).
#ifndef WEIR_SERVING_GRPC_TRANSPORT_H_
#define WEIR_SERVING_GRPC_TRANSPORT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

namespace weir::serving {

// A unary method: the request message's bytes in, the response message's bytes out, or the
// status the call ends with (absl's codes are gRPC's, number for number).
using GrpcMethod = std::function<absl::StatusOr<std::string>(std::string_view request)>;

struct GrpcTransportOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8500;  // 0: any free port (see GrpcTransport::port).
  int threads = 0;       // 0: all cores. Methods run in these threads.
  // Methods may wait (for a batch to fill): every call is handed to the pool, so that a waiting
  // call holds up no other call of its connection. False: a connection's calls run in the
  // thread that read them when no other thread is idle, sparing the hand-over; a call then
  // delays the later calls of its connection by its own time.
  bool calls_wait = true;
  // A larger request message (after decompression) ends its call with RESOURCE_EXHAUSTED.
  size_t max_message_bytes = 16 << 20;
};

class GrpcTransport {
 public:
  // Serves `methods`, keyed by path ("/package.Service/Method"), in the background; returns once
  // the port is listening. A path not in `methods` ends its call with UNIMPLEMENTED.
  static absl::StatusOr<std::unique_ptr<GrpcTransport>> Start(
      const GrpcTransportOptions& options, absl::flat_hash_map<std::string, GrpcMethod> methods);
  virtual ~GrpcTransport() = default;  // Stops.
  virtual uint16_t port() const = 0;
};

}  // namespace weir::serving

#endif  // WEIR_SERVING_GRPC_TRANSPORT_H_
