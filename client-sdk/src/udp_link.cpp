#include "udp_link.hpp"

#include <array>
#include <unistd.h>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "audio_internal.hpp"
#include "controlroom/media/sealed.hpp"

namespace controlroom::detail {
namespace {

namespace asio = boost::asio;
using udp = asio::ip::udp;

}  // namespace

struct udp_link::state : std::enable_shared_from_this<udp_link::state> {
  state(network_thread& thread, datagram_handler h)
      : owner(thread.context_owner()),
        socket(thread.context()),
        resolver(thread.context()),
        on_datagram(std::move(h)) {}

  void receive() {
    socket.async_receive(asio::buffer(buffer), [self = shared_from_this(), generation = generation](
                                                   boost::system::error_code ec, std::size_t size) {
      if (generation != self->generation || !self->socket.is_open())
        return;
      // ICMP "port unreachable" surfaces as an error on a
      // connected socket: not fatal, the next probe may get through.
      if (!ec && self->on_datagram)
        self->on_datagram({self->buffer.data(), size}, media_now_us());
      if (ec == asio::error::operation_aborted)
        return;
      self->receive();
    });
  }

  status open(const udp::endpoint& remote) {
    boost::system::error_code ec;
    socket.close(ec);
    socket.open(remote.protocol(), ec);
    if (!ec)
      socket.non_blocking(true, ec);
    if (!ec)
      socket.connect(remote, ec);
    if (ec) {
      socket.close(ec);
      return {errc::connection_failed, "UDP media socket: " + ec.message()};
    }
    ++generation;
    receive();
    return {};
  }

  std::shared_ptr<void> owner;  // the io_context; declared first, destroyed last
  udp::socket socket;
  udp::resolver resolver;
  datagram_handler on_datagram;
  std::uint64_t generation = 0;  // of the open socket; older completions are moot
  // Room for anything a peer sends: larger datagrams are cut and then
  // rejected by the strict parsers.
  std::array<std::uint8_t, media::max_sealed_size + 1> buffer{};
};

udp_link::udp_link(network_thread& thread, datagram_handler on_datagram)
    : state_(std::make_shared<state>(thread, std::move(on_datagram))) {}

udp_link::~udp_link() {
  close();
}

void udp_link::connect(const std::string& host, std::uint16_t port,
                       std::function<void(status)> done) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (!ec) {
    done(state_->open(udp::endpoint(address, port)));
    return;
  }
  state_->resolver.async_resolve(
      host, std::to_string(port),
      [self = state_, host, done = std::move(done)](boost::system::error_code ec,
                                                    const udp::resolver::results_type& found) {
        if (ec || found.empty()) {
          done({errc::connection_failed, "resolving " + host + ": " + ec.message()});
          return;
        }
        done(self->open(found.begin()->endpoint()));
      });
}

bool udp_link::ready() const noexcept {
  return state_->socket.is_open();
}

bool udp_link::send(std::span<const std::uint8_t> datagram) noexcept {
  if (!state_->socket.is_open())
    return false;
  boost::system::error_code ec;
  state_->socket.send(asio::buffer(datagram.data(), datagram.size()), 0, ec);
  return !ec;
}

void udp_link::close() noexcept {
  boost::system::error_code ec;
  state_->resolver.cancel();
  state_->socket.close(ec);
  ++state_->generation;
}

struct doorbell_watch::state : std::enable_shared_from_this<doorbell_watch::state> {
  state(network_thread& thread, int fd, std::function<void()> f)
      : owner(thread.context_owner()),
        descriptor(thread.context(), ::dup(fd)),
        on_ring(std::move(f)) {}

  void wait() {
    descriptor.async_wait(asio::posix::descriptor_base::wait_read,
                          [self = shared_from_this()](boost::system::error_code ec) {
                            if (ec || !self->descriptor.is_open())
                              return;
                            std::uint64_t count = 0;
                            [[maybe_unused]] const auto n =
                                ::read(self->descriptor.native_handle(), &count, sizeof count);
                            if (self->on_ring)
                              self->on_ring();
                            if (self->descriptor.is_open())
                              self->wait();
                          });
  }

  std::shared_ptr<void> owner;  // the io_context; declared first, destroyed last
  asio::posix::stream_descriptor descriptor;
  std::function<void()> on_ring;
};

doorbell_watch::doorbell_watch(network_thread& thread, int fd, std::function<void()> on_ring)
    : state_(std::make_shared<state>(thread, fd, std::move(on_ring))) {
  state_->wait();
}

doorbell_watch::~doorbell_watch() {
  close();
}

void doorbell_watch::close() noexcept {
  boost::system::error_code ec;
  state_->on_ring = nullptr;
  state_->descriptor.close(ec);
}

}  // namespace controlroom::detail
