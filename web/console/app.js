// The producer's console: login from the link, the session replica, and the
// panels that show and direct it. docs/web-console.md describes the design.

import { Connection, ProtocolError, loadProtocol } from './protocol.js';
import { applyEvent, fromSnapshot } from './replica.js';
import { Listener, SAMPLE_RATE, webCodecsAvailable } from './listen.js';
import { Talkback } from './talkback.js';
import { KIND_PROGRAM, NO_POSITION, parseDatagram } from './datagram.js';

const $ = (id) => document.getElementById(id);
const ROLE_NAMES = { 1: 'engineer', 2: 'producer', 3: 'artist', 4: 'listener' };
const MODE_NAMES = ['STOPPED', 'PLAYING', 'RECORDING'];
const TARGETS = [
  [3, 'Control room'], [4, 'Engineer (private line)'], [1, 'Everyone'], [2, 'Artist'],
];

const app = {
  proto: null, conn: null, state: null, me: null, self: null, roles: [],
  participants: new Map(), streams: [], session: null, stateAt: performance.now(),
  selectedTake: null, selectedMarker: null, clientId: crypto.randomUUID(), ops: 0,
  rtt: null, listener: null, talkback: null, talk: null, lastMarker: null, token: null,
  connected: false,
};
// The browser tests drive and inspect the page through this.
window.__console = app;

// ---- Login ----------------------------------------------------------------

function readFragment() {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  const link = { token: params.get('token'), session: params.get('session'),
    invite: params.get('invite') };
  if (location.hash) {
    // Out of the address bar, history and screenshots; kept for reloads of
    // this tab only.
    history.replaceState(null, '', location.pathname + location.search);
    sessionStorage.setItem('controlroom.link', JSON.stringify(link));
  } else {
    Object.assign(link, JSON.parse(sessionStorage.getItem('controlroom.link') || '{}'));
  }
  return link;
}

function fatal(title, text) {
  $('loading').hidden = true;
  $('console').hidden = true;
  $('fatal').hidden = false;
  $('fatal-title').textContent = title;
  $('fatal-text').textContent = text;
  document.title = `Controlroom — ${title}`;
  app.fatal = title;
}

const BAD_LINK = ['This invite link is not valid',
  'It may have expired, been used up or been revoked. Ask the studio for a new link.'];

// The invite asks for the guest's name first (redeeming spends a use of the
// code, so it waits for the person), then exchanges the code for a bearer
// token and the session (POST /api/v1/invites/redeem, docs/protocol.md §8).
function askName() {
  $('loading').hidden = true;
  $('welcome').hidden = false;
  $('welcome-name').focus();
  return new Promise((resolve) => {
    $('welcome-form').onsubmit = (e) => {
      e.preventDefault();
      $('welcome').hidden = true;
      $('loading').hidden = false;
      resolve($('welcome-name').value.trim());
    };
  });
}

async function redeemInvite(code, name) {
  const res = await fetch('/api/v1/invites/redeem', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(name ? { code, name } : { code }),
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    return { error: (body.error && body.error.message) || `HTTP ${res.status}`,
      status: res.status };
  }
  return body.token && body.session_id ? { token: body.token, session: body.session_id }
    : { error: 'the server did not return a token' };
}

// ---- Connection -----------------------------------------------------------

