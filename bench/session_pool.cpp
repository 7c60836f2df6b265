#include "session_pool.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdexcept>
#include <sys/epoll.h>
#include <unistd.h>
#include <unordered_map>

namespace controlroom::bench {

namespace asio = boost::asio;
namespace v1 = controlroom::v1;
using asio::use_awaitable;

namespace {

std::uint64_t monotonic_us() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

void set_socket_option(int fd, int level, int name, int value) {
  ::setsockopt(fd, level, name, &value, sizeof value);
}

// The server's media endpoint: udp_host, or the host the WebSocket reached.
void resolve_media_address(media_participant& p, const v1::MediaOpened& opened) {
  auto address = p.control->remote_endpoint().address();
  if (!opened.udp_host().empty()) {
    boost::system::error_code ec;
    const auto named = asio::ip::make_address(opened.udp_host(), ec);
    if (!ec) {
      address = named;
    }
  }
  const asio::ip::udp::endpoint endpoint(address, static_cast<std::uint16_t>(opened.udp_port()));
  std::memcpy(&p.media_address, endpoint.data(), endpoint.size());
  p.media_address_len = static_cast<socklen_t>(endpoint.size());
}

v1::ClientEnvelope open_media(v1::MediaTransport transport) {
  v1::ClientEnvelope env;
  env.mutable_open_media()->add_subscribe(v1::STREAM_KIND_PROGRAM);
  env.mutable_open_media()->set_transport(transport);
  return env;
}

}  // namespace

session_pool::session_pool(asio::io_context& ioc, pool_config config)
    : ioc_(ioc), config_(std::move(config)) {}

session_pool::~session_pool() {
  for (auto& s : sessions_) {
    if (!s) {
      continue;  // room made by grow_to() for a session whose set-up failed
    }
    for (auto& p : s->people) {
      if (p->udp_fd >= 0 && p->udp_fd != shared_send_fd_ && p->udp_fd != shared_receive_fd_) {
        ::close(p->udp_fd);
      }
    }
  }
  for (const int fd : {shared_send_fd_, shared_receive_fd_}) {
    if (fd >= 0) {
      ::close(fd);
    }
  }
}

std::span<const std::uint8_t> seal_to_server(media_participant& p,
                                             std::span<const std::uint8_t> inner,
                                             std::span<std::uint8_t> out) noexcept {
  if (!p.seal_cipher) {
    return {};
  }
  return p.seal_cipher->seal({media::seal_direction::to_server, p.sender_id, ++p.send_counter},
                             inner, out);
}

std::optional<std::span<const std::uint8_t>> open_from_server(
    media_participant& p, std::span<const std::uint8_t> sealed,
    std::span<std::uint8_t> out) noexcept {
  const auto prefix = media::parse_sealed_prefix(sealed);
  if (!p.open_cipher || !prefix || prefix->direction != media::seal_direction::to_client ||
      prefix->sender_id != p.sender_id || !p.replay.fresh(prefix->counter)) {
    return std::nullopt;
  }
  const auto inner = p.open_cipher->open(sealed, out);
  if (inner) {
    p.replay.accept(prefix->counter);
  }
  return inner;
}

void send_probe(media_participant& p, std::uint64_t client_time_us) {
  std::array<std::uint8_t, media::probe_size> bytes{};
  media::write_probe({p.sender_id, p.token, client_time_us}, bytes);
  std::array<std::uint8_t, media::probe_size + media::sealed_overhead> sealed_bytes{};
  const auto sealed = seal_to_server(p, bytes, sealed_bytes);
  if (sealed.empty()) {
    return;
  }
  iovec iov{const_cast<std::uint8_t*>(sealed.data()), sealed.size()};
  msghdr h{};
  h.msg_name = const_cast<sockaddr_storage*>(&p.media_address);
  h.msg_namelen = p.media_address_len;
  h.msg_iov = &iov;
  h.msg_iovlen = 1;
  alignas(cmsghdr) std::array<std::uint8_t, CMSG_SPACE(sizeof(in_pktinfo))> control{};
  if (p.loopback_address != 0) {
    // The source address the server binds this receiver to.
    h.msg_control = control.data();
    h.msg_controllen = control.size();
    auto* c = CMSG_FIRSTHDR(&h);
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
    in_pktinfo info{};
    info.ipi_spec_dst.s_addr = p.loopback_address;
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
  }
  ::sendmsg(p.udp_fd, &h, 0);
}

int session_pool::open_udp_socket(const control_client& control, bool any_loopback) {
  // The shared receive socket listens on every address (127.1.x.y among
  // them) of its port; IP_PKTINFO names the one each datagram was sent to.
  const auto local = any_loopback ? asio::ip::address(asio::ip::address_v4::any())
                                  : control.local_endpoint().address();
  const int fd = ::socket(local.is_v6() ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    throw std::runtime_error(std::string("udp socket: ") + std::strerror(errno));
  }
  const asio::ip::udp::endpoint bind_to(local, 0);
  if (::bind(fd, bind_to.data(), static_cast<socklen_t>(bind_to.size())) != 0) {
    ::close(fd);
    throw std::runtime_error(std::string("udp bind: ") + std::strerror(errno));
  }
  // A receiver socket must ride out a scheduling hiccup of the generator on
  // a loaded machine without dropping: a drop there would be charged to the
  // relay. FORCE works for root; the plain option is capped by rmem_max.
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &config_.receive_buffer_bytes, sizeof(int)) !=
      0) {
    set_socket_option(fd, SOL_SOCKET, SO_RCVBUF, config_.receive_buffer_bytes);
  }
  set_socket_option(fd, SOL_SOCKET, SO_SNDBUF, 4 << 20);
  // Kernel arrival times, so that the generator's own scheduling delay is
  // not counted as relay latency; and the socket's drop counter, so that
  // drops at our sockets are told apart from drops in the relay.
  set_socket_option(fd, SOL_SOCKET, SO_TIMESTAMPNS, 1);
  set_socket_option(fd, SOL_SOCKET, SO_RXQ_OVFL, 1);
  if (any_loopback) {
    set_socket_option(fd, IPPROTO_IP, IP_PKTINFO, 1);
    int big = 64 << 20;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
  }
  return fd;
}

