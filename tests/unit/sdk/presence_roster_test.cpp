#include "presence_roster.hpp"

#include <gtest/gtest.h>

namespace controlroom::detail {
namespace {

participant someone(const std::string& id, const std::string& name) {
  return {id, {"u-" + name, name, false}, {role::producer}};
}

TEST(presence_roster, follows_presence_events) {
  presence_roster roster;
  roster.reset({someone("c1", "ada"), someone("c2", "bob")});
  roster.apply({presence_event::change::joined, "s", someone("c3", "cy")});
  roster.apply({presence_event::change::left, "s", someone("c1", "ada")});
  roster.apply({presence_event::change::joined, "s", someone("c3", "cy")});  // no duplicate
  ASSERT_EQ(roster.present().size(), 2u);
  EXPECT_EQ(roster.present()[0].id, "c2");
  EXPECT_EQ(roster.present()[1].id, "c3");
}

TEST(presence_roster, a_resume_reports_what_changed_meanwhile) {
  presence_roster roster;
  // We were c1; bob (c2) and cy (c3) were there.
  roster.reset({someone("c1", "ada"), someone("c2", "bob"), someone("c3", "cy")});
  // Now we are c9, cy left and dee came.
  const auto changes =
      roster.replace("s", {someone("c2", "bob"), someone("c4", "dee"), someone("c9", "ada")});
  ASSERT_EQ(changes.size(), 4u);
  EXPECT_EQ(changes[0].what, presence_event::change::left);
  EXPECT_EQ(changes[0].who.id, "c1");
  EXPECT_EQ(changes[1].what, presence_event::change::left);
  EXPECT_EQ(changes[1].who.id, "c3");
  EXPECT_EQ(changes[2].what, presence_event::change::joined);
  EXPECT_EQ(changes[2].who.id, "c4");
  EXPECT_EQ(changes[3].who.id, "c9");
  EXPECT_EQ(changes[3].session_id, "s");
  EXPECT_EQ(roster.present().size(), 3u);
  EXPECT_TRUE(roster.replace("s", roster.present()).empty());
}

}  // namespace
}  // namespace controlroom::detail
