#include "controlroom/media/result.hpp"

#include <string>

namespace controlroom::media {

namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "controlroom.media"; }
  std::string message(int code) const override {
    switch (static_cast<errc>(code)) {
      case errc::bad_settings:
        return "setting out of range";
      case errc::bad_frame_size:
        return "not an allowed frame size";
      case errc::buffer_too_small:
        return "output buffer too small";
      case errc::invalid_packet:
        return "invalid Opus packet";
      case errc::codec_failure:
        return "Opus codec failure";
    }
    return "unknown media error";
  }
};

}  // namespace

const std::error_category& media_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace controlroom::media