asio::awaitable<void> session_pool::for_each_concurrently(
    std::vector<std::size_t> items, std::function<asio::awaitable<void>(std::size_t)> work) {
  auto ex = co_await asio::this_coro::executor;
  std::size_t next = 0;
  int running = std::max(1, config_.setup_concurrency);
  std::exception_ptr failure;
  asio::steady_timer all_done(ex, asio::steady_timer::time_point::max());
  auto worker = [&]() -> asio::awaitable<void> {
    while (next < items.size() && !failure) {
      const auto item = items[next++];
      co_await work(item);
    }
  };
  const int workers = running;
  for (int i = 0; i < workers; ++i) {
    asio::co_spawn(ex, worker(), [&](std::exception_ptr e) {
      if (e && !failure) {
        failure = e;
      }
      if (--running == 0) {
        all_done.cancel();
      }
    });
  }
  boost::system::error_code ec;
  co_await all_done.async_wait(asio::redirect_error(use_awaitable, ec));
  if (failure) {
    std::rethrow_exception(failure);
  }
}

asio::awaitable<void> session_pool::set_up(std::size_t index) {
  auto session = std::make_unique<media_session>();
  const bool udp = config_.transport == media_transport::udp;
  // The admin creates the session holding every role its participants act
  // with, and each connection joins with a subset (§4 JoinSession).
  v1::ClientEnvelope create;
  auto* c = create.mutable_create_session();
  c->set_title("media bench " + std::to_string(index));
  c->add_creator_roles(v1::ROLE_ENGINEER);
  c->add_creator_roles(v1::ROLE_PRODUCER);
  c->add_creator_roles(v1::ROLE_LISTENER);
  auto address = config_.address;
  if (config_.session_hint) {
    control_client creator(ioc_);
    co_await creator.open(config_.address, config_.token);
    const auto created =
        co_await creator.expect(create, v1::ServerEnvelope::kSessionCreated, "create");
    session->id = created.session_created().session().id();
    address.path += address.path.find('?') == std::string::npos ? "?session=" : "&session=";
    address.path += session->id;
  }
  for (int i = 0; i < config_.participants; ++i) {
    auto p = std::make_unique<media_participant>();
    p->publisher = i == 0;
    p->control = std::make_unique<control_client>(ioc_);
    co_await p->control->open(address, config_.token);
    if (session->id.empty()) {
      const auto created =
          co_await p->control->expect(create, v1::ServerEnvelope::kSessionCreated, "create");
      session->id = created.session_created().session().id();
    }
    v1::ClientEnvelope join;
    join.mutable_join_session()->set_session_id(session->id);
    // Receivers alternate between the remote producer and a listening client.
    join.mutable_join_session()->add_roles(p->publisher ? v1::ROLE_ENGINEER
                                           : i % 2 == 1 ? v1::ROLE_PRODUCER
                                                        : v1::ROLE_LISTENER);
    co_await p->control->expect(join, v1::ServerEnvelope::kJoined, "join");
    const auto opened = co_await p->control->expect(open_media(v1::MEDIA_TRANSPORT_WEBSOCKET),
                                                    v1::ServerEnvelope::kMediaOpened, "open media");
    const auto& m = opened.media_opened();
    p->sender_id = m.sender_id();
    if (m.media_token().size() != p->token.size()) {
      throw std::runtime_error("MediaOpened carries a media_token of " +
                               std::to_string(m.media_token().size()) + " bytes");
    }
    std::memcpy(p->token.data(), m.media_token().data(), p->token.size());
    if (udp) {
      if (m.udp_port() == 0) {
        throw std::runtime_error("the server offers no UDP media port (MediaOpened.udp_port 0)");
      }
      if (m.cipher() != v1::MEDIA_CIPHER_AES_256_GCM ||
          m.media_key().size() != media::media_key_size) {
        throw std::runtime_error("MediaOpened carries no AES-256-GCM media key (cipher " +
                                 std::to_string(m.cipher()) + ", " +
                                 std::to_string(m.media_key().size()) + " key bytes)");
      }
      media::media_key key{};
      std::memcpy(key.data(), m.media_key().data(), key.size());
      p->seal_cipher.emplace(key);
      p->open_cipher.emplace(key);
      resolve_media_address(*p, m);
      if (p->publisher && config_.shared_send_socket) {
        if (shared_send_fd_ < 0) {
          shared_send_fd_ = open_udp_socket(*p->control);
        }
        p->udp_fd = shared_send_fd_;
      } else if (!p->publisher && config_.shared_receive_socket) {
        if (shared_receive_fd_ < 0) {
          if (!p->control->remote_endpoint().address().is_loopback() ||
              !p->control->remote_endpoint().address().is_v4()) {
            throw std::runtime_error(
                "--shared-receive-socket needs a server on IPv4 loopback; pass 0 to turn it off");
          }
          shared_receive_fd_ = open_udp_socket(*p->control, true);
        }
        p->udp_fd = shared_receive_fd_;
        p->receive_slot = next_receive_slot_++;
        p->loopback_address = htonl(receiver_base_address + p->receive_slot);
      } else {
        p->udp_fd = open_udp_socket(*p->control);
      }
    }
    if (p->publisher) {
      v1::ClientEnvelope publish;
      publish.mutable_publish()->set_kind(v1::STREAM_KIND_PROGRAM);
      publish.mutable_publish()->set_channels(config_.shape.channels);
      publish.mutable_publish()->set_frame_samples(config_.shape.frame_samples);
      co_await p->control->expect(publish, v1::ServerEnvelope::kPublished, "publish");
      // Sequences start at a random-looking value, as real senders' do.
      p->sequence = static_cast<std::uint32_t>(0x9e3779b9u * (index + 1));
    } else {
      p->source = session->people.front().get();
    }
    session->people.push_back(std::move(p));
  }
  sessions_[index] = std::move(session);
}

