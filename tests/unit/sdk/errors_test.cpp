#include "controlroom/errors.hpp"

#include <set>
#include <stdexcept>
#include <string>
#include <system_error>

#include <gtest/gtest.h>

#include "controlroom/v1/control.pb.h"

namespace controlroom {
namespace {

TEST(error_category, is_named_controlroom) {
  EXPECT_STREQ(error_category().name(), "controlroom");
  EXPECT_EQ(&make_error_code(errc::timeout).category(), &error_category());
}

TEST(error_category, server_codes_share_the_protos_numbers) {
  EXPECT_EQ(static_cast<int>(errc::malformed), v1::ERROR_CODE_MALFORMED);
  EXPECT_EQ(static_cast<int>(errc::unsupported_version), v1::ERROR_CODE_UNSUPPORTED_VERSION);
  EXPECT_EQ(static_cast<int>(errc::unauthenticated), v1::ERROR_CODE_UNAUTHENTICATED);
  EXPECT_EQ(static_cast<int>(errc::forbidden), v1::ERROR_CODE_FORBIDDEN);
  EXPECT_EQ(static_cast<int>(errc::not_found), v1::ERROR_CODE_NOT_FOUND);
  EXPECT_EQ(static_cast<int>(errc::failed_precondition), v1::ERROR_CODE_FAILED_PRECONDITION);
  EXPECT_EQ(static_cast<int>(errc::too_large), v1::ERROR_CODE_TOO_LARGE);
  EXPECT_EQ(static_cast<int>(errc::rate_limited), v1::ERROR_CODE_RATE_LIMITED);
  EXPECT_EQ(static_cast<int>(errc::unavailable), v1::ERROR_CODE_UNAVAILABLE);
  EXPECT_EQ(static_cast<int>(errc::internal), v1::ERROR_CODE_INTERNAL);
  EXPECT_EQ(static_cast<int>(errc::stale_version), v1::ERROR_CODE_STALE_VERSION);
  EXPECT_EQ(static_cast<int>(errc::moved), v1::ERROR_CODE_MOVED);
  EXPECT_EQ(v1::ErrorCode_MAX, v1::ERROR_CODE_MOVED) << "a new server code needs an errc";
}

TEST(error_category, client_codes_start_at_100) {
  EXPECT_EQ(static_cast<int>(errc::invalid_url), 100);
  EXPECT_EQ(static_cast<int>(errc::not_joined), 108);
}

TEST(error_category, every_code_has_its_own_message) {
  std::set<std::string> seen;
  for (int v = 1; v <= 11; ++v)
    seen.insert(make_error_code(static_cast<errc>(v)).message());
  for (int v = 100; v <= 108; ++v)
    seen.insert(make_error_code(static_cast<errc>(v)).message());
  EXPECT_EQ(seen.size(), 20u);
  EXPECT_EQ(make_error_code(errc::timeout).message(), "timed out");
  EXPECT_EQ(make_error_code(errc::unauthenticated).message(), "not authenticated");
}

TEST(error_category, unknown_values_still_get_a_message) {
  EXPECT_EQ(std::error_code(42, error_category()).message(), "unknown controlroom error 42");
}

TEST(error_category, errc_converts_implicitly_to_error_code) {
  std::error_code ec = errc::not_found;
  EXPECT_EQ(ec, errc::not_found);
  EXPECT_NE(ec, errc::forbidden);
  EXPECT_NE(ec, std::errc::timed_out);
}

TEST(result, holds_a_value) {
  result<int> r = 7;
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(static_cast<bool>(r));
  EXPECT_EQ(r.value(), 7);
  EXPECT_FALSE(r.error());
  EXPECT_TRUE(r.message().empty());
}

TEST(result, value_overloads_give_access_and_move) {
  result<std::string> r = std::string("take 3");
  r.value() += "!";
  const auto& cr = r;
  EXPECT_EQ(cr.value(), "take 3!");
  std::string moved = std::move(r).value();
  EXPECT_EQ(moved, "take 3!");
}

TEST(result, holds_an_error_with_message) {
  result<int> r{errc::forbidden, "producers only"};
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(static_cast<bool>(r));
  EXPECT_EQ(r.error(), errc::forbidden);
  EXPECT_EQ(r.message(), "producers only");
}

TEST(result, empty_message_falls_back_to_the_category_message) {
  result<int> r{errc::timeout};
  EXPECT_EQ(r.message(), "timed out");
}

TEST(result, value_of_an_error_throws_system_error) {
  result<int> r{errc::not_connected, "call connect() first"};
  try {
    (void)r.value();
    FAIL() << "value() did not throw";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), errc::not_connected);
    EXPECT_NE(std::string(e.what()).find("call connect() first"), std::string::npos);
  }
}

TEST(status, default_is_ok) {
  status s;
  EXPECT_TRUE(s.ok());
  EXPECT_TRUE(static_cast<bool>(s));
  EXPECT_FALSE(s.error());
  EXPECT_TRUE(s.message().empty());
}

TEST(status, carries_an_error) {
  status s{errc::unavailable, "draining"};
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.error(), errc::unavailable);
  EXPECT_EQ(s.message(), "draining");
}

TEST(status, zero_error_code_means_ok) {
  status s{std::error_code{}, "ignored"};
  EXPECT_TRUE(s.ok());
  EXPECT_TRUE(s.message().empty());
}

}  // namespace
}  // namespace controlroom
