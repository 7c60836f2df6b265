// The server's TLS stream (server/net/tls_stream.hpp) against an independent
// client, Asio's own asio::ssl::stream, over a real loopback connection:
// bytes both ways, a write gathered into one record, a write that must wait
// for a slow reader, deadlines, the three ways a stream ends, a client that
// does not speak TLS, a refused renegotiation, a closed stream that must
// not touch a descriptor the kernel has since given to another socket, and
// try_write(): at once, declined, and a frame the socket could not take
// whole, finished by the stream before anything written after it.

#include "net/tls_stream.hpp"

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include "test_certificate.hpp"
#include "test_server.hpp"

namespace controlroom::testing {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using boost::system::error_code;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

const error_code not_yet = asio::error::would_block;  // an operation's result before it completes

class tls_stream_test : public ::testing::Test {
 protected:
  scratch_dir dir;
  certificate cert = make_certificate(dir, "server", "IP:127.0.0.1");
  asio::io_context ioc;
  ssl::context server_tls{ssl::context::tls_server};
  ssl::context client_tls{ssl::context::tls_client};
  tcp::acceptor acceptor{ioc, {asio::ip::make_address("127.0.0.1"), 0}};
  std::optional<server::tls_stream> server;
  std::optional<ssl::stream<tcp::socket>> client;

  void SetUp() override {
    server_tls.use_certificate_chain_file(cert.cert_file);
    server_tls.use_private_key_file(cert.key_file, ssl::context::pem);
    client_tls.load_verify_file(cert.cert_file);
    client_tls.set_verify_mode(ssl::verify_peer);
    client.emplace(ioc, client_tls);
    client->next_layer().connect(acceptor.local_endpoint());
    tcp::socket accepted(ioc);
    acceptor.accept(accepted);
    server.emplace(std::move(accepted), server_tls.native_handle());
  }

  /// Runs the io_context until `done()` or 10 s.
  template <class Done>
  bool run_until(Done done) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      if (ioc.run_one_for(50ms) == 0 && ioc.stopped()) {
        ioc.restart();
      }
    }
    return done();
  }

  /// Runs everything that is ready, and what that makes ready, without
  /// waiting; returns how many handlers ran. (The io_context stops when it
  /// runs out of work: restarted first.)
  std::size_t settle() {
    std::size_t ran = 0;
    for (;;) {
      ioc.restart();
      const auto n = ioc.poll();
      if (n == 0) {
        return ran;
      }
      ran += n;
    }
  }

  void handshake() {
    error_code on_server = not_yet;
    error_code on_client = not_yet;
    server->async_handshake([&](error_code ec, std::size_t) { on_server = ec; });
    client->async_handshake(ssl::stream_base::client, [&](error_code ec) { on_client = ec; });
    ASSERT_TRUE(run_until([&] { return on_server != not_yet && on_client != not_yet; }));
    ASSERT_FALSE(on_server) << on_server.message();
    ASSERT_FALSE(on_client) << on_client.message();
  }

  /// One read on the server side.
  std::pair<error_code, std::string> server_read() {
    std::array<char, 4096> into{};
    error_code result = not_yet;
    std::size_t got = 0;
    server->async_read_some(asio::buffer(into), [&](error_code ec, std::size_t n) {
      result = ec;
      got = n;
    });
    EXPECT_TRUE(run_until([&] { return result != not_yet; }));
    return {result, std::string(into.data(), got)};
  }

  std::string client_read(std::size_t bytes) {
    std::string into(bytes, '\0');
    error_code result = not_yet;
    asio::async_read(*client, asio::buffer(into), [&](error_code ec, std::size_t) { result = ec; });
    EXPECT_TRUE(run_until([&] { return result != not_yet; }));
    EXPECT_FALSE(result) << result.message();
    return into;
  }

  void client_write(const std::string& bytes) {
    error_code result = not_yet;
    asio::async_write(*client, asio::buffer(bytes),
                      [&](error_code ec, std::size_t) { result = ec; });
    ASSERT_TRUE(run_until([&] { return result != not_yet; }));
    ASSERT_FALSE(result) << result.message();
  }
};

