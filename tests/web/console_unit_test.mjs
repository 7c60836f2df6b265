// The console's pure parts, without a browser: the media datagram codec
// (docs/media-plane.md, "Datagram": strict parsing) and the replica's
// reducer (docs/protocol.md §6.2). Run by ctest as unit.web_console_js.

import assert from 'node:assert/strict';
import test from 'node:test';

import {
  FLAG_DISCONTINUITY, FLAG_REDUNDANCY, KIND_PROGRAM, KIND_TALKBACK, NO_POSITION, buildDatagram,
  parseDatagram, seqDelta,
} from '../../web/console/datagram.js';
import { applyEvent, fromSnapshot } from '../../web/console/replica.js';

const bytes = (n, v) => new Uint8Array(n).fill(v);

function header(over = {}) {
  return { flags: 0, frameSamples: 480, senderId: 0xdeadbeef, kind: KIND_PROGRAM, channels: 2,
    sequence: 0xfffffffe, captureUs: 123456789012n, position: 2880000, primary: bytes(100, 7),
    redundant: null, ...over };
}

test('a datagram round-trips, big-endian, every field', () => {
  const d = buildDatagram(header());
  assert.equal(d.length, 132);
  assert.deepEqual([...d.subarray(0, 12)],
    [1, 0, 0x01, 0xe0, 0xde, 0xad, 0xbe, 0xef, 0, 2, 0, 0]);
  const p = parseDatagram(d);
  assert.equal(p.frameSamples, 480);
  assert.equal(p.senderId, 0xdeadbeef);
  assert.equal(p.sequence, 0xfffffffe);
  assert.equal(p.captureUs, 123456789012n);
  assert.equal(p.position, 2880000n);
  assert.deepEqual([...p.primary], [...bytes(100, 7)]);
  assert.equal(p.redundant, null);
});

test('talkback is off the timeline: INT64_MIN', () => {
  const p = parseDatagram(buildDatagram(header({ kind: KIND_TALKBACK, channels: 1,
    position: null })));
  assert.equal(p.position, NO_POSITION);
  assert.equal(p.kind, KIND_TALKBACK);
});

test('redundancy: primary_len, primary, then the previous packet', () => {
  const d = buildDatagram(header({ redundant: bytes(50, 9) }));
  assert.equal(d[1], FLAG_REDUNDANCY);
  assert.equal((d[32] << 8) | d[33], 100);
  const p = parseDatagram(d);
  assert.equal(p.primary.length, 100);
  assert.deepEqual([...p.redundant], [...bytes(50, 9)]);
});

test('no copy on a discontinuity, nor past the 1400-byte budget', () => {
  const disc = buildDatagram(header({ flags: FLAG_DISCONTINUITY, redundant: bytes(50, 9) }));
  assert.equal(disc[1], FLAG_DISCONTINUITY);
  assert.equal(disc.length, 132);
  const big = buildDatagram(header({ primary: bytes(700, 1), redundant: bytes(700, 2) }));
  assert.equal(big[1] & FLAG_REDUNDANCY, 0);
  assert.equal(big.length, 732);
  // A copy that arrives on a discontinuity anyway is ignored.
  const forced = buildDatagram(header({ redundant: bytes(50, 9) }));
  forced[1] |= FLAG_DISCONTINUITY;
  assert.equal(parseDatagram(forced).redundant, null);
});

test('parsing is strict', () => {
  const good = () => buildDatagram(header());
  const bad = (mutate) => {
    const d = good();
    return parseDatagram(mutate(d) || d);
  };
  assert.ok(parseDatagram(good()));
  assert.equal(bad((d) => { d[0] = 2; }), null, 'version');
  assert.equal(bad((d) => { d[1] = 8; }), null, 'reserved flag bit');
  assert.equal(bad((d) => { d[3] = 0xe1; }), null, 'frame size 481');
  assert.equal(bad((d) => { d[8] = 3; }), null, 'stream kind');
  assert.equal(bad((d) => { d[9] = 3; }), null, 'channels');
  assert.equal(bad((d) => { d[11] = 1; }), null, 'reserved bytes');
  assert.equal(bad((d) => d.subarray(0, 32)), null, 'no payload');
  assert.equal(parseDatagram(new Uint8Array(1501)), null, 'over 1500 bytes');
  const red = buildDatagram(header({ redundant: bytes(50, 9) }));
  red[32] = 0;
  red[33] = 0;
  assert.equal(parseDatagram(red), null, 'primary_len 0');
  red[32] = 0;
  red[33] = 150;
  assert.equal(parseDatagram(red), null, 'no redundant byte after the primary');
});

