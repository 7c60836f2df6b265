#include "udp_pump.hpp"

#include <arpa/inet.h>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <thread>
#include <time.h>

namespace controlroom::bench {
namespace {

constexpr std::uint64_t other_socket = std::uint64_t{1} << 63;
constexpr std::uint64_t shared_socket = std::uint64_t{1} << 62;
constexpr std::size_t receive_batch = 64;
constexpr std::size_t buffer_bytes = 2048;
static_assert(buffer_bytes >= media::max_sealed_size);

std::int64_t clock_ns(clockid_t id) {
  timespec ts{};
  ::clock_gettime(id, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}
std::int64_t monotonic_ns() {
  return clock_ns(CLOCK_MONOTONIC);
}

// Paces every publisher's stream: slot k of the step is due at
// t0 + k * period / count and belongs to publisher k % count, so the frames
// of independent clients arrive evenly spread over the frame period. Each
// datagram is written in the clear into one buffer and sealed into the one
// the kernel is handed, both allocated once.
void sleep_until(std::int64_t t) {
  const timespec ts{t / 1'000'000'000, t % 1'000'000'000};
  while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

void sleep_for(std::int64_t ns) {
  if (ns > 0) {
    sleep_until(monotonic_ns() + ns);
  }
}

class paced_sender {
 public:
  paced_sender(const pump_config& cfg, const std::vector<media_participant*>& publishers,
               const std::vector<media_participant*>& everyone)
      : cfg_(cfg),
        publishers_(publishers),
        everyone_(everyone),
        batch_(static_cast<std::size_t>(std::max(1, cfg.send_batch))),
        buffers_(batch_ * buffer_bytes),
        sealed_(batch_ * buffer_bytes),
        iovecs_(batch_),
        messages_(batch_),
        owners_(batch_) {
    const auto payload = make_payload(cfg.shape);
    for (std::size_t i = 0; i < batch_; ++i) {
      auto* bytes = &buffers_[i * buffer_bytes];
      std::copy(payload.begin(), payload.end(), bytes + media::header_size);
      iovecs_[i] = {&sealed_[i * buffer_bytes],
                    cfg.shape.datagram_bytes() + media::sealed_overhead};
      messages_[i].msg_hdr.msg_iov = &iovecs_[i];
      messages_[i].msg_hdr.msg_iovlen = 1;
    }
  }

  void begin(std::int64_t t0) {
    t0_ = t0;
    end_ = t0 + static_cast<std::int64_t>(cfg_.seconds * 1e9);
    next_keepalive_ = t0 + static_cast<std::int64_t>(cfg_.keepalive_seconds * 1e9);
  }
  std::int64_t end() const { return end_; }

  /// Sends what is due by `now` (at most a bounded burst, so that a
  /// one-thread pump still gets to receive); returns when the next is due.
  std::int64_t send_due(std::int64_t now, step_counts& out) {
    const auto count = static_cast<std::int64_t>(publishers_.size());
    const auto period = cfg_.shape.period_ns();
    if (count == 0) {
      return end_;
    }
    const auto due = std::min(now < t0_ ? 0 : (now - t0_) * count / period + 1, slot_ + 1024);
    while (slot_ < due) {
      const int fd = publishers_[static_cast<std::size_t>(slot_ % count)]->udp_fd;
      const auto stamp_us = static_cast<std::uint64_t>(monotonic_ns() / 1000);
      std::size_t k = 0;
      for (; k < batch_ && slot_ < due; ++k, ++slot_) {
        auto* p = publishers_[static_cast<std::size_t>(slot_ % count)];
        if (p->udp_fd != fd) {
          break;
        }
        const auto lag = now - (t0_ + slot_ * period / count);
        out.max_lag_ns = std::max(out.max_lag_ns, lag);
        out.late_slots += lag > 1'000'000 ? 1 : 0;
        auto* clear = &buffers_[k * buffer_bytes];
        write_stream_header(cfg_.shape, p->sender_id, p->sequence++, stamp_us,
                            std::span<std::uint8_t, media::header_size>(clear, media::header_size));
        seal_to_server(*p, {clear, cfg_.shape.datagram_bytes()},
                       {&sealed_[k * buffer_bytes], buffer_bytes});
        auto& h = messages_[k].msg_hdr;
        h.msg_name = &p->media_address;
        h.msg_namelen = p->media_address_len;
        owners_[k] = p;
      }
      transmit(fd, k);
    }
    if (now >= next_keepalive_) {
      send_keepalives();
      next_keepalive_ = now + static_cast<std::int64_t>(cfg_.keepalive_seconds * 1e9);
    }
    return t0_ + (slot_ * period + count - 1) / count;
  }

 private:
  void transmit(int fd, std::size_t k) {
    std::size_t done = 0;
    while (done < k) {
      const int r = ::sendmmsg(fd, &messages_[done], static_cast<unsigned>(k - done), 0);
      if (r < 0) {
        if (errno == EINTR) {
          continue;
        }
        // A datagram the kernel refused was not offered to the relay.
        ++owners_[done]->step_send_errors;
        ++done;
        continue;
      }
      for (std::size_t i = done; i < done + static_cast<std::size_t>(r); ++i) {
        ++owners_[i]->step_sent;
      }
      done += static_cast<std::size_t>(r);
    }
  }

  void send_keepalives() {
    for (auto* p : everyone_) {
      send_probe(*p, static_cast<std::uint64_t>(monotonic_ns() / 1000));
    }
  }

  const pump_config& cfg_;
  const std::vector<media_participant*>& publishers_;
  const std::vector<media_participant*>& everyone_;
  std::size_t batch_;
  std::vector<std::uint8_t> buffers_;  // in the clear
  std::vector<std::uint8_t> sealed_;   // what is sent
  std::vector<iovec> iovecs_;
  std::vector<mmsghdr> messages_;
  std::vector<media_participant*> owners_;
  std::int64_t t0_ = 0, end_ = 0, slot_ = 0, next_keepalive_ = 0;
};

// Drains every receiver's socket as it becomes readable.
class draining_receiver {
 public:
  draining_receiver(const pump_config& cfg, const std::vector<media_participant*>& receivers,
                    const std::vector<int>& other_fds)
      : cfg_(cfg),
        receivers_(receivers),
        epoll_(::epoll_create1(EPOLL_CLOEXEC)),
        buffers_(receive_batch * buffer_bytes),
        iovecs_(receive_batch),
        messages_(receive_batch),
        controls_(receive_batch) {
    for (std::size_t i = 0; i < receive_batch; ++i) {
      iovecs_[i] = {&buffers_[i * buffer_bytes], buffer_bytes};
    }
    for (std::size_t i = 0; i < receivers.size(); ++i) {
      auto* p = receivers[i];
      if (p->loopback_address == 0) {
        add(p->udp_fd, i);
        continue;
      }
      if (shared_fd_ < 0) {
        shared_fd_ = p->udp_fd;
        add(shared_fd_, shared_socket);
      }
      if (by_slot_.size() <= p->receive_slot) {
        by_slot_.resize(p->receive_slot + 1);
      }
      by_slot_[p->receive_slot] = p;
    }
    for (std::size_t i = 0; i < other_fds.size(); ++i) {
      add(other_fds[i], other_socket | i);
    }
    others_ = other_fds;
  }
  ~draining_receiver() { ::close(epoll_); }
  draining_receiver(const draining_receiver&) = delete;
  draining_receiver& operator=(const draining_receiver&) = delete;

  /// Reads everything queued, counting nothing but the sockets' drop
  /// counters: leftovers of an earlier step.
  void discard_all() {
    for (std::size_t i = 0; i < receivers_.size(); ++i) {
      if (receivers_[i]->loopback_address == 0) {
        drain(receivers_[i]->udp_fd, receivers_[i], false);
      }
    }
    if (shared_fd_ >= 0) {
      drain(shared_fd_, nullptr, false, true);
      shared_drops_first_ = shared_drops_last_;
    }
    for (const int fd : others_) {
      drain(fd, nullptr, false);
    }
  }

  void set_warmup_end(std::uint64_t us) { warmup_end_us_ = us; }

  /// Waits up to `timeout_ns` for readable sockets and drains them; returns
  /// how many were readable.
  int poll(std::int64_t timeout_ns) {
    std::array<epoll_event, 256> events{};
    timespec timeout{timeout_ns / 1'000'000'000, timeout_ns % 1'000'000'000};
    int n = ::epoll_pwait2(epoll_, events.data(), events.size(), &timeout, nullptr);
    if (n < 0 && errno == ENOSYS) {
      n = ::epoll_wait(epoll_, events.data(), events.size(),
                       static_cast<int>((timeout_ns + 999'999) / 1'000'000));
    }
    for (int i = 0; i < n; ++i) {
      const auto key = events[static_cast<std::size_t>(i)].data.u64;
      if (key == shared_socket) {
        drain(shared_fd_, nullptr, true, true);
      } else if (key & other_socket) {
        drain(others_[key & ~other_socket], nullptr, false);
      } else {
        auto* p = receivers_[key];
        drain(p->udp_fd, p, true);
      }
    }
    return n;
  }

  /// poll(timeout_ns), or with `polling` a look without waiting and, if
  /// nothing was there, a sleep of up to `timeout_ns` (at most `nap_ns`).
  void wait(std::int64_t timeout_ns, bool polling, std::int64_t nap_ns) {
    if (!polling) {
      poll(timeout_ns);
    } else if (poll(0) <= 0) {
      sleep_for(std::min(timeout_ns, nap_ns));
    }
  }

  latency_histogram latency;
  /// Drops at the shared receive socket during the step (SO_RXQ_OVFL).
  std::uint64_t shared_socket_drops() const { return shared_drops_last_ - shared_drops_first_; }

 private:
  void add(int fd, std::uint64_t key) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = key;
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
  }

  void drain(int fd, media_participant* p, bool counting, bool shared = false) {
    for (;;) {
      for (std::size_t i = 0; i < receive_batch; ++i) {
        auto& h = messages_[i].msg_hdr;
        h = msghdr{};
        h.msg_iov = &iovecs_[i];
        h.msg_iovlen = 1;
        h.msg_control = controls_[i].data();
        h.msg_controllen = controls_[i].size();
      }
      const int n = ::recvmmsg(fd, messages_.data(), receive_batch, MSG_DONTWAIT, nullptr);
      if (n <= 0) {
        return;
      }
      // One clock reading per batch converts the kernel's CLOCK_REALTIME
      // arrival stamps to the monotonic clock the sender stamped with.
      const auto mono = monotonic_ns();
      const auto realtime_offset = clock_ns(CLOCK_REALTIME) - mono;
      for (int i = 0; i < n; ++i) {
        if (p != nullptr || shared) {
          account(p, static_cast<std::size_t>(i), mono, realtime_offset, counting);
        }
      }
      if (static_cast<std::size_t>(n) < receive_batch) {
        return;
      }
    }
  }

  // `p` is null on the shared receive socket: the datagram's destination
  // address names the receiver.
  void account(media_participant* p, std::size_t i, std::int64_t mono, std::int64_t realtime_offset,
               bool counting) {
    auto& h = messages_[i].msg_hdr;
    std::int64_t arrival = mono;
    const bool shared = p == nullptr;
    for (auto* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(&h, c)) {
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
        in_pktinfo info{};
        std::memcpy(&info, CMSG_DATA(c), sizeof info);
        const auto slot = ntohl(info.ipi_addr.s_addr) - receiver_base_address;
        if (slot < by_slot_.size()) {
          p = by_slot_[slot];
        }
        continue;
      }
      if (c->cmsg_level != SOL_SOCKET) {
        continue;
      }
      if (c->cmsg_type == SCM_TIMESTAMPNS && cfg_.kernel_timestamps) {
        timespec ts{};
        std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
        arrival =
            static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec - realtime_offset;
      } else if (c->cmsg_type == SO_RXQ_OVFL) {
        std::uint32_t drops = 0;
        std::memcpy(&drops, CMSG_DATA(c), sizeof drops);
        if (shared) {
          shared_drops_last_ = drops;
        } else {
          p->rx.note_socket_drops(drops);
        }
      }
    }
    if (!counting || p == nullptr) {
      return;
    }
    // Opened as a client does: prefix, replay window, tag.
    const auto inner =
        open_from_server(*p, {&buffers_[i * buffer_bytes], messages_[i].msg_len}, opened_);
    if (!inner) {
      ++p->rx.unauthenticated;
      return;
    }
    if ((*inner)[0] == media::probe_reply_type) {
      return;  // a keep-alive's answer
    }
    const auto header = media::parse_header(*inner);
    if (!header || p->source == nullptr || header->sender_id != p->source->sender_id) {
      ++p->rx.other;
      return;
    }
    p->rx.count(header->sequence);
    if (header->capture_time_us >= warmup_end_us_) {
      latency.record(arrival - static_cast<std::int64_t>(header->capture_time_us) * 1000);
    }
  }

  const pump_config& cfg_;
  const std::vector<media_participant*>& receivers_;
  std::vector<int> others_;
  int shared_fd_ = -1;
  std::vector<media_participant*> by_slot_;
  std::uint32_t shared_drops_first_ = 0, shared_drops_last_ = 0;
  int epoll_;
  std::uint64_t warmup_end_us_ = ~std::uint64_t{0};
  std::vector<std::uint8_t> buffers_;
  std::vector<iovec> iovecs_;
  std::vector<mmsghdr> messages_;
  std::vector<std::array<std::uint8_t, 128>> controls_;
  std::array<std::uint8_t, media::max_datagram_size> opened_{};
};

}  // namespace

step_counts run_udp_step(const pump_config& cfg, const std::vector<media_participant*>& publishers,
                         const std::vector<media_participant*>& receivers,
                         const std::function<void()>& on_start,
                         const std::function<void()>& on_stop) {
  std::vector<media_participant*> everyone = publishers;
  everyone.insert(everyone.end(), receivers.begin(), receivers.end());
  std::vector<int> other_fds;
  for (auto* p : publishers) {
    other_fds.push_back(p->udp_fd);
    p->step_sent = 0;
    p->step_send_errors = 0;
  }
  std::sort(other_fds.begin(), other_fds.end());
  other_fds.erase(std::unique(other_fds.begin(), other_fds.end()), other_fds.end());

  paced_sender sender(cfg, publishers, everyone);
  draining_receiver receiver(cfg, receivers, other_fds);
  receiver.discard_all();
  for (auto* p : receivers) {
    p->rx.start_step();
  }
  // Sleeps of a few hundred µs must not be stretched by the default 50 µs
  // timer slack per wake-up.
  ::prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);

  step_counts out;
  const std::int64_t nap_ns = cfg.tick_us * 1000LL / 2;
  const auto t0 = monotonic_ns() + 5'000'000;
  sender.begin(t0);
  receiver.set_warmup_end(static_cast<std::uint64_t>(t0 / 1000) +
                          static_cast<std::uint64_t>(cfg.warmup * 1e6));
  const auto grace_ns = static_cast<std::int64_t>(cfg.grace * 1e9);
  std::int64_t stopped_at = 0;

  if (cfg.threads >= 2) {
    std::atomic<std::int64_t> receive_until{std::numeric_limits<std::int64_t>::max()};
    std::thread receiving([&] {
      ::prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
      while (monotonic_ns() < receive_until.load(std::memory_order_relaxed)) {
        receiver.wait(5'000'000, cfg.receive_poll, nap_ns);
      }
    });
    sleep_until(t0);
    if (on_start) {
      on_start();
    }
    std::int64_t last_wake = 0;
    for (;;) {
      const auto now = monotonic_ns();
      if (now >= sender.end()) {
        break;
      }
      const auto next = sender.send_due(now, out);
      last_wake = now;
      sleep_until(std::min(
          sender.end(), std::max(next, last_wake + static_cast<std::int64_t>(cfg.tick_us) * 1000)));
    }
    stopped_at = monotonic_ns();
    if (on_stop) {
      on_stop();
    }
    receive_until.store(stopped_at + grace_ns);
    receiving.join();
  } else {
    bool started = false;
    std::int64_t next = t0;
    for (;;) {
      const auto now = monotonic_ns();
      if (stopped_at == 0 && now >= sender.end()) {
        stopped_at = now;
        if (on_stop) {
          on_stop();
        }
      }
      if (stopped_at != 0) {
        if (now >= stopped_at + grace_ns) {
          break;
        }
        receiver.wait(std::min<std::int64_t>(5'000'000, stopped_at + grace_ns - now),
                      cfg.receive_poll, nap_ns);
        continue;
      }
      if (now >= t0) {
        if (!started) {
          started = true;
          if (on_start) {
            on_start();
          }
        }
        next = std::max(sender.send_due(now, out),
                        now + static_cast<std::int64_t>(cfg.tick_us) * 1000);
      }
      receiver.wait(std::max<std::int64_t>(0, std::min(next, sender.end()) - monotonic_ns()),
                    cfg.receive_poll, nap_ns);
    }
  }
  out.send_seconds = static_cast<double>(stopped_at - t0) / 1e9;
  for (auto* p : publishers) {
    out.sent += p->step_sent;
    out.send_errors += p->step_send_errors;
  }
  for (auto* p : receivers) {
    out.expected += p->source->step_sent;
    out.received += p->rx.received;
    out.gap_events += p->rx.gap_events;
    out.gap_packets += p->rx.gap_packets;
    out.late += p->rx.late;
    out.other += p->rx.other;
    out.unauthenticated += p->rx.unauthenticated;
    out.socket_drops += p->rx.socket_drops();
  }
  out.socket_drops += receiver.shared_socket_drops();
  out.latency = receiver.latency;
  return out;
}

}  // namespace controlroom::bench
