#include <cmath>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "controlroom/media/opus_decoder.hpp"
#include "controlroom/media/opus_encoder.hpp"
#include "media_test_support.hpp"

namespace controlroom::media {
namespace {

struct round_trip {
  std::vector<float> input;   // interleaved
  std::vector<float> output;  // interleaved
  std::uint32_t lookahead = 0;
  std::size_t max_packet = 0;
};

round_trip encode_decode(const encoder_settings& settings, std::size_t samples) {
  round_trip r;
  const auto stereo = test::music_signal(samples);
  const auto channels = static_cast<std::size_t>(settings.channels);
  r.input = channels == 2 ? stereo : test::channel_of(stereo, 2, 0);

  auto enc = opus_encoder::create(settings);
  auto dec = opus_decoder::create(settings.channels);
  EXPECT_TRUE(enc && dec);
  r.lookahead = enc->lookahead();
  const std::size_t frame = samples_of(settings.frame);
  std::vector<std::uint8_t> packet(opus_encoder::max_packet_size);
  std::vector<float> pcm(opus_decoder::max_frame_samples * channels);
  for (std::size_t at = 0; at + frame <= samples; at += frame) {
    auto n = enc->encode(std::span(r.input).subspan(at * channels, frame * channels), packet);
    EXPECT_TRUE(n) << n.error().message();
    r.max_packet = std::max(r.max_packet, *n);
    auto m = dec->decode(std::span(packet).first(*n), pcm);
    EXPECT_TRUE(m) << m.error().message();
    EXPECT_EQ(*m, frame);
    r.output.insert(r.output.end(), pcm.begin(), pcm.begin() + static_cast<long>(*m * channels));
  }
  return r;
}

using codec_case = std::tuple<frame_duration, int /*channels*/, int /*bitrate*/>;

class OpusRoundTrip : public ::testing::TestWithParam<codec_case> {};

// The decoded signal is the input delayed by exactly the encoder's
// lookahead (2.5 ms for restricted-lowdelay), and close to it in waveform.
TEST_P(OpusRoundTrip, DelayIsTheLookaheadAndWaveformSurvives) {
  const auto [frame, channels, bitrate] = GetParam();
  encoder_settings s = encoder_settings::music();
  s.frame = frame;
  s.channels = channels;
  s.bitrate = bitrate;
  const auto r = encode_decode(s, 48'000);
  EXPECT_EQ(r.lookahead, 120u);
  // Constrained VBR: no packet far above the bitrate's share of a frame.
  const std::size_t nominal = static_cast<std::size_t>(bitrate) * samples_of(frame) / 48'000 / 8;
  EXPECT_LE(r.max_packet, std::min<std::size_t>(opus_encoder::max_packet_size, 2 * nominal));

  const auto ch = static_cast<std::size_t>(channels);
  for (std::size_t c = 0; c < ch; ++c) {
    const auto in = test::channel_of(r.input, ch, c);
    const auto out = test::channel_of(r.output, ch, c);
    const long lag = test::best_lag(std::span(in).first(24'000), std::span(out).first(24'000), 400);
    EXPECT_EQ(lag, 120) << "channel " << c;
    const std::vector<float> aligned(out.begin() + 120, out.end());
    const double snr = test::snr_db(std::span(in).first(aligned.size()), aligned);
    const double min_snr = bitrate >= 510'000 ? 27.0 : 20.0;  // measured: >= 30 and >= 23.6
    EXPECT_GT(snr, min_snr) << "channel " << c;
    RecordProperty("snr_db_ch" + std::to_string(c), std::to_string(snr));
  }
  if (ch == 2) {
    // Stereo stays stereo: L follows L, not R.
    const auto in_l = test::channel_of(r.input, 2, 0);
    const auto in_r = test::channel_of(r.input, 2, 1);
    const auto out_l = test::channel_of(r.output, 2, 0);
    EXPECT_GT(test::correlation(in_l, out_l, 120), 0.95);
    EXPECT_LT(std::abs(test::correlation(in_r, out_l, 120)), 0.2);
  }
}

INSTANTIATE_TEST_SUITE_P(
    FramesChannelsBitrates, OpusRoundTrip,
    ::testing::Combine(::testing::Values(frame_duration::ms2_5, frame_duration::ms5,
                                         frame_duration::ms10, frame_duration::ms20),
                       ::testing::Values(1, 2), ::testing::Values(128'000, 510'000)),
    [](const auto& info) {
      return std::to_string(samples_of(std::get<0>(info.param))) + "samples_" +
             (std::get<1>(info.param) == 2 ? "stereo_" : "mono_") +
             std::to_string(std::get<2>(info.param) / 1000) + "k";
    });

TEST(OpusEncoder, HardCbrGivesConstantPacketSizes) {
  encoder_settings s = encoder_settings::music();
  s.vbr = false;
  s.frame = frame_duration::ms20;
  s.bitrate = 192'000;
  auto enc = opus_encoder::create(s);
  ASSERT_TRUE(enc);
  const auto pcm = test::music_signal(960 * 20);
  std::vector<std::uint8_t> out(1500);
  for (std::size_t f = 0; f < 20; ++f) {
    auto n = enc->encode(std::span(pcm).subspan(f * 960 * 2, 960 * 2), out);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 192'000u / 50 / 8);
  }
}

TEST(OpusEncoder, RejectsSettingsOutOfRange) {
  auto bad = [](auto change) {
    encoder_settings s;
    change(s);
    return opus_encoder::create(s).error() == errc::bad_settings;
  };
  EXPECT_TRUE(bad([](encoder_settings& s) { s.channels = 3; }));
  EXPECT_TRUE(bad([](encoder_settings& s) { s.channels = 0; }));
  EXPECT_TRUE(bad([](encoder_settings& s) { s.bitrate = 5'999; }));
  EXPECT_TRUE(bad([](encoder_settings& s) { s.bitrate = 510'001; }));
  EXPECT_TRUE(bad([](encoder_settings& s) { s.complexity = 11; }));
  EXPECT_TRUE(bad([](encoder_settings& s) { s.expected_loss_percent = 101; }));
  EXPECT_TRUE(bad([](encoder_settings& s) { s.frame = static_cast<frame_duration>(100); }));
  EXPECT_FALSE(bad([](encoder_settings& s) { s.bitrate = 6'000; }));
}

TEST(OpusEncoder, RejectsPcmThatIsNotOneFrame) {
  auto enc = opus_encoder::create(encoder_settings::music());
  ASSERT_TRUE(enc);
  std::vector<float> pcm(480 * 2 - 2);
  std::vector<std::uint8_t> out(1500);
  EXPECT_EQ(enc->encode(pcm, out).error(), errc::bad_frame_size);
  pcm.resize(480 * 2);
  EXPECT_TRUE(enc->encode(pcm, out));
}

TEST(OpusEncoder, CapsThePacketToTheGivenBuffer) {
  encoder_settings s = encoder_settings::music();
  s.frame = frame_duration::ms20;
  s.bitrate = 510'000;
  auto enc = opus_encoder::create(s);
  ASSERT_TRUE(enc);
  const auto pcm = test::music_signal(960);
  std::vector<std::uint8_t> out(400);
  auto n = enc->encode(pcm, out);
  ASSERT_TRUE(n);
  EXPECT_LE(*n, 400u);
}

TEST(OpusEncoder, TalkbackPresetIsMonoVoiceWithFec) {
  const auto s = encoder_settings::talkback();
  EXPECT_EQ(s.channels, 1);
  EXPECT_TRUE(s.inband_fec);
  auto enc = opus_encoder::create(s);
  ASSERT_TRUE(enc);
  EXPECT_EQ(enc->lookahead(), 312u);  // 2.5 ms CELT overlap + 4 ms mode-switch delay
}

TEST(OpusDecoder, RejectsBadPacketsAndShortBuffers) {
  auto dec = opus_decoder::create(2);
  ASSERT_TRUE(dec);
  std::vector<float> pcm(960 * 2);
  EXPECT_EQ(dec->decode({}, pcm).error(), errc::invalid_packet);
  // Code 3 (arbitrary frame count) with a count of zero: malformed.
  const std::vector<std::uint8_t> bad = {0xFB, 0x00};
  EXPECT_EQ(dec->decode(bad, pcm).error(), errc::invalid_packet);

  auto enc = opus_encoder::create(encoder_settings::music());  // 10 ms
  std::vector<std::uint8_t> packet(1500);
  const auto n = enc->encode(std::vector<float>(960, 0.1f), packet);
  ASSERT_TRUE(n);
  std::vector<float> small(479 * 2);
  EXPECT_EQ(dec->decode(std::span(packet).first(*n), small).error(), errc::buffer_too_small);
  EXPECT_EQ(dec->conceal(100, pcm).error(), errc::bad_frame_size);
  EXPECT_EQ(opus_decoder::create(3).error(), errc::bad_settings);
}

// Concealment continues a tone rather than dropping to silence, and the
// decoder joins the next real packet.
TEST(OpusDecoder, ConcealmentContinuesTheSignal) {
  encoder_settings s = encoder_settings::music();
  s.channels = 1;
  auto enc = opus_encoder::create(s);
  auto dec = opus_decoder::create(1);
  ASSERT_TRUE(enc && dec);
  std::vector<float> frame(480);
  std::vector<std::uint8_t> packet(1500);
  std::vector<float> out(960);
  for (int f = 0; f < 20; ++f) {
    for (std::size_t i = 0; i < 480; ++i) {
      frame[i] =
          0.5f * static_cast<float>(std::sin(2 * 3.14159265 * 440 * (f * 480.0 + i) / 48'000));
    }
    const auto n = enc->encode(frame, packet);
    ASSERT_TRUE(n);
    if (f == 10) {
      auto m = dec->conceal(480, out);
      ASSERT_TRUE(m);
      EXPECT_EQ(*m, 480u);
      double energy = 0;
      for (std::size_t i = 0; i < 480; ++i)
        energy += out[i] * out[i];
      EXPECT_GT(std::sqrt(energy / 480), 0.1) << "PLC went silent";
      continue;
    }
    ASSERT_TRUE(dec->decode(std::span(packet).first(*n), out));
  }
}

}  // namespace
}  // namespace controlroom::media
