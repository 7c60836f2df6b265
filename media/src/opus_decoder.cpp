#include "controlroom/media/opus_decoder.hpp"

#include <opus/opus.h>

#include "controlroom/media/header.hpp"
#include "opus_errors.hpp"

namespace controlroom::media {

void opus_decoder::destroy::operator()(OpusDecoder* d) const noexcept {
  opus_decoder_destroy(d);
}

opus_decoder::~opus_decoder() = default;

result<opus_decoder> opus_decoder::create(int channels) noexcept {
  if (channels != 1 && channels != 2)
    return errc::bad_settings;
  int err = OPUS_OK;
  std::unique_ptr<OpusDecoder, destroy> dec(
      opus_decoder_create(static_cast<opus_int32>(sample_rate), channels, &err));
  if (err != OPUS_OK || !dec)
    return detail::from_opus(err);
  return opus_decoder(std::move(dec), channels);
}

namespace {

// Capacity of `out` in samples per channel, capped at what one call may produce.
int capacity(std::span<float> out, int channels) noexcept {
  const std::size_t per_channel = out.size() / static_cast<std::size_t>(channels);
  return static_cast<int>(per_channel < 5760 ? per_channel : 5760);  // 120 ms: libopus's max
}

bool valid_conceal_samples(std::uint32_t samples) noexcept {
  return samples > 0 && samples % 120 == 0 && samples <= opus_decoder::max_frame_samples;
}

}  // namespace

result<std::size_t> opus_decoder::decode(std::span<const std::uint8_t> packet,
                                         std::span<float> out) noexcept {
  if (packet.empty())
    return errc::invalid_packet;
  // Check the duration first: libopus would otherwise report a short output
  // buffer as a bad argument.
  const int duration = opus_packet_get_nb_samples(
      packet.data(), static_cast<opus_int32>(packet.size()), static_cast<opus_int32>(sample_rate));
  if (duration <= 0)
    return errc::invalid_packet;
  if (duration > capacity(out, channels_))
    return errc::buffer_too_small;
  const int n = opus_decode_float(dec_.get(), packet.data(), static_cast<opus_int32>(packet.size()),
                                  out.data(), duration, 0);
  if (n < 0)
    return detail::from_opus(n);
  return static_cast<std::size_t>(n);
}

result<std::size_t> opus_decoder::conceal(std::uint32_t samples, std::span<float> out) noexcept {
  if (!valid_conceal_samples(samples))
    return errc::bad_frame_size;
  if (static_cast<int>(samples) > capacity(out, channels_))
    return errc::buffer_too_small;
  const int n = opus_decode_float(dec_.get(), nullptr, 0, out.data(), static_cast<int>(samples), 0);
  if (n < 0)
    return detail::from_opus(n);
  return static_cast<std::size_t>(n);
}

result<std::size_t> opus_decoder::decode_fec(std::span<const std::uint8_t> next,
                                             std::uint32_t samples, std::span<float> out) noexcept {
  if (next.empty())
    return conceal(samples, out);
  if (!valid_conceal_samples(samples))
    return errc::bad_frame_size;
  if (static_cast<int>(samples) > capacity(out, channels_))
    return errc::buffer_too_small;
  const int n = opus_decode_float(dec_.get(), next.data(), static_cast<opus_int32>(next.size()),
                                  out.data(), static_cast<int>(samples), 1);
  if (n < 0)
    return detail::from_opus(n);
  return static_cast<std::size_t>(n);
}

void opus_decoder::reset() noexcept {
  opus_decoder_ctl(dec_.get(), OPUS_RESET_STATE);
}

}  // namespace controlroom::media
