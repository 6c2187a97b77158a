// The HTTP/1.1 layer: the request reader on its own (fed in pieces, pipelined, over its limits)
// and the server over sockets on 127.0.0.1 (413 from a declared length, 100-continue,
// pipelining, keep-alive, HEAD, errors and timeouts).
#include "weir/serving/http_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "weir/base/strings.h"
#include "weir/serving/http_request_reader.h"
#include "weir/serving/testing/loopback.h"

namespace weir::serving {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using Json = nlohmann::json;
using testing::ConnectTo;
using testing::ReadToEnd;
using testing::RoundTrip;

TEST(HttpRequestReaderTest, ReadsARequestFedOneByteAtATime) {
  const std::string bytes =
      "POST /v1/models/taxi:predict?x=1&y=%20 HTTP/1.1\r\nHost: a\r\nX-Long: one,\r\n two\r\n"
      "content-length: 11\r\n\r\nhello world";
  HttpRequestReader reader({});
  for (size_t i = 0; i < bytes.size(); ++i) {
    ASSERT_FALSE(reader.complete()) << "at byte " << i;
    ASSERT_EQ(reader.Feed(std::string_view(bytes).substr(i, 1)), 1u) << "at byte " << i;
  }
  ASSERT_TRUE(reader.complete());
  ASSERT_FALSE(reader.failure());
  const HttpRequest request = reader.request();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/v1/models/taxi:predict");
  EXPECT_EQ(request.query, "x=1&y=%20");
  EXPECT_EQ(request.body, "hello world");
  EXPECT_EQ(request.header("HOST"), "a");
  EXPECT_EQ(request.header("Content-Length"), "11");
  EXPECT_EQ(request.header("x-absent"), "");
  EXPECT_TRUE(reader.keep_alive());
}

TEST(HttpRequestReaderTest, ReadsPipelinedRequestsOneAtATime) {
  const std::string first = "POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc";
  const std::string second = "GET /b?q HTTP/1.1\r\nConnection: close\r\n\r\n";
  const std::string third = "GET /c HTTP/1.1\r\n";
  std::string_view bytes;
  const std::string all = first + second + third;
  bytes = all;
  HttpRequestReader reader({});
  bytes.remove_prefix(reader.Feed(bytes));
  ASSERT_TRUE(reader.complete());
  EXPECT_EQ(reader.request().path, "/a");
  EXPECT_EQ(reader.request().body, "abc");
  EXPECT_EQ(reader.Feed(bytes), 0u) << "a complete request reads nothing more";
  reader.Next();
  bytes.remove_prefix(reader.Feed(bytes));
  ASSERT_TRUE(reader.complete());
  EXPECT_EQ(reader.request().method, "GET");
  EXPECT_EQ(reader.request().path, "/b");
  EXPECT_EQ(reader.request().query, "q");
  EXPECT_EQ(reader.request().body, "");
  EXPECT_FALSE(reader.keep_alive());
  reader.Next();
  EXPECT_EQ(reader.Feed(bytes), third.size());
  EXPECT_FALSE(reader.complete());
  EXPECT_FALSE(reader.failure());
}

TEST(HttpRequestReaderTest, ReadsAChunkedBody) {
  HttpRequestReader reader({});
  reader.Feed(
      "POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n "
      "world\r\n0\r\n\r\n");
  ASSERT_TRUE(reader.complete());
  EXPECT_EQ(reader.request().body, "hello world");
}

TEST(HttpRequestReaderTest, KeepsAliveAsTheVersionAndHeadersSay) {
  auto keep_alive = [](const std::string& bytes) {
    HttpRequestReader reader({});
    reader.Feed(bytes);
    EXPECT_TRUE(reader.complete()) << bytes;
    return reader.keep_alive();
  };
  EXPECT_TRUE(keep_alive("GET / HTTP/1.1\r\n\r\n"));
  EXPECT_FALSE(keep_alive("GET / HTTP/1.1\r\nConnection: close\r\n\r\n"));
  EXPECT_FALSE(keep_alive("GET / HTTP/1.0\r\n\r\n"));
  EXPECT_TRUE(keep_alive("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
}

// The declared length is refused before a byte of the body arrives.
TEST(HttpRequestReaderTest, RefusesADeclaredBodyOverTheLimitFromItsHeaders) {
  HttpRequestReader reader({.max_body_bytes = 100});
  reader.Feed("POST /p HTTP/1.1\r\nContent-Length: 99999999999999\r\n\r\n");
  ASSERT_TRUE(reader.failure());
  EXPECT_EQ(reader.failure()->status, 413);
  EXPECT_EQ(Json::parse(reader.failure()->body)["error"],
            "the body has 99999999999999 bytes; the limit is 100");
  EXPECT_EQ(reader.Feed("more"), 0u);
}

TEST(HttpRequestReaderTest, RefusesAChunkedBodyThatGrowsOverTheLimit) {
  HttpRequestReader reader({.max_body_bytes = 8});
  reader.Feed("POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
  EXPECT_FALSE(reader.failure());
  reader.Feed("6\r\n world\r\n0\r\n\r\n");
  ASSERT_TRUE(reader.failure());
  EXPECT_EQ(reader.failure()->status, 413);
}

TEST(HttpRequestReaderTest, RefusesHeadersOverTheLimit) {
  HttpRequestReader reader({.max_header_bytes = 1000});
  reader.Feed("GET / HTTP/1.1\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n");
  ASSERT_TRUE(reader.failure());
  EXPECT_EQ(reader.failure()->status, 431);
  HttpRequestReader long_target({.max_header_bytes = 1000});
  long_target.Feed("GET /" + std::string(2000, 'a'));
  ASSERT_TRUE(long_target.failure());
  EXPECT_EQ(long_target.failure()->status, 431);
}

TEST(HttpRequestReaderTest, AnswersAMalformedRequestWith400) {
  for (const std::string bytes :
       {"GARBAGE\r\n\r\n", "GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}) {
    HttpRequestReader reader({});
    reader.Feed(bytes);
    ASSERT_TRUE(reader.failure()) << bytes;
    EXPECT_EQ(reader.failure()->status, 400) << bytes;
    EXPECT_THAT(Json::parse(reader.failure()->body)["error"].get<std::string>(),
                StartsWith("malformed HTTP request: "));
  }
}

TEST(HttpRequestReaderTest, AsksForTheBodyOnceWhenTheClientExpectsContinue) {
  HttpRequestReader reader({});
  reader.Feed("POST /p HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
  EXPECT_TRUE(reader.TakeContinue());
  EXPECT_FALSE(reader.TakeContinue());
  reader.Feed("ok");
  EXPECT_TRUE(reader.complete());
  // A body that came with the headers needs no asking.
  reader.Next();
  reader.Feed("POST /p HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok");
  EXPECT_TRUE(reader.complete());
  EXPECT_FALSE(reader.TakeContinue());
}

void Send(int fd, std::string_view bytes) {
  ASSERT_EQ(write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
}

// Reads until `bytes` has arrived: responses of a known size on a connection that stays open.
std::string ReadExactly(int fd, size_t bytes) {
  std::string out(bytes, '\0');
  size_t got = 0;
  for (ssize_t n; got < bytes && (n = read(fd, out.data() + got, bytes - got)) > 0;) got += n;
  out.resize(got);
  return out;
}

// A server answering each request with its method, path, query and body as text.
std::unique_ptr<HttpServer> EchoServer(HttpServerOptions options = {}) {
  options.port = 0;
  options.threads = 1;
  auto server = HttpServer::Start(options, [](const HttpRequest& request) {
    return HttpResponse{
        .body = StrCat(request.method, " ", request.path, "?", request.query, " ", request.body),
        .content_type = "text/plain"};
  });
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? std::move(*server) : nullptr;
}

std::string EchoResponse(std::string_view body, std::string_view extra = "") {
  return StrCat("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ", body.size(),
                "\r\n", extra, "\r\n", body);
}

// The reliability probe's case: a declared length far beyond the limit gets its 413 at once,
// before the client sends the body, and not a closed connection.
TEST(HttpServerTest, AnswersAHugeDeclaredBodyWith413BeforeReadingIt) {
  auto server = EchoServer({.max_body_bytes = 1 << 20});
  ASSERT_TRUE(server);
  // The start of the body follows the headers; the rest never comes.
  const std::string response = RoundTrip(
      server->port(),
      "POST /v1/models/m:predict HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000000000\r\n\r\n" +
          std::string(100000, '{'));
  ASSERT_THAT(response, StartsWith("HTTP/1.1 413 Payload Too Large\r\n"));
  EXPECT_THAT(response, HasSubstr("Connection: close\r\n"));
  EXPECT_EQ(Json::parse(response.substr(response.find("\r\n\r\n") + 4))["error"],
            "the body has 10000000000000 bytes; the limit is 1048576");
}

TEST(HttpServerTest, AnswersExpectContinueThenReadsTheBody) {
  auto server = EchoServer({.max_body_bytes = 1 << 20});
  ASSERT_TRUE(server);
  const int fd = ConnectTo(server->port());
  ASSERT_GE(fd, 0);
  Send(fd, "PUT /p HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
  const std::string go_on = "HTTP/1.1 100 Continue\r\n\r\n";
  EXPECT_EQ(ReadExactly(fd, go_on.size()), go_on);
  Send(fd, "body");
  const std::string expected = EchoResponse("PUT /p? body");
  EXPECT_EQ(ReadExactly(fd, expected.size()), expected);
  // Over the limit, the same client is refused instead of asked.
  Send(fd, "PUT /p HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2000000\r\n\r\n");
  EXPECT_THAT(ReadToEnd(fd), StartsWith("HTTP/1.1 413 "));
  close(fd);
}

TEST(HttpServerTest, AnswersPipelinedAndKeptAliveRequestsInOrder) {
  auto server = EchoServer();
  ASSERT_TRUE(server);
  const int fd = ConnectTo(server->port());
  ASSERT_GE(fd, 0);
  Send(fd, "GET /one?a HTTP/1.1\r\n\r\nPOST /two HTTP/1.1\r\nContent-Length: 2\r\n\r\nhiGET /thr");
  const std::string first = EchoResponse("GET /one?a ") + EchoResponse("POST /two? hi");
  EXPECT_EQ(ReadExactly(fd, first.size()), first);
  Send(fd, "ee HTTP/1.1\r\n\r\n");
  const std::string third = EchoResponse("GET /three? ");
  EXPECT_EQ(ReadExactly(fd, third.size()), third);
  // HEAD: the headers of the answer, without its body.
  Send(fd, "HEAD /four HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(ReadToEnd(fd),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n"
            "Connection: close\r\n\r\n");
  close(fd);
}

TEST(HttpServerTest, AnswersAMalformedRequestWith400AndCloses) {
  auto server = EchoServer();
  ASSERT_TRUE(server);
  const std::string response =
      RoundTrip(server->port(), "GET / HTTP/1.1\r\nBad Header Line\r\n\r\nGET / HTTP/1.1\r\n\r\n");
  EXPECT_THAT(response, StartsWith("HTTP/1.1 400 Bad Request\r\n"));
  EXPECT_EQ(response.find("HTTP/1.1 200"), std::string::npos) << "nothing after a bad request";
}

// A handler that throws answers 500 with the reason; the connection is not just dropped.
TEST(HttpServerTest, AHandlerThatThrowsAnswers500) {
  auto http = HttpServer::Start({.port = 0, .threads = 1}, [](const HttpRequest&) -> HttpResponse {
    throw std::runtime_error("boom \"quoted\"");
  });
  ASSERT_TRUE(http.ok()) << http.status();
  const std::string response = RoundTrip(
      (*http)->port(), "GET /v1/models/taxi HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_THAT(response, StartsWith("HTTP/1.1 500 Internal Server Error\r\n"));
  const std::string body = response.substr(response.find("\r\n\r\n") + 4);
  EXPECT_EQ(Json::parse(body)["error"], "internal error: boom ?quoted?");
}

// A client that connects and sends nothing, or half a request, is let go after the timeout.
TEST(HttpServerTest, IdleAndSlowConnectionsAreClosed) {
  auto server = EchoServer({.idle_timeout = std::chrono::milliseconds(300)});
  ASSERT_TRUE(server);
  const int idle = ConnectTo(server->port());
  const int slow = ConnectTo(server->port());
  ASSERT_GE(idle, 0);
  ASSERT_GE(slow, 0);
  Send(slow, "GET / HTTP/1.1\r\nHost: x\r\n");
  char byte;
  EXPECT_EQ(read(idle, &byte, 1), 0) << "the server should close the idle connection";
  EXPECT_EQ(read(slow, &byte, 1), 0) << "the server should close the slow connection";
  close(idle);
  close(slow);
}

TEST(HttpServerTest, RefusesAnAddressItCannotListenOn) {
  auto server = HttpServer::Start({.address = "not-an-address", .port = 0},
                                  [](const HttpRequest&) { return HttpResponse{}; });
  ASSERT_FALSE(server.ok());
  EXPECT_THAT(server.status().message(), HasSubstr("not-an-address"));
}

}  // namespace
}  // namespace weir::serving