function wsUrl() {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/control`;
}

// Several nodes may serve one deployment: a join that reaches a node that
// does not own the session is answered MOVED with the owner's URL, and a
// draining node says GoAway (with another node's URL) before it closes.
// Names the session in the upgrade (protocol §1): the server then serves
// the connection on the thread that runs the session.
function withSessionHint(url, session) {
  const u = new URL(url);
  u.searchParams.set('session', session);
  return u.toString();
}

async function connect(link, resume, url = app.nextUrl || wsUrl(), hops = 0) {
  app.nextUrl = null;
  const conn = new Connection(app.proto, withSessionHint(url, link.session));
  await conn.open();
  try {
    await handshake(conn, link, resume);
  } catch (err) {
    conn.onClose = () => {};
    conn.close();
    if (err instanceof ProtocolError && err.codeName === 'ERROR_CODE_MOVED' && err.redirectUrl &&
        hops < 3) {
      return connect(link, resume, err.redirectUrl, hops + 1);
    }
    throw err;
  }
}

async function handshake(conn, link, resume) {
  const hello = conn.request('hello', { min_version: 1, max_version: 1,
    client_name: 'controlroom-console/0.1' });
  const auth = conn.request('authenticate', { bearer_token: link.token });
  await hello;
  const user = (await auth).user;
  const joined = await conn.request('join_session', { session_id: link.session,
    has_replica: !!resume, known_version: resume ? app.state.version : 0 });
  app.conn = conn;
  app.me = user;
  conn.onMessage = onMessage;
  conn.onMedia = (d) => (app.listener ? app.listener.receive(d) : notePosition(d));
  conn.onClose = () => onClosed(link);
  onJoined(joined);
  const opened = await conn.request('open_media', {
    subscribe: [app.proto.StreamKind.STREAM_KIND_PROGRAM, app.proto.StreamKind.STREAM_KIND_TALKBACK],
    transport: app.proto.MediaTransport.MEDIA_TRANSPORT_WEBSOCKET });
  app.senderId = opened.sender_id;
  if (app.talkback) app.talkback.senderId = opened.sender_id;
  app.published = false;
  app.connected = true;
  setConn('connected', 'ok');
}

function onJoined(j) {
  app.session = j.session;
  app.self = j.self;
  app.roles = j.self.roles;
  if (j.snapshot) app.state = fromSnapshot(j.snapshot);
  else for (const ev of j.missed_events) applyOrRejoin(ev);
  app.stateAt = performance.now();
  app.participants = new Map(j.participants.map((p) => [p.participant_id, p]));
  render();
}

let retry = 0;
function onClosed(link) {
  app.connected = false;
  if (app.fatal) return;
  setConn('reconnecting…', 'bad');
  if (app.talk) setTalk(null);
  const delay = Math.min(5000, 250 * 2 ** retry++);
  setTimeout(async () => {
    try {
      await connect(link, true);
      retry = 0;
    } catch (err) {
      if (err instanceof ProtocolError && err.codeName === 'ERROR_CODE_UNAUTHENTICATED') {
        fatal(...BAD_LINK);
      } else {
        onClosed(link);
      }
    }
  }, delay);
}

function applyOrRejoin(ev) {
  if (ev.version !== app.state.version + 1 || !applyEvent(app.state, ev)) {
    // A gap or an intent this page does not know: take a fresh snapshot.
    app.conn.request('leave_session', {}).then(() => app.conn.request('join_session',
      { session_id: app.session.id, has_replica: false })).then(onJoined, toastError);
    return false;
  }
  return true;
}

function onMessage(body, msg) {
  switch (body) {
    case 'session_event':
      if (applyOrRejoin(msg.event)) {
        const c = msg.event.intent.change;
        if (['play', 'stop', 'locate', 'record'].includes(c)) app.stateAt = performance.now();
        render();
      }
      break;
    case 'presence':
      if (msg.change === 1) app.participants.set(msg.participant.participant_id, msg.participant);
      else app.participants.delete(msg.participant.participant_id);
      renderPeople();
      break;
    case 'media_streams':
      app.streams = msg.streams;
      if (app.listener) {
        app.listener.keepOnly(new Set(msg.streams.map((s) => `${s.sender_id}:${s.kind}`)));
      }
      renderPeople();
      break;
    case 'error':
      toast(`server: ${msg.message}`);
      break;
    case 'go_away':
      // The close follows; reconnect there (or here, after the usual pause).
      app.nextUrl = msg.reconnect_url || null;
      break;
    default:
      break;
  }
}

function submit(intent) {
  const operation_id = `${app.clientId}-${++app.ops}`;
  return app.conn.request('submit_intent', { operation_id, intent }).catch((err) => {
    toastError(err);
    throw err;
  });
}

// ---- Listening and talking ----------------------------------------------

async function startListening() {
  if (app.listener) return app.listener;
  if (!webCodecsAvailable()) {
    const note = $('codec-note');
    note.hidden = false;
    note.textContent = 'This browser has no WebCodecs Opus (or AudioWorklet): listening and ' +
      'talkback are off. Use a current Chromium, Edge or Firefox over https or localhost.';
    throw new Error('WebCodecs unavailable');
  }
  const listener = new Listener();
  await listener.start();
  app.listener = listener;
  listener.onStats = renderStats;
  $('listen').textContent = '■ Listening';
  $('listen').classList.add('on');
  return listener;
}

async function setTalk(mode) {
  // mode: null (off), 'hold' or 'latch'
  if (mode && !app.roles.some((r) => r === 1 || r === 2 || r === 3)) return;
  if (mode) {
    const listener = await startListening();
    if (!app.talkback) {
      app.talkback = new Talkback(listener.ctx, (d) => app.conn.send({ request_id: 0,
        media_frame: { datagram: d } }));
      app.talkback.senderId = app.senderId;
      await app.talkback.prepare();
    }
    if (!app.published) {
      await app.conn.request('publish', { kind: app.proto.StreamKind.STREAM_KIND_TALKBACK,
        channels: 1, frame_samples: 480 });
      app.published = true;
    }
    app.talk = mode;
    await submit({ start_talkback: { target: Number($('tb-target').value),
      latched: mode === 'latch' } });
    if (app.talk === mode) app.talkback.start();
  } else if (app.talk) {
    app.talk = null;
    if (app.talkback) app.talkback.stop();
    if (app.connected) await submit({ stop_talkback: {} }).catch(() => {});
  }
  renderTalk();
}

// The marker key: the position the producer hears now, not the engineer's.
function dropMarker() {
  const heard = app.listener && app.listener.heardPosition();
  let position;
  if (heard) position = heard.position;
  else position = transportPosition();
  const n = app.state.markers.length + 1;
  app.lastMarker = { position, frame: heard ? heard.frame : null, heard: !!heard };
  submit({ add_marker: { position_samples: Math.max(0, Math.round(position)),
    label: `Marker ${n}` } }).catch(() => {});
  toast(heard ? `Marker at ${formatTime(position)} (heard)` :
    `Marker at ${formatTime(position)} (transport: not listening)`);
}

// ---- Rendering --------------------------------------------------------------

// Not listening: the program's packets still arrive and say where the
// engineer's playhead is (a snapshot does not say when the transport last
// moved, so extrapolating the state alone can be seconds off).
function notePosition(bytes) {
  const d = parseDatagram(bytes);
  if (d && d.kind === KIND_PROGRAM && d.position !== NO_POSITION) {
    app.programAt = { position: Number(d.position) + d.frameSamples, at: performance.now() };
  }
}

function transportPosition() {
  const p = app.programAt;
  if (p && performance.now() - p.at < 500) {
    return p.position + ((performance.now() - p.at) / 1000) * SAMPLE_RATE;
  }
  const t = app.state.transport;
  const running = t.mode === 1 || t.mode === 2;
  return t.position_samples + (running ? ((performance.now() - app.stateAt) / 1000) *
    SAMPLE_RATE : 0);
}

function formatTime(pos) {
  const s = Math.max(0, pos) / SAMPLE_RATE;
  const m = Math.floor(s / 60);
  return `${m}:${(s - m * 60).toFixed(3).padStart(6, '0')}`;
}

function formatBars(pos) {
  const t = app.state.transport;
  const bpm = t.tempo_bpm || 120;
  const per = (t.meter && t.meter.beats_per_bar) || 4;
  const beats = Math.max(0, pos) / (SAMPLE_RATE * 60 / bpm);
  return `${Math.floor(beats / per) + 1}.${Math.floor(beats % per) + 1}`;
}

function userName(id) {
  for (const p of app.participants.values()) if (p.user.id === id) return p.user.name;
  return id ? id.slice(0, 8) : 'server';
}

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function render() {
  const s = app.state;
  $('loading').hidden = true;
  $('console').hidden = false;
  $('session-title').textContent = app.session.title;
  $('me').textContent = `${app.me.name} · ${app.roles.map((r) => ROLE_NAMES[r]).join(', ')}`;
  const t = s.transport;
  const mode = $('mode');
  mode.textContent = MODE_NAMES[t.mode] || 'UNKNOWN';
  mode.className = `mode ${(MODE_NAMES[t.mode] || '').toLowerCase()}`;
  const song = s.songs.find((x) => x.id === t.current_song_id);
  $('current-song').textContent = song ? song.title : '—';
  $('tempo').textContent = `${t.tempo_bpm} bpm`;
  $('meter').textContent = t.meter ? `${t.meter.beats_per_bar}/${t.meter.beat_unit}` : '';
  // Each list is rebuilt only when what it shows changed: rebuilding a list
  // under the pointer would swallow a click on one of its buttons.
  const sel = [app.selectedTake, app.selectedMarker];
  section('songs', [s.songs, s.takes, t.current_song_id, app.roles], renderSongs);
  section('takes', [s.takes, s.songs, sel], renderTakes);
  section('markers', [s.markers, sel], renderMarkers);
  section('comments', [s.comments, s.markers, s.takes, sel], renderComments);
  renderPeople();
  renderTalk();
}

const shown = new Map();
function section(name, inputs, fn) {
  const key = JSON.stringify(inputs);
  if (shown.get(name) === key) return;
  shown.set(name, key);
  fn();
}

function renderSongs() {
  const list = $('songs');
  list.replaceChildren();
  for (const song of app.state.songs) {
    const li = el('li', song.title);
    if (song.id === app.state.transport.current_song_id) li.className = 'current';
    const picked = app.state.takes.find((k) => k.id === song.picked_take_id);
    if (picked) li.append(' ', el('span', `take ${picked.number} picked`, 'badge'));
    list.append(li);
  }
  $('song-form').hidden = !app.roles.includes(2);
}

function takeLength(k) {
  if (k.recording) return 'recording';
  return formatTime(k.end_samples - k.start_samples);
}

function renderTakes() {
  const body = $('takes');
  body.replaceChildren();
  const takes = [...app.state.takes].reverse();
  if (!app.selectedTake && takes.length) app.selectedTake = takes[0].id;
  for (const k of takes) {
    const song = app.state.songs.find((x) => x.id === k.song_id);
    const tr = el('tr');
    tr.dataset.take = k.id;
    if (k.id === app.selectedTake) tr.className = 'sel';
    tr.onclick = () => { app.selectedTake = k.id; app.selectedMarker = null; render(); };
    tr.append(el('td', song ? song.title : '?'), el('td', String(k.number)),
      el('td', takeLength(k)));
    const stars = el('td', undefined, 'stars');
    for (let r = 1; r <= 5; r++) {
      const b = el('button', '★', r <= k.rating ? 'lit' : '');
      b.title = `rate ${r}`;
      b.dataset.rate = String(r);
      b.onclick = (e) => {
        e.stopPropagation();
        submit({ rate_take: { take_id: k.id, rating: r === k.rating ? 0 : r } }).catch(() => {});
      };
      stars.append(b);
    }
    tr.append(stars);
    tr.append(el('td', k.circled ? '◯ circled' : ''));
    const pickCell = el('td');
    if (song && song.picked_take_id === k.id) {
      pickCell.append(el('span', 'picked', 'badge'));
    } else if (!k.recording) {
      const b = el('button', 'Pick');
      b.className = 'pick';
      b.onclick = (e) => { e.stopPropagation(); submit({ pick_take: { take_id: k.id } }).catch(() => {}); };
      pickCell.append(b);
    }
    tr.append(pickCell);
    body.append(tr);
  }
}

function renderMarkers() {
  const list = $('markers');
  list.replaceChildren();
  for (const m of app.state.markers) {
    const li = el('li');
    li.dataset.marker = m.id;
    if (m.id === app.selectedMarker) li.className = 'sel';
    const dot = el('span', '● ');
    dot.style.color = m.color;
    li.append(dot, el('b', m.label || m.id), ` ${formatBars(m.position_samples)} · `,
      el('span', `${formatTime(m.position_samples)} · ${userName(m.author_user_id)}`, 'muted'));
    li.onclick = () => { app.selectedMarker = m.id; app.selectedTake = null; render(); };
    list.append(li);
  }
  renderTimeline();
}

function renderTimeline() {
  const s = app.state;
  const box = $('timeline');
  const heard = app.listener && app.listener.heardPosition();
  const now = heard ? heard.position : transportPosition();
  const points = [now, ...s.markers.map((m) => m.position_samples),
    ...s.takes.flatMap((k) => [k.start_samples, k.end_samples || now])];
  const lo = Math.max(0, Math.min(...points) - SAMPLE_RATE * 5);
  const hi = Math.max(...points) + SAMPLE_RATE * 5;
  const x = (p) => `${((p - lo) / (hi - lo)) * 100}%`;
  box.replaceChildren();
  for (const k of s.takes) {
    const d = el('div', `take ${k.number}`, k.recording ? 'take recording' : 'take');
    d.style.left = x(k.start_samples);
    d.style.width = `${((((k.end_samples || now) - k.start_samples) / (hi - lo)) * 100)}%`;
    box.append(d);
  }
  for (const m of s.markers) {
    const d = el('div', undefined, 'mk');
    d.style.left = x(m.position_samples);
    d.style.background = m.color;
    d.append(el('span', m.label));
    box.append(d);
  }
  const head = el('div', undefined, 'head');
  head.style.left = x(now);
  box.append(head);
}

function renderComments() {
  const s = app.state;
  const list = $('comments');
  list.replaceChildren();
  let label = '—';
  let items = [];
  if (app.selectedMarker) {
    const m = s.markers.find((x) => x.id === app.selectedMarker);
    label = m ? `marker “${m.label}”` : '—';
    items = s.comments.filter((c) => c.marker_id === app.selectedMarker);
  } else if (app.selectedTake) {
    const k = s.takes.find((x) => x.id === app.selectedTake);
    label = k ? `take ${k.number}` : '—';
    items = s.comments.filter((c) => c.take_id === app.selectedTake);
  }
  $('comment-target').textContent = label;
  for (const c of items) {
    list.append(el('li', `${userName(c.author_user_id)}: ${c.text}`));
  }
}

function renderPeople() {
  if (!app.state) return;
  const list = $('people');
  list.replaceChildren();
  const talking = new Map(app.state.talkback.map((c) => [c.user_id, c]));
  for (const p of app.participants.values()) {
    const li = el('li', `${p.user.name} `);
    li.append(el('span', p.roles.map((r) => ROLE_NAMES[r] || '?').join(', '), 'muted'));
    if (p.participant_id === app.self.participant_id) li.append(el('span', ' (you)', 'muted'));
    if (talking.has(p.user.id)) li.append(el('span', ' ● talking', 'talking'));
    list.append(li);
  }
}

function renderTalk() {
  $('tb-hold').classList.toggle('on', app.talk === 'hold');
  $('tb-latch').classList.toggle('on', app.talk === 'latch');
  const target = TARGETS.find(([v]) => v === Number($('tb-target').value));
  $('tb-state').textContent = app.talk ? `talking (${app.talk === 'hold' ? 'momentary' : 'latched'}) to ${target[1]}` : 'off';
  $('tb-state').className = app.talk ? 'talking' : 'muted';
}

function renderStats() {
  const l = app.listener;
  const st = l && l.programStats();
  if (!st) return;
  const frames = st.received + st.lost;
  const buffered = st.depth * 10;
  $('st-buffer').textContent = `${st.depth} frames (${buffered} ms), target ${st.target}`;
  $('st-loss').textContent = `${frames ? ((100 * st.lost) / frames).toFixed(1) : '0.0'} % ` +
    `(${st.lost} lost, ${l.receiveStats().recovered} healed)`;
  $('st-jitter').textContent = `${st.jitterMs.toFixed(1)} ms`;
  const net = app.rtt !== null ? app.rtt / 2 : 0;
  // Studio to ear: half the round trip to the server (the engineer's leg
  // is not known here), the jitter buffer, and the audio output.
  $('st-latency').textContent = `≈ ${(net + buffered + l.outputLatencyMs()).toFixed(0)} ms`;
}

function tick() {
  if (app.state && !$('console').hidden) {
    const heard = app.listener && app.listener.heardPosition();
    const pos = heard ? heard.position : transportPosition();
    $('bars').textContent = formatBars(pos);
    $('time').textContent = formatTime(pos);
    $('heard').textContent = heard ? formatTime(heard.position) : '—';
    if (app.listener) $('level').style.width = `${Math.min(100, app.listener.level * 100)}%`;
    renderTimeline();
  }
  setTimeout(tick, 100);
}

function setConn(text, cls) {
  $('conn').textContent = text;
  $('conn').className = `pill ${cls}`;
}

let toastTimer = null;
function toast(text) {
  const t = $('toast');
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, 3000);
}

function toastError(err) {
  toast(err instanceof ProtocolError ? `${err.codeName}: ${err.message}` : String(err));
}

// ---- Input ------------------------------------------------------------------

function moveTakeSelection(step) {
  const takes = [...app.state.takes].reverse();
  if (!takes.length) return;
  const i = Math.max(0, takes.findIndex((k) => k.id === app.selectedTake));
  app.selectedTake = takes[Math.max(0, Math.min(takes.length - 1, i + step))].id;
  app.selectedMarker = null;
  render();
}

function onKey(e) {
  if (!app.state || e.ctrlKey || e.metaKey || e.altKey) return;
  if (['INPUT', 'SELECT', 'TEXTAREA'].includes(e.target.tagName)) return;
  const take = app.state.takes.find((k) => k.id === app.selectedTake);
  const key = e.key.toLowerCase();
  if (e.type === 'keyup') {
    if (key === 't' && app.talk === 'hold') setTalk(null);
    return;
  }
  if (e.repeat) return;
  if (key === 'm') dropMarker();
  else if (key === 't' && !app.talk) setTalk('hold').catch(toastError);
  else if (key === 'l') setTalk(app.talk === 'latch' ? null : 'latch').catch(toastError);
  else if (/^[0-5]$/.test(key) && take) {
    submit({ rate_take: { take_id: take.id, rating: Number(key) } }).catch(() => {});
  } else if (key === 'p' && take) submit({ pick_take: { take_id: take.id } }).catch(() => {});
  else if (key === 'c' && take) {
    submit({ circle_take: { take_id: take.id, circled: !take.circled } }).catch(() => {});
  } else if (key === 'arrowup') moveTakeSelection(-1);
  else if (key === 'arrowdown') moveTakeSelection(1);
  else return;
  e.preventDefault();
}

function wire() {
  document.addEventListener('keydown', onKey);
  document.addEventListener('keyup', onKey);
  $('listen').onclick = () => startListening().catch(toastError);
  const hold = $('tb-hold');
  hold.onpointerdown = () => setTalk('hold').catch(toastError);
  hold.onpointerup = hold.onpointerleave = () => { if (app.talk === 'hold') setTalk(null); };
  $('tb-latch').onclick = () => setTalk(app.talk === 'latch' ? null : 'latch').catch(toastError);
  const select = $('tb-target');
  for (const [v, name] of TARGETS) {
    const o = el('option', name);
    o.value = String(v);
    select.append(o);
  }
  select.onchange = () => { if (app.talk) setTalk(app.talk).catch(toastError); };
  $('song-form').onsubmit = (e) => {
    e.preventDefault();
    const title = $('song-title').value.trim();
    if (title) submit({ add_song: { title } }).then(() => { $('song-title').value = ''; }, () => {});
  };
  $('comment-form').onsubmit = (e) => {
    e.preventDefault();
    const text = $('comment-text').value.trim();
    if (!text) return;
    const target = app.selectedMarker ? { marker_id: app.selectedMarker }
      : app.selectedTake ? { take_id: app.selectedTake } : null;
    if (!target) { toast('Select a take or a marker first'); return; }
    submit({ add_comment: { ...target, text } }).then(() => { $('comment-text').value = ''; },
      () => {});
  };
  setInterval(() => {
    if (!app.connected) return;
    const sent = performance.now();
    app.conn.request('ping', { client_time_us: Math.round(sent * 1000) }).then(() => {
      const rtt = performance.now() - sent;
      app.rtt = app.rtt === null ? rtt : Math.min(rtt, app.rtt * 0.9 + rtt * 0.1);
      $('st-rtt').textContent = `${app.rtt.toFixed(1)} ms`;
    }, () => {});
  }, 2000);
}

async function main() {
  const link = readFragment();
  if (!link.token && !link.invite) {
    fatal('No invite in this link', 'Open the console from the invite link the studio sent you.');
    return;
  }
  try {
    app.proto = await loadProtocol();
  } catch (err) {
    fatal('The console could not load', String(err.message || err));
    return;
  }
  if (link.invite) {
    const name = await askName();
    const redeemed = await redeemInvite(link.invite, name).catch((err) => ({ error: String(err) }));
    if (redeemed.error) {
      if (redeemed.status === 404 || redeemed.status === 410 || redeemed.status === 400) {
        fatal(BAD_LINK[0], `${BAD_LINK[1]} (${redeemed.error})`);
      } else {
        fatal('The invite could not be redeemed', redeemed.error);
      }
      return;
    }
    Object.assign(link, redeemed, { invite: null });
    sessionStorage.setItem('controlroom.link', JSON.stringify(link));
  }
  if (!link.session) {
    fatal('This link names no session', 'Ask the studio for a new invite link.');
    return;
  }
  app.token = link.token;
  wire();
  try {
    await connect(link, false);
  } catch (err) {
    if (err instanceof ProtocolError) {
      if (err.codeName === 'ERROR_CODE_UNAUTHENTICATED') fatal(...BAD_LINK);
      else if (['ERROR_CODE_NOT_FOUND', 'ERROR_CODE_FORBIDDEN', 'ERROR_CODE_MALFORMED']
        .includes(err.codeName)) {
        fatal('This session cannot be opened',
          'The session does not exist, or this invite does not give access to it.');
      } else fatal('The studio server refused the connection', err.message);
    } else {
      fatal('Cannot reach the studio server', String(err.message || err));
    }
    return;
  }
  if (!webCodecsAvailable()) {
    $('codec-note').hidden = false;
    $('codec-note').textContent = 'This browser has no WebCodecs Opus: you can direct, ' +
      'but not listen or talk back.';
  }
  tick();
}

main();
