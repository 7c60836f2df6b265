#pragma once

// Each file adds its subcommands to the application. A subcommand's callback
// throws cli_error to fail; main() turns that into a message and an exit
// status.

#include <CLI/CLI.hpp>

namespace controlroom::cli {

void add_join_command(CLI::App& app);
void add_devices_command(CLI::App& app);  // the audio devices join uses
void add_session_commands(CLI::App& app);
void add_take_commands(CLI::App& app);
void add_admin_commands(CLI::App& app);  // users, tokens, studios, sessions, invites
void add_invite_commands(CLI::App& app);

}  // namespace controlroom::cli
