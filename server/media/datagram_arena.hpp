#pragma once

// Storage for the datagrams a media switch builds during one receive batch
// (every sealed copy it forwards, probe replies, NACKs): the output only
// queues views, which must stay valid until its flush, and allocating each
// datagram would cost more than sealing it. A bump allocator over chunks
// that are kept from batch to batch.
//
// Threading: the owning worker's thread only.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace controlroom::server {

class datagram_arena {
 public:
  static constexpr std::size_t chunk_bytes = 64 * 1024;

  /// `bytes` (at most chunk_bytes) of storage, valid until reset().
  std::span<std::uint8_t> allocate(std::size_t bytes) {
    if (chunk_ == chunks_.size() || used_ + bytes > chunk_bytes) {
      if (chunk_ < chunks_.size()) {
        ++chunk_;
      }
      if (chunk_ == chunks_.size()) {
        chunks_.push_back(std::make_unique<std::uint8_t[]>(chunk_bytes));
      }
      used_ = 0;
    }
    std::span<std::uint8_t> out{chunks_[chunk_].get() + used_, bytes};
    used_ += bytes;
    return out;
  }

  /// Makes all storage free again (the output has flushed).
  void reset() {
    chunk_ = 0;
    used_ = 0;
  }

  std::size_t chunks() const { return chunks_.size(); }

 private:
  std::vector<std::unique_ptr<std::uint8_t[]>> chunks_;
  std::size_t chunk_ = 0;  // the chunk being filled
  std::size_t used_ = 0;   // bytes of it handed out
};

}  // namespace controlroom::server
