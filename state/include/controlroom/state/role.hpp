#pragma once

// The roles a person holds in a session, in the studio's words, and a compact
// set of them. Pure.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace controlroom::state {

enum class role : std::uint8_t { engineer = 1, producer = 2, artist = 3, listener = 4 };

inline constexpr role all_roles[] = {role::engineer, role::producer, role::artist, role::listener};

std::string_view to_string(role r);
std::optional<role> role_from_string(std::string_view name);

/// A set of roles as a bitmask; cheap to copy and compare.
class role_set {
 public:
  constexpr role_set() = default;
  role_set(std::initializer_list<role> roles) {
    for (auto r : roles) {
      add(r);
    }
  }
  constexpr void add(role r) { bits_ |= bit(r); }
  constexpr bool contains(role r) const { return (bits_ & bit(r)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  /// True when every role of `other` is in this set.
  constexpr bool includes(role_set other) const { return (other.bits_ & ~bits_) == 0; }
  std::vector<role> list() const;
  /// PostgreSQL array literal, e.g. {engineer,producer}.
  std::string to_pg_array() const;
  /// Parses "engineer,producer" (the output of array_to_string). Unknown
  /// names are ignored.
  static role_set from_csv(std::string_view csv);
  friend constexpr bool operator==(role_set, role_set) = default;

 private:
  static constexpr std::uint8_t bit(role r) {
    return static_cast<std::uint8_t>(1u << static_cast<unsigned>(r));
  }
  std::uint8_t bits_ = 0;
};

}  // namespace controlroom::state
