#include "connection.hpp"

#include <atomic>
#include <future>
#include <unordered_map>
#include <utility>

#include "controlroom/v1/control.pb.h"
#include "convert.hpp"
#include "url.hpp"
#include "ws_transport.hpp"

namespace controlroom::detail {
namespace {

std::string millis(std::chrono::milliseconds d) {
  return std::to_string(d.count()) + " ms";
}

std::shared_ptr<const std::string> make_keepalive() {
  v1::ClientEnvelope envelope;  // request_id 0: the server owes no reply
  envelope.mutable_ping()->set_client_time_us(
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count()));
  return std::make_shared<const std::string>(envelope.SerializeAsString());
}

}  // namespace

// Touched only on the network thread, except next_request_id.
struct connection::state : std::enable_shared_from_this<state> {
  explicit state(connection_handlers h) : handlers(std::move(h)) {}

  void open(const ws_url& url, const tls_options& tls, std::chrono::milliseconds timeout,
            std::string user_agent, boost::asio::io_context& context,
            std::function<void(result<std::uint64_t>)> done) {
    if (thread == nullptr) {
      done({errc::disconnected, "client destroyed"});
      return;
    }
    end_session(errc::disconnected, "replaced by a new connection", false);
    const auto opening = ++generation;
    max_frame_bytes = 0;
    last_server_error = {};
    std::weak_ptr<state> weak = weak_from_this();
    transport =
        ws_transport::create(context, url, tls,
                             {[weak, opening](std::string_view message) {
                                if (auto self = weak.lock())
                                  self->on_message(opening, message);
                              },
                              [weak, opening](std::error_code ec, const std::string& reason) {
                                if (auto self = weak.lock())
                                  self->on_transport_closed(opening, ec, reason);
                              }});
    transport->open(
        url, timeout, std::move(user_agent),
        [self = shared_from_this(), opening, done = std::move(done)](status s) {
          if (!s && self->generation == opening)
            self->transport.reset();
          done(s ? result<std::uint64_t>{opening} : result<std::uint64_t>{s.error(), s.message()});
        });
  }

  void start_request(std::uint64_t on_generation, std::uint64_t id,
                     std::shared_ptr<const std::string> frame, std::chrono::milliseconds timeout,
                     reply_handler done) {
    if (thread == nullptr || !transport || !transport->is_open() ||
        (on_generation != 0 && on_generation != generation)) {
      done({errc::not_connected, "not connected"});
    } else if (max_frame_bytes != 0 && frame->size() > max_frame_bytes) {
      done({errc::too_large, "request of " + std::to_string(frame->size()) +
                                 " bytes exceeds the server's limit of " +
                                 std::to_string(max_frame_bytes)});
    } else {
      auto& entry = pending[id];
      entry.done = std::move(done);
      if (timeout.count() > 0) {
        entry.deadline = std::make_unique<network_thread::timer>(*thread);
        entry.deadline->start(timeout, [this, id, timeout] {
          auto it = pending.find(id);
          if (it == pending.end())
            return;
          auto expired = std::move(it->second);
          pending.erase(it);
          expired.done({errc::timeout, "no reply within " + millis(timeout)});
        });
      }
      transport->send(std::move(frame));
    }
  }

  void on_message(std::uint64_t from, std::string_view message) {
    if (from != generation || !transport)
      return;
    v1::ServerEnvelope envelope;
    if (!envelope.ParseFromArray(message.data(), static_cast<int>(message.size()))) {
      end_session(errc::protocol_error, "server sent an unparseable ServerEnvelope", true);
      return;
    }
    const auto id = envelope.request_id();
    if (id == 0) {
      // An unsolicited Error usually announces a close; remember it as the why.
      if (envelope.has_error()) {
        last_server_error = to_status(envelope.error());
      } else if (handlers_enabled && handlers.on_event) {
        handlers.on_event(from, std::move(envelope));
      }
      return;
    }
    auto it = pending.find(id);
    if (it == pending.end())
      return;  // its caller timed out and left
    auto waiter = std::move(it->second);
    pending.erase(it);
    waiter.done(std::move(envelope));
  }

  void on_transport_closed(std::uint64_t from, std::error_code ec, const std::string& reason) {
    if (from != generation)
      return;
    if (!last_server_error.ok()) {
      end_session(last_server_error.error(), last_server_error.message() + "; " + reason, true);
    } else {
      end_session(ec, reason, true);
    }
  }

  // The one way a session ends: every waiter hears about it exactly once.
  void end_session(std::error_code ec, const std::string& reason, bool notify) {
    if (!transport)
      return;
    auto ending = std::move(transport);
    transport.reset();
    ending->close();
    auto waiting = std::move(pending);
    pending.clear();
    for (auto& [id, waiter] : waiting)
      waiter.done({errc::disconnected, reason});
    if (notify && handlers_enabled && handlers.on_closed) {
      handlers.on_closed(generation, ec, reason);
    }
  }

