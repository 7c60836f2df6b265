#include "media/udp_endpoint.hpp"

#include <algorithm>
#include <arpa/inet.h>

namespace controlroom::server {

udp_endpoint udp_endpoint::from(const sockaddr* addr, socklen_t length) {
  udp_endpoint out;
  out.length = std::min<socklen_t>(length, sizeof(out.storage));
  std::memcpy(&out.storage, addr, out.length);
  return out;
}

std::string udp_endpoint::to_string() const {
  char text[INET6_ADDRSTRLEN] = {};
  if (storage.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&storage);
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
    return std::string(text) + ":" + std::to_string(ntohs(in->sin_port));
  }
  if (storage.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&storage);
    inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
    return "[" + std::string(text) + "]:" + std::to_string(ntohs(in6->sin6_port));
  }
  return "(none)";
}

bool operator==(const udp_endpoint& a, const udp_endpoint& b) {
  if (a.storage.ss_family != b.storage.ss_family) {
    return false;
  }
  if (a.storage.ss_family == AF_INET) {
    const auto* x = reinterpret_cast<const sockaddr_in*>(&a.storage);
    const auto* y = reinterpret_cast<const sockaddr_in*>(&b.storage);
    return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
  }
  if (a.storage.ss_family == AF_INET6) {
    const auto* x = reinterpret_cast<const sockaddr_in6*>(&a.storage);
    const auto* y = reinterpret_cast<const sockaddr_in6*>(&b.storage);
    return x->sin6_port == y->sin6_port &&
           std::memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
  }
  return a.length == 0 && b.length == 0;
}

}  // namespace controlroom::server
