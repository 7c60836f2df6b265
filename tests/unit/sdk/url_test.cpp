#include "url.hpp"

#include <gtest/gtest.h>

namespace controlroom::detail {
namespace {

ws_url parse_ok(std::string_view text) {
  auto parsed = parse_ws_url(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.message();
  return parsed ? parsed.value() : ws_url{};
}

void expect_invalid(std::string_view text, std::string_view message_part = {}) {
  auto parsed = parse_ws_url(text);
  ASSERT_FALSE(parsed.ok()) << text;
  EXPECT_EQ(parsed.error(), errc::invalid_url) << text;
  EXPECT_NE(parsed.message().find(message_part), std::string::npos)
      << text << " gave \"" << parsed.message() << "\"";
}

TEST(parse_ws_url, host_only_gets_default_port_and_path) {
  const auto url = parse_ok("ws://studio.example");
  EXPECT_EQ(url.host, "studio.example");
  EXPECT_EQ(url.port, 80);
  EXPECT_EQ(url.target, "/v1/control");
  EXPECT_EQ(url.host_header, "studio.example");
}

TEST(parse_ws_url, explicit_port_and_path) {
  const auto url = parse_ok("ws://127.0.0.1:8443/custom/path");
  EXPECT_EQ(url.host, "127.0.0.1");
  EXPECT_EQ(url.port, 8443);
  EXPECT_EQ(url.target, "/custom/path");
  EXPECT_EQ(url.host_header, "127.0.0.1:8443");
}

TEST(parse_ws_url, lone_slash_is_kept_as_the_path) {
  EXPECT_EQ(parse_ok("ws://h/").target, "/");
}

TEST(parse_ws_url, query_is_part_of_the_target) {
  EXPECT_EQ(parse_ok("ws://h:1/v1/control?debug=1").target, "/v1/control?debug=1");
  EXPECT_EQ(parse_ok("ws://h?debug=1").target, "/v1/control?debug=1");
}

TEST(parse_ws_url, port_80_is_left_out_of_the_host_header) {
  EXPECT_EQ(parse_ok("ws://h:80").host_header, "h");
}

TEST(parse_ws_url, scheme_is_case_insensitive) {
  EXPECT_EQ(parse_ok("WS://h").host, "h");
}

TEST(parse_ws_url, ipv6_literal_loses_brackets_for_resolver_keeps_them_in_host_header) {
  const auto url = parse_ok("ws://[::1]:9000/x");
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, 9000);
  EXPECT_EQ(url.host_header, "[::1]:9000");
  EXPECT_EQ(parse_ok("ws://[fe80::1]").host_header, "[fe80::1]");
}

TEST(parse_ws_url, port_bounds) {
  EXPECT_EQ(parse_ok("ws://h:1").port, 1);
  EXPECT_EQ(parse_ok("ws://h:65535").port, 65535);
  expect_invalid("ws://h:0", "port");
  expect_invalid("ws://h:65536", "port");
  expect_invalid("ws://h:123456", "port");
  expect_invalid("ws://h:", "port");
  expect_invalid("ws://h:8a", "port");
  expect_invalid("ws://h:-1", "port");
  expect_invalid("ws://[::1]x", "port");
}

TEST(parse_ws_url, wss_defaults_to_port_443_and_keeps_other_ports) {
  const auto url = parse_ok("WSS://studio.example");
  EXPECT_TRUE(url.tls);
  EXPECT_EQ(url.port, 443);
  EXPECT_EQ(url.host_header, "studio.example");
  EXPECT_EQ(url.target, "/v1/control");
  const auto other = parse_ok("wss://127.0.0.1:80/x");
  EXPECT_TRUE(other.tls);
  EXPECT_EQ(other.port, 80);
  EXPECT_EQ(other.host_header, "127.0.0.1:80");
  EXPECT_FALSE(parse_ok("ws://studio.example:443").tls);
  EXPECT_EQ(parse_ok("ws://studio.example:443").host_header, "studio.example:443");
}

TEST(parse_ws_url, other_schemes_and_shapes_are_refused) {
  expect_invalid("http://h", "scheme");
  expect_invalid("studio.example:8080", "ws://");
  expect_invalid("", "ws://");
  expect_invalid("ws://", "missing host");
  expect_invalid("ws:///v1/control", "missing host");
  expect_invalid("ws://:8080", "missing host");
}

TEST(parse_ws_url, invalid_hosts_are_refused) {
  expect_invalid("ws://::1:8080", "host");
  expect_invalid("ws://[::1", "IPv6");
  expect_invalid("ws://[]:80", "IPv6");
  expect_invalid("ws://[zz::1]", "IPv6");
  expect_invalid("ws://ho%73t", "host");
}

TEST(parse_ws_url, credentials_fragments_and_spaces_are_refused) {
  expect_invalid("ws://user:secret@h", "token");
  expect_invalid("ws://h/v1/control#frag", "fragment");
  expect_invalid("ws://h/v1 control", "spaces");
  expect_invalid(" ws://h", "spaces");
  expect_invalid("ws://h/\r\nX-Injected: 1", "control characters");
}

TEST(with_session_hint, adds_the_parameter_or_replaces_an_old_one) {
  EXPECT_EQ(with_session_hint("/v1/control", "s-1"), "/v1/control?session=s-1");
  EXPECT_EQ(with_session_hint("/v1/control?", "s-1"), "/v1/control?session=s-1");
  EXPECT_EQ(with_session_hint("/v1/control?trace=1", "s-1"), "/v1/control?session=s-1&trace=1");
  EXPECT_EQ(with_session_hint("/v1/control?session=old&trace=1&session=older", "s-2"),
            "/v1/control?session=s-2&trace=1");
}

}  // namespace
}  // namespace controlroom::detail
