// HTTP/1.1 requests read from a connection's bytes, one at a time, with the limits a server
// facing untrusted clients needs: the request line and headers are bounded, and so is the body,
// whose declared Content-Length is checked before any of it is read. What cannot be read gets the
// answer a client should see (400, 413 or 431, as JSON) rather than a dropped connection.
// Debian's http_parser (Node.js's former parser) does the parsing; this class adds the limits,
// gathers the parts and knows nothing of sockets, so that it can be tested and fuzzed alone.
#ifndef WEIR_SERVING_HTTP_REQUEST_READER_H_
#define WEIR_SERVING_HTTP_REQUEST_READER_H_

#include <http_parser.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "weir/serving/http_server.h"

namespace weir::serving {

struct HttpLimits {
  size_t max_body_bytes = 64 << 20;
  size_t max_header_bytes = 64 << 10;  // The request line and the headers together.
};

class HttpRequestReader {
 public:
  explicit HttpRequestReader(const HttpLimits& limits);
  HttpRequestReader(const HttpRequestReader&) = delete;  // The parser points at this.
  HttpRequestReader& operator=(const HttpRequestReader&) = delete;

  // Reads `bytes` up to the end of one request; returns how many it used. The rest belong to the
  // requests after it (pipelining): feed them after Next(). Reads nothing once the request is
  // complete or has failed.
  size_t Feed(std::string_view bytes);

  // The request has been read whole: request() holds it until Next().
  bool complete() const { return complete_; }
  // The request cannot be read: answer this and close the connection (what follows in the
  // stream cannot be trusted to start a request).
  const std::optional<HttpResponse>& failure() const { return failure_; }
  // True once per request whose headers ask for "100 Continue" before its body is sent.
  bool TakeContinue() { return std::exchange(continue_, false); }

  // The complete request; it views this reader's buffers.
  HttpRequest request() const;
  // The connection stays open after the answer: HTTP/1.1 without "Connection: close", or
  // HTTP/1.0 with "Connection: keep-alive".
  bool keep_alive() const { return keep_alive_; }

  // Starts reading the next request; the buffers keep their capacity.
  void Next();

 private:
  static HttpRequestReader& Of(http_parser* parser) {
    return *static_cast<HttpRequestReader*>(parser->data);
  }
  static const http_parser_settings& Settings();
  // Records the answer for a request that cannot be read; returns what stops http_parser.
  int Fail(int status, std::string message);
  // Counts request-line and header bytes against the limit.
  int CountHeaderBytes(size_t size);

  http_parser parser_;
  const HttpLimits limits_;
  std::string method_;
  std::string target_;  // The request target: path and query.
  std::vector<std::pair<std::string, std::string>> headers_;
  bool in_header_value_ = false;  // The last header callback was for a value.
  std::string body_;
  size_t header_bytes_ = 0;
  bool complete_ = false;
  bool continue_ = false;
  bool keep_alive_ = false;
  std::optional<HttpResponse> failure_;
};

}  // namespace weir::serving

#endif  // WEIR_SERVING_HTTP_REQUEST_READER_H_
