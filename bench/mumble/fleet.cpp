#include "fleet.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <stdexcept>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ssl.h>

namespace controlroom::bench::mumble {
namespace {

using clock = std::chrono::steady_clock;

block to_block(const std::string& s, const char* what) {
  if (s.size() != 16) {
    throw std::runtime_error(std::string("CryptSetup: the ") + what + " is not 16 bytes");
  }
  block b;
  std::memcpy(b.data(), s.data(), 16);
  return b;
}

}  // namespace

std::int64_t realtime_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void write_payload(std::vector<std::uint8_t>& opus, std::int64_t send_ns, std::uint32_t room,
                   std::uint32_t sequence) {
  if (opus.size() < 16) {
    opus.resize(16);
  }
  for (std::size_t i = 16; i < opus.size(); ++i) {
    opus[i] = static_cast<std::uint8_t>(0x41 + i % 61);
  }
  const auto ns = static_cast<std::uint64_t>(send_ns);
  for (int i = 0; i < 8; ++i) {
    opus[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(ns >> (8 * i));
  }
  for (int i = 0; i < 4; ++i) {
    opus[static_cast<std::size_t>(8 + i)] = static_cast<std::uint8_t>(room >> (8 * i));
    opus[static_cast<std::size_t>(12 + i)] = static_cast<std::uint8_t>(sequence >> (8 * i));
  }
}

bool read_payload(std::span<const std::uint8_t> opus, payload_fields& out) {
  if (opus.size() < 16) {
    return false;
  }
  std::uint64_t ns = 0;
  for (int i = 7; i >= 0; --i) {
    ns = (ns << 8) | opus[static_cast<std::size_t>(i)];
  }
  out.send_ns = static_cast<std::int64_t>(ns);
  out.room = out.sequence = 0;
  for (int i = 3; i >= 0; --i) {
    out.room = (out.room << 8) | opus[static_cast<std::size_t>(8 + i)];
    out.sequence = (out.sequence << 8) | opus[static_cast<std::size_t>(12 + i)];
  }
  return true;
}

fleet::fleet(fleet_config config)
    : config_(std::move(config)),
      tls_(make_client_tls_context()),
      epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)) {
  superuser_ = std::make_unique<user>();
  connect_user(*superuser_, "SuperUser");
  last_ping_ = clock::now();
}

fleet::~fleet() {
  for (auto& u : users_) {
    if (u->udp_fd >= 0) {
      ::close(u->udp_fd);
    }
  }
  users_.clear();
  superuser_.reset();
  ::close(epoll_fd_);
  SSL_CTX_free(tls_);
}

void fleet::connect_user(user& u, const std::string& name) {
  const auto deadline = clock::now() + std::chrono::milliseconds(
                                           static_cast<int>(config_.setup_timeout_seconds * 1000));
  u.control.open(tls_, config_.host, config_.port, deadline);
  u.control.send(message_type::version, version_body());
  u.control.send(message_type::authenticate,
                 authenticate_body(name, &u == superuser_.get() ? config_.superuser_password : ""));
  const bool ok =
      u.control.pump_until([&](message_type t, std::string_view b) { handle(u, t, b, false); },
                           [&] { return u.synced || !u.error.empty(); }, deadline);
  if (!ok || !u.synced) {
    throw std::runtime_error("Mumble refused or dropped " + name + ": " +
                             (u.error.empty() ? "no ServerSync" : u.error));
  }
  if (!u.crypt && config_.udp) {
    throw std::runtime_error("Mumble sent no CryptSetup to " + name);
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = &u;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, u.control.fd(), &ev);
}