test('sequence numbers compare by serial arithmetic', () => {
  assert.equal(seqDelta(0xffffffff, 0), 1);
  assert.equal(seqDelta(0, 0xffffffff), -1);
  assert.equal(seqDelta(10, 13), 3);
});

// ---- The replica ------------------------------------------------------------

const initial = () => fromSnapshot({
  session_id: 's', version: 0, title: 't', songs: [], tracks: [], takes: [], markers: [],
  comments: [], talkback: [],
  transport: { mode: 0, position_samples: 0, tempo_bpm: 120, meter: { beats_per_bar: 4,
    beat_unit: 4 }, loop: null, current_song_id: '', recording_take_id: '',
    producer_may_drive: false },
  schedule: { planned_start_unix_ms: 0, members: [] },
});

function run(state, ...intents) {
  for (const [change, body, author = 'pia'] of intents) {
    const ev = { version: state.version + 1, author_user_id: author, at_unix_ms: 1000 + state.version,
      intent: { change, [change]: body } };
    assert.ok(applyEvent(state, ev), change);
  }
  return state;
}

test('songs, takes, picks: the effects of §6.2', () => {
  const s = run(initial(),
    ['add_song', { title: 'A', index: 0 }],               // s1
    ['add_song', { title: 'B', index: 0 }],               // s2, first
    ['select_song', { song_id: 's1' }, 'eddie'],
    ['record', { position_samples: 100 }, 'eddie'],       // tk4
    ['stop', { position_samples: 500 }, 'eddie'],
    ['record', { position_samples: 600 }, 'eddie'],       // tk6
    ['stop', { position_samples: 900 }, 'eddie'],
    ['rate_take', { take_id: 'tk4', rating: 4 }],
    ['pick_take', { take_id: 'tk6' }],
    ['move_song', { song_id: 's1', index: 0 }]);
  assert.deepEqual(s.songs.map((x) => [x.id, x.picked_take_id]), [['s1', 'tk6'], ['s2', '']]);
  assert.deepEqual(s.takes.map((k) => [k.id, k.number, k.start_samples, k.end_samples, k.recording,
    k.rating]), [['tk4', 1, 100, 500, false, 4], ['tk6', 2, 600, 900, false, 0]]);
  assert.equal(s.transport.mode, 0);
  assert.equal(s.transport.recording_take_id, '');
  assert.equal(s.version, 10);
});

test('markers and comments; removals cascade', () => {
  const s = run(initial(),
    ['add_song', { title: 'A', index: 0 }],               // s1
    ['select_song', { song_id: 's1' }, 'eddie'],
    ['record', { position_samples: 0 }, 'eddie'],         // tk3
    ['stop', { position_samples: 10 }, 'eddie'],
    ['add_marker', { position_samples: 42, label: 'pitchy', color: '#ffcc00' }],  // m5
    ['add_comment', { marker_id: 'm5', text: 'on the marker' }],  // c6
    ['add_comment', { take_id: 'tk3', text: 'on the take' }],     // c7
    ['update_marker', { marker_id: 'm5', label: 'flat', _label: 'label', position_samples: 0 }]);
  assert.deepEqual(s.markers, [{ id: 'm5', position_samples: 42, label: 'flat', color: '#ffcc00',
    author_user_id: 'pia' }], 'absent optional fields stay');
  assert.deepEqual(s.comments.map((c) => [c.id, c.marker_id, c.take_id, c.created_unix_ms]),
    [['c6', 'm5', undefined, 1005], ['c7', undefined, 'tk3', 1006]]);
  run(s, ['remove_marker', { marker_id: 'm5' }]);
  assert.deepEqual(s.comments.map((c) => c.id), ['c7']);
  run(s, ['remove_song', { song_id: 's1' }]);
  assert.deepEqual([s.songs.length, s.takes.length, s.comments.length], [0, 0, 0]);
  assert.equal(s.transport.current_song_id, '');
});

test('talkback channels: one per person, replaced in place, stopped by user id', () => {
  const s = run(initial(),
    ['start_talkback', { target: 3, latched: false }],
    ['start_talkback', { target: 1, latched: false }, 'eddie'],
    ['start_talkback', { target: 4, latched: true }]);
  assert.deepEqual(s.talkback, [{ user_id: 'pia', target: 4, latched: true },
    { user_id: 'eddie', target: 1, latched: false }]);
  run(s, ['stop_talkback', { user_id: 'pia' }]);
  assert.deepEqual(s.talkback.map((c) => c.user_id), ['eddie']);
});

test('an unknown intent is refused (the page then takes a snapshot)', () => {
  const s = initial();
  assert.equal(applyEvent(s, { version: 1, intent: { change: 'teleport', teleport: {} } }), false);
  assert.equal(s.version, 0);
});
