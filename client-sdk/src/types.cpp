#include "controlroom/types.hpp"

namespace controlroom {

std::string_view to_string(role r) noexcept {
  switch (r) {
    case role::engineer:
      return "engineer";
    case role::producer:
      return "producer";
    case role::artist:
      return "artist";
    case role::listener:
      return "listener";
  }
  return "unknown";
}

}  // namespace controlroom