void fleet::handle(user& u, message_type type, std::string_view body, bool measuring) {
  switch (type) {
    case message_type::crypt_setup: {
      const auto c = parse_crypt_setup(body);
      if (!c.key.empty()) {
        // The client encrypts with client_nonce and decrypts with server_nonce.
        u.crypt = std::make_unique<crypt_state>(to_block(c.key, "key"),
                                                to_block(c.client_nonce, "client nonce"),
                                                to_block(c.server_nonce, "server nonce"));
      }
      break;
    }
    case message_type::server_sync:
      if (const auto s = parse_server_sync_session(body)) {
        u.session = *s;
        u.synced = true;
      }
      break;
    case message_type::user_state: {
      const auto s = parse_user_state(body);
      if (s.session && s.channel_id && *s.session == u.session && u.session != 0) {
        u.in_channel = *s.channel_id == u.channel;
      }
      break;
    }
    case message_type::channel_state:
      if (&u == superuser_.get()) {
        const auto c = parse_channel_state(body);
        if (c.channel_id && !c.name.empty()) {
          channels_.emplace_back(c.name, *c.channel_id);
        }
      }
      break;
    case message_type::reject:
    case message_type::permission_denied:
      u.error = parse_reason(body);
      break;
    case message_type::udp_tunnel: {
      if (config_.udp) {
        ++tunnelled_in_udp_mode_;
        break;
      }
      const auto* p = reinterpret_cast<const std::uint8_t*>(body.data());
      if (const auto v = parse_relayed_voice({p, body.size()}); v && measuring) {
        count_voice(u, v->opus, realtime_ns());
      }
      break;
    }
    default:
      break;
  }
}

void fleet::count_voice(user& u, std::span<const std::uint8_t> opus, std::int64_t arrival_ns) {
  payload_fields f;
  if (!read_payload(opus, f) || f.room != u.room) {
    ++u.rx.other;
    return;
  }
  u.rx.count(f.sequence);
  ++u.received_total;
  if (recording_ && f.send_ns >= warmup_end_ns_) {
    tunnel_latency_.record(arrival_ns - f.send_ns);
  }
}

