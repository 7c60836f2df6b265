#include "net/udp_relay.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>

#include "util/log.hpp"

namespace controlroom::server {

namespace asio = boost::asio;
using asio::ip::udp;

namespace {

std::uint64_t now_us() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

// sendmmsg takes at most this many messages per call (UIO_MAXIOV).
constexpr std::size_t max_send_batch = 1024;

}  // namespace

udp_relay::udp_relay(asio::io_context& ioc, media_switch& sw) : socket_(ioc), switch_(sw) {
  for (std::size_t i = 0; i < batch; ++i) {
    iov_[i] = {slots_[i].data(), slots_[i].size()};
  }
}

std::uint16_t udp_relay::open(const std::string& address, std::uint16_t port,
                              std::size_t buffer_bytes) {
  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(address, ec);
  if (ec) {
    throw std::runtime_error("media: '" + address + "' is not an IP address");
  }
  const udp::endpoint at(ip, port);
  socket_.open(at.protocol(), ec);
  if (!ec) {
    // Bursts from many senders land between two wakeups; the default
    // ~200 KiB would drop them at a few hundred thousand packets/s.
    ensure_buffer(SO_RCVBUF, SO_RCVBUFFORCE, buffer_bytes, "receive");
    ensure_buffer(SO_SNDBUF, SO_SNDBUFFORCE, buffer_bytes, "send");
    socket_.bind(at, ec);
  }
  if (ec) {
    throw std::runtime_error("media: cannot bind UDP " + address + ":" + std::to_string(port) +
                             ": " + ec.message());
  }
  socket_.non_blocking(true);
  return socket_.local_endpoint().port();
}

void udp_relay::ensure_buffer(int option, int force_option, std::size_t bytes, const char* what) {
  const int fd = socket_.native_handle();
  const int wanted = static_cast<int>(bytes);
  ::setsockopt(fd, SOL_SOCKET, option, &wanted, sizeof(wanted));
  auto granted = [&] {
    int value = 0;
    socklen_t len = sizeof(value);
    ::getsockopt(fd, SOL_SOCKET, option, &value, &len);
    return value / 2;  // Linux reports twice the size asked for (bookkeeping)
  };
  if (granted() >= wanted) {
    return;
  }
  // The kernel caps SO_RCVBUF at net.core.rmem_max (SO_SNDBUF at wmem_max);
  // with CAP_NET_ADMIN the cap can be passed. Otherwise say so: a small
  // buffer drops bursts whenever the worker is briefly off the CPU.
  ::setsockopt(fd, SOL_SOCKET, force_option, &wanted, sizeof(wanted));
  if (const auto got = granted(); got < wanted) {
    log::warn(log_subsystem::media, {}, "UDP ", what, " buffer is ", got, " bytes, not the ",
              wanted, " configured (udp_buffer_bytes): raise net.core.",
              option == SO_RCVBUF ? "rmem" : "wmem", "_max (sysctl) to at least ", wanted);
  }
}

void udp_relay::start() {
  asio::post(socket_.get_executor(), [this] { wait(); });
}

void udp_relay::wait() {
  socket_.async_wait(udp::socket::wait_read, [this](boost::system::error_code ec) {
    if (ec) {
      return;  // closed: the server is stopping
    }
    on_readable();
    wait();
  });
}

void udp_relay::on_readable() {
  const int fd = socket_.native_handle();
  for (int round = 0; round < batches_per_wakeup; ++round) {
    for (std::size_t i = 0; i < batch; ++i) {
      auto& h = msgs_[i].msg_hdr;
      h = {};
      h.msg_name = &from_[i];
      h.msg_namelen = sizeof(from_[i]);
      h.msg_iov = &iov_[i];
      h.msg_iovlen = 1;
      msgs_[i].msg_len = 0;
    }
    // The socket is non-blocking, so this returns what is queued now
    // (MSG_WAITFORONE: at least one, then no waiting for the rest).
    const int n = ::recvmmsg(fd, msgs_.data(), batch, MSG_WAITFORONE, nullptr);
    if (n <= 0) {
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        log::warn(log_subsystem::media, {}, "recvmmsg: ", std::strerror(errno));
      }
      break;
    }
    const auto now = now_us();
    for (int i = 0; i < n; ++i) {
      const auto& h = msgs_[i].msg_hdr;
      const auto length = static_cast<std::size_t>(msgs_[i].msg_len);
      const auto from =
          udp_endpoint::from(reinterpret_cast<const sockaddr*>(&from_[i]), h.msg_namelen);
      if ((h.msg_flags & MSG_TRUNC) != 0) {
        switch_.tally().bytes_received += length;
        switch_.tally().drop(media_drop::oversize);
        continue;
      }
      switch_.on_udp({slots_[i].data(), length}, from, now);
    }
    switch_.publish_counts();
    flush();
    switch_.end_batch();
    if (static_cast<std::size_t>(n) < batch) {
      break;
    }
  }
}

void udp_relay::send_udp(const udp_endpoint& to, std::span<const std::uint8_t> bytes) {
  pending_.push_back({to, bytes});
}

void udp_relay::flush() {
  if (pending_.empty()) {
    return;
  }
  out_iov_.resize(pending_.size());
  out_msgs_.resize(pending_.size());
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    auto& p = pending_[i];
    out_iov_[i] = {const_cast<std::uint8_t*>(p.bytes.data()), p.bytes.size()};
    auto& h = out_msgs_[i].msg_hdr;
    h = {};
    h.msg_name = &p.to.storage;
    h.msg_namelen = p.to.length;
    h.msg_iov = &out_iov_[i];
    h.msg_iovlen = 1;
  }
  const int fd = socket_.native_handle();
  std::size_t sent = 0;
  while (sent < out_msgs_.size()) {
    const auto count = std::min(out_msgs_.size() - sent, max_send_batch);
    const int n = ::sendmmsg(fd, out_msgs_.data() + sent, static_cast<unsigned>(count), 0);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (errno == EINTR) {
      continue;
    }
    // The kernel would not take this one (buffer full, unreachable
    // destination): audio is dropped, never waited for.
    switch_.tally().drop(media_drop::send_failed);
    ++sent;
  }
  pending_.clear();
}

}  // namespace controlroom::server
