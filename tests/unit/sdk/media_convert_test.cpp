// The audio API's plain values -> the media library and the wire.

#include "media_convert.hpp"

#include <gtest/gtest.h>

namespace controlroom::detail {
namespace {

TEST(media_convert, presets_map_onto_the_media_library_presets) {
  const auto music = to_encoder_settings(encoder_options::music());
  ASSERT_TRUE(music) << music.message();
  const auto expected = media::encoder_settings::music();
  EXPECT_EQ(music.value().channels, expected.channels);
  EXPECT_EQ(music.value().frame, expected.frame);
  EXPECT_EQ(music.value().bitrate, expected.bitrate);
  EXPECT_EQ(music.value().application, expected.application);
  EXPECT_EQ(music.value().signal, expected.signal);
  EXPECT_EQ(music.value().vbr, expected.vbr);
  EXPECT_EQ(music.value().constrained_vbr, expected.constrained_vbr);

  const auto talk = to_encoder_settings(encoder_options::talkback());
  ASSERT_TRUE(talk) << talk.message();
  const auto voice = media::encoder_settings::talkback();
  EXPECT_EQ(talk.value().channels, voice.channels);
  EXPECT_EQ(talk.value().bitrate, voice.bitrate);
  EXPECT_EQ(talk.value().application, voice.application);
  EXPECT_EQ(talk.value().signal, voice.signal);
  EXPECT_EQ(talk.value().inband_fec, voice.inband_fec);
  EXPECT_EQ(talk.value().expected_loss_percent, voice.expected_loss_percent);
}

TEST(media_convert, encoder_options_out_of_range_are_refused_by_name) {
  const auto refused = [](auto change) {
    auto o = encoder_options::music();
    change(o);
    const auto r = to_encoder_settings(o);
    EXPECT_FALSE(r);
    return r ? std::string() : r.message();
  };
  EXPECT_NE(refused([](auto& o) { o.channels = 3; }).find("channels"), std::string::npos);
  EXPECT_NE(refused([](auto& o) { o.frame_samples = 481; }).find("frame_samples"),
            std::string::npos);
  EXPECT_NE(refused([](auto& o) { o.bitrate = 510'001; }).find("bitrate"), std::string::npos);
  EXPECT_NE(refused([](auto& o) { o.complexity = 11; }).find("complexity"), std::string::npos);
  EXPECT_NE(refused([](auto& o) { o.expected_loss_percent = -1; }).find("loss"), std::string::npos);
  EXPECT_NE(
      refused([](auto& o) { o.resend_history = std::chrono::seconds(11); }).find("resend_history"),
      std::string::npos);
  EXPECT_NE(refused([](auto& o) {
              o.resend_history = std::chrono::milliseconds(-1);
            }).find("resend_history"),
            std::string::npos);
  for (const std::uint32_t frame : {120u, 240u, 480u, 960u}) {
    auto o = encoder_options::music();
    o.frame_samples = frame;
    o.bitrate = 510'000;
    EXPECT_TRUE(to_encoder_settings(o));
  }
}

TEST(media_convert, media_options_are_checked) {
  EXPECT_TRUE(validate(media_options{}));
  media_options o;
  o.output_channels = 0;
  EXPECT_EQ(validate(o).error(), errc::malformed);
  o = {};
  o.probe_count = 0;
  EXPECT_EQ(validate(o).error(), errc::malformed);
  o = {};
  o.max_delay = std::chrono::milliseconds(10);
  o.initial_delay = std::chrono::milliseconds(20);
  EXPECT_EQ(validate(o).error(), errc::malformed);
  o = {};
  o.udp_endpoint = "localhost";
  EXPECT_EQ(validate(o).error(), errc::malformed);
  o.udp_endpoint = "localhost:7700";
  EXPECT_TRUE(validate(o));
}

TEST(media_convert, receiver_config_follows_the_options) {
  media_options o;
  o.output_channels = 1;
  o.initial_delay = std::chrono::milliseconds(40);
  o.max_delay = std::chrono::milliseconds(300);
  const auto c = to_receiver_config(o);
  EXPECT_EQ(c.channels, 1);
  EXPECT_EQ(c.jitter.initial_delay_us, 40'000u);
  EXPECT_EQ(c.jitter.max_delay_us, 300'000u);
}

TEST(media_convert, host_and_port) {
  const auto v4 = parse_host_port("127.0.0.1:7700");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 7700);
  const auto v6 = parse_host_port("[::1]:9");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 9);
  const auto name = parse_host_port("studio.example:65535");
  ASSERT_TRUE(name);
  EXPECT_EQ(name->host, "studio.example");
  for (const char* bad : {"", "host", ":7700", "host:", "host:0", "host:65536", "host:7x",
                          "::1:7700", "[::1]", "[::1]7700", "host:-1"})
    EXPECT_FALSE(parse_host_port(bad)) << bad;
}

TEST(media_convert, stream_kinds_and_infos_from_the_wire) {
  EXPECT_EQ(to_proto(stream_kind::cue), v1::STREAM_KIND_CUE);
  EXPECT_EQ(kind_from_proto(v1::STREAM_KIND_TALKBACK), stream_kind::talkback);
  EXPECT_FALSE(kind_from_proto(7));
  v1::StreamInfo in;
  in.set_participant_id("p1");
  in.set_user_id("u1");
  in.set_sender_id(99);
  in.set_kind(v1::STREAM_KIND_PROGRAM);
  in.set_channels(2);
  in.set_frame_samples(240);
  const auto info = from_proto(in);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->sender_id, 99u);
  EXPECT_EQ(info->kind, stream_kind::program);
  EXPECT_EQ(info->frame_samples, 240u);
  in.set_frame_samples(100);
  EXPECT_FALSE(from_proto(in));
  in.set_frame_samples(240);
  in.set_channels(3);
  EXPECT_FALSE(from_proto(in));
  EXPECT_EQ(stream_key(1, 2), (1u << 8) | 2u);
}

}  // namespace
}  // namespace controlroom::detail