// Probes every participant's socket (§7.2) until each has its reply: a
// round of probes, then replies collected for probe_interval_ms, repeated.
// Runs on the control thread and blocks it for the duration, which is
// harmless during set-up.
void session_pool::probe_all(const std::vector<media_participant*>& people) {
  std::unordered_map<std::uint32_t, media_participant*> waiting;
  for (auto* p : people) {
    waiting[p->sender_id] = p;
  }
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  std::vector<int> fds;
  for (auto* p : people) {
    fds.push_back(p->udp_fd);
  }
  std::sort(fds.begin(), fds.end());
  fds.erase(std::unique(fds.begin(), fds.end()), fds.end());
  for (const int fd : fds) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }
  for (int attempt = 0; attempt < config_.probe_attempts && !waiting.empty(); ++attempt) {
    for (const auto& [id, p] : waiting) {
      send_probe(*p, monotonic_us());
    }
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(config_.probe_interval_ms);
    while (!waiting.empty()) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline - std::chrono::steady_clock::now())
                            .count();
      if (left <= 0) {
        break;
      }
      std::array<epoll_event, 64> events{};
      const int n = ::epoll_wait(ep, events.data(), events.size(), static_cast<int>(left));
      for (int i = 0; i < n; ++i) {
        std::array<std::uint8_t, 2048> buf{};
        std::array<std::uint8_t, media::max_datagram_size> opened{};
        ssize_t got = 0;
        while ((got = ::recv(events[i].data.fd, buf.data(), buf.size(), MSG_DONTWAIT)) > 0) {
          const std::span<const std::uint8_t> sealed(buf.data(), static_cast<std::size_t>(got));
          const auto prefix = media::parse_sealed_prefix(sealed);
          const auto who = prefix ? waiting.find(prefix->sender_id) : waiting.end();
          if (who == waiting.end()) {
            continue;
          }
          const auto inner = open_from_server(*who->second, sealed, opened);
          const auto reply = inner ? media::parse_probe_reply(*inner) : std::nullopt;
          if (reply && reply->sender_id == who->first) {
            waiting.erase(who);
          }
        }
      }
    }
  }
  ::close(ep);
  if (!waiting.empty()) {
    throw std::runtime_error(std::to_string(waiting.size()) + " of " +
                             std::to_string(people.size()) + " UDP probes never answered");
  }
}

