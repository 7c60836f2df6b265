#include "config/config.hpp"

#include <gtest/gtest.h>

#include "config/command_line.hpp"

namespace controlroom::server {
namespace {

TEST(config, defaults_are_valid_once_a_database_is_named) {
  config cfg;
  EXPECT_THROW(validate(cfg), config_error);
  cfg.database_url = "postgresql:///controlroom";
  EXPECT_NO_THROW(validate(cfg));
  EXPECT_EQ(cfg.port, 7700);
}

TEST(config, file_sets_keys_and_ignores_comments) {
  config cfg;
  apply_config_text(cfg,
                    "# a comment\n\nport = 9000\nworkers=3\n"
                    "database_url = \"postgresql://u@h/db\"\nidle-timeout-ms = 1500\n",
                    "test.conf");
  EXPECT_EQ(cfg.port, 9000);
  EXPECT_EQ(cfg.workers, 3u);
  EXPECT_EQ(cfg.database_url, "postgresql://u@h/db");
  EXPECT_EQ(cfg.idle_timeout.count(), 1500);
}

TEST(config, unknown_key_names_the_key_and_the_line) {
  config cfg;
  try {
    apply_config_text(cfg, "port = 1\nportt = 2\n", "my.conf");
    FAIL() << "no error";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("my.conf:2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'portt'"), std::string::npos) << e.what();
  }
}

TEST(config, bad_values_are_rejected_with_the_range) {
  config cfg;
  EXPECT_THROW(set_config_value(cfg, "port", "70000", "t"), config_error);
  EXPECT_THROW(set_config_value(cfg, "port", "12ab", "t"), config_error);
  EXPECT_THROW(set_config_value(cfg, "port", "", "t"), config_error);
  EXPECT_THROW(set_config_value(cfg, "db_pool_size", "0", "t"), config_error);
  EXPECT_THROW(set_config_value(cfg, "log_level", "loud", "t"), config_error);
  EXPECT_THROW(apply_config_text(cfg, "just words\n", "t"), config_error);
  try {
    set_config_value(cfg, "max_frame_bytes", "10", "flag --max-frame-bytes");
    FAIL() << "no error";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("out of range"), std::string::npos) << e.what();
  }
}

TEST(config, environment_uses_the_controlroomd_prefix_and_rejects_unknown_names) {
  config cfg;
  apply_config_env(cfg, {"HOME=/root", "CONTROLROOMD_PORT=8123", "CONTROLROOM_OTHER=x"});
  EXPECT_EQ(cfg.port, 8123);
  EXPECT_THROW(apply_config_env(cfg, {"CONTROLROOMD_NOPE=1"}), config_error);
}

TEST(config, layers_apply_file_then_environment_then_flags) {
  const auto cmd = parse_command_line({"serve", "--port=3", "--database-url", "postgresql:///x"});
  EXPECT_EQ(cmd.command, "serve");
  const auto cfg = load_config(cmd, {"CONTROLROOMD_PORT=2", "CONTROLROOMD_WORKERS=5"});
  EXPECT_EQ(cfg.port, 3);  // flag beats environment
  EXPECT_EQ(cfg.workers, 5u);
}

TEST(config, missing_config_file_is_an_error) {
  const auto cmd = parse_command_line({"--config", "/nonexistent/controlroomd.conf"});
  EXPECT_THROW(load_config(cmd, {}), config_error);
}

TEST(command_line, parses_commands_options_and_help) {
  EXPECT_EQ(parse_command_line({}).command, "serve");
  EXPECT_EQ(parse_command_line({"migrate"}).command, "migrate");
  EXPECT_EQ(parse_command_line({"--help"}).command, "help");
  const auto token = parse_command_line({"admin-token", "--user", "ada"});
  EXPECT_EQ(token.options.at("user"), "ada");
  EXPECT_TRUE(token.settings.empty());
  EXPECT_THROW(parse_command_line({"frobnicate"}), config_error);
  EXPECT_THROW(parse_command_line({"serve", "stray"}), config_error);
  EXPECT_THROW(parse_command_line({"--port"}), config_error);
  // --user is only an option of admin-token; elsewhere it is an unknown key.
  const auto serve = parse_command_line({"--user=x", "--database-url=postgresql:///x"});
  EXPECT_THROW(load_config(serve, {}), config_error);
}

