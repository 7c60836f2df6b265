#include "udp_peer.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

namespace controlroom::testing {

namespace {
sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(port);
  in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return in;
}
}  // namespace

udp_peer::udp_peer() {
  fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (fd_ < 0) {
    throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  }
  auto at = loopback(0);
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&at), sizeof(at)) != 0) {
    throw std::runtime_error(std::string("bind: ") + std::strerror(errno));
  }
  socklen_t len = sizeof(at);
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&at), &len);
  port_ = ntohs(at.sin_port);
}

udp_peer::~udp_peer() {
  ::close(fd_);
}

void udp_peer::send_to(std::uint16_t port, std::span<const std::uint8_t> bytes) {
  const auto to = loopback(port);
  if (::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&to),
               sizeof(to)) < 0) {
    throw std::runtime_error(std::string("sendto: ") + std::strerror(errno));
  }
}

std::optional<std::vector<std::uint8_t>> udp_peer::receive(std::chrono::milliseconds timeout) {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) {
    return std::nullopt;
  }
  std::vector<std::uint8_t> buffer(65536);
  const auto n = ::recv(fd_, buffer.data(), buffer.size(), 0);
  if (n < 0) {
    return std::nullopt;
  }
  buffer.resize(static_cast<std::size_t>(n));
  return buffer;
}

}  // namespace controlroom::testing
