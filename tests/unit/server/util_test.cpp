#include <set>

#include <gtest/gtest.h>

#include "domain/role.hpp"
#include "util/crypto.hpp"

namespace controlroom::server {
namespace {

TEST(crypto, sha256_matches_the_standard_vector) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(crypto, tokens_are_long_url_safe_and_distinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const auto token = new_api_token();
    EXPECT_EQ(token.size(), 4u + 43u);  // "crt_" + 256 bits in base64url
    EXPECT_EQ(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                      "0123456789-_",
                                      4),
              std::string::npos);
    seen.insert(token);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(crypto, uuid_shape) {
  EXPECT_TRUE(is_uuid("00000000-0000-0000-0000-000000000001"));
  EXPECT_TRUE(is_uuid("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
  EXPECT_FALSE(is_uuid("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1"));
  EXPECT_FALSE(is_uuid("a0eebc99x9c0b-4ef8-bb6d-6bb9bd380a11"));
  EXPECT_FALSE(is_uuid("g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
  EXPECT_FALSE(is_uuid("'; DROP TABLE users; --"));
}

TEST(role_set, membership_inclusion_and_postgres_forms) {
  role_set s{role::producer, role::engineer};
  EXPECT_TRUE(s.contains(role::engineer));
  EXPECT_FALSE(s.contains(role::listener));
  EXPECT_TRUE(s.includes(role_set{role::producer}));
  EXPECT_FALSE(s.includes(role_set{role::producer, role::artist}));
  EXPECT_TRUE(s.includes(role_set{}));
  EXPECT_EQ(s.to_pg_array(), "{engineer,producer}");
  EXPECT_EQ(role_set::from_csv("producer,engineer"), s);
  EXPECT_EQ(role_set::from_csv(""), role_set{});
  EXPECT_EQ(role_set::from_csv("listener,bogus"), role_set{role::listener});
  for (auto r : all_roles) {
    EXPECT_EQ(role_from_string(to_string(r)), r);
  }
}

}  // namespace
}  // namespace controlroom::server