asio::awaitable<void> session_pool::grow_to(std::size_t n) {
  if (n <= sessions_.size()) {
    co_return;
  }
  const auto first = sessions_.size();
  sessions_.resize(n);
  std::vector<std::size_t> fresh;
  for (auto i = first; i < n; ++i) {
    fresh.push_back(i);
  }
  co_await for_each_concurrently(fresh, [this](std::size_t i) { return set_up(i); });
  std::vector<media_participant*> people;
  for (auto i = first; i < n; ++i) {
    for (auto& p : sessions_[i]->people) {
      people.push_back(p.get());
    }
  }
  if (config_.transport == media_transport::udp) {
    probe_all(people);
    std::vector<std::size_t> all(people.size());
    for (std::size_t i = 0; i < all.size(); ++i) {
      all[i] = i;
    }
    co_await for_each_concurrently(all, [&](std::size_t i) -> asio::awaitable<void> {
      const auto reply = co_await people[i]->control->expect(
          open_media(v1::MEDIA_TRANSPORT_UDP), v1::ServerEnvelope::kMediaOpened, "open media udp");
      if (reply.media_opened().transport() != v1::MEDIA_TRANSPORT_UDP) {
        throw std::runtime_error("the server kept the WebSocket after an answered probe");
      }
    });
  }
  for (auto* p : people) {
    asio::co_spawn(ioc_, read_loop(*p), asio::detached);
  }
}

// Keeps each control connection read after set-up: the server's pings are
// answered only while a read is pending (an unread connection is closed as
// idle), and WebSocket-transport media arrives here.
asio::awaitable<void> session_pool::read_loop(media_participant& p) {
  v1::ServerEnvelope env;
  for (;;) {
    if (const auto ec = co_await p.control->receive(env)) {
      p.connected = false;
      ++closed_;
      co_return;
    }
    if (!env.has_media_frame() || p.publisher) {
      continue;
    }
    const auto& bytes = env.media_frame().datagram();
    const auto header =
        media::parse_header({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
    if (!header || p.source == nullptr || header->sender_id != p.source->sender_id) {
      ++p.rx.other;
      continue;
    }
    const auto now_us = monotonic_us();
    p.rx.count(header->sequence);
    if (ws_recording_ && header->capture_time_us >= ws_warmup_end_us_) {
      ws_latency_.record(static_cast<std::int64_t>(now_us - header->capture_time_us) * 1000);
    }
  }
}

}  // namespace controlroom::bench