TEST_F(tls_stream_test, carries_bytes_both_ways_after_the_handshake) {
  handshake();
  const std::string hello = "hello from the server";
  error_code wrote = not_yet;
  asio::async_write(*server, asio::buffer(hello), [&](error_code ec, std::size_t) { wrote = ec; });
  EXPECT_EQ(client_read(hello.size()), hello);
  EXPECT_FALSE(wrote);

  client_write("and from the client");
  const auto [ec, text] = server_read();
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(text, "and from the client");
}

TEST_F(tls_stream_test, a_stream_keeps_its_record_buffers_once_told_it_carries_audio) {
  handshake();
  EXPECT_FALSE(server->keeps_buffers()) << "a new stream gives its buffers back when idle";
  server->keep_buffers();
  EXPECT_TRUE(server->keeps_buffers());
  // And it goes on working both ways, several records each.
  for (int i = 0; i < 3; ++i) {
    const std::string out = "frame " + std::to_string(i);
    EXPECT_EQ(server->try_write(asio::buffer(out.data(), 2),
                                asio::buffer(out.data() + 2, out.size() - 2)),
              server::tls_stream::write_now::written);
    EXPECT_EQ(client_read(out.size()), out);
    client_write("reply " + std::to_string(i));
    const auto [ec, text] = server_read();
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_EQ(text, "reply " + std::to_string(i));
  }
  EXPECT_TRUE(server->keeps_buffers());
}

TEST_F(tls_stream_test, gathers_a_frame_header_and_its_payload_into_one_write) {
  handshake();
  const std::string header = "HDR:";
  const std::string payload(300, 'p');
  const std::array<asio::const_buffer, 2> frame{asio::buffer(header), asio::buffer(payload)};
  error_code wrote = not_yet;
  std::size_t written = 0;
  server->async_write_some(frame, [&](error_code ec, std::size_t n) {
    wrote = ec;
    written = n;
  });
  ASSERT_TRUE(run_until([&] { return wrote != not_yet; }));
  ASSERT_FALSE(wrote) << wrote.message();
  EXPECT_EQ(written, header.size() + payload.size()) << "one write_some takes the whole frame";
  EXPECT_EQ(client_read(written), header + payload);
}

TEST_F(tls_stream_test, a_write_larger_than_the_socket_buffers_waits_for_the_reader) {
  handshake();
  std::vector<char> sent(32 << 20);
  for (std::size_t i = 0; i < sent.size(); ++i) {
    sent[i] = static_cast<char>(i * 131 + (i >> 12));
  }
  error_code wrote = not_yet;
  std::size_t written = 0;
  asio::async_write(*server, asio::buffer(sent), [&](error_code ec, std::size_t n) {
    wrote = ec;
    written = n;
  });
  // Nothing reads yet: the writer fills the kernel's buffers and must then
  // wait for the socket to drain, with everything ready run.
  settle();
  EXPECT_EQ(wrote, not_yet) << "32 MiB cannot fit in loopback's socket buffers";

  std::vector<char> received(sent.size());
  error_code read = not_yet;
  asio::async_read(*client, asio::buffer(received), [&](error_code ec, std::size_t) { read = ec; });
  ASSERT_TRUE(run_until([&] { return wrote != not_yet && read != not_yet; }));
  EXPECT_FALSE(wrote) << wrote.message();
  EXPECT_FALSE(read) << read.message();
  EXPECT_EQ(written, sent.size());
  EXPECT_TRUE(received == sent) << "the bytes arrive whole and in order";
}

TEST_F(tls_stream_test, a_deadline_fails_a_pending_read_with_timeout_and_closes_the_socket) {
  handshake();
  server->expires_after(50ms);
  const auto [ec, text] = server_read();
  EXPECT_EQ(ec, boost::beast::error::timeout) << ec.message();
  EXPECT_FALSE(server->socket().is_open());
  const auto [again, nothing] = server_read();
  EXPECT_EQ(again, boost::beast::error::timeout) << "later operations fail the same way";
}

TEST_F(tls_stream_test, expires_never_lifts_the_deadline) {
  handshake();
  server->expires_after(30ms);
  server->expires_never();
  // The client writes well after the lifted deadline would have passed.
  asio::steady_timer later(ioc, 150ms);
  const std::string late = "late but welcome";
  later.async_wait([&](error_code) {
    asio::async_write(*client, asio::buffer(late), [](error_code, std::size_t) {});
  });
  const auto [ec, text] = server_read();
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(text, late);
}

