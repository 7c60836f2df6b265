#pragma once

// Errors of the media library: std::error_code with a media category, and a
// minimal result<T> (g++ 12 has no std::expected). Nothing here throws: the
// codec sits on audio threads, where an exception is not an option.

#include <cstdlib>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

namespace controlroom::media {

enum class errc {
  bad_settings = 1,  ///< a setting out of its documented range
  bad_frame_size,    ///< PCM or a sample count that is not one allowed frame
  buffer_too_small,  ///< the output span cannot hold the result
  invalid_packet,    ///< the decoder rejected an Opus packet
  codec_failure,     ///< libopus reported an internal or allocation error
};

const std::error_category& media_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), media_category()};
}

/// A value or an error_code. Accessing the value of an error result is a
/// programming error and aborts (no exceptions on the audio path).
template <class T>
class result {
 public:
  result(T value) noexcept(std::is_nothrow_move_constructible_v<T>)  // NOLINT: implicit by design
      : v_(std::in_place_index<0>, std::move(value)) {}
  result(std::error_code error) noexcept : v_(std::in_place_index<1>, error) {}        // NOLINT
  result(errc error) noexcept : v_(std::in_place_index<1>, make_error_code(error)) {}  // NOLINT

  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & noexcept { return *checked(); }
  const T& value() const& noexcept { return *checked(); }
  T&& value() && noexcept { return std::move(*checked()); }
  T& operator*() & noexcept { return value(); }
  const T& operator*() const& noexcept { return value(); }
  T* operator->() noexcept { return checked(); }
  const T* operator->() const noexcept { return checked(); }

  /// The error; a default (success) error_code when there is a value.
  std::error_code error() const noexcept {
    const auto* e = std::get_if<1>(&v_);
    return e ? *e : std::error_code{};
  }

 private:
  T* checked() noexcept {
    auto* p = std::get_if<0>(&v_);
    if (!p)
      std::abort();
    return p;
  }
  const T* checked() const noexcept {
    const auto* p = std::get_if<0>(&v_);
    if (!p)
      std::abort();
    return p;
  }

  std::variant<T, std::error_code> v_;
};

}  // namespace controlroom::media

template <>
struct std::is_error_code_enum<controlroom::media::errc> : std::true_type {};
