// Recording over the wire: the real server writes a take's relayed packets
// into an Ogg Opus file that an independent reader (libopusfile) decodes to
// the sent signal; lost packets are healed by NACK and resend; the files are
// listed, downloaded (with Range) and deleted over HTTP with permissions.
//
// The engineer here is a raw protocol client with a real Opus encoder
// (media::stream_sender), so the test controls exactly which datagrams are
// lost and whether NACKs are answered. A probe answered after a datagram
// proves the server has handled that datagram (one socket, in order).

#include <filesystem>
#include <fstream>
#include <functional>
#include <opusfile.h>
#include <random>
#include <set>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "../unit/media/media_test_support.hpp"
#include "controlroom/media/nack.hpp"
#include "controlroom/media/probe.hpp"
#include "controlroom/media/stream_sender.hpp"
#include "media_udp.hpp"
#include "raw_clients.hpp"
#include "test_server.hpp"
#include "util/crypto.hpp"

namespace controlroom::testing {
namespace {

namespace v1 = ::controlroom::v1;
using bytes = std::vector<std::uint8_t>;
constexpr std::int64_t take_start = 48'000 * 30;  // the take begins 30 s into the song

v1::ClientEnvelope intent(const std::string& op, const std::string& text_proto);

class recording_e2e : public ::testing::Test {
 protected:
  explicit recording_e2e(const std::function<void(server::config&)>& tweak = {}) : server(tweak) {}

  test_server server;
  person engineer = server.make_person("eddie");
  person producer = server.make_person("pia");
  person listener = server.make_person("lou");
  person stranger = server.make_person("sam");
  std::string session_id;
  std::unique_ptr<raw_ws> eng;
  std::unique_ptr<raw_ws> pro;
  media_udp udp;
  v1::MediaOpened opened;

  void SetUp() override {
    eng = std::make_unique<raw_ws>(server.port());
    eng->handshake(engineer.token);
    v1::ClientEnvelope create;
    auto* c = create.mutable_create_session();
    c->set_title("Album, day 5");
    c->add_creator_roles(v1::ROLE_ENGINEER);
    auto* p = c->add_invitees();
    p->set_user_id(producer.user.id);
    p->add_roles(v1::ROLE_PRODUCER);
    auto* l = c->add_invitees();
    l->set_user_id(listener.user.id);
    l->add_roles(v1::ROLE_LISTENER);
    const auto created = eng->request(create);
    ASSERT_TRUE(created.has_session_created()) << created.DebugString();
    session_id = created.session_created().session().id();
    v1::ClientEnvelope join;
    join.mutable_join_session()->set_session_id(session_id);
    ASSERT_TRUE(eng->request(join).has_joined());
    pro = std::make_unique<raw_ws>(server.port());
    pro->handshake(producer.token);
    ASSERT_TRUE(pro->request(join).has_joined());

    v1::ClientEnvelope open;
    open.mutable_open_media()->set_transport(v1::MEDIA_TRANSPORT_WEBSOCKET);
    const auto reply = eng->request(open);
    ASSERT_TRUE(reply.has_media_opened()) << reply.DebugString();
    opened = reply.media_opened();
    udp.open(opened);
    barrier();
    v1::ClientEnvelope publish;
    publish.mutable_publish()->set_kind(v1::STREAM_KIND_PROGRAM);
    publish.mutable_publish()->set_channels(2);
    publish.mutable_publish()->set_frame_samples(480);
    ASSERT_TRUE(eng->request(publish).has_published());

    ASSERT_TRUE(
        pro->request(intent("song", R"pb(add_song { title: "Home" })pb")).has_intent_accepted());
    ASSERT_TRUE(
        eng->request(intent("sel", R"pb(select_song { song_id: "s1" })pb")).has_intent_accepted());
  }

  std::uint16_t media_port() const { return udp.media_port(); }

  // Probes and waits for the reply; NACKs that arrive meanwhile are kept.
  void barrier() {
    udp.barrier([this](const bytes& got) {
      if (auto nack = media::parse_nack(got)) {
        nacks.push_back(*nack);
      }
    });
  }

