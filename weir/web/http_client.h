// A minimal HTTP/1.1 client for the CLI to talk to a weir web server on this machine: one request
// per connection, plain HTTP (the server is on the loopback unless an auth token guards it).
#ifndef WEIR_WEB_HTTP_CLIENT_H_
#define WEIR_WEB_HTTP_CLIENT_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace weir::web {

struct HttpReply {
  int status = 0;
  std::string body;
};

// Sends `method` `target` (path and query) to http://host:port with `body` (JSON when not
// empty) and `headers`, and reads the whole reply. Errors: Unavailable when the server cannot be
// reached or the reply is not HTTP; DeadlineExceeded after `timeout_ms`.
absl::StatusOr<HttpReply> HttpCall(const std::string& host, uint16_t port,
                                   const std::string& method, const std::string& target,
                                   const std::string& body,
                                   const std::map<std::string, std::string>& headers,
                                   int timeout_ms = 30'000);

}  // namespace weir::web

#endif  // WEIR_WEB_HTTP_CLIENT_H_
