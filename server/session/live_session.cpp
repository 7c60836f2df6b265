#include "session/live_session.hpp"

#include <pqxx/pqxx>

#include "control/reply.hpp"
#include "media/media_switch.hpp"
#include "metrics/server_metrics.hpp"
#include "recording/take_recorder.hpp"
#include "store/db_pool.hpp"
#include "store/event_writer.hpp"
#include "util/log.hpp"

namespace controlroom::server {
namespace {

std::int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

live_session::live_session(session_record session, dependencies deps, self_post post,
                           media_switch* media)
    : info_(std::move(session)),
      deps_(deps),
      post_(std::move(post)),
      room_(info_),
      media_switch_(media),
      media_(info_.id) {
  if (media_switch_ != nullptr && deps_.recordings != nullptr) {
    recorder_ = std::make_unique<take_recorder>(
        recording_dependencies{*deps_.recordings, deps_.db, deps_.metrics, deps_.recordings_dir,
                               deps_.recording_timing},
        info_.id, *media_switch_, [this](const std::string& take_id, const v1::TakeFile& file) {
          record_take_file(take_id, file);
        });
    media_.set_tap(recorder_.get());
  }
}

live_session::~live_session() {
  if (recorder_) {
    recorder_->detach();  // too late for the log: the take_files row has the outcome
    recorder_.reset();    // ends running files before the media members go
  }
  if (media_switch_ == nullptr) {
    return;
  }
  for (const auto& [id, member] : media_.members()) {
    media_switch_->remove_sender(member->sender_id);
    deps_.metrics.media_senders.add(-1);
  }
}

void live_session::record_take_file(const std::string& take_id, const v1::TakeFile& file) {
  v1::Intent report;
  report.mutable_take_file_recorded()->set_take_id(take_id);
  *report.mutable_take_file_recorded()->mutable_file() = file;
  auto decided =
      decide(speculative_, report, actor{}, "server:take-file:" + file.id(), now_unix_ms());
  if (auto* event = std::get_if<v1::Event>(&decided)) {
    append(std::move(*event), {}, std::chrono::steady_clock::now());
  }
}

void live_session::announce_streams() {
  v1::ServerEnvelope envelope;
  *envelope.mutable_media_streams() = media_.describe();
  const auto frame = encode(envelope);
  for (const auto& [id, member] : media_.members()) {
    if (auto connection = member->connection.lock()) {
      connection->send(frame);
    }
  }
  if (recorder_) {
    recorder_->on_streams(media_);
  }
}

void live_session::load() {
  deps_.db.run(
      [id = info_.id](pqxx::connection_base& conn) {
        pqxx::read_transaction tx(conn);
        return event_repository::load(tx, id);
      },
      [post = post_](store_result<stored_session> loaded) {
        post([loaded = std::move(loaded)](live_session& s) mutable {
          s.on_loaded(std::move(loaded));
        });
      });
}

void live_session::when_ready(std::function<void(live_session*)> fn) {
  switch (phase_) {
    case phase::loading:
      on_ready_.push_back(std::move(fn));
      return;
    case phase::failed:
      fn(nullptr);
      return;
    default:
      fn(this);
  }
}

void live_session::on_loaded(store_result<stored_session> loaded) {
  if (!loaded.ok()) {
    log::warn(log_subsystem::session, {info_.id}, "could not be loaded: ", loaded.error().message);
    phase_ = phase::failed;
  } else {
    auto& stored = loaded.value();
    committed_ = std::move(stored.snapshot);
    for (const auto& event : stored.events) {
      apply(committed_, event);
      recent_.push_back(std::make_shared<const v1::Event>(event));
    }
    while (recent_.size() > deps_.recent_events) {
      recent_.pop_front();
    }
    since_snapshot_ = stored.events.size();
    committed_ops_ = std::move(stored.operations);
    speculative_ = committed_;
    media_.set_talkback(committed_);
    if (recorder_) {
      recorder_->on_state(committed_, media_);
    }
    phase_ = phase::ready;
  }
  auto waiting = std::move(on_ready_);
  on_ready_.clear();
  for (auto& fn : waiting) {
    fn(phase_ == phase::ready ? this : nullptr);
  }
}

v1::Joined live_session::join(participant_entry entry, bool has_replica,
                              std::uint64_t known_version) {
  auto joined = room_.add(std::move(entry));
  const auto version = committed_.version();
  joined.set_version(version);
  // Resume from the recent events when they reach back far enough; a replica
  // that is further behind (or ahead: the log is the truth) starts over.
  const bool covered = has_replica && known_version <= version &&
                       (known_version == version ||
                        (!recent_.empty() && recent_.front()->version() <= known_version + 1));
  if (covered) {
    for (const auto& event : recent_) {
      if (event->version() > known_version) {
        *joined.add_missed_events() = *event;
      }
    }
  } else {
    *joined.mutable_snapshot() = committed_;
  }
  return joined;
}

void live_session::leave(const std::string& participant_id) {
  std::string user_id;
  for (const auto& [id, p] : room_.participants()) {
    if (id == participant_id) {
      user_id = p.user.id;
    }
  }
  if (const auto* member = media_.find(participant_id)) {
    bool published = false;
    for (const auto& p : member->published) {
      published = published || p.active;
    }
    if (media_switch_ != nullptr) {
      media_switch_->remove_sender(member->sender_id);
      deps_.metrics.media_senders.add(-1);
    }
    media_.remove(participant_id);
    if (published) {
      announce_streams();
    }
  }
  if (!room_.remove(participant_id) || phase_ != phase::ready) {
    return;
  }
  for (const auto& [id, p] : room_.participants()) {
    if (p.user.id == user_id) {
      return;  // still here on another connection
    }
  }
  for (const auto& channel : speculative_.talkback()) {
    if (channel.user_id() != user_id) {
      continue;
    }
    // Nobody may be left talking into the room from a dead connection.
    v1::Intent stop;
    stop.mutable_stop_talkback()->set_user_id(user_id);
    auto decided =
        decide(speculative_, stop, actor{},
               "server:talkback-off:" + user_id + ":" + std::to_string(speculative_.version() + 1),
               now_unix_ms());
    if (auto* event = std::get_if<v1::Event>(&decided)) {
      append(std::move(*event), {}, std::chrono::steady_clock::now());
    }
    return;
  }
}

void live_session::submit(const actor& who, const v1::SubmitIntent& request, waiter w,
                          std::chrono::steady_clock::time_point received) {
  const auto& op = request.operation_id();
  if (const auto it = committed_ops_.find(op); it != committed_ops_.end()) {
    accept(w, op, it->second);  // a retry of something already done
    return;
  }
  for (auto& p : pending_) {
    if (p.event.operation_id() == op) {
      p.waiters.push_back(std::move(w));
      return;
    }
  }
  if (phase_ != phase::ready) {
    if (phase_ == phase::failed) {
      begin_recovery();  // the database may be back: try again, lazily
    }
    reject(w, v1::ERROR_CODE_UNAVAILABLE,
           "the session is recovering from a database error; retry with the same operation id");
    return;
  }
  if (request.expected_version() != 0 && request.expected_version() != speculative_.version()) {
    reject(w, v1::ERROR_CODE_STALE_VERSION,
           "expected version " + std::to_string(request.expected_version()) +
               " but the session is at " + std::to_string(speculative_.version()));
    return;
  }
  auto decided = decide(speculative_, request.intent(), who, op, now_unix_ms());
  if (auto* refused = std::get_if<rejection>(&decided)) {
    deps_.metrics.intents_rejected.inc();
    reject(w, refused->code, refused->message);
    return;
  }
  append(std::move(std::get<v1::Event>(decided)), {std::move(w)}, received);
}

void live_session::append(v1::Event event, std::vector<waiter> waiters,
                          std::chrono::steady_clock::time_point received) {
  apply(speculative_, event);
  event_row row{info_.id, event.version(), event.operation_id(), event.author_user_id(),
                event.SerializeAsString()};
  const auto version = event.version();
  pending_.push_back(in_flight{std::move(event), std::move(waiters), received});
  const bool queued = deps_.writer.append(
      std::move(row), epoch_, [post = post_, version, epoch = epoch_](bool ok, const std::string&) {
        post([=](live_session& s) { s.on_committed(version, epoch, ok); });
      });
  if (!queued) {
    auto refused = std::move(pending_.back());
    pending_.pop_back();
    rebuild_speculative();
    for (const auto& w : refused.waiters) {
      reject(w, v1::ERROR_CODE_UNAVAILABLE, "the server is overloaded; retry shortly");
    }
  }
}

void live_session::on_committed(std::uint64_t version, std::uint64_t epoch, bool ok) {
  if (epoch != epoch_) {
    return;  // from before a recovery, which settled it already
  }
  if (!ok) {
    begin_recovery();
    return;
  }
  if (pending_.empty() || pending_.front().event.version() != version) {
    // The writer keeps each session's order, so this cannot happen; if it
    // did, the database is the truth.
    log::error(log_subsystem::session, {info_.id}, "commit order broken at ", version);
    begin_recovery();
    return;
  }
  auto done = std::move(pending_.front());
  pending_.pop_front();
  publish(done.event);
  deps_.metrics.intents_accepted.inc();
  deps_.metrics.intent_commit_seconds.observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - done.received).count());
  for (const auto& w : done.waiters) {
    accept(w, done.event.operation_id(), version);
  }
  maybe_snapshot();
}

