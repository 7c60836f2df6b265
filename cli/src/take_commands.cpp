// `takes` and `download`: the recorded take files, through the server's HTTP
// API (docs/protocol.md §8), with a progress bar on a terminal.

#include <cstdio>
#include <unistd.h>

#include <boost/json.hpp>

#include "cli_error.hpp"
#include "commands.hpp"
#include "connection.hpp"
#include "http_client.hpp"

namespace controlroom::cli {

namespace {

void print_takes(const boost::json::value& v, const std::string& base) {
  for (const auto& take : v.at("takes").as_array()) {
    std::printf("take %s (song %s)\n", take.at("take_id").as_string().c_str(),
                take.at("song_id").as_string().c_str());
    for (const auto& f : take.at("files").as_array()) {
      std::printf("  file %s  %-7s %8.2f s  %-10s %s%s\n", f.at("id").as_string().c_str(),
                  f.at("stream").as_string().c_str(),
                  f.at("duration_samples").to_number<double>() / 48000.0,
                  f.at("status").as_string().c_str(), base.c_str(),
                  f.at("audio_url").as_string().c_str());
    }
  }
}

void add_takes_command(CLI::App& app) {
  auto conn = std::make_shared<connection_options>();
  auto session = std::make_shared<std::string>();
  auto song = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("takes", "list a session's recorded take files");
  add_connection_options(cmd, *conn);
  cmd->add_option("session", *session, "session id (UUID)")->required();
  cmd->add_option("--song", *song, "only this song's takes (s3)");
  cmd->callback([=] {
    auto server = server_of(*conn);
    http_client http(server, conn->token);
    std::string target = "/api/v1/sessions/" + *session + "/takes";
    if (!song->empty()) {
      target += "?song_id=" + *song;
    }
    auto v = http.json("GET", target);
    if (conn->json) {
      std::printf("%s\n", boost::json::serialize(v).c_str());
    } else {
      print_takes(v, server.http_url());
    }
  });
}

void add_download_command(CLI::App& app) {
  auto conn = std::make_shared<connection_options>();
  auto file_id = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto resume = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("download", "download a take file (Ogg Opus)");
  add_connection_options(cmd, *conn);
  cmd->add_option("file", *file_id, "take file id (UUID), from `takes`")->required();
  cmd->add_option("-o,--output", *out, "where to write it (default: FILE_ID.opus)");
  cmd->add_flag("--resume", *resume, "continue a partial download (HTTP Range)");
  cmd->callback([=] {
    http_client http(server_of(*conn), conn->token);
    const std::string path = out->empty() ? *file_id + ".opus" : *out;
    const bool bar = !conn->json && isatty(STDERR_FILENO) == 1;
    auto bytes =
        http.download("/api/v1/take-files/" + *file_id + "/audio", path, *resume,
                      [bar](std::uint64_t done, std::uint64_t total) {
                        if (bar && total > 0) {
                          const int width = 40;
                          const int filled = static_cast<int>(width * done / total);
                          std::fprintf(stderr, "\r[%s%s] %3d%%", std::string(filled, '#').c_str(),
                                       std::string(width - filled, ' ').c_str(),
                                       static_cast<int>(100 * done / total));
                        }
                      });
    if (bar) {
      std::fputs("\n", stderr);
    }
    if (conn->json) {
      std::printf("%s\n",
                  boost::json::serialize(
                      boost::json::object{{"file", *file_id}, {"path", path}, {"bytes", bytes}})
                      .c_str());
    } else {
      std::printf("wrote %s (%llu bytes)\n", path.c_str(), static_cast<unsigned long long>(bytes));
    }
  });
}

}  // namespace

void add_take_commands(CLI::App& app) {
  add_takes_command(app);
  add_download_command(app);
}

}  // namespace controlroom::cli
