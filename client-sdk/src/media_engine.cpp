// Opening the media plane (docs/protocol.md §7.1-7.2): OpenMedia on the
// WebSocket first, so media flows at once; then UDP probes, and a second
// OpenMedia{UDP} once one is answered. Without an answer media stays on the
// WebSocket. Keep-alive probes (NAT bindings) and control pings feed the
// clock estimate. All on the network thread, each step checking that its
// attempt is still the current one.

#include "media_engine.hpp"

#include <utility>

#include "convert.hpp"
#include "media_convert.hpp"
#include "media_key_tap.hpp"

namespace controlroom::detail {
namespace {

using body = v1::ServerEnvelope::BodyCase;

}  // namespace

media_engine::media_engine(connection& conn, std::chrono::milliseconds request_timeout, hooks h)
    : conn_(conn), request_timeout_(request_timeout), hooks_(std::move(h)) {}

media_engine::~media_engine() = default;

controlroom::media_status media_engine::report() const {
  std::lock_guard lock(mutex_);
  return status_;
}

std::vector<audio_stream_info> media_engine::streams() const {
  std::lock_guard lock(mutex_);
  return streams_;
}

std::vector<std::shared_ptr<receiver_slot>> media_engine::receivers() const {
  std::lock_guard lock(mutex_);
  return receiver_list_;
}

media_options media_engine::options() const {
  std::lock_guard lock(mutex_);
  return options_;
}

std::optional<std::int64_t> media_engine::heard_position(stream_kind kind) const {
  const auto now = media_now_us();
  for (const auto& r : receivers()) {
    if (r->info.kind != kind)
      continue;
    if (auto p = r->receiver.heard_position(now))
      return p;
  }
  return std::nullopt;
}

void media_engine::open(std::uint64_t generation, media_options options, done_fn done) {
  if (!udp_) {
    udp_ = std::make_unique<udp_link>(
        conn_.thread(),
        [this](std::span<const std::uint8_t> d, std::uint64_t at) { on_datagram(d, at); });
    watch_ = std::make_unique<doorbell_watch>(conn_.thread(), bell_->fd(),
                                              [this] { drain_publishers(); });
    probe_timer_ = std::make_unique<network_thread::timer>(conn_.thread());
    keepalive_timer_ = std::make_unique<network_thread::timer>(conn_.thread());
  }
  {
    std::lock_guard lock(mutex_);
    options_ = std::move(options);
  }
  generation_ = generation;
  start(++attempt_, std::move(done));
}

void media_engine::start(std::uint64_t attempt, done_fn done) {
  stop_timers();
  open_ = false;
  transport_ = media_transport::automatic;
  if (probing_done_)
    std::exchange(probing_done_, {})({errc::disconnected, "media reopened"});
  update_status([](auto& s) {
    s.open = false;
    s.transport = media_transport::automatic;
  });
  v1::ClientEnvelope request;
  auto* open = request.mutable_open_media();
  for (const auto kind : options().subscribe)
    open->add_subscribe(to_proto(kind));
  open->set_transport(v1::MEDIA_TRANSPORT_WEBSOCKET);
  conn_.async_request(generation_, std::move(request), request_timeout_,
                      [this, attempt, done = std::move(done)](result<v1::ServerEnvelope> r) {
                        if (attempt != attempt_) {
                          done({errc::disconnected, "media closed or reopened meanwhile"});
                          return;
                        }
                        auto reply = expect_body(std::move(r), body::kMediaOpened);
                        if (!reply) {
                          done({reply.error(), reply.message()});
                          return;
                        }
                        on_opened(attempt, reply.value().media_opened(), done);
                      });
}

void media_engine::on_opened(std::uint64_t attempt, const v1::MediaOpened& opened, done_fn done) {
  if (opened.media_token().size() != token_.size()) {
    done({errc::protocol_error, "MediaOpened without a 16-byte media token"});
    return;
  }
  std::copy(opened.media_token().begin(), opened.media_token().end(), token_.begin());
  sender_id_ = opened.sender_id();
  // Checked only when UDP is tried: the WebSocket needs no key.
  const auto key_problem = take_key(opened);
  open_ = true;
  wanted_ = true;
  transport_ = media_transport::websocket;
  update_status([this](auto& s) {
    s.open = true;
    s.transport = media_transport::websocket;
    s.sender_id = sender_id_;
  });
  republish();
  send_ping();

  const auto options = this->options();
  std::string host = opened.udp_host().empty() ? hooks_.control_host() : opened.udp_host();
  std::uint16_t port = static_cast<std::uint16_t>(opened.udp_port());
  if (!options.udp_endpoint.empty()) {
    const auto endpoint = parse_host_port(options.udp_endpoint);  // validated by open_media()
    host = endpoint->host;
    port = endpoint->port;
  }
  if (options.transport == media_transport::websocket) {
    keepalive_timer_->start(options.keepalive_interval,
                            [this, attempt] { keepalive_tick(attempt); });
    done({});
    return;
  }
  probing_done_ = std::move(done);
  if (port == 0) {
    fall_back(attempt, "the server offers no UDP media port");
    return;
  }
  if (key_problem) {
    fall_back(attempt, *key_problem);
    return;
  }
  udp_->connect(host, port, [this, attempt](status s) {
    if (attempt != attempt_)
      return;
    if (!s) {
      fall_back(attempt, s.message());
      return;
    }
    start_probing(attempt);
  });
}

std::optional<std::string> media_engine::take_key(const v1::MediaOpened& opened) {
  if (const auto why = media_seal::unusable(opened.cipher(), opened.media_key())) {
    seal_.clear();
    return std::string(*why);
  }
  seal_.rekey(opened.sender_id(), opened.media_key());
  tap_media_key(opened.sender_id(), seal_.key());
  return std::nullopt;
}

void media_engine::start_probing(std::uint64_t attempt) {
  probes_left_ = options().probe_count;
  probe_tick(attempt);
}

void media_engine::probe_tick(std::uint64_t attempt) {
  if (attempt != attempt_ || !probing_done_)
    return;
  if (probes_left_ <= 0) {
    fall_back(attempt, "no UDP probe answered");
    return;
  }
  --probes_left_;
  send_probe();
  probe_timer_->start(options().probe_interval, [this, attempt] { probe_tick(attempt); });
}

void media_engine::on_probe_reply(const media::probe_reply& reply, std::uint64_t arrival_us) {
  if (reply.sender_id != sender_id_)
    return;
  update_status([](auto& s) { ++s.probes_answered; });
  add_clock_sample({static_cast<std::int64_t>(reply.client_time_us),
                    static_cast<std::int64_t>(reply.server_time_us),
                    static_cast<std::int64_t>(arrival_us)});
  if (probing_done_ && open_) {
    probe_timer_->cancel();
    switch_to_udp(attempt_);
  }
}

void media_engine::switch_to_udp(std::uint64_t attempt) {
  v1::ClientEnvelope request;
  auto* open = request.mutable_open_media();
  for (const auto kind : options().subscribe)
    open->add_subscribe(to_proto(kind));
  open->set_transport(v1::MEDIA_TRANSPORT_UDP);
  // Until the answer comes the server still delivers over the WebSocket;
  // a second reply must not start a second switch.
  auto done = std::exchange(probing_done_, {});
  conn_.async_request(
      generation_, std::move(request), request_timeout_,
      [this, attempt, done = std::move(done)](result<v1::ServerEnvelope> r) {
        if (attempt != attempt_) {
          done({errc::disconnected, "media closed or reopened meanwhile"});
          return;
        }
        auto reply = expect_body(std::move(r), body::kMediaOpened);
        if (!reply || reply.value().media_opened().transport() != v1::MEDIA_TRANSPORT_UDP) {
          probing_done_ = done;
          fall_back(attempt, reply ? "the server kept the WebSocket"
                                   : "switching to UDP: " + reply.message());
          return;
        }
        // The server keeps the key on a connection; take it again all the same.
        if (const auto why = take_key(reply.value().media_opened())) {
          probing_done_ = done;
          fall_back(attempt, *why);
          return;
        }
        probing_done_ = done;
        settle(attempt, media_transport::udp, {});
      });
}

void media_engine::fall_back(std::uint64_t attempt, const std::string& why) {
  const bool required = options().transport == media_transport::udp;
  settle(attempt, media_transport::websocket,
         required ? status{errc::connection_failed, "UDP media: " + why} : status{});
}

void media_engine::settle(std::uint64_t attempt, media_transport transport, status outcome) {
  transport_ = transport;
  update_status([transport](auto& s) { s.transport = transport; });
  keepalive_timer_->start(options().keepalive_interval,
                          [this, attempt] { keepalive_tick(attempt); });
  if (auto done = std::exchange(probing_done_, {}))
    done(std::move(outcome));
}

void media_engine::keepalive_tick(std::uint64_t attempt) {
  if (attempt != attempt_ || !open_)
    return;
  if (transport_ == media_transport::udp)
    send_probe();
  send_ping();
  keepalive_timer_->start(options().keepalive_interval,
                          [this, attempt] { keepalive_tick(attempt); });
}

void media_engine::send_probe() {
  if (!udp_ || !udp_->ready())
    return;
  std::array<std::uint8_t, media::probe_size> bytes{};
  media::write_probe({sender_id_, token_, media_now_us()}, bytes);
  const auto sealed = seal_.seal(bytes);
  if (sealed.empty())
    return;  // no key: UDP is not in use
  udp_->send(sealed);
  update_status([](auto& s) { ++s.probes_sent; });
}

void media_engine::send_ping() {
  v1::ClientEnvelope request;
  request.mutable_ping()->set_client_time_us(media_now_us());
  conn_.async_request(generation_, std::move(request), request_timeout_,
                      [this](result<v1::ServerEnvelope> r) {
                        const auto now = media_now_us();
                        if (!r || !r.value().has_pong())
                          return;
                        const auto& pong = r.value().pong();
                        add_clock_sample({static_cast<std::int64_t>(pong.client_time_us()),
                                          static_cast<std::int64_t>(pong.server_time_us()),
                                          static_cast<std::int64_t>(now)});
                      });
}

void media_engine::add_clock_sample(const media::clock_sample& sample) {
  if (!clock_.add(sample))
    return;
  const auto estimate = clock_.estimate(static_cast<std::int64_t>(media_now_us()));
  if (!estimate)
    return;
  rtt_us_->store(estimate->rtt_us, std::memory_order_relaxed);
  update_status([&estimate](auto& s) {
    s.rtt = std::chrono::microseconds(estimate->rtt_us);
    s.clock_offset_us = estimate->offset_us;
    s.clock_uncertainty_us = estimate->uncertainty_us;
  });
}

void media_engine::stop_timers() {
  if (probe_timer_)
    probe_timer_->cancel();
  if (keepalive_timer_)
    keepalive_timer_->cancel();
}

void media_engine::update_status(const std::function<void(controlroom::media_status&)>& change) {
  std::lock_guard lock(mutex_);
  change(status_);
}

void media_engine::on_connection_lost() {
  ++attempt_;
  open_ = false;
  stop_timers();
  if (probing_done_)
    std::exchange(probing_done_, {})({errc::disconnected, "the connection dropped"});
  update_status([](auto& s) { s.open = false; });
}

void media_engine::on_resumed(std::uint64_t generation) {
  if (!wanted_)
    return;
  generation_ = generation;
  // Nobody waits for a reopen; a failure leaves media closed until the next
  // resume or open_media(), and status() says so.
  start(++attempt_, [](const status&) {});
}

bool media_engine::on_left() {
  wanted_ = false;
  on_connection_lost();
  if (udp_)
    udp_->close();
  seal_.clear();
  for (auto& p : publishers_)
    p->closed.store(true);
  publishers_.clear();
  receivers_.clear();
  return set_streams({});
}

void media_engine::shutdown() {
  wanted_ = false;
  ++attempt_;
  stop_timers();
  probing_done_ = {};
  if (udp_)
    udp_->close();
  if (watch_)
    watch_->close();
  publishers_.clear();
  receivers_.clear();
  mixers_.clear();
}

}  // namespace controlroom::detail
