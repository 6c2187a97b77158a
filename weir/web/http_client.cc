#include "weir/web/http_client.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "weir/base/strings.h"

namespace weir::web {
namespace {

// Closes the socket when it goes out of scope.
struct Socket {
  int fd = -1;
  ~Socket() {
    if (fd >= 0) close(fd);
  }
};

}  // namespace

absl::StatusOr<HttpReply> HttpCall(const std::string& host, uint16_t port,
                                   const std::string& method, const std::string& target,
                                   const std::string& body,
                                   const std::map<std::string, std::string>& headers,
                                   int timeout_ms) {
  const std::string where = StrCat("http://", host, ":", port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* addresses = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &addresses) != 0 ||
      addresses == nullptr) {
    return absl::UnavailableError(StrCat("cannot resolve ", host));
  }
  Socket socket_fd;
  socket_fd.fd = socket(addresses->ai_family, addresses->ai_socktype, addresses->ai_protocol);
  const int connected =
      socket_fd.fd < 0 ? -1 : connect(socket_fd.fd, addresses->ai_addr, addresses->ai_addrlen);
  freeaddrinfo(addresses);
  if (connected != 0) {
    return absl::UnavailableError(StrCat("cannot connect to ", where, ": ", std::strerror(errno)));
  }
  std::string request = StrCat(method, " ", target, " HTTP/1.1\r\nHost: ", host, ":", port,
                               "\r\nConnection: close\r\nContent-Length: ", body.size(), "\r\n");
  if (!body.empty()) request += "Content-Type: application/json\r\n";
  for (const auto& [name, value] : headers) request += StrCat(name, ": ", value, "\r\n");
  request += "\r\n" + body;

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  auto wait = [&](short events) -> absl::Status {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    pollfd ready{.fd = socket_fd.fd, .events = events, .revents = 0};
    if (left <= 0 || poll(&ready, 1, static_cast<int>(left)) <= 0) {
      return absl::DeadlineExceededError(StrCat(where, " did not answer in ", timeout_ms, " ms"));
    }
    return absl::OkStatus();
  };
  for (size_t sent = 0; sent < request.size();) {
    if (absl::Status ready = wait(POLLOUT); !ready.ok()) return ready;
    const ssize_t n =
        send(socket_fd.fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0)
      return absl::UnavailableError(StrCat("sending to ", where, ": ", std::strerror(errno)));
    sent += static_cast<size_t>(n);
  }
  std::string reply;
  char buffer[16384];
  while (true) {
    if (absl::Status ready = wait(POLLIN); !ready.ok()) return ready;
    const ssize_t n = recv(socket_fd.fd, buffer, sizeof buffer, 0);
    if (n < 0)
      return absl::UnavailableError(StrCat("reading from ", where, ": ", std::strerror(errno)));
    if (n == 0) break;
    reply.append(buffer, static_cast<size_t>(n));
  }
  // "HTTP/1.1 200 OK\r\n...headers...\r\n\r\nbody"; the server closes after the body.
  const size_t header_end = reply.find("\r\n\r\n");
  if (reply.rfind("HTTP/1.", 0) != 0 || header_end == std::string::npos || reply.size() < 12) {
    return absl::UnavailableError(StrCat(where, " did not answer with HTTP"));
  }
  HttpReply parsed;
  parsed.status = std::atoi(reply.c_str() + 9);
  parsed.body = reply.substr(header_end + 4);
  return parsed;
}

}  // namespace weir::web
