#include "controlroom/session_state.hpp"

#include <algorithm>

namespace controlroom {
namespace {

template <class T>
const T* find_by_id(const std::vector<T>& items, std::string_view id) noexcept {
  const auto it =
      std::find_if(items.begin(), items.end(), [id](const T& item) { return item.id == id; });
  return it == items.end() ? nullptr : &*it;
}

}  // namespace

std::string_view to_string(transport_mode m) noexcept {
  switch (m) {
    case transport_mode::stopped:
      return "stopped";
    case transport_mode::playing:
      return "playing";
    case transport_mode::recording:
      return "recording";
  }
  return "unknown";
}

std::string_view to_string(talkback_target t) noexcept {
  switch (t) {
    case talkback_target::everyone:
      return "everyone";
    case talkback_target::artist:
      return "artist";
    case talkback_target::engineer:
      return "engineer";
    case talkback_target::engineer_private:
      return "engineer_private";
    case talkback_target::producer_private:
      return "producer_private";
  }
  return "unknown";
}

const song* session_state::find_song(std::string_view id) const noexcept {
  return find_by_id(songs, id);
}

const track* session_state::find_track(std::string_view id) const noexcept {
  return find_by_id(tracks, id);
}

const take* session_state::find_take(std::string_view id) const noexcept {
  return find_by_id(takes, id);
}

const marker* session_state::find_marker(std::string_view id) const noexcept {
  return find_by_id(markers, id);
}

const comment* session_state::find_comment(std::string_view id) const noexcept {
  return find_by_id(comments, id);
}

}  // namespace controlroom