  connection_handlers handlers;
  bool handlers_enabled = true;
  std::shared_ptr<ws_transport> transport;  // the current session; null when none
  std::uint64_t generation = 0;             // of the current (or last) session
  std::uint32_t max_frame_bytes = 0;        // 0: the server named no limit
  status last_server_error;
  struct waiter {
    reply_handler done;
    std::unique_ptr<network_thread::timer> deadline;  // null: no timeout
  };
  std::unordered_map<std::uint64_t, waiter> pending;
  std::atomic<std::uint64_t> next_request_id{1};
  // The owner's, for timers; null once the owner is being destroyed (a task
  // queued before may still run after it, on a detached thread).
  network_thread* thread = nullptr;
};

connection::connection(connection_handlers handlers)
    : state_(std::make_shared<state>(std::move(handlers))) {
  state_->thread = &thread_;
}

connection::~connection() {
  // On the network thread the handler that got us here belongs to our owner,
  // which is being destroyed: no further calls into it, starting now.
  if (on_network_thread()) {
    state_->handlers_enabled = false;
    state_->thread = nullptr;
  }
  thread_.post([st = state_] {
    st->handlers_enabled = false;
    st->thread = nullptr;
    st->end_session(errc::disconnected, "client destroyed", false);
  });
  // thread_'s destructor then waits for the graceful close (or detaches).
}

void connection::async_open(const ws_url& url, const tls_options& tls,
                            std::chrono::milliseconds timeout, const std::string& user_agent,
                            std::function<void(result<std::uint64_t>)> done) {
  // The io_context, unlike this object, lives as long as the thread.
  thread_.post([st = state_, url, tls, timeout, user_agent, &context = thread_.context(),
                done = std::move(done)]() mutable {
    st->open(url, tls, timeout, user_agent, context, std::move(done));
  });
}

result<v1::ServerEnvelope> connection::request(v1::ClientEnvelope envelope,
                                               std::chrono::milliseconds timeout) {
  if (on_network_thread())
    return {errc::wrong_thread, "blocking call from an SDK callback"};
  auto reply = std::make_shared<std::promise<result<v1::ServerEnvelope>>>();
  auto answered = reply->get_future();
  const auto id = state_->next_request_id.fetch_add(1, std::memory_order_relaxed);
  envelope.set_request_id(id);
  auto frame = std::make_shared<const std::string>(envelope.SerializeAsString());
  thread_.post([st = state_, id, frame = std::move(frame), reply]() mutable {
    st->start_request(0, id, std::move(frame), {},
                      [reply](result<v1::ServerEnvelope> r) { reply->set_value(std::move(r)); });
  });
  if (answered.wait_for(timeout) == std::future_status::timeout) {
    thread_.post([st = state_, id] { st->pending.erase(id); });
    return {errc::timeout, "no reply within " + millis(timeout)};
  }
  return answered.get();
}

void connection::async_request(std::uint64_t generation, v1::ClientEnvelope envelope,
                               std::chrono::milliseconds timeout, reply_handler done) {
  const auto id = state_->next_request_id.fetch_add(1, std::memory_order_relaxed);
  envelope.set_request_id(id);
  auto frame = std::make_shared<const std::string>(envelope.SerializeAsString());
  thread_.post([st = state_, generation, id, frame = std::move(frame), timeout,
                done = std::move(done)]() mutable {
    st->start_request(generation, id, std::move(frame), timeout, std::move(done));
  });
}

void connection::send(std::uint64_t generation, const v1::ClientEnvelope& envelope) {
  auto frame = std::make_shared<const std::string>(envelope.SerializeAsString());
  auto task = [st = state_, generation, frame = std::move(frame)]() mutable {
    if (generation != st->generation || !st->transport || !st->transport->is_open())
      return;
    if (st->max_frame_bytes != 0 && frame->size() > st->max_frame_bytes)
      return;
    st->transport->send(std::move(frame));
  };
  if (on_network_thread()) {
    task();
  } else {
    thread_.post(std::move(task));
  }
}

void connection::set_server_limits(std::uint64_t generation, std::uint32_t max_frame_bytes,
                                   std::chrono::milliseconds idle_timeout) {
  thread_.post([st = state_, generation, max_frame_bytes, idle_timeout] {
    if (generation != st->generation || !st->transport)
      return;
    st->max_frame_bytes = max_frame_bytes;
    if (idle_timeout.count() > 0) {
      st->transport->keep_alive(idle_timeout / 3, make_keepalive);
    }
  });
}

void connection::close(std::uint64_t generation) {
  thread_.post([st = state_, generation] {
    if (generation == 0 || generation == st->generation)
      st->end_session(errc::disconnected, "closed by the client", false);
  });
}

void connection::interrupt(std::uint64_t generation, std::string reason) {
  thread_.post([st = state_, generation, reason = std::move(reason)] {
    if (generation == 0 || generation == st->generation)
      st->end_session(errc::disconnected, reason, true);
  });
}

}  // namespace controlroom::detail
