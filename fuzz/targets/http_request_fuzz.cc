// The HTTP/1.1 request reader both servers (weir serve's REST API, the web UI) read clients with:
// the input is a connection's bytes, fed in pieces whose size the first byte picks (as reads of
// a socket would cut them), every request read whole looked at as a handler would, until the
// stream ends or a request fails. Small limits, so that the 413 and 431 paths are reached.
#include <cstddef>
#include <cstdint>

#include "fuzz/targets/scratch.h"
#include "weir/serving/http_request_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t piece = 1 + data[0] % 64;
  std::string_view rest = weir::fuzz::AsText(data + 1, size - 1);
  weir::serving::HttpRequestReader reader({.max_body_bytes = 4096, .max_header_bytes = 2048});
  while (!rest.empty() && !reader.failure()) {
    const std::string_view bytes = rest.substr(0, piece);
    const size_t used = reader.Feed(bytes);
    rest.remove_prefix(used);
    reader.TakeContinue();
    if (reader.complete()) {
      const weir::serving::HttpRequest request = reader.request();
      // What the reader promises its handlers: nothing over the limits.
      if (request.body.size() > 4096 || request.path.size() + request.query.size() > 2048 ||
          request.header("Host").size() > 2048) {
        __builtin_trap();
      }
      reader.Next();
    } else if (used == 0 && !reader.failure()) {
      break;  // Nothing more it would read (after an upgrade, the rest is another protocol's).
    }
  }
  return 0;
}
