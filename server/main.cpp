// controlroomd: config -> migrations -> server -> wait for a signal -> stop.

#include <csignal>
#include <iostream>

#include <pqxx/except.hxx>

#include "app/commands.hpp"
#include "app/server.hpp"
#include "app/version.hpp"
#include "config/command_line.hpp"
#include "http/static_assets.hpp"
#include "store/migrator.hpp"
#include "util/log.hpp"

extern char** environ;

namespace {

using namespace controlroom::server;

std::vector<std::string> environment() {
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) {
    out.emplace_back(*e);
  }
  return out;
}

int serve(const config& cfg) {
  // Signals are taken synchronously by this thread; block them before any
  // other thread exists so that none of those receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::cerr << "controlroomd " << version_string << " configuration:\n";
  for (const auto& [key, value] : describe(cfg)) {
    std::cerr << "  " << key << " = " << value << "\n";
  }
  run_migrate(cfg);

  server srv(cfg);
  srv.start();
  const bool tls = !cfg.tls_cert_file.empty();
  std::cout << "controlroomd ready: " << (tls ? "https" : "http") << "://" << cfg.listen_address
            << ":" << srv.port() << "/  " << (tls ? "wss" : "ws") << "://" << cfg.listen_address
            << ":" << srv.port() << "/v1/control"
            << "  udp media " << srv.media_ports().front() << ".." << srv.media_ports().back()
            << std::endl;

  int received = 0;
  sigwait(&signals, &received);
  log::info(log_subsystem::app, {}, "signal ", received, " received; shutting down");
  srv.stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const auto cmd = parse_command_line(std::vector<std::string>(argv + 1, argv + argc));
    if (cmd.command == "help") {
      std::cout << usage_text();
      return 0;
    }
    if (cmd.command == "version") {
      // The second line tells an image or package build whether the browser
      // console made it in (it needs web/'s npm packages at build time).
      std::cout << "controlroomd " << version_string << "\n"
                << "browser console: "
                << (console_built() ? "included" : "not built (run scripts/web-deps.sh, rebuild)")
                << "\n";
      return 0;
    }
    const auto cfg = load_config(cmd, environment());
    configure_logging(cfg.log_level, cfg.log_levels, cfg.log_format);
    if (cmd.command == "migrate") {
      return run_migrate(cfg);
    }
    if (cmd.command == "admin-token") {
      const auto it = cmd.options.find("user");
      return run_admin_token(cfg, it == cmd.options.end() ? "admin" : it->second);
    }
    return serve(cfg);
  } catch (const config_error& e) {
    std::cerr << "controlroomd: configuration error: " << e.what()
              << "\n(run 'controlroomd --help' for the keys)\n";
    return 2;
  } catch (const migration_error& e) {
    std::cerr << "controlroomd: migration error: " << e.what() << "\n";
    return 3;
  } catch (const pqxx::broken_connection& e) {
    std::cerr << "controlroomd: cannot connect to the database: " << e.what() << "\n";
    return 4;
  } catch (const std::exception& e) {
    std::cerr << "controlroomd: " << e.what() << "\n";
    return 1;
  }
}
