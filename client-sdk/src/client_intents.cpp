// Submitting intents: each waits in intents_ from submission until its
// answer, its deadline, or the end of the connection for good. A drop alone
// does not end it: the resume re-sends it with its original operation id,
// and the server's exactly-once rule makes that safe.

#include <future>

#include "client_impl.hpp"
#include "convert.hpp"
#include "intents_convert.hpp"

namespace controlroom {
namespace {

using namespace std::chrono_literals;

// Intents awaiting an answer, per client. Beyond this the application is
// submitting faster than the server answers (or the server is gone): it
// hears so at once instead of queueing without end while reconnecting.
constexpr std::size_t max_pending_intents = 1024;

// See client_impl.cpp: the network thread enforces request_timeout itself.
constexpr auto watchdog_slack = 2s;

}  // namespace

result<std::uint64_t> client::impl::submit(const intent& change, std::uint64_t expected_version) {
  if (connection_.on_network_thread())
    return {errc::wrong_thread, "submit() called from an SDK callback; use submit_async()"};
  auto outcome = std::make_shared<std::promise<result<std::uint64_t>>>();
  auto answered = outcome->get_future();
  submit_async(
      change, [outcome](result<std::uint64_t> r) { outcome->set_value(std::move(r)); },
      expected_version);
  if (answered.wait_for(config_.request_timeout + watchdog_slack) == std::future_status::timeout)
    return {errc::timeout,
            "no answer within " + std::to_string(config_.request_timeout.count()) + " ms"};
  return answered.get();
}

void client::impl::submit_async(const intent& change, submit_done done,
                                std::uint64_t expected_version) {
  v1::ClientEnvelope envelope;
  auto* submit = envelope.mutable_submit_intent();
  submit->set_expected_version(expected_version);
  auto converted = detail::to_proto(change, submit->mutable_intent());
  // Every outcome, even this immediate one, reaches `done` on the network thread.
  connection_.post(
      guarded([this, converted, envelope = std::move(envelope), done = std::move(done)]() mutable {
        if (!converted) {
          invoke_quietly(done, result<std::uint64_t>{converted.error(), converted.message()});
          return;
        }
        do_submit(std::move(envelope), std::move(done));
      }));
}

void client::impl::do_submit(v1::ClientEnvelope envelope, submit_done done) {
  status refused;
  {
    std::lock_guard lock(mutex_);
    if (generation_ == 0 && !reconnecting_) {
      refused = {errc::not_connected, "not connected; call connect() first"};
    } else if (joined_session_id_.empty()) {
      refused = {errc::not_joined, "not in a session; call join() first"};
    } else if (intents_.size() >= max_pending_intents) {
      refused = {errc::rate_limited,
                 std::to_string(max_pending_intents) + " intents are already awaiting an answer"};
    }
  }
  if (refused.error()) {
    invoke_quietly(done, result<std::uint64_t>{refused.error(), refused.message()});
    return;
  }
  const auto ticket = ++last_ticket_;
  envelope.mutable_submit_intent()->set_operation_id(operation_ids_.next());
  auto deadline = std::make_unique<detail::network_thread::timer>(connection_.thread());
  deadline->start(
      config_.request_timeout, guarded([this, ticket] {
        finish_intent(ticket, {errc::timeout, "no answer within " +
                                                  std::to_string(config_.request_timeout.count()) +
                                                  " ms; it may still be applied"});
      }));
  intents_.emplace(ticket,
                   pending_intent{std::move(envelope), std::move(done), std::move(deadline)});
  // While reconnecting it waits for the resume, which sends it.
  if (joined_generation_ != 0)
    send_intent(ticket, joined_generation_);
}

void client::impl::send_intent(std::uint64_t ticket, std::uint64_t generation) {
  const auto it = intents_.find(ticket);
  if (it == intents_.end())
    return;
  connection_.async_request(generation, it->second.envelope, {},
                            guarded([this, ticket](result<v1::ServerEnvelope> reply) {
                              on_intent_reply(ticket, std::move(reply));
                            }));
}

void client::impl::on_intent_reply(std::uint64_t ticket, result<v1::ServerEnvelope> reply) {
  // The WebSocket ended before the answer: the intent stays for the resume,
  // or for fail_intents() if there is none.
  if (!reply && (reply.error() == errc::disconnected || reply.error() == errc::not_connected))
    return;
  auto accepted = detail::expect_body(std::move(reply), body::kIntentAccepted);
  if (!accepted) {
    finish_intent(ticket, {accepted.error(), accepted.message()});
    return;
  }
  finish_intent(ticket, accepted.value().intent_accepted().version());
}

// False when the client was destroyed by the completion.
bool client::impl::finish_intent(std::uint64_t ticket, result<std::uint64_t> outcome) {
  const auto it = intents_.find(ticket);
  if (it == intents_.end())
    return true;
  auto done = std::move(it->second.done);
  intents_.erase(it);
  auto alive = alive_;
  invoke_quietly(done, outcome);
  return alive->load();
}

void client::impl::resend_intents(std::uint64_t generation) {
  for (const auto& [ticket, pending] : intents_)
    send_intent(ticket, generation);
}

// False when the client was destroyed by a completion.
bool client::impl::fail_intents(const status& why) {
  auto failing = std::move(intents_);
  intents_.clear();
  auto alive = alive_;
  for (auto& [ticket, pending] : failing) {
    pending.deadline.reset();
    invoke_quietly(pending.done, result<std::uint64_t>{why.error(), why.message()});
    if (!alive->load())
      return false;
  }
  return true;
}

// The client is going away: stop every timer so the network thread can end,
// and drop the completions unheard (the contract: none runs after ~client).
void client::impl::abandon_network_work() {
  if (reconnect_timer_)
    reconnect_timer_->cancel();
  intents_.clear();
  media_.shutdown();
}

}  // namespace controlroom