TEST(config, describe_masks_the_database_password) {
  config cfg;
  cfg.database_url = "postgresql://me:s3cret@db/controlroom";
  bool seen = false;
  for (const auto& [key, value] : describe(cfg)) {
    if (key == "database_url") {
      seen = true;
      EXPECT_EQ(value.find("s3cret"), std::string::npos);
      EXPECT_EQ(value, "postgresql://me:***@db/controlroom");
    }
  }
  EXPECT_TRUE(seen);
  EXPECT_EQ(mask_password("host=db password=hunter2 user=x"), "host=db password=*** user=x");
  EXPECT_EQ(mask_password("postgresql://me@db/x"), "postgresql://me@db/x");
}

TEST(config, usage_lists_every_key) {
  const auto text = usage_text();
  for (const auto& [key, help] : config_keys()) {
    EXPECT_NE(text.find(key), std::string::npos) << key;
  }
}

}  // namespace
}  // namespace controlroom::server

namespace controlroom::server {
namespace {

TEST(config, the_shipped_example_configuration_is_valid) {
  const auto cmd = parse_command_line(
      {"serve", "--config", CONTROLROOM_SOURCE_DIR "/deploy/controlroomd.conf.example"});
  const auto cfg = load_config(cmd, {});
  EXPECT_EQ(cfg.listen_address, "0.0.0.0");
  EXPECT_FALSE(cfg.database_url.empty());
}

}  // namespace
}  // namespace controlroom::server

namespace controlroom::server {
namespace {

TEST(config, the_request_and_connection_limits_are_keys_with_checked_values) {
  config cfg;
  cfg.database_url = "postgresql:///controlroom";
  apply_config_text(cfg,
                    "max_requests_per_second = 20\nrequest_burst = 40\n"
                    "rate_limit_close_after = 5\nmax_connections = 500\n"
                    "max_connections_per_address = 10\n",
                    "limits.conf");
  EXPECT_EQ(cfg.max_requests_per_second, 20u);
  EXPECT_EQ(cfg.request_burst, 40u);
  EXPECT_EQ(cfg.rate_limit_close_after, 5u);
  EXPECT_EQ(cfg.max_connections, 500u);
  EXPECT_EQ(cfg.max_connections_per_address, 10u);
  EXPECT_NO_THROW(validate(cfg));

  EXPECT_THROW(set_config_value(cfg, "request_burst", "0", "t"), config_error);
  EXPECT_THROW(set_config_value(cfg, "rate_limit_close_after", "0", "t"), config_error);
  EXPECT_THROW(set_config_value(cfg, "max_requests_per_second", "-1", "t"), config_error);
  EXPECT_THROW(set_config_value(cfg, "max_connections_per_address", "lots", "t"), config_error);
  EXPECT_NO_THROW(set_config_value(cfg, "max_requests_per_second", "0", "t"));  // off

  cfg.max_connections = 5;
  cfg.max_connections_per_address = 6;
  EXPECT_THROW(validate(cfg), config_error);
  cfg.max_connections = 0;  // no total: any per-address limit goes
  EXPECT_NO_THROW(validate(cfg));
}

TEST(config, realtime_priority_is_off_by_default_and_a_sched_fifo_priority_when_set) {
  config cfg;
  EXPECT_EQ(cfg.realtime_priority, 0u);
  set_config_value(cfg, "realtime-priority", "20", "t");
  EXPECT_EQ(cfg.realtime_priority, 20u);
  set_config_value(cfg, "realtime_priority", "99", "t");
  EXPECT_EQ(cfg.realtime_priority, 99u);
  try {
    set_config_value(cfg, "realtime_priority", "100", "flag");
    ADD_FAILURE() << "100 is past SCHED_FIFO's range";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("realtime_priority"), std::string::npos) << e.what();
  }
  EXPECT_THROW(set_config_value(cfg, "realtime_priority", "-1", "t"), config_error);
  EXPECT_EQ(cfg.realtime_priority, 99u) << "a refused value changes nothing";
}

}  // namespace
TEST(config, worker_fill_defaults_to_512_participants_and_zero_spreads) {
  config cfg;
  EXPECT_EQ(cfg.worker_fill, 512u);
  set_config_value(cfg, "worker-fill", "0", "t");
  EXPECT_EQ(cfg.worker_fill, 0u);
  set_config_value(cfg, "worker_fill", "2000", "t");
  EXPECT_EQ(cfg.worker_fill, 2000u);
  EXPECT_THROW(set_config_value(cfg, "worker_fill", "-1", "t"), config_error);
  EXPECT_THROW(set_config_value(cfg, "worker_fill", "many", "t"), config_error);
  EXPECT_EQ(cfg.worker_fill, 2000u) << "a refused value changes nothing";
}

}  // namespace controlroom::server
