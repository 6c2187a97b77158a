#include "weir/serving/http_request_reader.h"

#include <algorithm>
#include <climits>

#include "absl/strings/match.h"
#include "nlohmann/json.hpp"
#include "weir/base/json_text.h"
#include "weir/base/strings.h"

namespace weir::serving {
namespace {

// A body is reserved up to this size from its Content-Length, and grows as it arrives beyond:
// a client declaring a large body and sending nothing holds no memory.
constexpr size_t kMaxReservedBody = 1 << 20;

}  // namespace

const http_parser_settings& HttpRequestReader::Settings() {
  static const http_parser_settings settings = [] {
    http_parser_settings s;
    http_parser_settings_init(&s);
    s.on_url = [](http_parser* parser, const char* at, size_t size) {
      HttpRequestReader& reader = Of(parser);
      if (int stop = reader.CountHeaderBytes(size)) return stop;
      reader.target_.append(at, size);
      return 0;
    };
    s.on_header_field = [](http_parser* parser, const char* at, size_t size) {
      HttpRequestReader& reader = Of(parser);
      if (int stop = reader.CountHeaderBytes(size)) return stop;
      // A name may arrive in pieces; a new one starts after a value.
      if (reader.headers_.empty() || reader.in_header_value_) reader.headers_.emplace_back();
      reader.in_header_value_ = false;
      reader.headers_.back().first.append(at, size);
      return 0;
    };
    s.on_header_value = [](http_parser* parser, const char* at, size_t size) {
      HttpRequestReader& reader = Of(parser);
      if (int stop = reader.CountHeaderBytes(size)) return stop;
      reader.in_header_value_ = true;
      reader.headers_.back().second.append(at, size);
      return 0;
    };
    s.on_headers_complete = [](http_parser* parser) {
      HttpRequestReader& reader = Of(parser);
      reader.method_ = http_method_str(static_cast<http_method>(parser->method));
      // Without a Content-Length (chunked, or no body) http_parser says ULLONG_MAX.
      const bool declared = parser->content_length != ULLONG_MAX;
      if (declared && parser->content_length > reader.limits_.max_body_bytes) {
        return reader.Fail(413, StrCat("the body has ", parser->content_length,
                                       " bytes; the limit is ", reader.limits_.max_body_bytes));
      }
      if (declared) {
        reader.body_.reserve(
            std::min(static_cast<size_t>(parser->content_length), kMaxReservedBody));
      }
      const bool has_body =
          (declared && parser->content_length > 0) || (parser->flags & F_CHUNKED) != 0;
      const std::string expect = reader.request().header("Expect");
      reader.continue_ = has_body && absl::EqualsIgnoreCase(expect, "100-continue");
      return 0;
    };
    s.on_body = [](http_parser* parser, const char* at, size_t size) {
      HttpRequestReader& reader = Of(parser);
      if (reader.body_.size() + size > reader.limits_.max_body_bytes) {
        return reader.Fail(413, StrCat("the body has more than ", reader.limits_.max_body_bytes,
                                       " bytes, the limit"));
      }
      reader.body_.append(at, size);
      return 0;
    };
    s.on_message_complete = [](http_parser* parser) {
      HttpRequestReader& reader = Of(parser);
      reader.complete_ = true;
      reader.continue_ = false;  // The body is here: no need to ask for it.
      // After an upgrade the stream speaks another protocol: answer, then close.
      reader.keep_alive_ = http_should_keep_alive(parser) != 0 && parser->upgrade == 0;
      // Stops http_parser after this request; Next() lets it go on.
      http_parser_pause(parser, 1);
      return 0;
    };
    return s;
  }();
  return settings;
}

HttpRequestReader::HttpRequestReader(const HttpLimits& limits) : limits_(limits) {
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
}

int HttpRequestReader::CountHeaderBytes(size_t size) {
  header_bytes_ += size;
  if (header_bytes_ <= limits_.max_header_bytes) return 0;
  return Fail(431, StrCat("the request line and headers take more than ", limits_.max_header_bytes,
                          " bytes, the limit"));
}

int HttpRequestReader::Fail(int status, std::string message) {
  failure_ = HttpResponse{.status = status,
                          .body = base::JsonText(nlohmann::json{{"error", std::move(message)}})};
  return -1;
}

size_t HttpRequestReader::Feed(std::string_view bytes) {
  // http_parser takes zero bytes for the end of the stream: a connection says that itself.
  if (bytes.empty() || complete_ || failure_) return 0;
  const size_t used = http_parser_execute(&parser_, &Settings(), bytes.data(), bytes.size());
  const auto error = static_cast<http_errno>(parser_.http_errno);
  if (error != HPE_OK && error != HPE_PAUSED && !failure_) {
    if (error == HPE_HEADER_OVERFLOW) {
      Fail(431, "the request line and headers are too long");
    } else {
      Fail(400, StrCat("malformed HTTP request: ", http_errno_description(error)));
    }
  }
  return used;
}

HttpRequest HttpRequestReader::request() const {
  const std::string_view target = target_;
  const size_t query = std::min(target.find('?'), target.size());
  return HttpRequest{
      .method = method_,
      .path = target.substr(0, query),
      .query = target.substr(std::min(query + 1, target.size())),
      .body = body_,
      .header =
          [this](std::string_view name) {
            for (const auto& [key, value] : headers_) {
              if (absl::EqualsIgnoreCase(key, absl::string_view(name.data(), name.size())))
                return value;
            }
            return std::string();
          },
  };
}

void HttpRequestReader::Next() {
  method_.clear();
  target_.clear();
  headers_.clear();
  in_header_value_ = false;
  if (body_.capacity() > kMaxReservedBody) {
    std::string().swap(body_);  // A connection does not keep a large body's memory.
  } else {
    body_.clear();
  }
  header_bytes_ = 0;
  complete_ = false;
  continue_ = false;
  keep_alive_ = false;
  http_parser_pause(&parser_, 0);
}

}  // namespace weir::serving
