#include "controlroom/media/heard_position.hpp"

#include <gtest/gtest.h>

namespace controlroom::media {
namespace {

TEST(HeardPosition, MapsOutputSamplesToTheTimelineBehindTheLatency) {
  heard_position hp;
  EXPECT_FALSE(hp.heard(0));
  for (int f = 0; f < 10; ++f)
    hp.on_rendered(96'000 + f * 480, 480);
  EXPECT_EQ(hp.rendered(), 4'800u);
  EXPECT_EQ(hp.position_of(0), 96'000);
  EXPECT_EQ(hp.position_of(4'799), 96'000 + 4'799);
  EXPECT_FALSE(hp.position_of(4'800)) << "not rendered yet";
  EXPECT_EQ(hp.heard(1'000), 96'000 + 3'800);
  EXPECT_EQ(hp.heard(0), 96'000 + 4'800) << "zero latency: the next sample";
  EXPECT_FALSE(hp.heard(5'000)) << "nothing audible yet";
}

TEST(HeardPosition, FollowsLocatesAndSilence) {
  heard_position hp;
  hp.on_rendered(no_timeline_position, 960);  // before the start
  hp.on_rendered(0, 480);
  hp.on_rendered(480, 480);
  hp.on_rendered(1'000'000, 480);             // locate
  hp.on_rendered(no_timeline_position, 120);  // re-priming
  hp.on_rendered(1'000'480, 480);
  EXPECT_FALSE(hp.position_of(500));
  EXPECT_EQ(hp.position_of(960), 0);
  EXPECT_EQ(hp.position_of(1'919), 959);
  EXPECT_EQ(hp.position_of(1'920), 1'000'000);
  EXPECT_FALSE(hp.position_of(2'400 + 60));
  EXPECT_EQ(hp.position_of(2'520), 1'000'480);
  // Listener 600 samples behind the writer: inside the pre-locate audio.
  EXPECT_EQ(hp.heard(1'680), 360);  // output index 3000 - 1680 = 1320, 360 into the first run
}

TEST(HeardPosition, ContiguousAudioTakesOneHistoryEntry) {
  heard_position hp(2);
  hp.on_rendered(0, 480);
  for (int f = 1; f < 10'000; ++f)
    hp.on_rendered(f * 480, 480);  // 100 s
  EXPECT_EQ(hp.position_of(0), 0) << "still in history after 100 s";
  hp.on_rendered(no_timeline_position, 480);
  hp.on_rendered(0, 480);
  EXPECT_FALSE(hp.position_of(0)) << "pushed out by two newer runs";
  EXPECT_EQ(hp.position_of(hp.rendered() - 1), 479);
}

TEST(HeardPosition, ConcealedRepeatsOfAPositionAreKept) {
  // An underrun conceals "at" the position it waits for, then plays it.
  heard_position hp;
  hp.on_rendered(0, 480);
  hp.on_rendered(480, 480);  // concealment while waiting
  hp.on_rendered(480, 480);  // the late frame itself
  EXPECT_EQ(hp.position_of(700), 700);
  EXPECT_EQ(hp.position_of(1'000), 520);
}

TEST(HeardPosition, ResetForgets) {
  heard_position hp;
  hp.on_rendered(0, 480);
  hp.reset();
  EXPECT_EQ(hp.rendered(), 0u);
  EXPECT_FALSE(hp.position_of(0));
}

}  // namespace
}  // namespace controlroom::media
