#include "util/log.hpp"

#include <chrono>
#include <stdexcept>
#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "config/config.hpp"
#include "logfmt.hpp"
#include "util/log_format.hpp"

namespace controlroom::server {
namespace {

using namespace std::chrono;
using controlroom::testing::parse_logfmt;

const auto at = sys_days{year{2026} / 11 / 24} + 21h + 52min + 3s + 120ms + 999us;

std::string without_newline(std::string line) {
  EXPECT_EQ(line.back(), '\n');
  line.pop_back();
  return line;
}

TEST(log_format, logfmt_line_carries_every_field_in_a_fixed_order) {
  EXPECT_EQ(format_log_line(log_format::logfmt, at, log_level::warn, "media",
                            {"3f2a-session", "Qm9vc2RlQ29u"}, "queue full (64 frames)"),
            "ts=2026-11-24T21:52:03.120Z level=warn logger=media session=3f2a-session "
            "conn=Qm9vc2RlQ29u msg=\"queue full (64 frames)\"\n");
}

TEST(log_format, a_line_without_ids_says_dash) {
  EXPECT_EQ(format_log_line(log_format::logfmt, at, log_level::info, "app", {}, "listening"),
            "ts=2026-11-24T21:52:03.120Z level=info logger=app session=- conn=- "
            "msg=\"listening\"\n");
  EXPECT_EQ(format_log_line(log_format::logfmt, at, log_level::debug, "net", {{}, "c1"}, "open"),
            "ts=2026-11-24T21:52:03.120Z level=debug logger=net session=- conn=c1 msg=\"open\"\n");
}

TEST(log_format, quotes_newlines_and_control_characters_stay_on_one_line) {
  const std::string nasty = "say \"hi\"\nlevel=error injected\r\tback\\slash\x01\x7f end";
  const auto line =
      format_log_line(log_format::logfmt, at, log_level::error, "control", {"s", "c"}, nasty);
  EXPECT_EQ(line.find('\n'), line.size() - 1) << line;
  EXPECT_EQ(line.find('\r'), std::string::npos);
  EXPECT_NE(line.find(R"(msg="say \"hi\"\nlevel=error injected\r\tback\\slash\u0001\u007f end")"),
            std::string::npos)
      << line;
  const auto fields = parse_logfmt(without_newline(line));
  EXPECT_EQ(fields.at("msg"), nasty);
  EXPECT_EQ(fields.at("level"), "error");
  EXPECT_EQ(fields.size(), 6u);
}

TEST(log_format, ids_that_are_not_plain_are_quoted) {
  // A session id straight from a client's JoinSession, before it is checked.
  const auto line = format_log_line(log_format::logfmt, at, log_level::info, "session",
                                    {"x conn=forged\n", "-"}, "joins");
  EXPECT_EQ(line.find('\n'), line.size() - 1) << line;
  const auto fields = parse_logfmt(without_newline(line));
  EXPECT_EQ(fields.at("session"), "x conn=forged\n");
  EXPECT_EQ(fields.at("conn"), "-");
  EXPECT_NE(line.find(R"(conn="-")"), std::string::npos) << "a real id '-' is not 'none'";
}

TEST(log_format, bytes_that_are_not_utf8_become_replacement_characters) {
  const std::string text = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x8E\xB5 bad:\xFF\xC3 \xED\xA0\x80";
  const auto line = format_log_line(log_format::logfmt, at, log_level::info, "http", {}, text);
  EXPECT_NE(line.find("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x8E\xB5 bad:\xEF\xBF\xBD\xEF\xBF\xBD "
                      "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\""),
            std::string::npos)
      << line;
}

std::string text(const boost::json::object& object, const char* key) {
  return std::string(object.at(key).as_string());
}

TEST(log_format, json_lines_parse_and_give_back_every_field) {
  const std::string nasty = "say \"hi\"\n}{\"level\":\"error\"\\ \x02";
  const auto line =
      format_log_line(log_format::json, at, log_level::warn, "store", {"s-1", "c \"2\""}, nasty);
  EXPECT_EQ(line.find('\n'), line.size() - 1) << line;
  const auto value = boost::json::parse(without_newline(line)).as_object();
  EXPECT_EQ(text(value, "ts"), "2026-11-24T21:52:03.120Z");
  EXPECT_EQ(text(value, "level"), "warn");
  EXPECT_EQ(text(value, "logger"), "store");
  EXPECT_EQ(text(value, "session"), "s-1");
  EXPECT_EQ(text(value, "conn"), "c \"2\"");
  EXPECT_EQ(text(value, "msg"), nasty);
  EXPECT_EQ(value.size(), 6u);

  const auto none = boost::json::parse(without_newline(format_log_line(
                                           log_format::json, at, log_level::info, "app", {}, "up")))
                        .as_object();
  EXPECT_TRUE(none.at("session").is_null());
  EXPECT_TRUE(none.at("conn").is_null());
}

TEST(log_levels, names_parse_exactly) {
  EXPECT_EQ(parse_log_level("debug"), log_level::debug);
  EXPECT_EQ(parse_log_level("info"), log_level::info);
  EXPECT_EQ(parse_log_level("warn"), log_level::warn);
  EXPECT_EQ(parse_log_level("error"), log_level::error);
  EXPECT_FALSE(parse_log_level("warning"));
  EXPECT_FALSE(parse_log_level("WARN"));
  EXPECT_FALSE(parse_log_level(""));
  EXPECT_EQ(parse_log_format("json"), log_format::json);
  EXPECT_FALSE(parse_log_format("xml"));
  for (std::size_t i = 0; i < log_subsystem_count; ++i) {
    const auto s = static_cast<log_subsystem>(i);
    EXPECT_EQ(parse_log_subsystem(to_string(s)), s);
  }
}

TEST(log_levels, overrides_parse_with_spaces_and_in_any_order) {
  const auto o = parse_log_level_overrides(" store=warn , media = debug ");
  EXPECT_EQ(o[static_cast<std::size_t>(log_subsystem::media)], log_level::debug);
  EXPECT_EQ(o[static_cast<std::size_t>(log_subsystem::store)], log_level::warn);
  EXPECT_FALSE(o[static_cast<std::size_t>(log_subsystem::net)]);
  for (const auto& level : parse_log_level_overrides("")) {
    EXPECT_FALSE(level);
  }
}

std::string override_error(const std::string& text) {
  try {
    parse_log_level_overrides(text);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(log_levels, bad_overrides_are_refused_with_the_reason) {
  EXPECT_NE(override_error("medai=debug").find("unknown subsystem 'medai'"), std::string::npos);
  EXPECT_NE(override_error("medai=debug").find("media"), std::string::npos) << "lists the names";
  EXPECT_NE(override_error("media=loud").find("unknown level 'loud'"), std::string::npos);
  EXPECT_NE(override_error("media").find("subsystem=level"), std::string::npos);
  EXPECT_NE(override_error("media=debug,").find("subsystem=level"), std::string::npos);
  EXPECT_NE(override_error("media=debug,media=info").find("twice"), std::string::npos);
}

TEST(log_levels, configuration_sets_each_loggers_level) {
  configure_logging("warn", "media=debug,store=error", "logfmt");
  EXPECT_TRUE(log_enabled(log_subsystem::media, log_level::debug));
  EXPECT_FALSE(log_enabled(log_subsystem::store, log_level::warn));
  EXPECT_TRUE(log_enabled(log_subsystem::store, log_level::error));
  EXPECT_FALSE(log_enabled(log_subsystem::net, log_level::info));
  EXPECT_TRUE(log_enabled(log_subsystem::net, log_level::warn));
  EXPECT_THROW(configure_logging("loud", "", "logfmt"), std::invalid_argument);
  EXPECT_THROW(configure_logging("info", "", "xml"), std::invalid_argument);

  set_log_level(log_level::info);  // one level for all: the overrides are gone
  EXPECT_FALSE(log_enabled(log_subsystem::media, log_level::debug));
  EXPECT_TRUE(log_enabled(log_subsystem::store, log_level::info));
}

std::string config_error_for(const std::string& key, const std::string& value) {
  config cfg;
  try {
    set_config_value(cfg, key, value, "test.conf");
  } catch (const config_error& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(log_levels, config_keys_are_validated_at_start) {
  config cfg;
  set_config_value(cfg, "log_levels", "media=debug,store=warn", "t");
  set_config_value(cfg, "log_format", "json", "t");
  EXPECT_EQ(cfg.log_levels, "media=debug,store=warn");
  EXPECT_EQ(cfg.log_format, "json");
  EXPECT_EQ(config_error_for("log_levels", "media=debug,nope=info"),
            "test.conf: log_levels: unknown subsystem 'nope' (one of app, net, control, session, "
            "store, media, recording, http, keeper)");
  EXPECT_NE(config_error_for("log_levels", "media=verbose").find("unknown level 'verbose'"),
            std::string::npos);
  EXPECT_NE(config_error_for("log_format", "xml").find("expected logfmt or json"),
            std::string::npos);
  EXPECT_NE(config_error_for("log_level", "warning").find("expected debug, info, warn or error"),
            std::string::npos);
}

}  // namespace
}  // namespace controlroom::server
