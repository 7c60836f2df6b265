#include "controlroom/media/packet_ring.hpp"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace controlroom::media {
namespace {

media_header header_for(std::uint32_t seq) {
  media_header h;
  h.sequence = seq;
  return h;
}

std::vector<std::uint8_t> payload_for(std::uint32_t seq) {
  std::vector<std::uint8_t> p(1 + seq % 200);
  for (std::size_t i = 0; i < p.size(); ++i)
    p[i] = static_cast<std::uint8_t>(seq + i);
  return p;
}

TEST(PacketRing, RoundsCapacityUpToAPowerOfTwo) {
  EXPECT_EQ(packet_ring(0).capacity(), 2u);
  EXPECT_EQ(packet_ring(5).capacity(), 8u);
  EXPECT_EQ(packet_ring(256).capacity(), 256u);
}

TEST(PacketRing, FirstInFirstOutAndFullDropsTheNewest) {
  packet_ring ring(4);
  EXPECT_EQ(ring.front(), nullptr);
  for (std::uint32_t i = 0; i < 4; ++i) {
    EXPECT_TRUE(ring.try_push(header_for(i), payload_for(i), 100 + i));
  }
  EXPECT_FALSE(ring.try_push(header_for(4), payload_for(4), 104));
  EXPECT_EQ(ring.overflows(), 1u);
  for (std::uint32_t i = 0; i < 4; ++i) {
    const received_packet* p = ring.front();
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->header.sequence, i);
    EXPECT_EQ(p->arrival_us, 100 + i);
    EXPECT_TRUE(std::ranges::equal(p->payload(), payload_for(i)));
    ring.pop();
  }
  EXPECT_EQ(ring.front(), nullptr);
  EXPECT_TRUE(ring.try_push(header_for(5), payload_for(5), 105)) << "space again after pops";
}

TEST(PacketRing, RefusesOversizedPayloads) {
  packet_ring ring(4);
  const std::vector<std::uint8_t> big(max_payload_size + 1);
  EXPECT_FALSE(ring.try_push({}, big, 0));
  const std::vector<std::uint8_t> largest(max_payload_size, 7);
  EXPECT_TRUE(ring.try_push({}, largest, 0));
  EXPECT_EQ(ring.front()->payload().size(), max_payload_size);
}

// The real hand-off: a network thread and an audio thread, no locks. Every
// packet arrives once, in order, intact (run under TSan to check the fences).
TEST(PacketRing, HandsOffBetweenTwoThreadsInOrder) {
  packet_ring ring(64);
  constexpr std::uint32_t count = 200'000;
  std::thread producer([&] {
    for (std::uint32_t i = 0; i < count; ++i) {
      const auto p = payload_for(i);
      while (!ring.try_push(header_for(i), p, i))
        std::this_thread::yield();
    }
  });
  std::uint32_t expected = 0;
  bool intact = true;
  while (expected < count) {
    const received_packet* p = ring.front();
    if (!p) {
      std::this_thread::yield();
      continue;
    }
    intact = intact && p->header.sequence == expected && p->arrival_us == expected &&
             std::ranges::equal(p->payload(), payload_for(expected));
    ring.pop();
    ++expected;
  }
  producer.join();
  EXPECT_TRUE(intact);
  EXPECT_EQ(ring.front(), nullptr);
}

}  // namespace
}  // namespace controlroom::media
