// The controlroom command-line tool: wires the subcommands to CLI11 and maps
// their outcome to an exit status.

#include <cstdio>
#include <exception>

#include "cli_error.hpp"
#include "commands.hpp"

int main(int argc, char** argv) {
  using namespace controlroom::cli;
  CLI::App app{"controlroom: studio sessions from the terminal (server: controlroomd)",
               "controlroom"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "controlroom 0.1.0");
  app.footer(
      "The server URL and token may come from CONTROLROOM_URL and CONTROLROOM_TOKEN.\n"
      "Exit status: 0 ok, 1 failed, 2 bad usage, 3 not authenticated or not allowed,\n"
      "4 not found, 130 interrupted before the work was done.");
  add_join_command(app);
  add_devices_command(app);
  add_session_commands(app);
  add_take_commands(app);
  add_admin_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the message and a hint to --help
    return exit_usage;
  } catch (const cli_error& e) {
    std::fprintf(stderr, "controlroom: %s\n", e.what());
    return e.status();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "controlroom: unexpected error: %s\n", e.what());
    return exit_failed;
  }
  return exit_ok;
}