TEST_F(tls_stream_test, the_peers_close_notify_reads_as_end_of_stream_and_is_answered) {
  handshake();
  error_code client_shutdown = not_yet;
  client->async_shutdown([&](error_code ec) { client_shutdown = ec; });
  const auto [ec, text] = server_read();
  EXPECT_EQ(ec, asio::error::eof) << ec.message();

  error_code server_shutdown = not_yet;
  server->async_shutdown([&](error_code ec2, std::size_t) { server_shutdown = ec2; });
  ASSERT_TRUE(run_until([&] { return client_shutdown != not_yet && server_shutdown != not_yet; }));
  EXPECT_FALSE(server_shutdown) << server_shutdown.message();
  EXPECT_FALSE(client_shutdown) << "the client got our close_notify: " << client_shutdown.message();
}

TEST_F(tls_stream_test, a_connection_cut_without_close_notify_reads_as_truncated) {
  handshake();
  // A FIN with no close_notify before it (a close() could be a reset: the
  // client has the server's unread session tickets).
  client->next_layer().shutdown(tcp::socket::shutdown_send);
  const auto [ec, text] = server_read();
  EXPECT_EQ(ec, ssl::error::stream_truncated) << ec.message();
}

TEST_F(tls_stream_test, a_client_that_does_not_speak_tls_fails_the_handshake) {
  asio::write(client->next_layer(), asio::buffer(std::string("GET / HTTP/1.1\r\nHost: x\r\n\r\n")));
  error_code on_server = not_yet;
  server->async_handshake([&](error_code ec, std::size_t) { on_server = ec; });
  ASSERT_TRUE(run_until([&] { return on_server != not_yet; }));
  EXPECT_EQ(on_server.category(), asio::error::get_ssl_category()) << on_server.message();
}

TEST_F(tls_stream_test, a_tls12_client_cannot_renegotiate) {
  // A fresh client that speaks TLS 1.2 at most (1.3 has no renegotiation).
  SSL_CTX_set_max_proto_version(client_tls.native_handle(), TLS1_2_VERSION);
  client.emplace(ioc, client_tls);
  client->next_layer().connect(acceptor.local_endpoint());
  tcp::socket accepted(ioc);
  acceptor.accept(accepted);
  server.emplace(std::move(accepted), server_tls.native_handle());
  handshake();
  ASSERT_EQ(SSL_version(client->native_handle()), TLS1_2_VERSION);

  // The server is reading when the client asks for a new handshake.
  std::array<char, 64> into{};
  server->async_read_some(asio::buffer(into), [](error_code, std::size_t) {});
  ASSERT_EQ(SSL_renegotiate(client->native_handle()), 1);
  error_code renegotiated = not_yet;
  client->async_handshake(ssl::stream_base::client, [&](error_code ec) { renegotiated = ec; });
  ASSERT_TRUE(run_until([&] { return renegotiated != not_yet; }));
  EXPECT_TRUE(renegotiated) << "the server refused the second handshake";
}

TEST_F(tls_stream_test, a_closed_stream_fails_without_touching_a_reused_descriptor) {
  handshake();
  tcp::socket writer(ioc);
  writer.open(tcp::v4());
  const auto fd = server->socket().native_handle();
  server->close();
  // The kernel hands out the lowest free descriptor: the connection accepted
  // now gets the number the closed stream's OpenSSL object still holds.
  writer.connect(acceptor.local_endpoint());
  tcp::socket newcomer(ioc);
  acceptor.accept(newcomer);
  EXPECT_EQ(newcomer.native_handle(), fd) << "the case this test is about did not arise";
  asio::write(writer, asio::buffer(std::string("not yours")));

  const auto [ec, text] = server_read();
  EXPECT_EQ(ec, asio::error::bad_descriptor) << ec.message();
  EXPECT_TRUE(text.empty());
  std::array<char, 16> into{};
  const auto n = asio::read(newcomer, asio::buffer(into, 9));
  EXPECT_EQ(std::string(into.data(), n), "not yours") << "the newcomer's bytes were left alone";
}

