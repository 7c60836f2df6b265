#include "intents_convert.hpp"

#include <google/protobuf/text_format.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

namespace controlroom::detail {
namespace {

using google::protobuf::util::MessageDifferencer;

v1::Intent converted(const intent& in) {
  v1::Intent out;
  const auto s = to_proto(in, &out);
  EXPECT_TRUE(s) << s.message();
  return out;
}

v1::Intent parsed(const std::string& text) {
  v1::Intent out;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &out)) << text;
  return out;
}

// Each intent kind with every field set to something recognisable, and the
// protobuf it must become (in text format, as docs/protocol.md shows them).
struct example {
  intent in;
  std::string proto;
};

// Built statement by statement: one braced list of 33 variants makes GCC 12
// at -O3 use more than 6 GB.
const std::vector<example>& examples() {
  static const std::vector<example> all = [] {
    std::vector<example> out;
    auto add = [&out](intent in, std::string proto) {
      out.push_back({std::move(in), std::move(proto)});
    };
    add(add_song{"Lighthouse", 2}, R"(add_song { title: "Lighthouse" index: 2 })");
    add(add_song{"Coda", std::nullopt}, R"(add_song { title: "Coda" })");
    add(rename_song{"s3", "Harbour"}, R"(rename_song { song_id: "s3" title: "Harbour" })");
    add(remove_song{"s3"}, R"(remove_song { song_id: "s3" })");
    add(move_song{"s3", 0}, R"(move_song { song_id: "s3" index: 0 })");
    add(pick_take{"tk9"}, R"(pick_take { take_id: "tk9" })");
    add(unpick_take{"s3"}, R"(unpick_take { song_id: "s3" })");
    add(play{48000}, R"(play { position_samples: 48000 })");
    add(stop{96000}, R"(stop { position_samples: 96000 })");
    add(locate{1}, R"(locate { position_samples: 1 })");
    add(set_tempo{92.5}, R"(set_tempo { bpm: 92.5 })");
    add(set_meter{7, 8}, R"(set_meter { meter { beats_per_bar: 7 beat_unit: 8 } })");
    add(set_loop{true, 10, 20},
        R"(set_loop { loop { enabled: true start_samples: 10 end_samples: 20 } })");
    add(select_song{"s4"}, R"(select_song { song_id: "s4" })");
    add(grant_transport{true}, R"(grant_transport { producer_may_drive: true })");
    add(record{480}, R"(record { position_samples: 480 })");
    add(add_track{"Vox", "In 1"}, R"(add_track { name: "Vox" input_label: "In 1" })");
    add(update_track{"tr2", "Lead", true, false, true, "In 2"},
        R"(update_track { track_id: "tr2" name: "Lead" armed: true muted: false soloed: true
                         input_label: "In 2" })");
    add(update_track{"tr2", std::nullopt, std::nullopt, true, std::nullopt, std::nullopt},
        R"(update_track { track_id: "tr2" muted: true })");
    add(remove_track{"tr2"}, R"(remove_track { track_id: "tr2" })");
    add(rate_take{"tk9", 5}, R"(rate_take { take_id: "tk9" rating: 5 })");
    add(circle_take{"tk9", true}, R"(circle_take { take_id: "tk9" circled: true })");
    add(set_take_notes{"tk9", "keeper"}, R"(set_take_notes { take_id: "tk9" notes: "keeper" })");
    add(add_marker{5292000, "pitchy", "#00ff00"},
        R"(add_marker { position_samples: 5292000 label: "pitchy" color: "#00ff00" })");
    add(update_marker{"m43", 10, "late", ""},
        R"(update_marker { marker_id: "m43" position_samples: 10 label: "late" color: "" })");
    add(update_marker{"m43", std::nullopt, std::nullopt, std::nullopt},
        R"(update_marker { marker_id: "m43" })");
    add(remove_marker{"m43"}, R"(remove_marker { marker_id: "m43" })");
    add(add_comment{"m43", "", "lower key?"},
        R"(add_comment { marker_id: "m43" text: "lower key?" })");
    add(add_comment{"", "tk9", "best so far"},
        R"(add_comment { take_id: "tk9" text: "best so far" })");
    add(remove_comment{"c50"}, R"(remove_comment { comment_id: "c50" })");
    add(start_talkback{talkback_target::engineer_private, true},
        R"(start_talkback { target: TALKBACK_TARGET_ENGINEER_PRIVATE latched: true })");
    add(stop_talkback{"u-1"}, R"(stop_talkback { user_id: "u-1" })");
    add(set_planned_start{1'700'000'000'000},
        R"(set_planned_start { planned_start_unix_ms: 1700000000000 })");
    return out;
  }();
  return all;
}

