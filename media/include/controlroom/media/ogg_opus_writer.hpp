#pragma once

// Writes Opus packets, as they arrived (no decoding, no re-encoding), into an
// Ogg Opus stream (RFC 7845): an OpusHead page, an OpusTags page, then audio
// pages whose granule positions count 48 kHz samples from the stream start,
// pre-skip included. Pure: pages go to a sink; the caller owns the file.
//
// Crash safety: every page handed to the sink is complete, so a file cut
// after any sink call is a valid stream up to its last page (without the
// end-of-stream flag; readers accept that). flush() forces out a page so a
// crash loses at most what came since.
//
// The last packet written is held back until the next write() or finish(),
// so finish() can mark it end-of-stream as RFC 7845 requires.
//
// Threading: one thread at a time.

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "controlroom/media/result.hpp"

namespace controlroom::media {

struct ogg_opus_settings {
  std::uint32_t serial = 1;  ///< the logical stream's serial number
  std::uint8_t channels = 2;
  /// Decoded samples (per channel, 48 kHz) to discard at the start: decoder
  /// warm-up audio before the point the file is meant to begin.
  std::uint16_t pre_skip = 0;
  std::uint32_t input_sample_rate = 48'000;  ///< informational, per RFC 7845
  std::string vendor = "controlroom";
  std::vector<std::string> comments;  ///< "KEY=value" user comments
};

/// Receives each finished page as its header and body bytes.
using ogg_page_sink =
    std::function<void(std::span<const std::uint8_t> header, std::span<const std::uint8_t> body)>;

class ogg_opus_writer {
 public:
  static result<ogg_opus_writer> create(const ogg_opus_settings& settings, ogg_page_sink sink);
  ogg_opus_writer(ogg_opus_writer&&) noexcept;
  ogg_opus_writer& operator=(ogg_opus_writer&&) noexcept;
  ~ogg_opus_writer();

  /// Appends one Opus packet that decodes to `samples` samples per channel.
  std::error_code write(std::span<const std::uint8_t> packet, std::uint32_t samples);
  /// Emits the pending packets (all but the held-back one) as a page now.
  void flush();
  /// Writes the held-back packet flagged end-of-stream and the last page.
  /// Nothing may be written afterwards.
  void finish();

  /// Samples per channel written so far (pre-skip included): the granule
  /// position the stream will end at.
  std::uint64_t granule() const noexcept;
  /// Bytes handed to the sink so far.
  std::uint64_t bytes() const noexcept;

 private:
  struct impl;
  explicit ogg_opus_writer(std::unique_ptr<impl> p) noexcept;
  std::unique_ptr<impl> impl_;
};

/// A one-byte Opus packet (TOC only, RFC 6716 code 0 with an empty frame):
/// decoders conceal it. Stands in for a frame that never arrived, so the
/// file's timing stays exact. CELT-only, fullband, of `samples` duration.
std::vector<std::uint8_t> opus_gap_packet(std::uint32_t samples, bool stereo);

}  // namespace controlroom::media
