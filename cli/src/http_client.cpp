#include "http_client.hpp"

#include <filesystem>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "cli_error.hpp"
#include "server_stream.hpp"

namespace controlroom::cli {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {

http::request<http::string_body> make_request(const std::string& method, const std::string& target,
                                              const server_address& s, const std::string& token) {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, s.host_port());
  req.set(http::field::user_agent, "controlroom-cli/0.1");
  if (!token.empty()) {
    req.set(http::field::authorization, "Bearer " + token);
  }
  return req;
}

// What an error likely means: a server that stopped answering, or a TLS
// server that dropped a plaintext request without a reply.
std::string error_hint(const beast::error_code& ec, const server_address& s) {
  if (ec == boost::asio::error::timed_out) {
    return " (no answer from " + s.http_url() + " within " + timeout_text(s.io_timeout) +
           "; --timeout)";
  }
  const bool dropped = ec == http::error::end_of_stream || ec == boost::asio::error::eof ||
                       ec == boost::asio::error::connection_reset;
  return dropped && !s.tls ? " (if the server serves TLS, use https://)" : "";
}

}  // namespace

http_client::http_client(server_address server, std::string token)
    : server_(std::move(server)), token_(std::move(token)) {}

http_reply http_client::request(const std::string& method, const std::string& target,
                                const std::string& body) {
  const auto stream = open_server_stream(server_);
  auto req = make_request(method, target, server_, token_);
  if (!body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
  }
  req.prepare_payload();
  beast::error_code ec;
  http::write(*stream, req, ec);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  if (!ec) {
    http::read(*stream, buffer, res, ec);
  }
  if (ec) {
    throw cli_error(method + " " + target + ": " + ec.message() + error_hint(ec, server_));
  }
  stream->close();
  return {res.result_int(), std::move(res.body())};
}

void fail_http(const http_reply& r, const std::string& what) {
  std::string message = "HTTP " + std::to_string(r.status);
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  if (!ec && v.is_object()) {
    if (const auto* e = v.as_object().if_contains("error"); e && e->is_object()) {
      if (const auto* m = e->as_object().if_contains("message"); m && m->is_string()) {
        message += ": " + std::string(m->as_string());
      }
    }
  }
  int status = exit_failed;
  if (r.status == 401 || r.status == 403) {
    status = exit_auth;
  } else if (r.status == 404) {
    status = exit_not_found;
  }
  throw cli_error(what + ": " + message, status);
}

boost::json::value http_client::json(const std::string& method, const std::string& target,
                                     const boost::json::value* body) {
  auto r = request(method, target, body ? boost::json::serialize(*body) : std::string());
  if (r.status < 200 || r.status >= 300) {
    fail_http(r, method + " " + target);
  }
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  if (ec) {
    throw cli_error(method + " " + target + ": the server sent no JSON");
  }
  return v;
}

std::uint64_t http_client::download(
    const std::string& target, const std::string& path, bool resume,
    const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  std::uint64_t have = 0;
  std::error_code fs_ec;
  if (resume && std::filesystem::exists(path, fs_ec)) {
    have = std::filesystem::file_size(path, fs_ec);
  }
  const auto stream = open_server_stream(server_);
  auto req = make_request("GET", target, server_, token_);
  if (have > 0) {
    req.set(http::field::range, "bytes=" + std::to_string(have) + "-");
  }
  beast::error_code ec;
  http::write(*stream, req, ec);
  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);  // take files are as long as takes are
  if (!ec) {
    http::read_header(*stream, buffer, parser, ec);
  }
  if (ec) {
    throw cli_error("download " + target + ": " + ec.message() + error_hint(ec, server_));
  }
  const unsigned status = parser.get().result_int();
  if (status == 416 && have > 0) {
    return have;  // the file is complete already
  }
  if (status != 200 && status != 206) {
    http::response_parser<http::string_body> rest(std::move(parser));
    http::read(*stream, buffer, rest, ec);
    fail_http({status, rest.get().body()}, "download " + target);
  }
  if (status == 200) {
    have = 0;  // the server sent the whole file: start over
  }
  std::FILE* f = std::fopen(path.c_str(), have > 0 ? "ab" : "wb");
  if (f == nullptr) {
    throw cli_error("cannot write " + path);
  }
  const std::uint64_t total = have + parser.content_length().value_or(0);
  char chunk[64 * 1024];
  while (!parser.is_done()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof chunk;
    http::read(*stream, buffer, parser, ec);
    if (ec == http::error::need_buffer) {
      ec = {};
    }
    // What arrived is kept, also before an error: --resume goes on from it.
    const auto got = sizeof chunk - parser.get().body().size;
    if (std::fwrite(chunk, 1, got, f) != got) {
      std::fclose(f);
      throw cli_error("cannot write " + path);
    }
    have += got;
    if (ec) {
      std::fclose(f);
      throw cli_error("download " + target + ": " + ec.message() + error_hint(ec, server_) +
                      " (run again with --resume to continue)");
    }
    progress(have, total);
  }
  std::fclose(f);
  stream->close();
  return have;
}

}  // namespace controlroom::cli
