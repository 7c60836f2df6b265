#pragma once

// The real controlroomd, in-process on a loopback port chosen by the kernel,
// over its own throwaway database, with helpers to make people and tokens.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "app/server.hpp"
#include "config/config.hpp"
#include "domain/records.hpp"
#include "test_database.hpp"

namespace controlroom::testing {

struct person {
  server::user_record user;
  std::string token;
};

/// A directory under $TMPDIR removed with everything in it at destruction.
class scratch_dir {
 public:
  scratch_dir();
  ~scratch_dir();
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class test_server {
 public:
  /// `tweak` may adjust the config (limits, timeouts) before start.
  explicit test_server(const std::function<void(server::config&)>& tweak = {});
  /// Another node of a deployment: a server on an existing server's database.
  test_server(const std::string& shared_database_url,
              const std::function<void(server::config&)>& tweak);
  ~test_server();

  std::uint16_t port() const { return srv_->port(); }
  std::string ws_url() const;
  const std::string& database_url() const { return database_url_; }
  server::server& instance() { return *srv_; }
  /// Where this server writes take files.
  const std::string& recordings_dir() const { return recordings_.path(); }

  /// Creates a user with a fresh API token.
  person make_person(const std::string& name, bool admin = false);

  /// Stops the server (idempotent).
  void stop() { srv_->stop(); }

  /// Stops the server and starts a fresh process-equivalent on the same
  /// database (a new port): nothing survives but what is in PostgreSQL.
  void restart();

 private:
  std::optional<test_database> db_;  // its own, unless it shares another server's
  std::string database_url_;
  scratch_dir recordings_;
  server::config cfg_;
  std::unique_ptr<server::server> srv_;
};

}  // namespace controlroom::testing
