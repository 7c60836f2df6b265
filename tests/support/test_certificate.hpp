#pragma once

// Throwaway TLS certificates for the tests that serve https/wss.

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "test_server.hpp"

namespace controlroom::testing {

struct certificate {
  std::string cert_file;
  std::string key_file;
};

/// A self-signed certificate (its own CA) naming `subject_alt_names`, made by
/// the openssl command so that the test exercises no code of ours to make it.
inline certificate make_certificate(const scratch_dir& dir, const std::string& name,
                                    const std::string& subject_alt_names) {
  certificate c{dir.path() + "/" + name + ".pem", dir.path() + "/" + name + ".key"};
  const auto command =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
      "-days 1 -subj /CN=controlroom-test -addext subjectAltName=" +
      subject_alt_names + " -keyout " + c.key_file + " -out " + c.cert_file + " 2>" + dir.path() +
      "/" + name + ".log";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  return c;
}

}  // namespace controlroom::testing
