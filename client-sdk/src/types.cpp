#include "controlroom/types.hpp"

#include "controlroom/state/role.hpp"

namespace controlroom {

// The public enum carries the wire numbers, as the shared one does: one list
// of names for both.
std::string_view to_string(role r) noexcept {
  return state::to_string(static_cast<state::role>(r));
}

}  // namespace controlroom
