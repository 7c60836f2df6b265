// The Ogg Opus writer against an independent reader (libopusfile): headers,
// granule positions and pre-skip are right when the decoded stream has the
// exact duration and lines up with the input; a file cut after any page
// still opens.

#include "controlroom/media/ogg_opus_writer.hpp"

#include <opusfile.h>
#include <vector>

#include <gtest/gtest.h>

#include "controlroom/media/opus_encoder.hpp"
#include "media_test_support.hpp"

namespace controlroom::media {
namespace {

struct encoded {
  std::vector<std::vector<std::uint8_t>> packets;
  std::uint32_t lookahead = 0;
};

encoded encode(std::span<const float> pcm) {
  constexpr std::uint32_t frame = 480;
  auto settings = encoder_settings::music();
  settings.frame = frame_duration::ms10;
  auto enc = opus_encoder::create(settings);
  EXPECT_TRUE(enc) << enc.error().message();
  encoded out;
  out.lookahead = enc->lookahead();
  std::vector<std::uint8_t> buffer(opus_encoder::max_packet_size);
  for (std::size_t at = 0; at + frame * 2 <= pcm.size(); at += frame * 2) {
    const auto n = enc->encode(pcm.subspan(at, frame * 2), buffer);
    EXPECT_TRUE(n);
    out.packets.emplace_back(buffer.begin(), buffer.begin() + static_cast<long>(*n));
  }
  return out;
}

std::vector<std::uint8_t> write_file(const encoded& e, std::uint16_t pre_skip,
                                     std::vector<std::size_t>* page_ends = nullptr) {
  constexpr std::uint32_t frame = 480;
  std::vector<std::uint8_t> file;
  ogg_opus_settings settings;
  settings.pre_skip = pre_skip;
  settings.comments = {"TITLE=Take 3", "CONTROLROOM_TAKE=tk42"};
  auto w = ogg_opus_writer::create(settings, [&](auto header, auto body) {
    file.insert(file.end(), header.begin(), header.end());
    file.insert(file.end(), body.begin(), body.end());
    if (page_ends != nullptr) {
      page_ends->push_back(file.size());
    }
  });
  EXPECT_TRUE(w);
  for (const auto& p : e.packets) {
    EXPECT_FALSE(w->write(p, frame));
  }
  EXPECT_EQ(w->granule(), e.packets.size() * frame);
  w->finish();
  EXPECT_EQ(w->bytes(), file.size());
  return file;
}

std::vector<float> decode(const std::vector<std::uint8_t>& file, ogg_int64_t* total = nullptr) {
  int error = 0;
  auto* of = op_open_memory(file.data(), file.size(), &error);
  EXPECT_NE(of, nullptr) << "opusfile error " << error;
  if (of == nullptr) {
    return {};
  }
  EXPECT_EQ(op_channel_count(of, -1), 2);
  if (total != nullptr) {
    *total = op_pcm_total(of, -1);
  }
  std::vector<float> out;
  std::vector<float> buffer(5760 * 2);
  for (;;) {
    const int n = op_read_float(of, buffer.data(), static_cast<int>(buffer.size()), nullptr);
    if (n <= 0) {
      EXPECT_GE(n, 0) << "decode error";
      break;
    }
    out.insert(out.end(), buffer.begin(), buffer.begin() + n * 2);
  }
  op_free(of);
  return out;
}

TEST(ogg_opus_writer, decodes_to_the_exact_duration_and_lines_up_with_the_input) {
  const auto pcm = test::music_signal(48'000 * 2);
  const auto e = encode(pcm);
  const auto file = write_file(e, static_cast<std::uint16_t>(e.lookahead));
  ogg_int64_t total = 0;
  const auto out = decode(file, &total);
  // Duration: every packet's samples minus the pre-skip, exactly.
  const auto expected = static_cast<ogg_int64_t>(e.packets.size() * 480 - e.lookahead);
  EXPECT_EQ(total, expected);
  ASSERT_EQ(out.size(), static_cast<std::size_t>(expected) * 2);
  // Pre-skip equal to the encoder's lookahead puts output sample i on input
  // sample i: the best lag is 0 and the match is close.
  const auto left_in = test::channel_of(pcm, 2, 0);
  const auto left_out = test::channel_of(out, 2, 0);
  const auto right_in = test::channel_of(pcm, 2, 1);
  const auto right_out = test::channel_of(out, 2, 1);
  const std::span<const float> li(left_in.data(), left_out.size());
  const std::span<const float> ri(right_in.data(), right_out.size());
  EXPECT_EQ(test::best_lag(li, left_out, 200), 0);
  EXPECT_GT(test::correlation(li, left_out), 0.99);
  EXPECT_GT(test::correlation(ri, right_out), 0.99);
  EXPECT_LT(std::abs(test::correlation(li, right_out)), 0.2) << "stereo kept";
}

TEST(ogg_opus_writer, carries_the_comments) {
  const auto e = encode(test::music_signal(4800));
  const auto file = write_file(e, 0);
  int error = 0;
  auto* of = op_open_memory(file.data(), file.size(), &error);
  ASSERT_NE(of, nullptr);
  const auto* tags = op_tags(of, -1);
  ASSERT_NE(tags, nullptr);
  EXPECT_STREQ(tags->vendor, "controlroom");
  EXPECT_STREQ(opus_tags_query(tags, "CONTROLROOM_TAKE", 0), "tk42");
  op_free(of);
}

TEST(ogg_opus_writer, a_file_cut_after_any_page_is_valid_up_to_that_page) {
  const auto e = encode(test::music_signal(48'000));
  std::vector<std::size_t> page_ends;
  const auto file = write_file(e, 0, &page_ends);
  ASSERT_GT(page_ends.size(), 4u);
  ogg_int64_t previous = -1;
  // From the first audio page on (pages 0 and 1 are the headers).
  for (std::size_t i = 2; i < page_ends.size(); ++i) {
    const std::vector<std::uint8_t> cut(file.begin(),
                                        file.begin() + static_cast<long>(page_ends[i]));
    ogg_int64_t total = 0;
    const auto out = decode(cut, &total);
    EXPECT_GT(total, previous) << "page " << i;
    EXPECT_EQ(out.size(), static_cast<std::size_t>(total) * 2);
    previous = total;
  }
  EXPECT_EQ(previous, static_cast<ogg_int64_t>(e.packets.size() * 480));
  // Cut in the middle of a page: the partial page is ignored.
  const std::vector<std::uint8_t> torn(file.begin(),
                                       file.begin() + static_cast<long>(page_ends[3] + 10));
  ogg_int64_t torn_total = 0;
  decode(torn, &torn_total);
  ogg_int64_t whole_total = 0;
  decode({file.begin(), file.begin() + static_cast<long>(page_ends[3])}, &whole_total);
  EXPECT_EQ(torn_total, whole_total);
}

TEST(ogg_opus_writer, gap_packets_keep_the_timing_and_decode_as_concealment) {
  auto e = encode(test::music_signal(48'000));
  const auto gap = opus_gap_packet(480, true);
  ASSERT_EQ(gap.size(), 1u);
  e.packets[10] = gap;
  e.packets[11] = gap;
  ogg_int64_t total = 0;
  const auto out = decode(write_file(e, 0), &total);
  EXPECT_EQ(total, static_cast<ogg_int64_t>(e.packets.size() * 480));
  EXPECT_EQ(out.size(), static_cast<std::size_t>(total) * 2);
  for (const std::uint32_t samples : {120u, 240u, 480u, 960u}) {
    EXPECT_EQ(opus_packet_get_nb_samples(opus_gap_packet(samples, false).data(), 1, 48'000),
              static_cast<int>(samples));
  }
}

TEST(ogg_opus_writer, refuses_bad_settings_and_packets) {
  ogg_opus_settings bad;
  bad.channels = 3;
  EXPECT_FALSE(ogg_opus_writer::create(bad, [](auto, auto) {}));
  auto w = ogg_opus_writer::create({}, [](auto, auto) {});
  ASSERT_TRUE(w);
  EXPECT_TRUE(w->write({}, 480));
  w->finish();
  const std::uint8_t one = 0xf8;
  EXPECT_TRUE(w->write({&one, 1}, 480)) << "nothing after finish";
}

}  // namespace
}  // namespace controlroom::media