void live_session::publish(const v1::Event& event) {
  apply(committed_, event);
  const auto change = event.intent().change_case();
  if (change == v1::Intent::kStartTalkback || change == v1::Intent::kStopTalkback) {
    // Talkback is forwarded only once its channel is durable, like any state.
    media_.set_talkback(committed_);
  }
  if (recorder_) {
    recorder_->on_state(committed_, media_);  // a take starts or ends with its event
  }
  committed_ops_.emplace(event.operation_id(), event.version());
  auto shared = std::make_shared<const v1::Event>(event);
  recent_.push_back(shared);
  if (recent_.size() > deps_.recent_events) {
    recent_.pop_front();
  }
  ++since_snapshot_;
  v1::ServerEnvelope envelope;
  envelope.mutable_session_event()->set_session_id(info_.id);
  *envelope.mutable_session_event()->mutable_event() = event;
  room_.broadcast(encode(envelope));
}

void live_session::begin_recovery() {
  if (phase_ == phase::recovering) {
    return;
  }
  log::warn(log_subsystem::session, {info_.id}, "lost a commit at version ",
            committed_.version() + 1, "; recovering from the database");
  phase_ = phase::recovering;
  ++epoch_;  // later completions of the old epoch are ignored
  std::vector<in_flight> failed(std::make_move_iterator(pending_.begin()),
                                std::make_move_iterator(pending_.end()));
  pending_.clear();
  read_back(std::move(failed), 1);
}

