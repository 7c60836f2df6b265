// The TLS stream's socket BIO (server/net/socket_bio.hpp) on a real
// socket pair: a write to a peer that has gone fails with EPIPE and raises
// no SIGPIPE (whose default action would end this test process, as it ended
// the server before the BIO existed), bytes both ways, a socket that cannot
// take or give anything now asks to be retried, and end of stream shows as
// the BIO's EOF.

#include "net/socket_bio.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <openssl/bio.h>

namespace controlroom::server {
namespace {

class socket_bio_test : public ::testing::Test {
 protected:
  std::array<int, 2> fds{-1, -1};
  BIO* bio = nullptr;

  void SetUp() override {
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds.data()), 0);
    ASSERT_EQ(::fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
    bio = new_socket_bio(fds[0]);
    ASSERT_NE(bio, nullptr);
  }
  void TearDown() override {
    BIO_free(bio);
    for (int fd : fds) {
      if (fd >= 0) {
        ::close(fd);
      }
    }
  }
  void close_peer() {
    ::close(fds[1]);
    fds[1] = -1;
  }
};

TEST_F(socket_bio_test, a_write_to_a_peer_that_has_gone_fails_with_epipe_and_raises_no_sigpipe) {
  // The default action, as in a server that has not asked otherwise.
  ASSERT_NE(std::signal(SIGPIPE, SIG_DFL), SIG_ERR);
  close_peer();
  errno = 0;
  EXPECT_EQ(BIO_write(bio, "x", 1), -1);
  EXPECT_EQ(errno, EPIPE);
  EXPECT_FALSE(BIO_should_retry(bio));
}

TEST_F(socket_bio_test, carries_bytes_both_ways) {
  EXPECT_EQ(BIO_write(bio, "hello", 5), 5);
  std::array<char, 16> got{};
  ASSERT_EQ(::read(fds[1], got.data(), got.size()), 5);
  EXPECT_EQ(std::string(got.data(), 5), "hello");

  ASSERT_EQ(::write(fds[1], "back", 4), 4);
  EXPECT_EQ(BIO_read(bio, got.data(), static_cast<int>(got.size())), 4);
  EXPECT_EQ(std::string(got.data(), 4), "back");
  EXPECT_EQ(BIO_puts(bio, "text"), 4);
  EXPECT_EQ(BIO_flush(bio), 1);
}

TEST_F(socket_bio_test, nothing_to_read_asks_for_a_retry_and_end_of_stream_is_eof) {
  std::array<char, 16> got{};
  EXPECT_EQ(BIO_read(bio, got.data(), static_cast<int>(got.size())), -1);
  EXPECT_TRUE(BIO_should_retry(bio));
  EXPECT_TRUE(BIO_should_read(bio));
  EXPECT_FALSE(BIO_eof(bio));

  close_peer();
  EXPECT_EQ(BIO_read(bio, got.data(), static_cast<int>(got.size())), 0);
  EXPECT_FALSE(BIO_should_retry(bio));
  EXPECT_TRUE(BIO_eof(bio));
}

TEST_F(socket_bio_test, a_full_socket_asks_for_a_retry_of_the_write) {
  const std::string chunk(64 * 1024, 'x');
  int wrote = 0;
  for (int i = 0; i < 1000 && wrote >= 0; ++i) {
    wrote = BIO_write(bio, chunk.data(), static_cast<int>(chunk.size()));
  }
  EXPECT_EQ(wrote, -1);
  EXPECT_TRUE(BIO_should_retry(bio));
  EXPECT_TRUE(BIO_should_write(bio));
}

TEST_F(socket_bio_test, freeing_the_bio_leaves_the_descriptor_open) {
  BIO_free(bio);
  bio = nullptr;
  EXPECT_EQ(::fcntl(fds[0], F_GETFD), 0) << "closed: " << errno;
}

}  // namespace
}  // namespace controlroom::server
