// Reads for the network workers: read_cached serves only what the page
// cache holds (a cold file is refused, not waited for), read_waiting reads
// from the device; both report the end of the file and errors.

#include "net/disk_reads.hpp"

#include <fcntl.h>
#include <string>
#include <unistd.h>

#include <gtest/gtest.h>

#include "cold_file.hpp"

namespace controlroom::server {
namespace {

class disk_reads : public ::testing::Test {
 protected:
  // In the working directory (the build tree, on disk), not $TMPDIR.
  std::string path = "disk_reads_test." + std::to_string(::getpid());
  std::string content = std::string(256 * 1024, 'a') + std::string(256 * 1024, 'b');
  int fd = -1;

  void SetUp() override {
    const auto why = testing::write_cold_file(path, content);
    ASSERT_EQ(why, "");
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
  }
  void TearDown() override {
    if (fd >= 0) {
      ::close(fd);
    }
    ::unlink(path.c_str());
  }
};

TEST_F(disk_reads, a_cold_file_is_not_read_from_the_cache_and_a_warm_one_is) {
  char piece[4096];
  EXPECT_EQ(read_cached(fd, piece, sizeof piece, 300 * 1024), std::nullopt)
      << "not in the page cache: the worker must not wait for it";
  ASSERT_EQ(read_waiting(fd, piece, sizeof piece, 300 * 1024), 4096);
  EXPECT_EQ(std::string(piece, 4096), std::string(4096, 'b'));
  const auto again = read_cached(fd, piece, sizeof piece, 300 * 1024);
  ASSERT_TRUE(again.has_value()) << "read once, it is cached";
  EXPECT_EQ(*again, 4096);
  EXPECT_EQ(std::string(piece, 4096), std::string(4096, 'b'));
}

TEST_F(disk_reads, the_end_of_the_file_and_errors_are_reported) {
  char piece[64];
  EXPECT_EQ(read_waiting(fd, piece, sizeof piece, static_cast<off_t>(content.size())), 0);
  EXPECT_EQ(read_waiting(fd, piece, sizeof piece, static_cast<off_t>(content.size()) - 10), 10);
  EXPECT_EQ(read_cached(fd, piece, sizeof piece, static_cast<off_t>(content.size())), 0)
      << "the end of the file needs no disk";
  EXPECT_EQ(read_waiting(-1, piece, sizeof piece, 0), -EBADF);
  EXPECT_EQ(read_cached(-1, piece, sizeof piece, 0), -EBADF);
}

}  // namespace
}  // namespace controlroom::server
