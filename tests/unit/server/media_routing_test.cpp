// Who hears what (docs/protocol.md §7.3): publication rights and the
// receivers session_media computes for each stream.

#include <algorithm>

#include <gtest/gtest.h>

#include "media/session_media.hpp"

namespace controlroom::server {
namespace {

const role_set engineer{role::engineer};
const role_set producer{role::producer};
const role_set artist{role::artist};
const role_set listener{role::listener};

TEST(media_routing, publication_rights_follow_roles) {
  EXPECT_TRUE(may_publish(engineer, stream_kind::program));
  EXPECT_TRUE(may_publish(engineer, stream_kind::cue));
  EXPECT_TRUE(may_publish(engineer, stream_kind::talkback));
  for (const auto roles : {producer, artist}) {
    EXPECT_FALSE(may_publish(roles, stream_kind::program));
    EXPECT_FALSE(may_publish(roles, stream_kind::cue));
    EXPECT_TRUE(may_publish(roles, stream_kind::talkback));
  }
  for (const auto kind : {stream_kind::program, stream_kind::talkback, stream_kind::cue}) {
    EXPECT_FALSE(may_publish(listener, kind));
  }
}

TEST(media_routing, talkback_targets_reach_exactly_their_people) {
  using T = v1::TalkbackTarget;
  struct row {
    T target;
    bool engineer, producer, artist, listener;
  };
  // clang-format off
  const row table[] = {
      {v1::TALKBACK_TARGET_EVERYONE,         true,  true,  true,  true},
      {v1::TALKBACK_TARGET_ARTIST,           false, false, true,  false},
      {v1::TALKBACK_TARGET_ENGINEER,         true,  true,  false, true},
      {v1::TALKBACK_TARGET_ENGINEER_PRIVATE, true,  false, false, false},
      {v1::TALKBACK_TARGET_PRODUCER_PRIVATE, false, true,  false, false},
  };
  // clang-format on
  for (const auto& r : table) {
    const auto name = v1::TalkbackTarget_Name(r.target);
    EXPECT_EQ(hears(engineer, stream_kind::talkback, r.target), r.engineer) << name;
    EXPECT_EQ(hears(producer, stream_kind::talkback, r.target), r.producer) << name;
    EXPECT_EQ(hears(artist, stream_kind::talkback, r.target), r.artist) << name;
    EXPECT_EQ(hears(listener, stream_kind::talkback, r.target), r.listener) << name;
  }
  // A closed channel reaches no one.
  EXPECT_FALSE(hears(engineer, stream_kind::talkback, std::nullopt));
  // An artist who also produces is in the control room.
  EXPECT_TRUE(hears(role_set{role::artist, role::producer}, stream_kind::talkback,
                    v1::TALKBACK_TARGET_ENGINEER));
}

TEST(media_routing, program_reaches_everyone_and_cue_the_artist_and_engineer) {
  for (const auto roles : {engineer, producer, artist, listener}) {
    EXPECT_TRUE(hears(roles, stream_kind::program, std::nullopt));
  }
  EXPECT_TRUE(hears(artist, stream_kind::cue, std::nullopt));
  EXPECT_TRUE(hears(engineer, stream_kind::cue, std::nullopt));
  EXPECT_FALSE(hears(producer, stream_kind::cue, std::nullopt));
  EXPECT_FALSE(hears(listener, stream_kind::cue, std::nullopt));
}

class session_routes : public ::testing::Test {
 protected:
  media_member& add(const std::string& id, const std::string& user, role_set roles) {
    auto& m = media.add(id);
    m.user_id = user;
    m.roles = roles;
    m.sender_id = static_cast<std::uint32_t>(media.members().size());
    m.subscribed = {true, true, true};
    return m;
  }
  static std::vector<std::string> ids(const std::vector<media_member*>& members) {
    std::vector<std::string> out;
    for (const auto* m : members) {
      out.push_back(m->participant_id);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  void talk(const std::string& user, v1::TalkbackTarget target) {
    auto* channel = state.add_talkback();
    channel->set_user_id(user);
    channel->set_target(target);
    media.set_talkback(state);
  }

  session_media media{"s"};
  v1::SessionState state;
};

TEST_F(session_routes, a_stream_goes_to_subscribers_and_never_back_to_its_sender) {
  auto& eng = add("c-eng", "u-eng", engineer);
  add("c-pro", "u-pro", producer);
  auto& lis = add("c-lis", "u-lis", listener);
  lis.subscribed = {false, true, true};  // no program
  EXPECT_TRUE(media.receivers(eng, stream_kind::program).empty()) << "not published yet";
  eng.published[index_of(stream_kind::program)] = {true, 2, 480};
  media.changed();
  EXPECT_EQ(ids(media.receivers(eng, stream_kind::program)), std::vector<std::string>{"c-pro"});
  lis.subscribed = {true, true, true};
  media.changed();
  EXPECT_EQ(ids(media.receivers(eng, stream_kind::program)),
            (std::vector<std::string>{"c-lis", "c-pro"}));
  media.remove("c-pro");
  EXPECT_EQ(ids(media.receivers(eng, stream_kind::program)), std::vector<std::string>{"c-lis"});
}

TEST_F(session_routes, talkback_flows_only_while_the_channel_is_open) {
  add("c-eng", "u-eng", engineer);
  auto& pro = add("c-pro", "u-pro", producer);
  add("c-art", "u-art", artist);
  add("c-lis", "u-lis", listener);
  pro.published[index_of(stream_kind::talkback)] = {true, 1, 480};
  media.changed();
  EXPECT_TRUE(media.receivers(pro, stream_kind::talkback).empty());
  talk("u-pro", v1::TALKBACK_TARGET_ENGINEER_PRIVATE);
  EXPECT_EQ(ids(media.receivers(pro, stream_kind::talkback)), std::vector<std::string>{"c-eng"});
  state.mutable_talkback(0)->set_target(v1::TALKBACK_TARGET_ARTIST);
  media.set_talkback(state);
  EXPECT_EQ(ids(media.receivers(pro, stream_kind::talkback)), std::vector<std::string>{"c-art"});
  state.clear_talkback();
  media.set_talkback(state);
  EXPECT_TRUE(media.receivers(pro, stream_kind::talkback).empty());
}

TEST_F(session_routes, the_private_line_works_both_ways_and_no_one_else_hears_it) {
  auto& eng = add("c-eng", "u-eng", engineer);
  auto& pro = add("c-pro", "u-pro", producer);
  add("c-art", "u-art", artist);
  add("c-lis", "u-lis", listener);
  eng.published[index_of(stream_kind::talkback)] = {true, 1, 480};
  pro.published[index_of(stream_kind::talkback)] = {true, 1, 480};
  media.changed();
  talk("u-pro", v1::TALKBACK_TARGET_ENGINEER_PRIVATE);
  talk("u-eng", v1::TALKBACK_TARGET_PRODUCER_PRIVATE);
  EXPECT_EQ(ids(media.receivers(pro, stream_kind::talkback)), std::vector<std::string>{"c-eng"});
  EXPECT_EQ(ids(media.receivers(eng, stream_kind::talkback)), std::vector<std::string>{"c-pro"});
}

TEST_F(session_routes, describe_lists_published_streams) {
  auto& eng = add("c-eng", "u-eng", engineer);
  add("c-pro", "u-pro", producer);
  eng.published[index_of(stream_kind::program)] = {true, 2, 240};
  eng.published[index_of(stream_kind::talkback)] = {true, 1, 480};
  const auto streams = media.describe();
  EXPECT_EQ(streams.session_id(), "s");
  ASSERT_EQ(streams.streams_size(), 2);
  EXPECT_EQ(streams.streams(0).participant_id(), "c-eng");
  EXPECT_EQ(streams.streams(0).user_id(), "u-eng");
  EXPECT_EQ(streams.streams(0).sender_id(), eng.sender_id);
  EXPECT_EQ(streams.streams(0).kind(), v1::STREAM_KIND_PROGRAM);
  EXPECT_EQ(streams.streams(0).channels(), 2u);
  EXPECT_EQ(streams.streams(0).frame_samples(), 240u);
  EXPECT_EQ(streams.streams(1).kind(), v1::STREAM_KIND_TALKBACK);
}

}  // namespace
}  // namespace controlroom::server
