// `controlroom devices`: the sound cards PortAudio sees, with the names and
// numbers `join --play-device/--capture-device` take.

#include <cstdio>

#include <boost/json.hpp>

#include "audio_device.hpp"
#include "commands.hpp"

namespace controlroom::cli {

namespace {

void list_devices(bool json) {
  audio_system pa;
  const auto all = pa.devices();
  if (json) {
    boost::json::array out;
    for (const auto& d : all) {
      out.push_back(boost::json::object{{"index", d.index},
                                        {"name", d.name},
                                        {"host_api", d.host_api},
                                        {"input_channels", d.max_input_channels},
                                        {"output_channels", d.max_output_channels},
                                        {"default_sample_rate", d.default_sample_rate},
                                        {"default_input", d.default_input},
                                        {"default_output", d.default_output}});
    }
    std::printf("%s\n", boost::json::serialize(boost::json::object{{"devices", out}}).c_str());
    return;
  }
  if (all.empty()) {
    std::printf("no audio devices\n");
  }
  for (const auto& d : all) {
    std::printf("%3d  %-40s %-6s in %d, out %d, %.0f Hz%s%s\n", d.index, d.name.c_str(),
                d.host_api.c_str(), d.max_input_channels, d.max_output_channels,
                d.default_sample_rate, d.default_input ? "  default capture" : "",
                d.default_output ? "  default playback" : "");
  }
}

}  // namespace

void add_devices_command(CLI::App& app) {
  auto json = std::make_shared<bool>(false);
  auto* cmd =
      app.add_subcommand("devices", "list the audio devices join can play to and send from");
  cmd->add_flag("--json", *json, "machine-readable output");
  cmd->callback([json] { list_devices(*json); });
}

}  // namespace controlroom::cli