void live_session::read_back(std::vector<in_flight> failed, int attempt) {
  auto failed_shared = std::make_shared<std::vector<in_flight>>(std::move(failed));
  deps_.db.run(
      [id = info_.id, after = committed_.version()](pqxx::connection_base& conn) {
        pqxx::read_transaction tx(conn);
        return event_repository::events_after(tx, id, after, 1'000'000);
      },
      [post = post_, failed_shared, attempt](store_result<std::vector<v1::Event>> events) {
        post([events = std::move(events), failed_shared, attempt](live_session& s) mutable {
          s.on_recovered(std::move(events), std::move(*failed_shared), attempt);
        });
      });
}

void live_session::on_recovered(store_result<std::vector<v1::Event>> events,
                                std::vector<in_flight> failed, int attempt) {
  if (!events.ok() && attempt < max_recovery_attempts) {
    // A dropped database connection fails the first read too; the pool
    // reconnects for the next job, so try again before giving up.
    read_back(std::move(failed), attempt + 1);
    return;
  }
  if (events.ok()) {
    // What landed although the commit reported failure (an in-doubt commit)
    // is real: publish it, and its authors get their acknowledgement.
    for (const auto& event : events.value()) {
      publish(event);
    }
    phase_ = phase::ready;
  } else {
    log::warn(log_subsystem::session, {info_.id}, "recovery failed: ", events.error().message);
    phase_ = phase::failed;
  }
  speculative_ = committed_;
  for (const auto& f : failed) {
    const auto it = committed_ops_.find(f.event.operation_id());
    for (const auto& w : f.waiters) {
      if (it != committed_ops_.end()) {
        accept(w, f.event.operation_id(), it->second);
      } else {
        reject(w, v1::ERROR_CODE_UNAVAILABLE,
               "the database did not confirm this change; retry with the same operation id");
      }
    }
  }
}

void live_session::rebuild_speculative() {
  speculative_ = committed_;
  for (const auto& p : pending_) {
    apply(speculative_, p.event);
  }
}

void live_session::maybe_snapshot() {
  if (since_snapshot_ < deps_.snapshot_every) {
    return;
  }
  since_snapshot_ = 0;
  deps_.db.run(
      [id = info_.id, state = committed_](pqxx::connection_base& conn) {
        pqxx::work tx(conn);
        event_repository::write_snapshot(tx, id, state);
        tx.commit();
        return true;
      },
      [id = info_.id](store_result<bool> done) {
        if (!done.ok()) {
          log::warn(log_subsystem::session, {id}, "snapshot failed: ", done.error().message);
        }
      });
}

void live_session::accept(const waiter& w, const std::string& operation_id, std::uint64_t version) {
  auto to = w.to.lock();
  if (!to || w.request_id == 0) {
    return;
  }
  v1::ServerEnvelope envelope;
  envelope.set_request_id(w.request_id);
  envelope.mutable_intent_accepted()->set_operation_id(operation_id);
  envelope.mutable_intent_accepted()->set_version(version);
  to->send(encode(envelope));
}

void live_session::reject(const waiter& w, v1::ErrorCode code, const std::string& message) {
  if (auto to = w.to.lock()) {
    to->send(make_error_frame(w.request_id, code, message));
  }
}

bool live_session::idle() const {
  return room_.empty() && pending_.empty() && on_ready_.empty() && phase_ != phase::loading &&
         phase_ != phase::recovering;
}

}  // namespace controlroom::server
