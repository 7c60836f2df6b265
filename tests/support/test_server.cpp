#include "test_server.hpp"

#include <filesystem>
#include <stdexcept>
#include <stdlib.h>

#include <pqxx/pqxx>

#include "store/statements.hpp"
#include "store/token_repository.hpp"
#include "store/user_repository.hpp"

namespace controlroom::testing {

scratch_dir::scratch_dir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "controlroom-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed for " + pattern);
  }
  path_ = pattern;
}

scratch_dir::~scratch_dir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

test_server::test_server(const std::function<void(server::config&)>& tweak)
    : test_server(std::string(), tweak) {}

test_server::test_server(const std::string& shared_database_url,
                         const std::function<void(server::config&)>& tweak) {
  if (shared_database_url.empty()) {
    db_.emplace();
    database_url_ = db_->url();
  } else {
    database_url_ = shared_database_url;
  }
  cfg_.database_url = database_url_;
  cfg_.listen_address = "127.0.0.1";
  cfg_.port = 0;
  cfg_.media_port = 0;
  cfg_.recordings_dir = recordings_.path();
  cfg_.workers = 2;
  cfg_.log_level = "warn";
  if (tweak) {
    tweak(cfg_);
  }
  srv_ = std::make_unique<server::server>(cfg_);
  srv_->start();
}

test_server::~test_server() {
  srv_->stop();
}

void test_server::restart() {
  srv_->stop();
  srv_.reset();
  srv_ = std::make_unique<server::server>(cfg_);
  srv_->start();
}

std::string test_server::ws_url() const {
  return "ws://127.0.0.1:" + std::to_string(port()) + "/v1/control";
}

person test_server::make_person(const std::string& name, bool admin) {
  pqxx::connection conn(database_url_);
  server::prepare_statements(conn);
  pqxx::work tx(conn);
  person p;
  p.user = server::user_repository::create(tx, name, admin);
  p.token = server::token_repository::issue(tx, p.user.id, "test");
  tx.commit();
  return p;
}

}  // namespace controlroom::testing
