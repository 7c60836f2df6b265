#include "app/server.hpp"

#include <chrono>
#include <thread>
#include <unistd.h>

#include <boost/asio/ssl/context.hpp>
#include <pqxx/pqxx>

#include "app/node_keeper.hpp"
#include "control/envelope_codec.hpp"
#include "control/services.hpp"
#include "http/api_router.hpp"
#include "media/media_switch.hpp"
#include "metrics/server_metrics.hpp"
#include "net/disk_reads.hpp"
#include "net/listener.hpp"
#include "net/net_context.hpp"
#include "net/udp_relay.hpp"
#include "net/worker_pool.hpp"
#include "net/ws_connection.hpp"
#include "recording/take_file_writer.hpp"
#include "session/room_directory.hpp"
#include "store/db_pool.hpp"
#include "store/event_writer.hpp"
#include "store/statements.hpp"
#include "store/take_file_repository.hpp"
#include "util/log.hpp"

namespace controlroom::server {
namespace {

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') {
    return "localhost";
  }
  return name;
}

node_info describe_node(const config& cfg, std::uint16_t port) {
  node_info node;
  node.id = cfg.node_id.empty() ? host_name() + "-" + std::to_string(port) : cfg.node_id;
  if (!cfg.public_url.empty()) {
    node.url = cfg.public_url;
  } else {
    const bool any = cfg.listen_address == "0.0.0.0" || cfg.listen_address == "::";
    node.url = std::string(cfg.tls_cert_file.empty() ? "ws://" : "wss://") +
               (any ? host_name() : cfg.listen_address) + ":" + std::to_string(port) +
               "/v1/control";
  }
  node.lease_ms = cfg.lease.count();
  return node;
}

std::unique_ptr<boost::asio::ssl::context> make_tls_context(const config& cfg) {
  namespace ssl = boost::asio::ssl;
  auto tls = std::make_unique<ssl::context>(ssl::context::tls_server);
  // TLS 1.2 and 1.3 only.
  tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::single_dh_use);
  boost::system::error_code ec;
  tls->use_certificate_chain_file(cfg.tls_cert_file, ec);
  if (ec) {
    throw std::runtime_error("tls_cert_file '" + cfg.tls_cert_file + "': " + ec.message());
  }
  tls->use_private_key_file(cfg.tls_key_file, ssl::context::pem, ec);
  if (ec) {
    throw std::runtime_error("tls_key_file '" + cfg.tls_key_file + "': " + ec.message());
  }
  return tls;
}

std::size_t worker_count(const config& cfg) {
  if (cfg.workers != 0) {
    return cfg.workers;
  }
  return std::max(1u, std::thread::hardware_concurrency());
}
}  // namespace

struct server::impl {
  explicit impl(config c)
      : cfg(std::move(c)),
        metrics(registry),
        db(cfg.database_url, cfg.db_pool_size, cfg.db_queue_limit, &prepare_statements, &metrics),
        writer(cfg.database_url, cfg.commit_queue_limit, cfg.commit_batch_limit, &metrics),
        workers(worker_count(cfg)),
        rooms(workers,
              live_session::dependencies{
                  writer, db, metrics, cfg.snapshot_every, cfg.resume_window, &files,
                  cfg.recordings_dir,
                  recorder_timing{static_cast<std::uint64_t>(cfg.heal_window.count()) * 1000}},
              cfg.worker_fill),
        svc{cfg, db, writer, rooms, metrics},
        api(db, metrics),
        net{svc, api, metrics, cfg, nullptr, {}, disk},
        accept(workers, net) {
    net.open.resize(workers.size());
    std::vector<media_switch*> by_worker;
    for (std::size_t i = 0; i < workers.size(); ++i) {
      switches.push_back(std::make_unique<media_switch>(metrics));
      relays.push_back(std::make_unique<udp_relay>(workers.context(i), *switches.back()));
      by_worker.push_back(switches.back().get());
    }
    rooms.set_media(std::move(by_worker));
    registry.add_gauge_callback("controlroom_db_queue_depth", "Database jobs waiting for a thread",
                                [this] { return static_cast<double>(db.queue_depth()); });
    registry.add_gauge_callback("controlroom_db_pool_busy", "Database threads running a job",
                                [this] { return static_cast<double>(db.busy_threads()); });
    registry.add_gauge_callback("controlroom_db_pool_size", "Database threads",
                                [this] { return static_cast<double>(cfg.db_pool_size); });
    registry.add_gauge_callback("controlroom_commit_queue_depth",
                                "Session events waiting for the group commit",
                                [this] { return static_cast<double>(writer.queue_depth()); });
    registry.add_gauge_callback("controlroom_workers", "Network worker threads",
                                [this] { return static_cast<double>(workers.size()); });
    registry.add_gauge_callback(
        "controlroom_workers_realtime",
        "Network worker threads running under SCHED_FIFO (realtime_priority)",
        [this] { return static_cast<double>(workers.realtime_workers()); });
    for (std::size_t i = 0; i < workers.size(); ++i) {
      registry.add_gauge_callback(
          "controlroom_worker_load",
          "Participants of the sessions on a network worker (a session nobody is in counts one); "
          "new sessions fill the workers in order up to worker_fill",
          [this, i] { return static_cast<double>(rooms.placement().load(i)); },
          {{"worker", std::to_string(i)}});
    }
  }