TEST_F(tls_stream_test, a_read_started_after_the_data_arrived_gets_it) {
  // The first try of a read waits for the socket when OpenSSL holds
  // nothing: the wait must report bytes that are already there.
  handshake();
  client_write("one");
  EXPECT_EQ(server_read().second, "one");
  client_write("two");
  settle();
  const auto [ec, text] = server_read();
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(text, "two");
}

using write_now = server::tls_stream::write_now;

// 16,000 bytes that differ from chunk to chunk.
std::string chunk(std::size_t i) {
  std::string c(16'000, static_cast<char>('a' + i % 26));
  c.replace(0, std::to_string(i).size(), std::to_string(i));
  return c;
}

TEST_F(tls_stream_test, try_write_sends_a_small_frame_at_once_with_nothing_left_to_run) {
  handshake();
  settle();
  const std::string header = "HDR:";
  const std::string payload(300, 'p');
  EXPECT_EQ(server->try_write(asio::buffer(header), asio::buffer(payload)), write_now::written);
  EXPECT_EQ(settle(), 0u) << "no operation was started, no completion posted";
  EXPECT_EQ(client_read(header.size() + payload.size()), header + payload);
}

TEST_F(tls_stream_test, try_write_declines_a_frame_larger_than_a_record_and_while_a_write_waits) {
  handshake();
  const std::string large(16 * 1024 + 1, 'L');
  EXPECT_EQ(server->try_write(asio::buffer(large.data(), 4), asio::buffer(large.substr(4))),
            write_now::not_now);

  std::vector<char> sent(32 << 20, 's');
  error_code wrote = not_yet;
  asio::async_write(*server, asio::buffer(sent), [&](error_code ec, std::size_t) { wrote = ec; });
  settle();
  ASSERT_EQ(wrote, not_yet) << "the big write waits for the reader";
  EXPECT_EQ(server->try_write(asio::buffer("x", 1), {}), write_now::not_now);

  // The reader gets the big write and then the next one: nothing between.
  std::vector<char> received(sent.size());
  error_code read = not_yet;
  asio::async_read(*client, asio::buffer(received), [&](error_code ec, std::size_t) { read = ec; });
  ASSERT_TRUE(run_until([&] { return wrote != not_yet && read != not_yet; }));
  EXPECT_FALSE(wrote) << wrote.message();
  EXPECT_TRUE(received == sent);
  EXPECT_EQ(server->try_write(asio::buffer("end", 3), {}), write_now::written);
  EXPECT_EQ(client_read(3), "end");
}

class tls_stream_owed_test : public tls_stream_test {
 protected:
  std::string sent;  // what try_write took, in order

  /// Frames go out with try_write while nobody reads, until the socket
  /// cannot take one whole: that frame is owed.
  void fill_until_owed() {
    handshake();
    auto result = write_now::written;
    for (std::size_t i = 0; i < 100'000 && result == write_now::written; ++i) {
      const auto c = chunk(i);
      result = server->try_write(asio::buffer(c.data(), 10), asio::buffer(c.substr(10)));
      if (result != write_now::not_now) {
        sent += c;
      }
    }
    ASSERT_EQ(result, write_now::finishing) << "the socket buffers never filled";
    EXPECT_EQ(server->try_write(asio::buffer("y", 1), {}), write_now::not_now)
        << "nothing is written before the owed frame";
  }
};

TEST_F(tls_stream_owed_test, an_owed_frame_goes_out_by_itself_once_the_reader_drains) {
  fill_until_owed();
  EXPECT_EQ(client_read(sent.size()), sent) << "every frame, the owed one last, whole";
  settle();
  EXPECT_EQ(server->try_write(asio::buffer("z", 1), {}), write_now::written);
  EXPECT_EQ(client_read(1), "z");
}

TEST_F(tls_stream_owed_test, a_write_started_while_a_frame_is_owed_goes_after_it) {
  fill_until_owed();
  const std::string later = "written later, through an operation";
  error_code wrote = not_yet;
  asio::async_write(*server, asio::buffer(later), [&](error_code ec, std::size_t) { wrote = ec; });
  EXPECT_EQ(client_read(sent.size() + later.size()), sent + later);
  ASSERT_TRUE(run_until([&] { return wrote != not_yet; }));
  EXPECT_FALSE(wrote) << wrote.message();
}

}  // namespace
}  // namespace controlroom::testing