TEST(intents_convert, every_kind_becomes_its_protobuf) {
  for (const auto& e : examples()) {
    const auto out = converted(e.in);
    const auto expected = parsed(e.proto);
    std::string diff;
    MessageDifferencer differ;
    differ.ReportDifferencesToString(&diff);
    EXPECT_TRUE(differ.Compare(expected, out)) << e.proto << "\n" << diff;
  }
}

TEST(intents_convert, the_examples_cover_every_alternative_and_every_proto_intent) {
  std::vector<bool> seen(std::variant_size_v<intent>, false);
  for (const auto& e : examples())
    seen[e.in.index()] = true;
  for (std::size_t i = 0; i < seen.size(); ++i)
    EXPECT_TRUE(seen[i]) << "no example for alternative " << i;
  // A new intent in state.proto needs a struct here, unless only the
  // server may send it (TakeFileRecorded): clients never submit those.
  const auto* change = v1::Intent::descriptor()->FindOneofByName("change");
  ASSERT_NE(change, nullptr);
  constexpr std::size_t server_only = 1;
  EXPECT_EQ(static_cast<std::size_t>(change->field_count()),
            std::variant_size_v<intent> + server_only);
}

TEST(intents_convert, unset_optionals_are_absent_not_zero) {
  const auto out =
      converted(update_track{"tr1", std::nullopt, false, std::nullopt, std::nullopt, std::nullopt});
  EXPECT_FALSE(out.update_track().has_name());
  EXPECT_TRUE(out.update_track().has_armed());
  EXPECT_FALSE(out.update_track().armed());
  EXPECT_FALSE(out.update_track().has_muted());
  EXPECT_FALSE(converted(add_song{"x", std::nullopt}).add_song().has_index());
  EXPECT_TRUE(converted(add_song{"x", 0}).add_song().has_index());
}

TEST(intents_convert, a_comment_on_nothing_is_left_for_the_server_to_refuse) {
  const auto out = converted(add_comment{"", "", "to whom?"});
  EXPECT_EQ(out.add_comment().target_case(), v1::AddComment::TARGET_NOT_SET);
}

TEST(intents_convert, a_comment_on_both_a_marker_and_a_take_is_refused) {
  v1::Intent out;
  const auto s = to_proto(add_comment{"m1", "tk1", "which one?"}, &out);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error(), make_error_code(errc::malformed));
  EXPECT_NE(s.message().find("both"), std::string::npos);
}

TEST(intents_convert, talkback_targets_match_the_proto_numbers) {
  EXPECT_EQ(static_cast<int>(talkback_target::everyone), v1::TALKBACK_TARGET_EVERYONE);
  EXPECT_EQ(static_cast<int>(talkback_target::artist), v1::TALKBACK_TARGET_ARTIST);
  EXPECT_EQ(static_cast<int>(talkback_target::engineer), v1::TALKBACK_TARGET_ENGINEER);
  EXPECT_EQ(static_cast<int>(talkback_target::engineer_private),
            v1::TALKBACK_TARGET_ENGINEER_PRIVATE);
}

TEST(intents_convert, change_names_are_the_proto_field_names) {
  EXPECT_EQ(change_name(converted(add_marker{})), "add_marker");
  EXPECT_EQ(change_name(converted(set_planned_start{})), "set_planned_start");
  EXPECT_EQ(change_name(converted(stop{})), "stop");
  EXPECT_EQ(change_name(v1::Intent()), "");
}

}  // namespace
}  // namespace controlroom::detail
