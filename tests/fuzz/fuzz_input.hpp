#pragma once

// The input format of the fuzz targets that replay a conversation rather
// than one message: a sequence of records
//
//   [u8 tag][u16 length, big-endian][length bytes]
//
// A record whose length runs past the end takes what is left, so every
// input means something and a mutation of one length does not throw away
// the rest. make_seed_corpus writes seeds in this format.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace controlroom::fuzz {

struct record {
  std::uint8_t tag = 0;
  std::span<const std::uint8_t> bytes;
};

class record_reader {
 public:
  explicit record_reader(std::span<const std::uint8_t> input) : rest_(input) {}

  std::optional<record> next() {
    if (rest_.size() < 3) {
      return std::nullopt;
    }
    record r;
    r.tag = rest_[0];
    const std::size_t length = (std::size_t{rest_[1]} << 8) | rest_[2];
    rest_ = rest_.subspan(3);
    const auto n = length < rest_.size() ? length : rest_.size();
    r.bytes = rest_.first(n);
    rest_ = rest_.subspan(n);
    return r;
  }

 private:
  std::span<const std::uint8_t> rest_;
};

/// Appends one record (for the seed generator).
inline void append_record(std::vector<std::uint8_t>& out, std::uint8_t tag,
                          std::span<const std::uint8_t> bytes) {
  out.push_back(tag);
  out.push_back(static_cast<std::uint8_t>(bytes.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(bytes.size() & 0xff));
  out.insert(out.end(), bytes.begin(), bytes.end());
}

inline void append_record(std::vector<std::uint8_t>& out, std::uint8_t tag,
                          const std::string& bytes) {
  append_record(out, tag,
                std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

}  // namespace controlroom::fuzz