  // The take's datagrams: `seconds` of music from the take's start.
  std::vector<bytes> encode_take(double seconds, std::vector<float>& pcm) {
    pcm = media::test::music_signal(static_cast<std::size_t>(48'000 * seconds));
    std::vector<bytes> out;
    media::sender_config config;
    config.sender_id = opened.sender_id();
    config.initial_sequence = 0xFFFFFF00;  // wraps during the take
    auto sender = media::stream_sender::create(
        config, [&](std::span<const std::uint8_t> d) { out.emplace_back(d.begin(), d.end()); });
    EXPECT_TRUE(sender);
    // The sender compensates its lookahead: start a little early so that
    // the first decoded sample precedes the take's start.
    const std::int64_t lead = 480;
    std::vector<float> lead_in(lead * 2, 0.0f);
    EXPECT_FALSE(sender->push(lead_in, 0, take_start - lead));
    EXPECT_FALSE(sender->push(pcm, static_cast<std::uint64_t>(lead) * 1000 / 48, take_start));
    return out;
  }

  // Sends the datagrams, dropping those in `lost`; answers NACKs when asked.
  void stream(const std::vector<bytes>& datagrams, const std::set<std::size_t>& lost,
              bool answer_nacks) {
    for (std::size_t i = 0; i < datagrams.size(); ++i) {
      if (!lost.contains(i)) {
        udp.send(datagrams[i]);
      }
      if (i % 20 == 19) {
        barrier();
        if (answer_nacks) {
          resend(datagrams);
        }
        nacks.clear();
      }
    }
    for (int round = 0; round < 3; ++round) {
      barrier();
      if (answer_nacks) {
        resend(datagrams);
      }
      nacks.clear();
    }
  }

  void resend(const std::vector<bytes>& datagrams) {
    for (const auto& n : nacks) {
      EXPECT_EQ(n.sender_id, opened.sender_id());
      for (const auto seq : n.sequences) {
        for (const auto& d : datagrams) {
          if (media::parse_header(d)->sequence == seq) {
            auto copy = d;
            copy[1] |= media::header_flags::retransmission;
            udp.send(copy);
            ++resent;
          }
        }
      }
    }
  }

  // Records one take; returns the TakeFile the server reported.
  v1::TakeFile record(const std::vector<bytes>& datagrams, const std::set<std::size_t>& lost,
                      bool answer_nacks) {
    const auto rec = eng->request(
        intent("rec", "record { position_samples: " + std::to_string(take_start) + " }"));
    EXPECT_TRUE(rec.has_intent_accepted()) << rec.DebugString();
    stream(datagrams, lost, answer_nacks);
    const auto stop = eng->request(intent(
        "stop", "stop { position_samples: " + std::to_string(take_start + 48'000 * 3) + " }"));
    EXPECT_TRUE(stop.has_intent_accepted()) << stop.DebugString();
    for (;;) {
      const auto event = eng->next_event();
      if (event.has_session_event() &&
          event.session_event().event().intent().has_take_file_recorded()) {
        return event.session_event().event().intent().take_file_recorded().file();
      }
    }
  }

  // Waits (bounded) for the file's row to be written and leave status
  // 'recording': the state's TakeFileRecorded event is appended when the
  // take ends, before the disk thread and the database have the outcome.
  boost::json::object finished_metadata(const std::string& file_id) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (;;) {
      const auto r =
          http_request(server.port(), "/api/v1/take-files/" + file_id, "GET", engineer.token);
      const bool expired = std::chrono::steady_clock::now() > deadline;
      if (r.status == 200) {
        auto json = boost::json::parse(r.body).as_object();
        if (json.at("status").as_string() != "recording" || expired) {
          return json;
        }
      } else if (r.status != 404 || expired) {
        ADD_FAILURE() << r.status << " " << r.body;
        return {{"status", "missing"}};
      }
      std::this_thread::yield();
    }
  }

  // Where the server wrote a take file.
  std::string path_of(const std::string& file_id) {
    pqxx::connection conn(server.database_url());
    pqxx::read_transaction tx(conn);
    return tx.exec_params1("SELECT path FROM take_files WHERE id = $1", file_id)[0]
        .as<std::string>();
  }

  std::vector<media::nack> nacks;
  std::size_t resent = 0;
};

v1::ClientEnvelope intent(const std::string& op, const std::string& text_proto) {
  v1::ClientEnvelope env;
  env.mutable_submit_intent()->set_operation_id(op);
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
      text_proto, env.mutable_submit_intent()->mutable_intent()))
      << text_proto;
  return env;
}

// Decodes an Ogg Opus file; the samples after pre-skip, interleaved stereo.
std::vector<float> decode(const std::string& file, ogg_int64_t* total) {
  int error = 0;
  auto* of =
      op_open_memory(reinterpret_cast<const unsigned char*>(file.data()), file.size(), &error);
  EXPECT_NE(of, nullptr) << "opusfile error " << error;
  if (of == nullptr) {
    return {};
  }
  *total = op_pcm_total(of, -1);
  std::vector<float> out;
  std::vector<float> buffer(5760 * 2);
  for (int n; (n = op_read_float_stereo(of, buffer.data(), static_cast<int>(buffer.size()))) > 0;) {
    out.insert(out.end(), buffer.begin(), buffer.begin() + n * 2);
  }
  op_free(of);
  return out;
}

// Correlation of the decoded take with the source, aligned by timeline
// position: output sample i is at start_position + i; source sample j at
// take_start + j.
double aligned_correlation(const std::vector<float>& source, const std::vector<float>& decoded,
                           std::int64_t start_position, int channel) {
  const auto offset = start_position - take_start;
  const auto src = media::test::channel_of(source, 2, channel);
  const auto out = media::test::channel_of(decoded, 2, channel);
  const auto skip = static_cast<std::size_t>(std::max<std::int64_t>(0, -offset));
  const auto from = static_cast<std::size_t>(std::max<std::int64_t>(0, offset));
  const auto n = std::min(src.size() - from, out.size() - skip);
  return media::test::correlation(std::span(src).subspan(from, n), std::span(out).subspan(skip, n));
}

TEST_F(recording_e2e, a_take_is_written_that_decodes_to_what_was_sent) {
  std::vector<float> pcm;
  const auto datagrams = encode_take(3.0, pcm);
  const auto file = record(datagrams, {}, true);
  EXPECT_TRUE(file.complete());
  EXPECT_EQ(file.stream(), "program");
  EXPECT_EQ(file.user_id(), engineer.user.id);
  EXPECT_EQ(file.unhealed_gaps(), 0u);
  EXPECT_EQ(file.start_position(), take_start) << "pre-skip puts the file on the take's start";

  const auto meta = finished_metadata(file.id());
  EXPECT_EQ(meta.at("status").as_string(), "complete");
  EXPECT_EQ(meta.at("take_id").as_string().c_str()[0], 't');
  EXPECT_EQ(meta.at("song_id").as_string(), "s1");
  const auto download = http_request(server.port(), "/api/v1/take-files/" + file.id() + "/audio",
                                     "GET", listener.token);
  ASSERT_EQ(download.status, 200u) << download.body;
  EXPECT_EQ(download.content_type, "audio/ogg");
  EXPECT_EQ(meta.at("size_bytes").as_int64(), static_cast<std::int64_t>(download.body.size()));
  EXPECT_EQ(meta.at("sha256").as_string(), server::sha256_hex(download.body));

  ogg_int64_t total = 0;
  const auto decoded = decode(download.body, &total);
  EXPECT_EQ(total, static_cast<ogg_int64_t>(file.duration_samples()));
  EXPECT_EQ(meta.at("duration_samples").as_int64(), total);
  // All but the encoder's last partial frame of the 3 s sent.
  EXPECT_GE(total, 48'000 * 3 - 960);
  EXPECT_LE(total, 48'000 * 3 + 480);
  EXPECT_GT(aligned_correlation(pcm, decoded, file.start_position(), 0), 0.98);
  EXPECT_GT(aligned_correlation(pcm, decoded, file.start_position(), 1), 0.98);

  // The file on disk has its final name; nothing partial is left.
  const auto dir = std::filesystem::path(server.recordings_dir()) / session_id;
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    EXPECT_EQ(entry.path().extension(), ".opus") << entry.path();
    ++files;
  }
  EXPECT_EQ(files, 1u);
}

TEST_F(recording_e2e, ten_percent_loss_is_healed_by_resending) {
  std::vector<float> pcm;
  const auto datagrams = encode_take(3.0, pcm);
  std::set<std::size_t> lost;
  std::mt19937 rng(42);
  for (std::size_t i = 2; i + 5 < datagrams.size(); ++i) {
    if (rng() % 10 == 0) {
      lost.insert(i);
      if (rng() % 3 == 0) {
        lost.insert(++i);  // bursts too: redundancy alone cannot fill those
      }
    }
  }
  ASSERT_GE(lost.size(), datagrams.size() / 12);
  const auto file = record(datagrams, lost, true);
  EXPECT_EQ(file.unhealed_gaps(), 0u) << lost.size() << " datagrams lost, " << resent << " resent";
  EXPECT_GT(file.healed_gaps(), 0u);
  EXPECT_GT(resent, 0u);
  const auto meta = finished_metadata(file.id());
  EXPECT_EQ(meta.at("unhealed_gaps").as_int64(), 0);
  const auto download = http_request(server.port(), "/api/v1/take-files/" + file.id() + "/audio",
                                     "GET", engineer.token);
  ogg_int64_t total = 0;
  const auto decoded = decode(download.body, &total);
  EXPECT_GT(aligned_correlation(pcm, decoded, file.start_position(), 0), 0.98);
}

TEST_F(recording_e2e, without_resends_only_redundancy_heals_and_the_rest_is_counted) {
  std::vector<float> pcm;
  const auto datagrams = encode_take(2.0, pcm);
  // Two single losses (the next datagram's copy heals them) and a burst of
  // three (two cannot be healed without a resend).
  const std::set<std::size_t> lost = {20, 60, 100, 101, 102};
  const auto file = record(datagrams, lost, false);
  EXPECT_EQ(file.healed_gaps(), 3u);
  EXPECT_EQ(file.unhealed_gaps(), 2u);
  EXPECT_EQ(resent, 0u);
  const auto meta = finished_metadata(file.id());
  ogg_int64_t total = 0;
  decode(http_request(server.port(), "/api/v1/take-files/" + file.id() + "/audio", "GET",
                      engineer.token)
             .body,
         &total);
  EXPECT_EQ(total, static_cast<ogg_int64_t>(file.duration_samples()))
      << "concealment packets keep the length exact";
}

TEST_F(recording_e2e, range_downloads_return_the_exact_bytes) {
  std::vector<float> pcm;
  const auto file = record(encode_take(1.0, pcm), {}, true);
  finished_metadata(file.id());
  const auto url = "/api/v1/take-files/" + file.id() + "/audio";
  const auto whole = http_request(server.port(), url, "GET", engineer.token);
  ASSERT_EQ(whole.status, 200u);
  EXPECT_EQ(whole.headers.at("accept-ranges"), "bytes");
  const auto size = whole.body.size();
  ASSERT_GT(size, 300u);

  const auto middle =
      http_request(server.port(), url, "GET", engineer.token, {{"Range", "bytes=100-299"}});
  EXPECT_EQ(middle.status, 206u);
  EXPECT_EQ(middle.body, whole.body.substr(100, 200));
  EXPECT_EQ(middle.headers.at("content-range"), "bytes 100-299/" + std::to_string(size));

  const auto tail =
      http_request(server.port(), url, "GET", engineer.token, {{"Range", "bytes=-10"}});
  EXPECT_EQ(tail.status, 206u);
  EXPECT_EQ(tail.body, whole.body.substr(size - 10));

  const auto open_ended =
      http_request(server.port(), url, "GET", engineer.token, {{"Range", "bytes=7-"}});
  EXPECT_EQ(open_ended.body, whole.body.substr(7));

  const auto beyond = http_request(server.port(), url, "GET", engineer.token,
                                   {{"Range", "bytes=" + std::to_string(size) + "-"}});
  EXPECT_EQ(beyond.status, 416u);
  EXPECT_EQ(beyond.headers.at("content-range"), "bytes */" + std::to_string(size));
}

TEST_F(recording_e2e, a_long_take_streams_from_disk_exactly_in_whole_and_in_part) {
  std::vector<float> pcm;
  const auto file = record(encode_take(1.0, pcm), {}, true);
  finished_metadata(file.id());
  // Stand in for an hour-long take: a file many times the server's read
  // piece (64 KiB), of an odd size, with bytes that differ everywhere.
  const auto path = path_of(file.id());
  std::string big(1'000'003, '\0');
  std::uint32_t x = 2463534242u;
  for (auto& c : big) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x);
  }
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(big.data(), static_cast<std::streamsize>(big.size()));
  }
  const auto url = "/api/v1/take-files/" + file.id() + "/audio";
  const auto whole = http_request(server.port(), url, "GET", engineer.token);
  ASSERT_EQ(whole.status, 200u);
  EXPECT_EQ(whole.headers.at("content-length"), std::to_string(big.size()));
  EXPECT_TRUE(whole.body == big) << "got " << whole.body.size() << " bytes";
  const auto across =
      http_request(server.port(), url, "GET", engineer.token, {{"Range", "bytes=65000-700001"}});
  EXPECT_EQ(across.status, 206u);
  EXPECT_TRUE(across.body == big.substr(65'000, 635'002));
  // The last bytes: the final piece is short.
  const auto again =
      http_request(server.port(), url, "GET", engineer.token, {{"Range", "bytes=-3"}});
  EXPECT_EQ(again.body, big.substr(big.size() - 3));
}

// A request must arrive within handshake_timeout (here 300 ms); the
// response to it may take as long as the client keeps taking it.
class slow_download_e2e : public recording_e2e {
 protected:
  slow_download_e2e()
      : recording_e2e(
            [](server::config& cfg) { cfg.handshake_timeout = std::chrono::milliseconds(300); }) {}
};

TEST_F(slow_download_e2e, a_download_that_outlasts_the_request_deadline_is_served_whole) {
  std::vector<float> pcm;
  const auto file = record(encode_take(1.0, pcm), {}, true);
  finished_metadata(file.id());
  const auto path = path_of(file.id());
  // More than loopback's socket buffers hold: the server must wait for the
  // reader, past the request's deadline.
  constexpr std::uintmax_t size = 32u << 20;
  std::filesystem::resize_file(path, size);

  namespace asio = boost::asio;
  asio::io_context ioc;
  asio::ip::tcp::socket socket(ioc);
  socket.connect({asio::ip::make_address("127.0.0.1"), server.port()});
  const std::string request = "GET /api/v1/take-files/" + file.id() +
                              "/audio HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                              engineer.token + "\r\nConnection: close\r\n\r\n";
  asio::write(socket, asio::buffer(request));
  // A slow client: it takes nothing for over three times the request deadline.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  std::string response;
  boost::system::error_code ec;
  asio::read(socket, asio::dynamic_buffer(response), ec);
  EXPECT_EQ(ec, asio::error::eof) << ec.message();
  const auto header_end = response.find("\r\n\r\n");
  ASSERT_NE(header_end, std::string::npos) << response.substr(0, 200);
  EXPECT_NE(response.find("Content-Length: " + std::to_string(size)), std::string::npos)
      << response.substr(0, header_end);
  EXPECT_EQ(response.size() - header_end - 4, size) << "the whole body arrived";
}

TEST_F(recording_e2e, listing_and_deleting_follow_membership_and_roles) {
  std::vector<float> pcm;
  const auto file = record(encode_take(1.0, pcm), {}, true);
  finished_metadata(file.id());
  const auto list_url = "/api/v1/sessions/" + session_id + "/takes";

  const auto listed = http_request(server.port(), list_url, "GET", listener.token);
  ASSERT_EQ(listed.status, 200u) << listed.body;
  const auto json = boost::json::parse(listed.body).as_object();
  ASSERT_EQ(json.at("takes").as_array().size(), 1u);
  const auto& take = json.at("takes").as_array()[0].as_object();
  EXPECT_EQ(take.at("song_id").as_string(), "s1");
  EXPECT_EQ(take.at("files").as_array()[0].as_object().at("id").as_string(), file.id());
  const auto other_song =
      http_request(server.port(), list_url + "?song_id=s9", "GET", listener.token);
  EXPECT_TRUE(boost::json::parse(other_song.body).as_object().at("takes").as_array().empty());

  // Outsiders and bad ids.
  EXPECT_EQ(http_request(server.port(), list_url, "GET", stranger.token).status, 403u);
  EXPECT_EQ(http_request(server.port(), list_url).status, 401u);
  const auto audio = "/api/v1/take-files/" + file.id() + "/audio";
  EXPECT_EQ(http_request(server.port(), audio, "GET", stranger.token).status, 403u);
  const auto unknown =
      http_request(server.port(), "/api/v1/take-files/00000000-0000-4000-8000-000000000000/audio",
                   "GET", engineer.token);
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_EQ(unknown.content_type, "application/json");
  EXPECT_EQ(boost::json::parse(unknown.body).at("error").at("code").as_string(), "not_found");
  const auto garbage =
      http_request(server.port(), "/api/v1/take-files/not-a-uuid", "GET", engineer.token);
  EXPECT_EQ(garbage.status, 404u);
  EXPECT_EQ(boost::json::parse(garbage.body).at("error").at("code").as_string(), "not_found");

  // Only an engineer deletes, and it is audited.
  const auto meta_url = "/api/v1/take-files/" + file.id();
  EXPECT_EQ(http_request(server.port(), meta_url, "DELETE", producer.token).status, 403u);
  EXPECT_EQ(http_request(server.port(), meta_url, "DELETE", listener.token).status, 403u);
  const auto path = finished_metadata(file.id());
  const auto deleted = http_request(server.port(), meta_url, "DELETE", engineer.token);
  EXPECT_EQ(deleted.status, 200u) << deleted.body;
  EXPECT_EQ(http_request(server.port(), audio, "GET", engineer.token).status, 404u);
  EXPECT_TRUE(boost::json::parse(http_request(server.port(), list_url, "GET", engineer.token).body)
                  .as_object()
                  .at("takes")
                  .as_array()
                  .empty());
  EXPECT_TRUE(
      std::filesystem::is_empty(std::filesystem::path(server.recordings_dir()) / session_id))
      << "the file is gone from disk";
  pqxx::connection conn(server.database_url());
  pqxx::read_transaction tx(conn);
  const auto audit = tx.exec_params1(
      "SELECT count(*) FROM audit_log WHERE action = 'delete' AND object_id = $1 AND user_id = $2",
      file.id(), engineer.user.id);
  EXPECT_EQ(audit[0].as<int>(), 1);
}

TEST_F(recording_e2e, a_take_cut_by_a_crash_is_a_valid_prefix_and_marked_incomplete) {
  std::vector<float> pcm;
  const auto datagrams = encode_take(3.0, pcm);
  ASSERT_TRUE(
      eng->request(intent("rec", "record { position_samples: " + std::to_string(take_start) + " }"))
          .has_intent_accepted());
  // Half the take, then look at the disk as a crash would leave it.
  stream({datagrams.begin(), datagrams.begin() + static_cast<long>(datagrams.size() / 2)}, {},
         true);
  const auto dir = std::filesystem::path(server.recordings_dir()) / session_id;
  std::filesystem::path partial;
  std::string on_disk;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (on_disk.size() < 4096 && std::chrono::steady_clock::now() < deadline) {
    // The disk thread makes the directory with the file: it may not be there yet.
    std::error_code absent;
    for (const auto& entry : std::filesystem::directory_iterator(dir, absent)) {
      partial = entry.path();
    }
    if (!partial.empty()) {
      std::ifstream in(partial, std::ios::binary);
      on_disk.assign(std::istreambuf_iterator<char>(in), {});
    }
    std::this_thread::yield();
  }
  EXPECT_EQ(partial.extension(), ".partial") << "a take in progress is not yet final";
  ogg_int64_t total = 0;
  const auto decoded = decode(on_disk, &total);
  EXPECT_GT(total, 0) << "what reached the disk decodes";
  EXPECT_EQ(decoded.size(), static_cast<std::size_t>(total) * 2);

  // The server dies with the take open (its row still 'recording'); the
  // next start marks it incomplete.
  pqxx::connection conn(server.database_url());
  {
    pqxx::work tx(conn);
    tx.exec0(
        "INSERT INTO take_files (session_id, take_id, song_id, stream_kind, participant_id, "
        "path, channels) VALUES (" +
        tx.quote(session_id) + ", 'tk-crashed', 's1', 'program', 'gone', '/nowhere', 2)");
    tx.commit();
  }
  server.restart();
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::string status;
  while (status != "incomplete" && std::chrono::steady_clock::now() < until) {
    pqxx::read_transaction tx(conn);
    status =
        tx.exec1("SELECT status FROM take_files WHERE take_id = 'tk-crashed'")[0].as<std::string>();
    std::this_thread::yield();
  }
  EXPECT_EQ(status, "incomplete");
}

}  // namespace
}  // namespace controlroom::testing
