// The ?session= placement hint of a WebSocket upgrade: found among other
// parameters, and ignored when missing, empty, too long or not an id.

#include "net/session_hint.hpp"

#include <gtest/gtest.h>

namespace controlroom::server {
namespace {

TEST(session_hint, is_the_session_parameter_of_the_query) {
  EXPECT_EQ(session_hint("/v1/control?session=0b6f3a52-2c1e-4d7a-9a51-7e0c4f1d2b3a"),
            "0b6f3a52-2c1e-4d7a-9a51-7e0c4f1d2b3a");
  EXPECT_EQ(session_hint("/v1/control?v=1&session=abc_DEF-9&x=y"), "abc_DEF-9");
  EXPECT_EQ(session_hint("/v1/control?session=abc#fragment"), "abc");
}

TEST(session_hint, is_absent_without_a_usable_value) {
  EXPECT_EQ(session_hint("/v1/control"), std::nullopt);
  EXPECT_EQ(session_hint("/v1/control?"), std::nullopt);
  EXPECT_EQ(session_hint("/v1/control?sessions=abc"), std::nullopt);
  EXPECT_EQ(session_hint("/v1/control?xsession=abc"), std::nullopt);
  EXPECT_EQ(session_hint("/v1/control?session="), std::nullopt);
  EXPECT_EQ(session_hint("/v1/control?session=a%20b"), std::nullopt);
  EXPECT_EQ(session_hint("/v1/control?session=" + std::string(65, 'a')), std::nullopt);
  EXPECT_EQ(session_hint("/v1/control?session=" + std::string(64, 'a')), std::string(64, 'a'));
}

}  // namespace
}  // namespace controlroom::server
