// The measured step of the Mumble fleet: paced speakers, counting listeners
// (fleet.hpp says what is measured and how).

#include <algorithm>
#include <array>
#include <cstring>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <thread>
#include <time.h>
#include <unistd.h>

#include "fleet.hpp"

namespace controlroom::bench::mumble {
namespace {

constexpr std::size_t receive_batch = 64;
constexpr std::size_t datagram_bytes = 2048;

void sleep_ns(std::int64_t ns) {
  if (ns <= 0) {
    return;
  }
  timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
  ::nanosleep(&ts, nullptr);
}

// Slot k of the step is due at t0 + k × period / speakers and belongs to
// speaker k mod speakers: independent clients' frames, evenly spread.
class pacer {
 public:
  pacer(std::int64_t t0, double seconds, std::int64_t period_ns, std::size_t speakers)
      : t0_(t0),
        end_(t0 + static_cast<std::int64_t>(seconds * 1e9)),
        period_(period_ns),
        count_(static_cast<std::int64_t>(speakers)) {}

  std::int64_t end() const noexcept { return end_; }
  bool done(std::int64_t now) const noexcept { return now >= end_; }

  /// Calls send(speaker index) for every slot due by `now` (bounded burst);
  /// returns when the next one is due.
  template <class F>
  std::int64_t send_due(std::int64_t now, step_counts& out, F&& send) {
    if (count_ == 0) {
      return end_;
    }
    const auto horizon = std::min(now, end_);
    const auto due =
        std::min(horizon < t0_ ? 0 : (horizon - t0_) * count_ / period_ + 1, slot_ + 1024);
    for (; slot_ < due; ++slot_) {
      const auto at = t0_ + slot_ * period_ / count_;
      if (at >= end_) {
        break;
      }
      const auto lag = now - at;
      out.max_lag_ns = std::max(out.max_lag_ns, lag);
      out.late_slots += lag > 1'000'000 ? 1 : 0;
      send(static_cast<std::size_t>(slot_ % count_));
    }
    return t0_ + slot_ * period_ / count_;
  }

