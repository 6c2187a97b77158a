#include "weir/serving/socket_io.h"

#include "weir/base/strings.h"

namespace weir::serving {

absl::Status Listen(asio::ip::tcp::acceptor& acceptor, const std::string& address, uint16_t port,
                    std::string_view what) {
  std::error_code error;
  const asio::ip::address ip = asio::ip::make_address(address, error);
  if (error) {
    return absl::InvalidArgumentError(
        StrCat("cannot serve ", what, " on '", address, "': ", error.message()));
  }
  const asio::ip::tcp::endpoint endpoint(ip, port);
  acceptor.open(endpoint.protocol(), error);
  if (!error) acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true), error);
  if (!error) acceptor.bind(endpoint, error);
  if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    return absl::UnavailableError(
        StrCat("cannot serve ", what, " on ", address, ":", port, ": ", error.message()));
  }
  return absl::OkStatus();
}

}  // namespace weir::serving
