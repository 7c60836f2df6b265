// The WebSocket fallback's measurement: the same paced streams as the UDP
// pump, carried as MediaFrame envelopes on the control connections
// (docs/protocol.md §7.1). Everything runs on the control io_context's one
// thread, so the figures include the generator's own WebSocket costs.

#include <chrono>

#include "session_pool.hpp"

namespace controlroom::bench {

namespace asio = boost::asio;
namespace v1 = controlroom::v1;
using asio::use_awaitable;

namespace {

// Frames a publisher may have waiting behind its one write in flight; more
// means the generator itself cannot keep up, and those frames are counted
// as send errors rather than offered.
constexpr std::size_t ws_queue_limit = 64;

std::int64_t monotonic_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

asio::awaitable<void> session_pool::write_loop(media_participant& p) {
  p.ws_writing = true;
  while (!p.ws_queue.empty() && p.connected) {
    if (const auto ec = co_await p.control->send_bytes(p.ws_queue.front())) {
      p.connected = false;
      break;
    }
    p.ws_queue.pop_front();
  }
  p.ws_queue.clear();
  p.ws_writing = false;
}

asio::awaitable<step_counts> session_pool::run_websocket_step(std::size_t n, double seconds,
                                                              double warmup, double grace,
                                                              int tick_us,
                                                              std::function<void()> on_start,
                                                              std::function<void()> on_stop) {
  std::vector<media_participant*> publishers;
  std::vector<media_participant*> receivers;
  for (std::size_t i = 0; i < n && i < sessions_.size(); ++i) {
    for (auto& p : sessions_[i]->people) {
      (p->publisher ? publishers : receivers).push_back(p.get());
      p->step_sent = 0;
      p->step_send_errors = 0;
      p->rx.start_step();
    }
  }
  const auto& shape = config_.shape;
  const auto payload = make_payload(shape);
  const auto period = shape.period_ns();
  const auto count = static_cast<std::int64_t>(publishers.size());
  asio::steady_timer tick(ioc_);
  step_counts out;

  const std::int64_t t0 = monotonic_ns() + 2'000'000;
  const auto end = t0 + static_cast<std::int64_t>(seconds * 1e9);
  ws_latency_.clear();
  ws_warmup_end_us_ =
      static_cast<std::uint64_t>(t0 / 1000) + static_cast<std::uint64_t>(warmup * 1e6);
  ws_recording_ = true;
  if (on_start) {
    on_start();
  }
  std::int64_t slot = 0;
  std::string datagram(shape.datagram_bytes(), '\0');
  std::copy(payload.begin(), payload.end(), datagram.begin() + media::header_size);
  for (;;) {
    const auto now = monotonic_ns();
    if (now >= end || count == 0) {
      break;
    }
    // Slot k is due at t0 + k * period / count: the publishers' frames are
    // spread evenly over the frame period, as independent clients' would be.
    const auto due = now < t0 ? 0 : (now - t0) * count / period + 1;
    for (; slot < due; ++slot) {
      auto& p = *publishers[static_cast<std::size_t>(slot % count)];
      const auto lag = now - (t0 + slot * period / count);
      out.max_lag_ns = std::max(out.max_lag_ns, lag);
      out.late_slots += lag > 1'000'000 ? 1 : 0;
      if (!p.connected || p.ws_queue.size() >= ws_queue_limit) {
        ++p.step_send_errors;
        continue;
      }
      write_stream_header(
          shape, p.sender_id, p.sequence++, static_cast<std::uint64_t>(monotonic_ns() / 1000),
          std::span<std::uint8_t, media::header_size>(
              reinterpret_cast<std::uint8_t*>(datagram.data()), media::header_size));
      v1::ClientEnvelope env;
      env.mutable_media_frame()->set_datagram(datagram);
      p.ws_queue.push_back(env.SerializeAsString());
      ++p.step_sent;
      if (!p.ws_writing) {
        asio::co_spawn(ioc_, write_loop(p), asio::detached);
      }
    }
    const auto next = t0 + (slot * period + count - 1) / count;
    tick.expires_after(
        std::chrono::nanoseconds(std::max<std::int64_t>(next - monotonic_ns(), tick_us * 1000LL)));
    co_await tick.async_wait(use_awaitable);
  }
  out.send_seconds = static_cast<double>(monotonic_ns() - t0) / 1e9;
  if (on_stop) {
    on_stop();
  }
  tick.expires_after(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(grace)));
  co_await tick.async_wait(use_awaitable);
  ws_recording_ = false;

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
  }
  out.latency = ws_latency_;
  co_return out;
}

}  // namespace controlroom::bench