 private:
  std::int64_t t0_, end_, period_, count_;
  std::int64_t slot_ = 0;
};

}  // namespace

step_counts fleet::run_step(const step_config& cfg, const std::function<void()>& on_start,
                            const std::function<void()>& on_stop) {
  for (auto* s : speakers_) {
    s->step_sent = s->step_send_errors = 0;
  }
  for (auto* l : listeners_) {
    l->rx.start_step();
  }
  tunnel_latency_.clear();
  step_counts out;
  const auto t0 = realtime_ns() + 10'000'000;
  warmup_end_ns_ = t0 + static_cast<std::int64_t>(cfg.warmup * 1e9);
  pacer pace(t0, cfg.seconds, static_cast<std::int64_t>(config_.frame_us) * 1000, speakers_.size());
  std::vector<std::uint8_t> opus(config_.opus_bytes), plain, wire;
  auto voice_for = [&](user& s) {
    write_payload(opus, realtime_ns(), s.room, s.sequence);
    write_client_voice(plain, s.sequence, opus);
    ++s.sequence;
    ++s.step_sent;
  };
  bool started = false;
  auto start_once = [&] {
    if (!started) {
      started = true;
      on_start();
    }
  };

  if (config_.udp) {
    stop_drain_ = false;
    std::thread drain([this] {
      while (!stop_drain_) {
        drain_control(std::chrono::milliseconds(5), false);
      }
    });
    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    for (auto* l : listeners_) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.ptr = l;
      ::epoll_ctl(ep, EPOLL_CTL_ADD, l->udp_fd, &ev);
    }
    std::vector<std::uint8_t> buffers(receive_batch * datagram_bytes), back;
    std::vector<iovec> iov(receive_batch);
    std::vector<mmsghdr> msgs(receive_batch);
    std::vector<std::array<char, 64>> controls(receive_batch);
    auto receive_from = [&](user& l) {
      for (;;) {
        for (std::size_t i = 0; i < receive_batch; ++i) {
          iov[i] = {&buffers[i * datagram_bytes], datagram_bytes};
          msgs[i].msg_hdr = {};
          msgs[i].msg_hdr.msg_iov = &iov[i];
          msgs[i].msg_hdr.msg_iovlen = 1;
          msgs[i].msg_hdr.msg_control = controls[i].data();
          msgs[i].msg_hdr.msg_controllen = controls[i].size();
        }
        const int n = ::recvmmsg(l.udp_fd, msgs.data(), receive_batch, MSG_DONTWAIT, nullptr);
        if (n <= 0) {
          return;
        }
        for (int i = 0; i < n; ++i) {
          std::int64_t arrival = realtime_ns();
          for (auto* c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c != nullptr;
               c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS) {
              timespec ts{};
              std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
              arrival = static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
            } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
              std::uint32_t drops = 0;
              std::memcpy(&drops, CMSG_DATA(c), sizeof drops);
              l.rx.note_socket_drops(drops);
            }
          }
          const std::span<const std::uint8_t> dgram(
              &buffers[static_cast<std::size_t>(i) * datagram_bytes], msgs[i].msg_len);
          std::uint8_t head[32];
          std::span<const std::uint8_t> plain_view;
          const bool verify =
              config_.verify_every <= 1 ||
              l.received_total % static_cast<std::uint64_t>(config_.verify_every) == 0;
          if (verify ? l.crypt->decrypt(dgram, back) : l.crypt->decrypt_head(dgram, head)) {
            plain_view = verify ? std::span<const std::uint8_t>(back)
                                : std::span<const std::uint8_t>(head, sizeof head);
          } else {
            ++l.rx.other;
            continue;
          }
          const auto v = parse_relayed_voice(plain_view);
          payload_fields f;
          if (!v || !read_payload(v->opus, f) || f.room != l.room) {
            ++l.rx.other;
            continue;
          }
          l.rx.count(f.sequence);
          ++l.received_total;
          if (f.send_ns >= warmup_end_ns_) {
            out.latency.record(arrival - f.send_ns);
          }
        }
        if (static_cast<std::size_t>(n) < receive_batch) {
          return;
        }
      }
    };
    epoll_event events[256];
    auto receive_ready = [&](std::int64_t wait_ns) {
      const timespec timeout{static_cast<time_t>(wait_ns / 1'000'000'000),
                             static_cast<long>(wait_ns % 1'000'000'000)};
      const int n = ::epoll_pwait2(ep, events, 256, &timeout, nullptr);
      for (int i = 0; i < n; ++i) {
        receive_from(*static_cast<user*>(events[i].data.ptr));
      }
      return n;
    };
    std::int64_t stopped_at = 0;
    for (;;) {
      const auto now = realtime_ns();
      std::int64_t next = now + cfg.tick_us * 1000;
      if (!pace.done(now)) {
        if (now >= t0) {
          start_once();
        }
        next = std::min(next, pace.send_due(now, out, [&](std::size_t k) {
          auto& s = *speakers_[k];
          voice_for(s);
          s.crypt->encrypt(plain, wire);
          if (::send(s.udp_fd, wire.data(), wire.size(), 0) < 0) {
            ++s.step_send_errors;
          }
        }));
      } else if (stopped_at == 0) {
        stopped_at = now;
        on_stop();
      } else if (now - stopped_at > static_cast<std::int64_t>(cfg.grace * 1e9)) {
        break;
      }
      const auto wait = std::clamp<std::int64_t>(next - realtime_ns(), 0, cfg.tick_us * 1000);
      if (cfg.receive_block) {
        receive_ready(wait);
      } else if (receive_ready(0) == 0) {
        sleep_ns(wait);
      }
    }
    ::close(ep);
    stop_drain_ = true;
    drain.join();
  } else {
    recording_ = true;
    std::int64_t stopped_at = 0;
    for (;;) {
      const auto now = realtime_ns();
      std::int64_t next = now + cfg.tick_us * 1000;
      if (!pace.done(now)) {
        if (now >= t0) {
          start_once();
        }
        next = std::min(next, pace.send_due(now, out, [&](std::size_t k) {
          auto& s = *speakers_[k];
          voice_for(s);
          const std::string_view body(reinterpret_cast<const char*>(plain.data()), plain.size());
          if (!s.control.send(message_type::udp_tunnel, body)) {
            ++s.step_send_errors;
          }
        }));
      } else if (stopped_at == 0) {
        stopped_at = now;
        on_stop();
      } else if (now - stopped_at > static_cast<std::int64_t>(cfg.grace * 1e9)) {
        break;
      }
      for (auto* s : speakers_) {
        if (s->control.wants_write()) {
          s->control.flush();
        }
      }
      const auto wait = std::chrono::nanoseconds(
          std::min<std::int64_t>(next - realtime_ns(), cfg.tick_us * 1000 / 2));
      if (cfg.receive_block) {
        drain_control(wait, true);
      } else {
        drain_control(std::chrono::nanoseconds(0), true);
        sleep_ns(wait.count());
      }
    }
    recording_ = false;
    out.latency.merge(tunnel_latency_);
  }
  out.send_seconds = cfg.seconds;
  for (auto* s : speakers_) {
    out.sent += s->step_sent;
    out.send_errors += s->step_send_errors;
  }
  for (auto* l : listeners_) {
    out.expected += speakers_[l->room]->step_sent;
    out.received += l->rx.received;
    out.gap_events += l->rx.gap_events;
    out.gap_packets += l->rx.gap_packets;
    out.late += l->rx.late;
    out.other += l->rx.other;
    out.socket_drops += l->rx.socket_drops();
  }
  return out;
}

}  // namespace controlroom::bench::mumble
