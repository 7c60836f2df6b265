#include "app/node_keeper.hpp"

#include <future>

#include <pqxx/pqxx>

#include "session/room_directory.hpp"
#include "store/db_pool.hpp"
#include "store/lease_repository.hpp"
#include "util/log.hpp"

namespace controlroom::server {

namespace {

// Runs `work` on the pool and waits for it, at most until `deadline`.
template <class Work>
auto run_and_wait(db_pool& db, Work work, std::chrono::steady_clock::time_point deadline)
    -> std::optional<std::invoke_result_t<Work, pqxx::connection_base&>> {
  using value_type = std::invoke_result_t<Work, pqxx::connection_base&>;
  auto promise = std::make_shared<std::promise<std::optional<value_type>>>();
  auto future = promise->get_future();
  db.run(std::move(work), [promise](store_result<value_type> result) {
    promise->set_value(result.ok() ? std::optional<value_type>(std::move(result.value()))
                                   : std::nullopt);
  });
  if (future.wait_until(deadline) != std::future_status::ready) {
    return std::nullopt;
  }
  return future.get();
}

}  // namespace

node_keeper::node_keeper(db_pool& db, room_directory& rooms, const node_info& node)
    : db_(db), rooms_(rooms), node_(node) {}

node_keeper::~node_keeper() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();  // quick: the thread only waits and queues jobs
  }
}

void node_keeper::start() {
  thread_ = std::thread([this] { run(); });
}

void node_keeper::run() {
  const auto period = std::chrono::milliseconds(std::max<std::int64_t>(node_.lease_ms / 3, 50));
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    tick();
    lock.lock();
    wake_.wait_for(lock, period, [this] { return stopping_; });
  }
}

void node_keeper::tick() {
  bool draining = false;
  {
    std::lock_guard lock(mutex_);
    draining = draining_;
  }
  db_.run(
      [node = node_, draining, live = rooms_.live_sessions()](pqxx::connection_base& conn) {
        pqxx::work tx(conn);
        lease_repository::heartbeat(tx, node.id, node.url, draining);
        auto lost = lease_repository::renew(tx, node.id, live, node.lease_ms);
        tx.commit();
        return lost;
      },
      [](store_result<std::vector<std::string>> result) {
        if (!result.ok()) {
          log::warn(log_subsystem::keeper, {}, "lease renewal failed: ", result.error().message);
          return;
        }
        for (const auto& id : result.value()) {
          // Another node took it while this one could not renew (a pause or
          // a partition longer than the lease). Its writes here would fail on
          // the log's primary key; the clients move when they reconnect.
          log::error(log_subsystem::keeper, {id}, "session is now owned by another node");
        }
      });
}

void node_keeper::drain(std::chrono::steady_clock::time_point deadline) {
  {
    std::lock_guard lock(mutex_);
    draining_ = true;
  }
  run_and_wait(
      db_,
      [node = node_](pqxx::connection_base& conn) {
        pqxx::work tx(conn);
        lease_repository::heartbeat(tx, node.id, node.url, true);
        tx.commit();
        return true;
      },
      deadline);
}

std::optional<std::string> node_keeper::other_node(std::chrono::steady_clock::time_point deadline) {
  auto found = run_and_wait(
      db_,
      [node = node_](pqxx::connection_base& conn) {
        pqxx::read_transaction tx(conn);
        // A node is up if it renewed within two lease periods.
        return lease_repository::other_node(tx, node.id, 2 * node.lease_ms).value_or(std::string());
      },
      deadline);
  if (!found || found->empty()) {
    return std::nullopt;
  }
  return found;
}

void node_keeper::stop(std::chrono::steady_clock::time_point deadline) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      return;
    }
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
  run_and_wait(
      db_,
      [node = node_](pqxx::connection_base& conn) {
        pqxx::work tx(conn);
        lease_repository::release_all(tx, node.id);
        lease_repository::heartbeat(tx, node.id, node.url, true);
        tx.commit();
        return true;
      },
      deadline);
}

}  // namespace controlroom::server
