// The session replica: the browser applies every SessionEvent to its copy of
// the state, exactly as docs/protocol.md §6.2 ("effect when applied") says and
// as the C++ reducer does.
//
// Why a reducer and not a refetch of GET /api/v1/sessions/{id}/state on each
// event: the events arrive in version order on the socket that also carries
// the acknowledgements, so the replica is never behind what the server has
// told this page, costs nothing per event and needs no HTTP round trip (a
// marker shows the moment its event arrives). A refetch per event would race
// with later events, load the server with a full state per change, and make
// the page wrong for a round trip after every change. An event whose intent
// this code does not know (a newer server) cannot be followed: the caller
// then rejoins with has_replica=false (§6.5.4) and gets a fresh snapshot.

function findById(list, id) {
  return list.find((x) => x.id === id);
}

function removeById(list, id) {
  const i = list.findIndex((x) => x.id === id);
  if (i >= 0) list.splice(i, 1);
}

// Comments carry their target as a oneof: exactly one of the two fields is
// present, as in the server's state.
function normalizeComment(c) {
  const out = { id: c.id, author_user_id: c.author_user_id, text: c.text,
    created_unix_ms: c.created_unix_ms };
  if (c.marker_id) out.marker_id = c.marker_id;
  else if (c.take_id) out.take_id = c.take_id;
  return out;
}

export function fromSnapshot(snapshot) {
  const s = structuredClone(snapshot);
  s.comments = (s.comments || []).map(normalizeComment);
  s.transport = s.transport || {};
  s.schedule = s.schedule || { planned_start_unix_ms: 0, members: [] };
  return s;
}

// Applies one event; returns false when the intent is unknown to this code.
export function applyEvent(s, ev) {
  const intent = ev.intent || {};
  const change = intent.change;
  const i = change ? intent[change] : null;
  const v = ev.version;
  const t = s.transport;
  switch (change) {
    case 'add_song': {
      const idx = i.index === undefined || i.index === null || i.index < 0 ||
        i.index > s.songs.length ? s.songs.length : i.index;
      s.songs.splice(idx, 0, { id: `s${v}`, title: i.title, picked_take_id: '' });
      break;
    }
    case 'rename_song': {
      const song = findById(s.songs, i.song_id);
      if (song) song.title = i.title;
      break;
    }
    case 'remove_song': {
      if (!findById(s.songs, i.song_id)) break;
      const takes = new Set(s.takes.filter((k) => k.song_id === i.song_id).map((k) => k.id));
      s.comments = s.comments.filter((c) => !takes.has(c.take_id));
      s.takes = s.takes.filter((k) => k.song_id !== i.song_id);
      removeById(s.songs, i.song_id);
      if (t.current_song_id === i.song_id) t.current_song_id = '';
      break;
    }
    case 'move_song': {
      const from = s.songs.findIndex((x) => x.id === i.song_id);
      if (from < 0) break;
      const [song] = s.songs.splice(from, 1);
      const to = Math.max(0, Math.min(i.index, s.songs.length));
      s.songs.splice(to, 0, song);
      break;
    }
    case 'pick_take': {
      const take = findById(s.takes, i.take_id);
      const song = take && findById(s.songs, take.song_id);
      if (song) song.picked_take_id = take.id;
      break;
    }
    case 'unpick_take': {
      const song = findById(s.songs, i.song_id);
      if (song) song.picked_take_id = '';
      break;
    }
    case 'play':
      t.mode = 1;
      t.position_samples = i.position_samples;
      break;
    case 'stop': {
      if (t.recording_take_id) {
        const take = findById(s.takes, t.recording_take_id);
        if (take) {
          take.end_samples = i.position_samples;
          take.recording = false;
        }
        t.recording_take_id = '';
      }
      t.mode = 0;
      t.position_samples = i.position_samples;
      break;
    }
    case 'locate':
      t.position_samples = i.position_samples;
      break;
    case 'set_tempo':
      t.tempo_bpm = i.bpm;
      break;
    case 'set_meter':
      t.meter = i.meter;
      break;
    case 'set_loop':
      t.loop = i.loop;
      break;
    case 'select_song':
      t.current_song_id = i.song_id;
      break;
    case 'grant_transport':
      t.producer_may_drive = i.producer_may_drive;
      break;
    case 'record': {
      const numbers = s.takes.filter((k) => k.song_id === t.current_song_id).map((k) => k.number);
      s.takes.push({
        id: `tk${v}`, song_id: t.current_song_id, number: 1 + Math.max(0, ...numbers),
        start_samples: i.position_samples, end_samples: 0, recording: true, rating: 0,
        circled: false, notes: '', files: [],
      });
      t.mode = 2;
      t.recording_take_id = `tk${v}`;
      t.position_samples = i.position_samples;
      break;
    }
    case 'add_track':
      s.tracks.push({ id: `tr${v}`, name: i.name, armed: false, muted: false, soloed: false,
        input_label: i.input_label });
      break;
    case 'update_track': {
      const tr = findById(s.tracks, i.track_id);
      if (!tr) break;
      // proto3 optional: only the present fields change.
      for (const k of ['name', 'armed', 'muted', 'soloed', 'input_label']) {
        if (i[k] !== undefined && i[`_${k}`] === k) tr[k] = i[k];
      }
      break;
    }
    case 'remove_track':
      removeById(s.tracks, i.track_id);
      break;
    case 'rate_take': {
      const take = findById(s.takes, i.take_id);
      if (take) take.rating = i.rating;
      break;
    }
    case 'circle_take': {
      const take = findById(s.takes, i.take_id);
      if (take) take.circled = i.circled;
      break;
    }
    case 'set_take_notes': {
      const take = findById(s.takes, i.take_id);
      if (take) take.notes = i.notes;
      break;
    }
    case 'add_marker':
      s.markers.push({ id: `m${v}`, position_samples: i.position_samples, label: i.label,
        color: i.color, author_user_id: ev.author_user_id });
      break;
    case 'update_marker': {
      const m = findById(s.markers, i.marker_id);
      if (!m) break;
      for (const k of ['position_samples', 'label', 'color']) {
        if (i[k] !== undefined && i[`_${k}`] === k) m[k] = i[k];
      }
      break;
    }
    case 'remove_marker':
      if (!findById(s.markers, i.marker_id)) break;
      s.comments = s.comments.filter((c) => c.marker_id !== i.marker_id);
      removeById(s.markers, i.marker_id);
      break;
    case 'add_comment':
      s.comments.push(normalizeComment({ id: `c${v}`, marker_id: i.marker_id, take_id: i.take_id,
        author_user_id: ev.author_user_id, text: i.text, created_unix_ms: ev.at_unix_ms }));
      break;
    case 'remove_comment':
      removeById(s.comments, i.comment_id);
      break;
    case 'start_talkback': {
      const ch = s.talkback.find((c) => c.user_id === ev.author_user_id);
      if (ch) {
        ch.target = i.target;
        ch.latched = i.latched;
      } else {
        s.talkback.push({ user_id: ev.author_user_id, target: i.target, latched: i.latched });
      }
      break;
    }
    case 'stop_talkback':
      s.talkback = s.talkback.filter((c) => c.user_id !== i.user_id);
      break;
    case 'set_planned_start':
      s.schedule.planned_start_unix_ms = i.planned_start_unix_ms;
      break;
    case 'take_file_recorded': {
      const take = findById(s.takes, i.take_id);
      if (take) take.files.push(i.file);
      break;
    }
    default:
      return false;
  }
  s.version = v;
  return true;
}
