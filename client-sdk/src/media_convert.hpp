#pragma once

// The audio API's plain values <-> the media library and the wire. Pure
// functions: no I/O, no state, thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "controlroom/audio.hpp"
#include "controlroom/errors.hpp"
#include "controlroom/media/opus_encoder.hpp"
#include "controlroom/media/stream_receiver.hpp"
#include "controlroom/v1/control.pb.h"

namespace controlroom::detail {

/// The media library's encoder settings for `options`, checked against
/// every documented range (errc::malformed names the field).
result<media::encoder_settings> to_encoder_settings(const encoder_options& options);

/// Checks media_options (channels, probe counts, delays): errc::malformed.
status validate(const media_options& options);

/// The receive pipeline for a stream, from the application's options.
media::receiver_config to_receiver_config(const media_options& options);

/// "host:port" or "[v6]:port". nullopt unless both parts are there and the
/// port is 1..65535.
struct host_port {
  std::string host;  ///< IPv6 literals without brackets
  std::uint16_t port = 0;
};
std::optional<host_port> parse_host_port(std::string_view text);

v1::StreamKind to_proto(stream_kind kind);
/// nullopt for a kind this SDK does not know (from a newer server).
std::optional<stream_kind> kind_from_proto(int kind);
/// nullopt when the kind is unknown or the format is out of range.
std::optional<audio_stream_info> from_proto(const v1::StreamInfo& in);

/// The key receivers are found by: (sender_id, kind) as on the wire.
constexpr std::uint64_t stream_key(std::uint32_t sender_id, std::uint8_t kind) noexcept {
  return (std::uint64_t{sender_id} << 8) | kind;
}

}  // namespace controlroom::detail
