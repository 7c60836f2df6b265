#include "recording/take_recorder.hpp"

#include <pqxx/pqxx>

#include "controlroom/media/nack.hpp"
#include "media/media_switch.hpp"
#include "metrics/server_metrics.hpp"
#include "store/db_pool.hpp"
#include "util/crypto.hpp"
#include "util/log.hpp"

namespace controlroom::server {

namespace {

// A crash loses at most this much of a take: a page is forced out this often.
constexpr std::uint64_t flush_every_us = 1'000'000;

const char* kind_name(stream_kind kind) {
  return kind == stream_kind::cue ? "cue" : "program";
}

}  // namespace

struct take_recorder::file {
  std::string id;  // take_files.id
  take_file_writer::file_id disk = 0;
  new_take_file row;
  std::uint32_t sender_id = 0;
  stream_kind kind = stream_kind::program;
  std::vector<std::uint8_t> pages;  // produced, not yet handed to the disk thread
  std::uint64_t last_flush_us = 0;
  bool refused = false;  // the disk thread could not keep up
  std::unique_ptr<stream_recorder> recorder;
};

take_recorder::take_recorder(recording_dependencies deps, std::string session_id,
                             media_switch& media, file_recorded on_file)
    : deps_(std::move(deps)),
      session_id_(std::move(session_id)),
      media_(media),
      on_file_(std::move(on_file)) {}

take_recorder::~take_recorder() {
  end_all(false);
}

void take_recorder::on_state(const v1::SessionState& state, session_media& media) {
  const auto& take_id = state.transport().recording_take_id();
  if (take_id == take_id_) {
    return;
  }
  if (!take_id_.empty()) {
    end_all(true);
  }
  take_id_ = take_id;
  if (take_id_.empty()) {
    return;
  }
  song_id_.clear();
  start_position_.reset();
  for (const auto& take : state.takes()) {
    if (take.id() == take_id_) {
      song_id_ = take.song_id();
      start_position_ = take.start_samples();
    }
  }
  on_streams(media);
}

void take_recorder::on_streams(session_media& media) {
  if (take_id_.empty()) {
    return;
  }
  // End files whose stream went away (unpublished, or its sender left).
  for (auto it = files_.begin(); it != files_.end();) {
    bool present = false;
    for (const auto& [id, m] : media.members()) {
      present = present || (m->sender_id == it->first.first &&
                            m->published[static_cast<std::size_t>(it->first.second)].active);
    }
    if (present) {
      ++it;
      continue;
    }
    auto f = std::move(it->second);
    it = files_.erase(it);
    end_file(std::move(f), true);
  }
  for (const auto& [id, m] : media.members()) {
    for (const auto kind : {stream_kind::program, stream_kind::cue}) {
      if (m->published[index_of(kind)].active &&
          !files_.contains({m->sender_id, static_cast<int>(kind)})) {
        start_file(*m, kind);
      }
    }
  }
}

void take_recorder::start_file(media_member& member, stream_kind kind) {
  auto f = std::make_unique<file>();
  f->id = random_uuid();
  f->sender_id = member.sender_id;
  f->kind = kind;
  f->row = {session_id_,
            take_id_,
            song_id_,
            kind_name(kind),
            member.participant_id,
            member.user_id,
            deps_.directory + "/" + session_id_ + "/" + take_id_ + "-" + kind_name(kind) + "-" +
                f->id + ".opus",
            member.published[index_of(kind)].channels};
  f->disk = deps_.files.open(f->row.path);
  media::ogg_opus_settings settings;
  settings.serial = member.sender_id;
  settings.comments = {"CONTROLROOM_SESSION=" + session_id_, "CONTROLROOM_TAKE=" + take_id_,
                       "CONTROLROOM_SONG=" + song_id_,
                       std::string("CONTROLROOM_STREAM=") + kind_name(kind)};
  auto* raw = f.get();
  f->recorder = std::make_unique<stream_recorder>(
      deps_.timing, start_position_, settings, [raw](auto header, auto body) {
        raw->pages.insert(raw->pages.end(), header.begin(), header.end());
        raw->pages.insert(raw->pages.end(), body.begin(), body.end());
      });
  deps_.db.run(
      [id = f->id, row = f->row](pqxx::connection_base& conn) {
        pqxx::work tx(conn);
        take_file_repository::create(tx, id, row);
        tx.commit();
        return true;
      },
      [id = f->id, session = session_id_](store_result<bool> result) {
        if (!result.ok()) {
          log::warn(log_subsystem::recording, {session}, "take file ", id,
                    " row not written at start: ", result.error().message);
        }
      });
  log::info(log_subsystem::recording, {session_id_, member.participant_id}, "take ", take_id_,
            ": recording ", kind_name(kind), " to ", f->row.path);
  files_.emplace(key{member.sender_id, static_cast<int>(kind)}, std::move(f));
}

void take_recorder::on_packet(media_member& sender, const media::media_header& header,
                              std::span<const std::uint8_t> payload, std::uint64_t now_us) {
  const auto it = files_.find({sender.sender_id, static_cast<int>(header.kind)});
  if (it == files_.end()) {
    return;
  }
  auto& f = *it->second;
  f.recorder->on_packet(header, payload, now_us);
  if (const auto missing = f.recorder->nacks_due(now_us); !missing.empty()) {
    media_.send_to_member(sender, media::write_nack({sender.sender_id, header.kind, missing}));
  }
  if (f.last_flush_us == 0) {
    f.last_flush_us = now_us;
  } else if (now_us - f.last_flush_us >= flush_every_us) {
    f.recorder->flush_page();
    f.last_flush_us = now_us;
  }
  ship(f);
}

void take_recorder::ship(file& f) {
  if (f.pages.empty()) {
    return;
  }
  if (!deps_.files.append(f.disk, std::move(f.pages))) {
    f.refused = true;
  }
  f.pages.clear();
}

void take_recorder::end_file(std::unique_ptr<file> f, bool complete) {
  f->recorder->finish();
  ship(*f);
  take_file_outcome outcome;
  outcome.status = complete && !f->refused ? "complete" : "incomplete";
  outcome.start_position = f->recorder->first_position();
  outcome.pre_skip = f->recorder->pre_skip();
  outcome.duration_samples = f->recorder->duration_samples();
  outcome.healed_gaps = f->recorder->stats().healed;
  outcome.unhealed_gaps = f->recorder->stats().unhealed;
  log::info(log_subsystem::recording, {session_id_, f->row.participant_id}, "take ", f->row.take_id,
            " ", f->row.stream_kind, ": ", outcome.duration_samples, " samples, ",
            outcome.healed_gaps, " healed and ", outcome.unhealed_gaps, " unhealed gaps");
  if (on_file_) {
    v1::TakeFile file;
    file.set_id(f->id);
    file.set_stream(f->row.stream_kind);
    file.set_user_id(f->row.user_id);
    file.set_duration_samples(outcome.duration_samples);
    file.set_start_position(outcome.start_position.value_or(media::no_timeline_position));
    file.set_healed_gaps(outcome.healed_gaps);
    file.set_unhealed_gaps(outcome.unhealed_gaps);
    file.set_complete(outcome.status == "complete");
    on_file_(f->row.take_id, file);
  }
  auto& db = deps_.db;
  deps_.files.close(f->disk, [&db, id = f->id, row = f->row,
                              outcome = std::move(outcome)](closed_file closed) mutable {
    outcome.size_bytes = closed.size;
    outcome.sha256 = closed.sha256;
    outcome.path = closed.path;
    if (!closed.ok) {
      outcome.status = "incomplete";
      log::error(log_subsystem::recording, {row.session_id, row.participant_id}, "take file ", id,
                 ": ", closed.error);
    }
    db.run(
        [id, row, outcome](pqxx::connection_base& conn) {
          pqxx::work tx(conn);
          take_file_repository::finish(tx, id, row, outcome);
          tx.commit();
          return true;
        },
        [id, session = row.session_id](store_result<bool> result) {
          if (!result.ok()) {
            log::error(log_subsystem::recording, {session}, "take file ", id,
                       " outcome not recorded: ", result.error().message);
          }
        });
  });
}

void take_recorder::end_all(bool complete) {
  auto files = std::move(files_);
  files_.clear();
  for (auto& [k, f] : files) {
    end_file(std::move(f), complete);
  }
}

}  // namespace controlroom::server
