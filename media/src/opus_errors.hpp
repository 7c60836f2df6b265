#pragma once

// libopus error codes -> media errc. Private to the library.

#include <opus/opus.h>

#include "controlroom/media/result.hpp"

namespace controlroom::media::detail {

inline std::error_code from_opus(int code) noexcept {
  switch (code) {
    case OPUS_BAD_ARG:
      return make_error_code(errc::bad_settings);
    case OPUS_BUFFER_TOO_SMALL:
      return make_error_code(errc::buffer_too_small);
    case OPUS_INVALID_PACKET:
      return make_error_code(errc::invalid_packet);
    default:
      return make_error_code(errc::codec_failure);
  }
}

}  // namespace controlroom::media::detail
