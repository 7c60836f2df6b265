#pragma once

// Counts the open TCP connections, in all and per client IP address, and
// decides at accept whether one more may be served (max_connections,
// max_connections_per_address). A connection holds a slot for as long as it
// is open, HTTP or WebSocket; dropping the slot gives the place back.
//
// Threading: admit() runs on the accepting thread, slots are released on
// whichever worker the connection ends on: the counts are under a mutex.
// Slots share ownership of the counts, so a slot may outlive the object that
// handed it out (connections torn down after the server's context).

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace controlroom::server {

class connection_limits {
  struct counts;

 public:
  /// 0 means no limit, for either.
  connection_limits(std::size_t max_total, std::size_t max_per_address);

  /// A place among the open connections. Move-only; releases on destruction.
  class slot {
   public:
    slot() = default;
    slot(slot&& other) noexcept;
    slot& operator=(slot&& other) noexcept;
    slot(const slot&) = delete;
    slot& operator=(const slot&) = delete;
    ~slot();

    /// Gives the place back now (idempotent).
    void release();

   private:
    friend class connection_limits;
    std::shared_ptr<counts> counts_;
    std::string address_;
    bool per_address_ = false;  // counted against address_ too
  };

  enum class verdict {
    admitted,
    over_address,  // the address has its maximum: refuse with a reason (the slot
                   // holds a place in the total while the refusal is sent)
    over_total,    // the server has its maximum: drop at once (no slot)
  };

  struct admission {
    verdict result = verdict::admitted;
    slot place;
  };

  /// Decides for a new connection from `address` (an IP address in text form).
  admission admit(const std::string& address);

  std::size_t open_total() const;
  std::size_t open_from(const std::string& address) const;

 private:
  std::shared_ptr<counts> counts_;
};

}  // namespace controlroom::server