void fleet::drain_control(std::chrono::nanoseconds wait, bool measuring) {
  epoll_event events[256];
  const auto ns = std::max<std::int64_t>(0, wait.count());
  const timespec timeout{static_cast<time_t>(ns / 1'000'000'000),
                         static_cast<long>(ns % 1'000'000'000)};
  const int n = ::epoll_pwait2(epoll_fd_, events, 256, &timeout, nullptr);
  for (int i = 0; i < n; ++i) {
    auto& u = *static_cast<user*>(events[i].data.ptr);
    if (!u.control.closed()) {
      u.control.pump([&](message_type t, std::string_view b) { handle(u, t, b, measuring); });
      u.control.flush();
    }
  }
  if (clock::now() - last_ping_ > std::chrono::seconds(5)) {
    ping_all();
  }
}

void fleet::ping_all() {
  // The server drops a client that says nothing for 30 s.
  last_ping_ = clock::now();
  const auto now = static_cast<std::uint64_t>(realtime_ns() / 1000);
  superuser_->control.send(message_type::ping, ping_body(now));
  for (auto& u : users_) {
    if (!u->control.closed()) {
      u->control.send(message_type::ping, ping_body(now));
    }
  }
}

std::uint32_t fleet::create_channel(const std::string& name) {
  superuser_->control.send(message_type::channel_state, create_channel_body(0, name));
  const auto deadline = clock::now() + std::chrono::seconds(10);
  for (;;) {
    for (const auto& [n, id] : channels_) {
      if (n == name) {
        return id;
      }
    }
    if (!superuser_->error.empty()) {
      throw std::runtime_error("creating channel " + name + ": " + superuser_->error);
    }
    if (clock::now() > deadline || superuser_->control.closed()) {
      throw std::runtime_error("the server did not create channel " + name);
    }
    drain_control(std::chrono::milliseconds(10), false);
  }
}

void fleet::grow_to(std::size_t rooms) {
  std::vector<user*> fresh;
  for (; rooms_ < rooms; ++rooms_) {
    const auto room = static_cast<std::uint32_t>(rooms_);
    const auto channel =
        create_channel("bench-" + std::to_string(room) + "-" + std::to_string(::getpid()));
    for (int p = 0; p < config_.participants; ++p) {
      auto u = std::make_unique<user>();
      u->room = room;
      u->speaker = p == 0;
      u->channel = channel;
      connect_user(*u, "r" + std::to_string(room) + "p" + std::to_string(p));
      u->control.send(message_type::user_state, join_channel_body(u->session, channel));
      (u->speaker ? speakers_ : listeners_).push_back(u.get());
      fresh.push_back(u.get());
      users_.push_back(std::move(u));
    }
    drain_control(std::chrono::milliseconds(0), false);
  }
  const auto deadline = clock::now() + std::chrono::milliseconds(
                                           static_cast<int>(config_.setup_timeout_seconds * 1000));
  for (;;) {
    std::size_t waiting = 0;
    for (auto* u : fresh) {
      if (!u->error.empty() || u->control.closed()) {
        throw std::runtime_error("a user could not join its channel: " +
                                 (u->error.empty() ? "connection closed" : u->error));
      }
      waiting += u->in_channel ? 0 : 1;
    }
    if (waiting == 0) {
      break;
    }
    if (clock::now() > deadline) {
      throw std::runtime_error(std::to_string(waiting) + " users never reached their channel");
    }
    drain_control(std::chrono::milliseconds(10), false);
  }
  if (config_.udp) {
    open_udp(fresh);
  }
}

void fleet::open_udp(std::vector<user*>& fresh) {
  sockaddr_in server{};
  server.sin_family = AF_INET;
  server.sin_port = htons(config_.port);
  ::inet_pton(AF_INET, config_.host.c_str(), &server.sin_addr);
  for (auto* u : fresh) {
    u->udp_fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(u->udp_fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
    // The kernel's count of datagrams this socket dropped (a full buffer),
    // so that loss at the generator is told apart from loss at the server.
    ::setsockopt(u->udp_fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
    ::setsockopt(u->udp_fd, SOL_SOCKET, SO_RCVBUF, &config_.receive_buffer_bytes,
                 sizeof config_.receive_buffer_bytes);
    if (::connect(u->udp_fd, reinterpret_cast<sockaddr*>(&server), sizeof server) != 0) {
      throw std::runtime_error("UDP connect: " + std::string(std::strerror(errno)));
    }
  }
  // Encrypted UDP pings until each is echoed: the server learns a user's
  // UDP address from the first datagram it can decrypt with that user's key,
  // trying every user connected from the same host (here: all of them), so
  // a datagram from an unknown address costs it one decryption per user.
  // A few dozen at a time keep that work from overflowing its socket.
  constexpr std::size_t pings_at_once = 32;
  std::vector<std::uint8_t> plain, wire, back(2048);
  std::vector<std::uint8_t> in(2048);
  const auto deadline = clock::now() + std::chrono::milliseconds(
                                           static_cast<int>(config_.setup_timeout_seconds * 1000));
  while (clock::now() < deadline) {
    std::size_t pinged = 0;
    for (auto* u : fresh) {
      if (!u->udp_ready && pinged < pings_at_once) {
        ++pinged;
        write_udp_ping(plain, static_cast<std::uint64_t>(realtime_ns() / 1000));
        u->crypt->encrypt(plain, wire);
        ::send(u->udp_fd, wire.data(), wire.size(), 0);
      }
    }
    if (pinged == 0) {
      return;
    }
    const auto until = clock::now() + std::chrono::milliseconds(100);
    while (clock::now() < until) {
      drain_control(std::chrono::milliseconds(2), false);
      std::size_t answered = 0;
      for (auto* u : fresh) {
        const auto n = ::recv(u->udp_fd, in.data(), in.size(), 0);
        if (n > 0 && u->crypt->decrypt({in.data(), static_cast<std::size_t>(n)}, back) &&
            !back.empty() && (back[0] >> 5) == udp_ping) {
          u->udp_ready = true;
        }
        answered += u->udp_ready ? 1 : 0;
      }
      if (answered == fresh.size()) {
        return;
      }
    }
  }
  throw std::runtime_error("the server never echoed some users' UDP pings");
}

std::uint64_t fleet::closed_connections() const {
  std::uint64_t n = 0;
  for (const auto& u : users_) {
    n += u->control.closed() ? 1 : 0;
  }
  return n;
}

std::uint64_t fleet::decrypt_failures() const {
  std::uint64_t n = 0;
  for (const auto& u : users_) {
    n += u->crypt ? u->crypt->failed() : 0;
  }
  return n;
}

}  // namespace controlroom::bench::mumble
