// The audio calls of the public client: the blocking ones wait for the
// network thread's media engine, like join().

#include <future>
#include <random>

#include "client_impl.hpp"
#include "media_convert.hpp"

namespace controlroom {
namespace {

using namespace std::chrono_literals;

// Beyond the engine's own deadlines (a reply each, probes in between).
constexpr auto media_watchdog_slack = 2s;

std::uint32_t random_sequence() {
  std::random_device device;
  return device();
}

}  // namespace

status client::impl::open_media(const media_options& options) {
  if (auto s = detail::validate(options); !s)
    return s;
  if (auto s = usable(); !s)
    return s;
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(mutex_);
    if (joined_session_id_.empty())
      return {errc::not_joined, "open_media() needs a joined session"};
    generation = generation_;
  }
  auto outcome = std::make_shared<std::promise<status>>();
  auto answered = outcome->get_future();
  connection_.post(guarded([this, generation, options, outcome] {
    media_.open(generation, options, [outcome](status s) { outcome->set_value(std::move(s)); });
  }));
  const auto bound = 2 * config_.request_timeout + options.probe_count * options.probe_interval +
                     media_watchdog_slack;
  if (answered.wait_for(bound) == std::future_status::timeout)
    return {errc::timeout, "media not opened within " + std::to_string(bound.count()) + " ms"};
  return answered.get();
}

result<audio_publisher> client::impl::publish(stream_kind kind, const encoder_options& options) {
  auto settings = detail::to_encoder_settings(options);
  if (!settings)
    return {settings.error(), settings.message()};
  if (auto s = usable(); !s)
    return {s.error(), s.message()};
  auto state = std::make_shared<detail::publisher_state>();
  state->kind = kind;
  state->channels = options.channels;
  state->frame_samples = options.frame_samples;
  state->bell = media_.bell();
  media::sender_config config;
  config.codec = settings.value();
  config.kind = static_cast<media::stream_kind>(kind);
  config.redundancy = options.redundancy;
  config.initial_sequence = random_sequence();
  // The network thread stamps the real sender_id when it sends.
  auto sender = media::stream_sender::create(
      config, [raw = state.get()](std::span<const std::uint8_t> d) { raw->enqueue(d); });
  if (!sender)
    return {errc::malformed, "encoder: " + sender.error().message()};
  state->sender.emplace(std::move(*sender));
  // All of the history is allocated here, on the application's thread.
  state->history = detail::send_history(
      detail::history_datagrams(
          static_cast<std::uint64_t>(
              std::chrono::duration_cast<std::chrono::microseconds>(options.resend_history)
                  .count()),
          options.frame_samples),
      config.max_datagram_bytes);

  auto outcome = std::make_shared<std::promise<status>>();
  auto answered = outcome->get_future();
  connection_.post(guarded([this, state, outcome] {
    media_.publish(state, [outcome](status s) { outcome->set_value(std::move(s)); });
  }));
  if (answered.wait_for(config_.request_timeout + media_watchdog_slack) ==
      std::future_status::timeout)
    return {errc::timeout, "no answer to Publish"};
  if (auto s = answered.get(); !s)
    return {s.error(), s.message()};
  return detail::audio_access::publisher(std::move(state));
}

std::vector<audio_stream> client::impl::audio_streams() const {
  std::vector<audio_stream> out;
  for (auto& slot : media_.receivers())
    out.push_back(detail::audio_access::stream(std::move(slot)));
  return out;
}

audio_mixer client::impl::mixer(std::vector<stream_kind> kinds) {
  auto state =
      std::make_shared<detail::mixer_state>(std::move(kinds), media_.options().output_channels);
  connection_.post(guarded([this, state] { media_.add_mixer(state); }));
  return detail::audio_access::mixer(std::move(state));
}

void client::impl::on_streams_changed(
    std::function<void(const std::vector<audio_stream_info>&)> handler) {
  std::lock_guard lock(mutex_);
  on_streams_changed_ = std::move(handler);
}

}  // namespace controlroom
