// The socket plumbing weir's two servers share (http_server.h, grpc_transport.h): the listening
// socket, and a connection's writes.
#ifndef WEIR_SERVING_SOCKET_IO_H_
#define WEIR_SERVING_SOCKET_IO_H_

#include <asio.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace weir::serving {

// Opens `acceptor` on address:port (port 0: a free one, see acceptor.local_endpoint()) and
// listens. Errors read "cannot serve <what> on <address>:<port>: <why>".
absl::Status Listen(asio::ip::tcp::acceptor& acceptor, const std::string& address, uint16_t port,
                    std::string_view what);

// A connection's outgoing bytes: one write at a time, what is queued meanwhile goes out in the
// next. Its owner keeps it alive until `done` runs (a handler holding the connection).
class WriteQueue {
 public:
  std::string& pending() { return pending_; }
  bool writing() const { return writing_; }
  size_t size() const { return pending_.size() + sending_.size(); }

  // Writes what is pending to `socket`, unless a write is under way or nothing is pending;
  // `done(error)` runs once the write ends.
  template <typename Done>
  void Write(asio::ip::tcp::socket& socket, Done done) {
    if (writing_ || pending_.empty()) return;
    writing_ = true;
    sending_.swap(pending_);
    pending_.clear();
    asio::async_write(socket, asio::buffer(sending_),
                      [this, done = std::move(done)](const std::error_code& error, size_t) mutable {
                        writing_ = false;
                        sending_.clear();
                        done(error);
                      });
  }

 private:
  std::string pending_, sending_;
  bool writing_ = false;
};

}  // namespace weir::serving

#endif  // WEIR_SERVING_SOCKET_IO_H_
