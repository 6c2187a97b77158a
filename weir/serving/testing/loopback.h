// For HTTP tests: raw sockets to a server on 127.0.0.1, to send exactly the bytes a test means
// (header-only).
#ifndef WEIR_SERVING_TESTING_LOOPBACK_H_
#define WEIR_SERVING_TESTING_LOOPBACK_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace weir::serving::testing {

// A socket connected to 127.0.0.1:port whose reads give up after 10 s (a server that hangs fails
// the test instead of blocking it), or -1.
inline int ConnectTo(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return -1;
  }
  timeval wait{.tv_sec = 10, .tv_usec = 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait));
  return fd;
}

// Everything the server sends until it closes the connection (or a read times out).
inline std::string ReadToEnd(int fd) {
  std::string out;
  char buffer[4096];
  for (ssize_t n; (n = read(fd, buffer, sizeof(buffer))) > 0;) out.append(buffer, n);
  return out;
}

// Sends `request` on a new connection to 127.0.0.1:port and returns everything the server sends
// until it closes the connection ("" when it cannot connect or send).
inline std::string RoundTrip(uint16_t port, std::string_view request) {
  const int fd = ConnectTo(port);
  if (fd < 0) return "";
  std::string response;
  if (write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size()))
    response = ReadToEnd(fd);
  close(fd);
  return response;
}

}  // namespace weir::serving::testing

#endif  // WEIR_SERVING_TESTING_LOOPBACK_H_
