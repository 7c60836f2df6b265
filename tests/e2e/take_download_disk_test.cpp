// A take download never makes a network worker wait for the disk: pieces
// the page cache lacks are read on a disk thread
// (controlroom_disk_reads_deferred_total counts them), pieces it holds are
// read at once; either way the client gets the file byte for byte.

#include <filesystem>
#include <string>
#include <unistd.h>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "cold_file.hpp"
#include "controlroom/controlroom.hpp"
#include "metrics/registry.hpp"
#include "prometheus_text.hpp"
#include "raw_clients.hpp"
#include "store/statements.hpp"
#include "store/take_file_repository.hpp"
#include "test_server.hpp"
#include "util/crypto.hpp"

namespace controlroom::testing {
namespace {

class take_download_disk : public ::testing::Test {
 protected:
  test_server server;
  person ada = server.make_person("ada", true);
  // In the working directory (the build tree, on disk), not $TMPDIR.
  std::string path =
      std::filesystem::absolute("take_download_disk_test." + std::to_string(::getpid()) + ".opus");

  ~take_download_disk() override { std::filesystem::remove(path); }

  std::string make_session() {
    controlroom::client c(client_config{
        "ws://127.0.0.1:" + std::to_string(server.port()) + "/v1/control", ada.token});
    EXPECT_TRUE(c.connect());
    session_options options;
    options.title = "Downloads";
    options.creator_roles = {role::engineer};
    const auto created = c.create_session(options);
    EXPECT_TRUE(created) << created.message();
    return created ? created.value().id : "";
  }

  // A finished take file at `path`, straight into its table.
  std::string register_take_file(const std::string& session_id) {
    pqxx::connection conn(server.database_url());
    server::prepare_statements(conn);
    pqxx::work tx(conn);
    const auto id = server::random_uuid();
    server::new_take_file f{session_id, "tk1", "s1", "program", "p1", ada.user.id, path};
    server::take_file_repository::create(tx, id, f);
    server::take_file_outcome done;
    done.path = path;
    server::take_file_repository::finish(tx, id, f, done);
    tx.commit();
    return id;
  }

  double deferred() {
    const auto families = parse_prometheus(server.instance().metrics().render());
    const auto it = families.find("controlroom_disk_reads_deferred_total");
    EXPECT_NE(it, families.end());
    return it == families.end() || it->second.samples.empty() ? -1 : it->second.samples[0].value;
  }
};

TEST_F(take_download_disk, cold_pieces_are_read_on_a_disk_thread_and_warm_ones_at_once) {
  std::string content;
  for (int i = 0; content.size() < 700 * 1024; ++i) {
    content += "piece " + std::to_string(i) + ";";
  }
  const auto file_id = register_take_file(make_session());
  ASSERT_EQ(write_cold_file(path, content), "");

  const auto before = deferred();
  const auto cold =
      http_request(server.port(), "/api/v1/take-files/" + file_id + "/audio", "GET", ada.token);
  ASSERT_EQ(cold.status, 200u) << cold.body;
  EXPECT_TRUE(cold.body == content) << "the download differs from the file";
  const auto after_cold = deferred();
  EXPECT_GE(after_cold - before, 1) << "a piece not in the page cache was read on the worker";

  const auto warm =
      http_request(server.port(), "/api/v1/take-files/" + file_id + "/audio", "GET", ada.token);
  ASSERT_EQ(warm.status, 200u);
  EXPECT_TRUE(warm.body == content);
  EXPECT_EQ(deferred(), after_cold) << "a cached file needs no disk thread";
}

}  // namespace
}  // namespace controlroom::testing