  config cfg;
  metrics_registry registry;
  server_metrics metrics;
  db_pool db;
  event_writer writer;
  take_file_writer files;
  node_info node;
  worker_pool workers;
  // One media switch and UDP socket per worker. Declared after the workers
  // (the sockets go before their io_contexts) and before the rooms (live
  // sessions unregister their senders when they go).
  std::vector<std::unique_ptr<media_switch>> switches;
  std::vector<std::unique_ptr<udp_relay>> relays;
  room_directory rooms;
  services svc;
  api_router api;
  // After the workers: destroyed first, it joins its threads while the
  // io_contexts their last completions go to still exist.
  disk_threads disk{2};
  net_context net;
  std::unique_ptr<boost::asio::ssl::context> tls;
  listener accept;
  node_keeper keeper{db, rooms, node};
  std::vector<std::uint16_t> media_ports;
  std::uint16_t port = 0;
  bool running = false;
};

server::server(config cfg) : impl_(std::make_unique<impl>(std::move(cfg))) {}

server::~server() {
  stop();
}

void server::start() {
  configure_logging(impl_->cfg.log_level, impl_->cfg.log_levels, impl_->cfg.log_format);
  auto& s = *impl_;
  if (!s.cfg.tls_cert_file.empty()) {
    s.tls = make_tls_context(s.cfg);
    s.net.tls = s.tls.get();
  }
  s.port = s.accept.start(s.cfg.listen_address, s.cfg.port);
  s.node = describe_node(s.cfg, s.port);
  s.svc.node = &s.node;
  for (std::size_t i = 0; i < s.relays.size(); ++i) {
    if (s.cfg.media_port != 0 && s.cfg.media_port + i > 65535) {
      throw std::runtime_error("media_port " + std::to_string(s.cfg.media_port) + " + " +
                               std::to_string(s.relays.size()) + " workers passes port 65535");
    }
    const auto wanted =
        s.cfg.media_port == 0 ? 0 : static_cast<std::uint16_t>(s.cfg.media_port + i);
    const auto bound = s.relays[i]->open(s.cfg.listen_address, wanted, s.cfg.udp_buffer_bytes);
    s.switches[i]->attach(s.relays[i].get(), bound);
    s.media_ports.push_back(bound);
    s.relays[i]->start();
  }
  impl_->workers.start(s.cfg.realtime_priority);
  s.keeper.start();
  impl_->running = true;
  // Takes a previous process was writing when it died are incomplete: their
  // files end at the last page that reached the disk.
  s.db.run(
      [](pqxx::connection_base& conn) {
        pqxx::work tx(conn);
        const auto n = take_file_repository::mark_interrupted(tx);
        tx.commit();
        return n;
      },
      [](store_result<std::size_t> result) {
        if (result.ok() && result.value() > 0) {
          log::warn(log_subsystem::recording, {}, result.value(),
                    " take file(s) interrupted by a previous stop were marked incomplete");
        }
      });
  log::info(log_subsystem::app, {}, "listening on ", impl_->cfg.listen_address, ":", impl_->port,
            " with ", impl_->workers.size(), " workers (", impl_->workers.realtime_workers(),
            " under SCHED_FIFO); UDP media on ports ", impl_->media_ports.front(), "..",
            impl_->media_ports.back());
}

const std::string& server::node_id() const {
  return impl_->node.id;
}

const std::string& server::public_url() const {
  return impl_->node.url;
}

const std::vector<std::uint16_t>& server::media_ports() const {
  return impl_->media_ports;
}

std::uint16_t server::port() const {
  return impl_->port;
}

metrics_registry& server::metrics() {
  return impl_->registry;
}

void server::stop() {
  auto& s = *impl_;
  if (!s.running) {
    return;
  }
  s.running = false;
  // Drain: stop taking new work, send every client to another node (or
  // back here later), let sessions end their takes and the last commits
  // land, give the leases up so another node can take the sessions at once.
  const auto started = std::chrono::steady_clock::now();
  const auto deadline = started + s.cfg.drain_timeout;
  const auto soon = std::min(deadline, started + std::chrono::seconds(2));
  s.api.set_draining(true);
  s.accept.stop();
  s.keeper.drain(soon);
  const auto other = s.keeper.other_node(soon);
  v1::ServerEnvelope go_away;
  go_away.mutable_go_away()->set_reason("the server is shutting down");
  go_away.mutable_go_away()->set_reconnect_url(other.value_or(""));
  const auto frame = encode(go_away);
  log::info(log_subsystem::app, {}, "draining ", s.metrics.connections_open.value(),
            " connection(s)", other ? "; clients go to " + *other : std::string());
  for (std::size_t i = 0; i < s.workers.size(); ++i) {
    s.workers.post(i, [&s, i, frame] {
      for (auto& [raw, weak] : s.net.open[i]) {
        if (auto conn = weak.lock()) {
          conn->send(frame);
          conn->shutdown(close_reason::shutdown);
        }
      }
    });
  }
  // Leave time for the commit queue, the take files and the database.
  const auto close_by = deadline - (deadline - started) / 4;
  while (s.metrics.connections_open.value() > 0 && std::chrono::steady_clock::now() < close_by) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // Sessions still live (their clients did not leave in time) end on their
  // own workers: takes are closed and reported while the disk thread and
  // the database still run.
  s.rooms.unload_all(deadline);
  s.files.stop();  // after the sessions ended their takes, before the database
  s.writer.stop();
  s.keeper.stop(deadline);
  s.db.stop();
  s.workers.stop();
  log::info(log_subsystem::app, {}, "stopped after ",
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  started)
                .count(),
            " ms");
}

}  // namespace controlroom::server
