#include "weir/serving/grpc_transport.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace weir::serving {
namespace {

using ::testing::HasSubstr;

// gRPC C++'s generic client: any method, the messages as bytes.
class Client {
 public:
  explicit Client(uint16_t port)
      : channel_(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                     grpc::InsecureChannelCredentials())),
        stub_(channel_) {}

  grpc::Status Call(const std::string& method, const std::string& request, std::string* reply,
                    grpc_compression_algorithm compression = GRPC_COMPRESS_NONE) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    context.set_compression_algorithm(compression);
    grpc::Slice slice(request);
    grpc::ByteBuffer request_buffer(&slice, 1);
    grpc::ByteBuffer reply_buffer;
    std::promise<grpc::Status> done;
    stub_.UnaryCall(&context, method, {}, &request_buffer, &reply_buffer,
                    [&done](grpc::Status status) { done.set_value(std::move(status)); });
    grpc::Status status = done.get_future().get();
    if (status.ok() && reply != nullptr) {
      std::vector<grpc::Slice> slices;
      EXPECT_TRUE(reply_buffer.Dump(&slices).ok());
      reply->clear();
      for (const grpc::Slice& s : slices)
        reply->append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
    return status;
  }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  grpc::GenericStub stub_;
};

absl::flat_hash_map<std::string, GrpcMethod> EchoMethods() {
  absl::flat_hash_map<std::string, GrpcMethod> methods;
  methods["/test.Echo/Echo"] = [](std::string_view request) -> absl::StatusOr<std::string> {
    return "echo:" + std::string(request);
  };
  methods["/test.Echo/Size"] = [](std::string_view request) -> absl::StatusOr<std::string> {
    return std::to_string(request.size());
  };
  methods["/test.Echo/Fail"] = [](std::string_view) -> absl::StatusOr<std::string> {
    return absl::InvalidArgumentError("feature 'café' is 100% wrong");
  };
  return methods;
}

