#pragma once

// In-memory stand-ins for the network layer, for testing handlers and rooms
// without sockets: a peer that records what it is sent and runs posts
// inline, and workers that run posts inline.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "app/worker_set.hpp"
#include "control/envelope_codec.hpp"
#include "control/peer.hpp"

namespace controlroom::testing {

class fake_peer : public server::peer {
 public:
  explicit fake_peer(std::string id = "peer-1") : id_(std::move(id)) {}

  const std::string& id() const override { return id_; }
  void send(server::frame_ptr frame) override { sent.push_back(std::move(frame)); }
  void post(std::function<void()> fn) override { fn(); }
  bool closed() const override { return is_closed; }
  void shutdown(server::close_reason reason) override { shut_down_for = reason; }
  void carries_media() override { ++media_hints; }

  /// Everything sent so far, parsed.
  std::vector<server::v1::ServerEnvelope> envelopes() const {
    std::vector<server::v1::ServerEnvelope> out;
    for (const auto& f : sent) {
      out.emplace_back().ParseFromString(*f);
    }
    return out;
  }
  server::v1::ServerEnvelope last() const { return envelopes().back(); }

  std::vector<server::frame_ptr> sent;
  bool is_closed = false;
  std::optional<server::close_reason> shut_down_for;
  int media_hints = 0;  // carries_media() calls

 private:
  std::string id_;
};

class inline_workers : public server::worker_set {
 public:
  explicit inline_workers(std::size_t n) : n_(n) {}
  std::size_t size() const override { return n_; }
  void post(std::size_t, std::function<void()> fn) override { fn(); }
  bool on_worker(std::size_t) const override { return false; }  // post() runs it anyway
  std::optional<std::size_t> current() const override { return std::nullopt; }

 private:
  std::size_t n_;
};

}  // namespace controlroom::testing
