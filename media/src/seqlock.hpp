#pragma once

// Publishing a small snapshot from the audio thread to any reader without
// ever blocking the writer: a sequence lock over atomic words. Single
// writer; readers retry while a write is in progress (nanoseconds).
//
// Ordering without standalone fences (which ThreadSanitizer cannot check):
// each word is stored with release, so the odd sequence store before it
// cannot sink below it; each word is loaded with acquire, so the closing
// sequence load cannot rise above it. A reader that sees any word of write
// k therefore also sees write k's odd sequence number, and retries.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <thread>

namespace controlroom::media::detail {

template <std::size_t N>
class seqlock_words {
 public:
  void store(const std::array<std::uint64_t, N>& values) noexcept {
    const std::uint32_t s = seq_.load(std::memory_order_relaxed);
    seq_.store(s + 1, std::memory_order_relaxed);
    for (std::size_t i = 0; i < N; ++i)
      words_[i].store(values[i], std::memory_order_release);
    seq_.store(s + 2, std::memory_order_release);
  }

  std::array<std::uint64_t, N> load() const noexcept {
    std::array<std::uint64_t, N> out{};
    for (;;) {
      const std::uint32_t s1 = seq_.load(std::memory_order_acquire);
      if ((s1 & 1) == 0) {
        for (std::size_t i = 0; i < N; ++i)
          out[i] = words_[i].load(std::memory_order_acquire);
        if (seq_.load(std::memory_order_relaxed) == s1)
          return out;
      }
      std::this_thread::yield();  // the writer was preempted mid-update
    }
  }

 private:
  std::atomic<std::uint32_t> seq_{0};
  std::array<std::atomic<std::uint64_t>, N> words_{};
};

}  // namespace controlroom::media::detail