TEST(GrpcTransportTest, AnswersGrpcClientsWithMessagesAndStatuses) {
  auto transport = GrpcTransport::Start({.port = 0}, EchoMethods());
  ASSERT_TRUE(transport.ok()) << transport.status();
  Client client((*transport)->port());
  std::string reply;
  ASSERT_TRUE(client.Call("/test.Echo/Echo", "hello", &reply).ok());
  EXPECT_EQ(reply, "echo:hello");
  ASSERT_TRUE(client.Call("/test.Echo/Echo", "", &reply).ok());  // An empty message is a message.
  EXPECT_EQ(reply, "echo:");
  const std::string big(3 << 20, 'x');  // Several DATA frames each way.
  ASSERT_TRUE(client.Call("/test.Echo/Echo", big, &reply).ok());
  EXPECT_EQ(reply, "echo:" + big);

  // The status and its message (percent-encoded on the wire) arrive as the method said them.
  grpc::Status failed = client.Call("/test.Echo/Fail", "x", nullptr);
  EXPECT_EQ(failed.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(failed.error_message(), "feature 'café' is 100% wrong");
  grpc::Status unknown = client.Call("/test.Echo/Nope", "x", nullptr);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_THAT(unknown.error_message(), HasSubstr("/test.Echo/Nope"));
}

TEST(GrpcTransportTest, TakesCompressedRequestsAndBoundsMessages) {
  auto transport = GrpcTransport::Start({.port = 0, .max_message_bytes = 100'000}, EchoMethods());
  ASSERT_TRUE(transport.ok()) << transport.status();
  Client client((*transport)->port());
  std::string reply;
  const std::string text(90'000, 'a');
  for (auto compression : {GRPC_COMPRESS_GZIP, GRPC_COMPRESS_DEFLATE}) {
    grpc::Status status = client.Call("/test.Echo/Size", text, &reply, compression);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(reply, "90000");
  }
  // Over the limit, as sent or once decompressed (a few hundred bytes on the wire).
  const std::string too_big(200'000, 'a');
  for (auto compression : {GRPC_COMPRESS_NONE, GRPC_COMPRESS_GZIP}) {
    grpc::Status status = client.Call("/test.Echo/Size", too_big, &reply, compression);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    EXPECT_THAT(status.error_message(), HasSubstr("larger than 100000 bytes"));
  }
  // The connection is still good.
  ASSERT_TRUE(client.Call("/test.Echo/Size", "abc", &reply).ok());
  EXPECT_EQ(reply, "3");
}

// Calls on one connection (one gRPC channel) run at once: a method that waits for a second call
// to arrive returns only when both run together (a batch waits so).
TEST(GrpcTransportTest, CallsOnOneConnectionRunTogether) {
  std::mutex mutex;
  std::condition_variable changed;
  int inside = 0;
  absl::flat_hash_map<std::string, GrpcMethod> methods;
  methods["/test.Meet/Meet"] = [&](std::string_view) -> absl::StatusOr<std::string> {
    std::unique_lock lock(mutex);
    ++inside;
    changed.notify_all();
    const bool met = changed.wait_for(lock, std::chrono::seconds(10), [&] { return inside >= 2; });
    return met ? "met" : "alone";
  };
  auto transport = GrpcTransport::Start({.port = 0, .threads = 4}, std::move(methods));
  ASSERT_TRUE(transport.ok()) << transport.status();
  Client client((*transport)->port());
  std::string first, second;
  std::thread other([&] { EXPECT_TRUE(client.Call("/test.Meet/Meet", "", &second).ok()); });
  EXPECT_TRUE(client.Call("/test.Meet/Meet", "", &first).ok());
  other.join();
  EXPECT_EQ(first, "met");
  EXPECT_EQ(second, "met");
}

// One connection holds at most four messages' worth of request bytes, arriving or in calls not
// answered yet: past that a call's stream is refused (REFUSED_STREAM, which gRPC clients retry
// or report UNAVAILABLE), so a client cannot make the server buffer without bound.
TEST(GrpcTransportTest, AConnectionHoldsABoundedAmountOfRequests) {
  std::mutex mutex;
  std::condition_variable changed;
  int inside = 0, most_inside = 0;
  absl::flat_hash_map<std::string, GrpcMethod> methods;
  methods["/test.Hold/Hold"] = [&](std::string_view) -> absl::StatusOr<std::string> {
    std::unique_lock lock(mutex);
    most_inside = std::max(most_inside, ++inside);
    changed.notify_all();
    changed.wait_for(lock, std::chrono::milliseconds(300), [&] { return inside >= 4; });
    --inside;
    return "held";
  };
  auto transport = GrpcTransport::Start({.port = 0, .threads = 8, .max_message_bytes = 1000},
                                        std::move(methods));
  ASSERT_TRUE(transport.ok()) << transport.status();
  Client client((*transport)->port());
  const std::string request(900, 'r');
  std::atomic<int> ok = 0, refused = 0, other = 0;
  std::vector<std::thread> callers;
  for (int i = 0; i < 8; ++i) {
    callers.emplace_back([&] {
      const grpc::Status status = client.Call("/test.Hold/Hold", request, nullptr);
      (status.ok() ? ok : status.error_code() == grpc::StatusCode::UNAVAILABLE ? refused : other)++;
    });
  }
  for (std::thread& caller : callers) caller.join();
  EXPECT_LE(most_inside, 4);
  EXPECT_GE(ok.load(), 4);
  EXPECT_EQ(ok + refused, 8);
  EXPECT_EQ(other, 0);
}

// Bytes that are not HTTP/2 close their connection; other clients are served on.
TEST(GrpcTransportTest, ClosesConnectionsThatDoNotSpeakHttp2) {
  auto transport = GrpcTransport::Start({.port = 0}, EchoMethods());
  ASSERT_TRUE(transport.ok()) << transport.status();
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons((*transport)->port());
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  const std::string garbage = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(write(fd, garbage.data(), garbage.size()), static_cast<ssize_t>(garbage.size()));
  timeval timeout{.tv_sec = 10, .tv_usec = 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  char buffer[4096];
  ssize_t size = 0;
  while ((size = read(fd, buffer, sizeof(buffer))) > 0) {
  }
  EXPECT_EQ(size, 0) << "the server did not close the connection";
  close(fd);

  Client client((*transport)->port());
  std::string reply;
  ASSERT_TRUE(client.Call("/test.Echo/Echo", "still", &reply).ok());
  EXPECT_EQ(reply, "echo:still");
}

TEST(GrpcTransportTest, RefusesAnAddressItCannotListenOn) {
  auto taken = GrpcTransport::Start({.port = 0}, EchoMethods());
  ASSERT_TRUE(taken.ok()) << taken.status();
  auto again = GrpcTransport::Start({.port = (*taken)->port()}, EchoMethods());
  ASSERT_FALSE(again.ok());
  EXPECT_THAT(again.status().message(), HasSubstr(std::to_string((*taken)->port())));
  EXPECT_FALSE(GrpcTransport::Start({.address = "not-an-address", .port = 0}, EchoMethods()).ok());
}

}  // namespace
}  // namespace weir::serving
