#include "controlroom/media/stream_sender.hpp"

#include <vector>

#include <gtest/gtest.h>

#include "controlroom/media/payload.hpp"
#include "media_test_support.hpp"

namespace controlroom::media {
namespace {

struct captured {
  media_header header;
  std::vector<std::uint8_t> primary, redundant;
  std::size_t size = 0;
};

struct fixture {
  std::vector<captured> out;
  datagram_sink sink() {
    return [this](std::span<const std::uint8_t> d) {
      const auto parsed = parse_datagram(d);
      ASSERT_TRUE(parsed) << "the sender wrote a datagram receivers reject";
      const auto parts = split_payload(parsed->header, parsed->payload);
      ASSERT_TRUE(parts);
      out.push_back({parsed->header,
                     {parts->primary.begin(), parts->primary.end()},
                     {parts->redundant.begin(), parts->redundant.end()},
                     d.size()});
    };
  }
};

TEST(StreamSender, OneDatagramPerFrameWithStampsAndRedundancy) {
  fixture f;
  sender_config c;
  c.sender_id = 77;
  c.kind = stream_kind::cue;
  c.initial_sequence = 0xFFFFFFFE;
  auto s = stream_sender::create(c, f.sink());
  ASSERT_TRUE(s);
  const auto pcm = test::music_signal(4'800);
  // Odd-sized capture chunks: frames are cut from the stream regardless.
  std::size_t at = 0;
  for (std::size_t chunk : {100u, 333u, 1'000u, 2'000u, 1'367u}) {
    EXPECT_FALSE(s->push(std::span(pcm).subspan(at * 2, chunk * 2),
                         5'000'000 + at * 1'000'000 / 48'000,
                         static_cast<std::int64_t>(48'000 + at)));
    at += chunk;
  }
  ASSERT_EQ(at, 4'800u);
  ASSERT_EQ(f.out.size(), 10u);
  for (std::size_t i = 0; i < f.out.size(); ++i) {
    const auto& h = f.out[i].header;
    EXPECT_EQ(h.sequence, 0xFFFFFFFE + static_cast<std::uint32_t>(i));
    EXPECT_EQ(h.sender_id, 77u);
    EXPECT_EQ(h.kind, stream_kind::cue);
    EXPECT_EQ(h.channels, 2);
    EXPECT_EQ(h.frame_samples, 480);
    // Chunk stamps are whole microseconds, so +-1 us.
    EXPECT_NEAR(static_cast<double>(h.capture_time_us), 5'000'000.0 + i * 10'000.0, 1.0);
    // The decoded audio lags the input by the lookahead; the stamp says so.
    EXPECT_EQ(h.timeline_position, static_cast<std::int64_t>(48'000 + i * 480) - 120);
    EXPECT_EQ(h.discontinuity, i == 0);
    EXPECT_EQ(h.redundancy, i > 0);
    if (i > 0) {
      EXPECT_EQ(f.out[i].redundant, f.out[i - 1].primary);
    }
    EXPECT_LE(f.out[i].size, default_datagram_budget);
  }
  EXPECT_EQ(s->next_sequence(), 8u);
}

TEST(StreamSender, ALocateDiscardsThePartialFrameAndFlagsTheJump) {
  fixture f;
  auto s = stream_sender::create({}, f.sink());
  ASSERT_TRUE(s);
  const auto pcm = test::music_signal(2'000);
  EXPECT_FALSE(s->push(std::span(pcm).first(700 * 2), 0, 0));  // 1 frame + 220 samples
  EXPECT_FALSE(s->push(std::span(pcm).subspan(700 * 2, 600 * 2), 14'583, 96'000));  // locate
  ASSERT_EQ(f.out.size(), 2u);
  EXPECT_EQ(f.out[1].header.timeline_position, 96'000 - 120);
  EXPECT_TRUE(f.out[1].header.discontinuity);
  EXPECT_FALSE(f.out[1].header.redundancy) << "no copy of the old timeline's frame";
  EXPECT_EQ(f.out[1].header.capture_time_us, 14'583u);
  EXPECT_EQ(f.out[1].header.sequence, f.out[0].header.sequence + 1);
}

TEST(StreamSender, TalkbackIsOffTheTimeline) {
  fixture f;
  sender_config c;
  c.codec = encoder_settings::talkback();
  c.kind = stream_kind::talkback;
  auto s = stream_sender::create(c, f.sink());
  ASSERT_TRUE(s);
  const std::vector<float> voice(1'440, 0.1f);
  EXPECT_FALSE(s->push(voice, 0, no_timeline_position));
  EXPECT_FALSE(s->push(voice, 30'000, no_timeline_position));
  ASSERT_EQ(f.out.size(), 6u);
  for (const auto& d : f.out)
    EXPECT_EQ(d.header.timeline_position, no_timeline_position);
  EXPECT_FALSE(f.out[3].header.discontinuity) << "staying off the timeline is no jump";
  s->mark_discontinuity();  // talkback pressed again
  EXPECT_FALSE(s->push(voice, 900'000, no_timeline_position));
  EXPECT_TRUE(f.out[6].header.discontinuity);
  EXPECT_FALSE(f.out[6].header.redundancy);
}

TEST(StreamSender, RedundancyYieldsToTheDatagramBudget) {
  fixture f;
  sender_config c;
  c.codec.frame = frame_duration::ms20;
  c.codec.bitrate = 510'000;
  c.codec.vbr = false;
  auto s = stream_sender::create(c, f.sink());
  ASSERT_TRUE(s);
  const auto pcm = test::music_signal(960 * 5);
  EXPECT_FALSE(s->push(pcm, 0, 0));
  ASSERT_EQ(f.out.size(), 5u);
  for (const auto& d : f.out) {
    EXPECT_FALSE(d.header.redundancy) << "1275 + 1275 bytes cannot fit";
    EXPECT_LE(d.size, default_datagram_budget);
  }
  EXPECT_EQ(s->redundancy_skipped(), 4u);
}

TEST(StreamSender, RejectsBadConfigAndPcm) {
  fixture f;
  sender_config c;
  c.max_datagram_bytes = max_datagram_size + 1;
  EXPECT_EQ(stream_sender::create(c, f.sink()).error(), errc::bad_settings);
  EXPECT_EQ(stream_sender::create({}, nullptr).error(), errc::bad_settings);
  c = {};
  c.codec.bitrate = 1;
  EXPECT_EQ(stream_sender::create(c, f.sink()).error(), errc::bad_settings);
  auto s = stream_sender::create({}, f.sink());
  ASSERT_TRUE(s);
  const std::vector<float> odd(3);
  EXPECT_EQ(s->push(odd, 0, 0), errc::bad_frame_size);
}

}  // namespace
}  // namespace controlroom::media
