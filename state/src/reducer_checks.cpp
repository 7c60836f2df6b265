// Checks and lookups shared by the reducer's feature files. Messages are
// built only on the rejection path; the accepting path allocates nothing here.

#include <string>

#include "reducer_detail.hpp"

namespace controlroom::state::reducer_detail {

namespace {

bool is_hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

template <typename T>
int find_by_id(const google::protobuf::RepeatedPtrField<T>& items, const std::string& id) {
  for (int i = 0; i < items.size(); ++i) {
    if (items.Get(i).id() == id) {
      return i;
    }
  }
  return -1;
}

}  // namespace

std::string make_id(std::string_view prefix, std::uint64_t version) {
  std::string id(prefix);
  id += std::to_string(version);
  return id;
}

verdict check_name(std::string_view field, const std::string& value, std::size_t max_bytes) {
  if (value.empty()) {
    return reject(v1::ERROR_CODE_MALFORMED, std::string(field) + " must not be empty");
  }
  return check_text(field, value, max_bytes);
}

verdict check_text(std::string_view field, const std::string& value, std::size_t max_bytes) {
  if (value.size() > max_bytes) {
    return reject(v1::ERROR_CODE_TOO_LARGE,
                  std::string(field) + " is longer than " + std::to_string(max_bytes) + " bytes");
  }
  return std::nullopt;
}

verdict check_position(std::string_view field, std::int64_t samples) {
  if (samples < 0) {
    return reject(v1::ERROR_CODE_MALFORMED, std::string(field) + " must not be negative");
  }
  return std::nullopt;
}

verdict normalize_color(std::string& color) {
  if (color.empty()) {
    color = default_marker_color;
    return std::nullopt;
  }
  bool valid = color.size() == 7 && color[0] == '#';
  for (std::size_t i = 1; valid && i < color.size(); ++i) {
    valid = is_hex_digit(color[i]);
  }
  if (!valid) {
    return reject(v1::ERROR_CODE_MALFORMED, "color must be \"#rrggbb\"");
  }
  return std::nullopt;
}

verdict check_count(std::string_view what, int size, int max) {
  if (size >= max) {
    return reject(v1::ERROR_CODE_TOO_LARGE,
                  "a session holds at most " + std::to_string(max) + " " + std::string(what));
  }
  return std::nullopt;
}

rejection not_found(std::string_view what, const std::string& id) {
  return reject(v1::ERROR_CODE_NOT_FOUND, "unknown " + std::string(what) + " \"" + id + "\"");
}

int find_song(const v1::SessionState& state, const std::string& id) {
  return find_by_id(state.songs(), id);
}

int find_track(const v1::SessionState& state, const std::string& id) {
  return find_by_id(state.tracks(), id);
}

int find_take(const v1::SessionState& state, const std::string& id) {
  return find_by_id(state.takes(), id);
}

int find_marker(const v1::SessionState& state, const std::string& id) {
  return find_by_id(state.markers(), id);
}

int find_comment(const v1::SessionState& state, const std::string& id) {
  return find_by_id(state.comments(), id);
}

int find_talkback(const v1::SessionState& state, const std::string& user_id) {
  const auto& channels = state.talkback();
  for (int i = 0; i < channels.size(); ++i) {
    if (channels.Get(i).user_id() == user_id) {
      return i;
    }
  }
  return -1;
}

bool is_recording(const v1::SessionState& state) {
  return !state.transport().recording_take_id().empty();
}

}  // namespace controlroom::state::reducer_detail
