#include "session/room.hpp"

#include <gtest/gtest.h>

#include "fake_peer.hpp"

namespace controlroom::server {
namespace {

using testing::fake_peer;

participant_entry entry_for(const std::shared_ptr<fake_peer>& p, const std::string& name,
                            role_set roles) {
  return {p->id(), user_record{"id-" + name, name, false}, roles, p};
}

TEST(room, joining_lists_everyone_and_tells_the_others) {
  room r(session_record{"s1", "studio", "Album", 0, 0});
  auto a = std::make_shared<fake_peer>("a");
  auto b = std::make_shared<fake_peer>("b");
  const auto first = r.add(entry_for(a, "ada", {role::engineer}));
  EXPECT_EQ(first.participants_size(), 1);
  EXPECT_EQ(first.self().participant_id(), "a");
  EXPECT_TRUE(a->sent.empty());

  const auto second = r.add(entry_for(b, "bob", {role::producer, role::artist}));
  EXPECT_EQ(second.participants_size(), 2);
  EXPECT_EQ(second.self().user().name(), "bob");
  EXPECT_EQ(second.self().roles_size(), 2);
  ASSERT_EQ(a->sent.size(), 1u);
  const auto presence = a->last().presence();
  EXPECT_EQ(presence.change(), v1::Presence::CHANGE_JOINED);
  EXPECT_EQ(presence.session_id(), "s1");
  EXPECT_EQ(presence.participant().participant_id(), "b");
  EXPECT_TRUE(b->sent.empty());
}

TEST(room, leaving_tells_the_others_once) {
  room r(session_record{"s1", "studio", "Album", 0, 0});
  auto a = std::make_shared<fake_peer>("a");
  auto b = std::make_shared<fake_peer>("b");
  r.add(entry_for(a, "ada", {role::engineer}));
  r.add(entry_for(b, "bob", {role::producer}));
  a->sent.clear();
  EXPECT_TRUE(r.remove("b"));
  ASSERT_EQ(a->sent.size(), 1u);
  EXPECT_EQ(a->last().presence().change(), v1::Presence::CHANGE_LEFT);
  EXPECT_EQ(a->last().presence().participant().participant_id(), "b");
  EXPECT_FALSE(r.remove("b"));
  EXPECT_EQ(a->sent.size(), 1u);
}

TEST(room, broadcast_shares_one_buffer_and_skips_gone_peers) {
  room r(session_record{"s1", "studio", "Album", 0, 0});
  auto a = std::make_shared<fake_peer>("a");
  auto b = std::make_shared<fake_peer>("b");
  r.add(entry_for(a, "ada", {role::engineer}));
  r.add(entry_for(b, "bob", {role::producer}));
  {
    auto c = std::make_shared<fake_peer>("c");
    r.add(entry_for(c, "cy", {role::listener}));
  }  // c's connection is gone; the room must not crash on it
  a->sent.clear();
  b->sent.clear();
  auto frame = std::make_shared<const std::string>("x");
  r.broadcast(frame);
  ASSERT_EQ(a->sent.size(), 1u);
  ASSERT_EQ(b->sent.size(), 1u);
  EXPECT_EQ(a->sent[0].get(), b->sent[0].get());
}

}  // namespace
}  // namespace controlroom::server
