// The producer's console in a headless browser (--browser=chromium or
// firefox, tests/web/browsers.mjs) against a live controlroomd
// (started by console_test.sh), with an engineer on the C++ SDK
// (console_peer) streaming a known signal:
//   - a bad token, a bad invite and a used-up invite each show a clear page;
//   - a token link, and an invite link the engineer creates over the admin
//     API, open the console for the producer's role;
//   - the static assets come with the right types and caching headers;
//   - the page plays the program mix (a tap on its audio graph: the signal
//     is there and correlates with the source at the positions it claims);
//   - the marker key lands, in the engineer's replica, on the position the
//     page was playing (found independently by correlating the tapped audio
//     with the source) within one frame (480 samples);
//   - the fake microphone's talkback reaches the engineer (level and tone;
//     in Firefox, whose fake microphone is a steady sine, a steady tone);
//   - a take rated and picked on the page is rated and picked for the
//     engineer; a comment lands on the marker;
//   - after a dropped connection the page resumes (has_replica) and goes on,
//     and its replica equals the server's committed state (GET /state);
//   - without WebCodecs the page says so, and still directs.
// Screenshots of each state go to --artifacts.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';

import { launch } from './browsers.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const m = a.match(/^--([^=]+)=(.*)$/);
  return [m[1], m[2]];
}));
const base = args.base;
const browserName = args.browser || 'chromium';
const started = Date.now();
const log = (...m) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s]`, ...m);
let passed = 0;
async function check(name, fn) {
  await fn();
  passed++;
  log(`ok: ${name}`);
}

// ---- The known signal (console_peer.cpp computes the same) -----------------

function sourceSample(n) {
  const t = n / 48000;
  let h = Math.imul(n >>> 0, 2654435761 | 0) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  h = Math.imul(h, 0x45d9f3b) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  const noise = h / 4294967296 - 0.5;
  const phase = 2 * Math.PI * (330 * t + 25 * Math.sin(2 * Math.PI * 0.37 * t));
  return 0.3 * Math.sin(phase) + 0.2 * noise;
}

function correlation(a, from) {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    const b = sourceSample(from + i);
    ab += a[i] * b;
    aa += a[i] * a[i];
    bb += b * b;
  }
  return aa && bb ? ab / Math.sqrt(aa * bb) : 0;
}

// The lag (within ±range) at which `a` best matches the source from `from`.
function bestLag(a, from, range) {
  const src = Float64Array.from({ length: a.length + 2 * range }, (_, i) =>
    sourceSample(from - range + i));
  let best = { lag: 0, corr: -2 };
  for (let lag = -range; lag <= range; lag++) {
    let ab = 0;
    let bb = 0;
    let aa = 0;
    for (let i = 0; i < a.length; i++) {
      const b = src[i + lag + range];
      ab += a[i] * b;
      bb += b * b;
      aa += a[i] * a[i];
    }
    const c = ab / Math.sqrt(aa * bb);
    if (c > best.corr) best = { lag, corr: c };
  }
  return best;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function rms(a) {
  return Math.sqrt(a.reduce((s, x) => s + x * x, 0) / a.length);
}

// ---- The fake microphone: a 660 Hz tone, amplitude-modulated like syllables
// so that the browser's noise suppression takes it for a voice. Chromium
// plays this file; Firefox's fake microphone is a steady sine at MIC_TONE_HZ
// (console_peer.cpp listens for that frequency).

const MIC_TONE_HZ = 660;

function writeMicWav(file) {
  const rate = 48000;
  const n = rate * 2;
  const buf = Buffer.alloc(44 + n * 2);
  buf.write('RIFF', 0);
  buf.writeUInt32LE(36 + n * 2, 4);
  buf.write('WAVEfmt ', 8);
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36);
  buf.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    const env = 0.55 + 0.45 * Math.sin(2 * Math.PI * 3 * t);
    buf.writeInt16LE(Math.round(12000 * env * Math.sin(2 * Math.PI * MIC_TONE_HZ * t)), 44 + i * 2);
  }
  fs.writeFileSync(file, buf);
}

// ---- The engineer (console_peer) -------------------------------------------

class Peer {
  constructor() {
    this.proc = spawn(args.peer, [base.replace(/^http/, 'ws') + '/v1/control', args.engineer,
      args.producer], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.lines = [];
    this.waiters = [];
    this.exited = new Promise((resolve) => this.proc.on('exit', resolve));
    readline.createInterface({ input: this.proc.stdout }).on('line', (line) => {
      let msg;
      try {
        msg = JSON.parse(line);
      } catch {
        return;
      }
      if (msg.error) log(`peer error: ${msg.error}`);
      this.lines.push(msg);
      for (const w of [...this.waiters]) w();
    });
  }

  // Resolves with the first line (from now or already seen) `pred` accepts.
  // `from`: the index of the first line to consider; take peer.lines.length
  // *before* the action whose outcome is awaited, or its report may slip by.
  wait(pred, what, timeoutMs = 15000, from = this.lines.length) {
    let index = from;
    return new Promise((resolve, reject) => {
      const scan = () => {
        for (; index < this.lines.length; index++) {
          if (pred(this.lines[index])) {
            cleanup();
            resolve(this.lines[index]);
            return;
          }
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for the engineer to see ${what}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== scan);
      };
      this.waiters.push(scan);
      scan();
    });
  }

  latestState() {
    for (let i = this.lines.length - 1; i >= 0; i--) if (this.lines[i].state) return this.lines[i].state;
    return null;
  }

  stop() {
    if (this.proc.exitCode === null) {
      this.proc.stdin.end('quit\n');
      setTimeout(() => this.proc.kill('SIGKILL'), 3000).unref();
    }
    return this.exited;
  }
}

// ---- The run --------------------------------------------------------------------

const shots = args.artifacts;
fs.mkdirSync(shots, { recursive: true });
const mic = path.join(args.tmp, 'mic.wav');
writeMicWav(mic);
const peer = new Peer();
let browser = null;
let mainPage = null;
let failed = null;
try {
  const ready = (await peer.wait((m) => m.ready || m.error, 'the session set up', 20000, 0));
  assert.ok(ready.ready, ready.error);
  const { session, take } = ready.ready;
  log(`session ${session}, take ${take}`);

  await check('static assets: types and caching', async () => {
    const root = await fetch(`${base}/`, { redirect: 'manual' });
    assert.equal(root.status, 302);
    assert.equal(root.headers.get('location'), '/console/');
    const index = await fetch(`${base}/console/`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type'), /^text\/html/);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    assert.match(index.headers.get('content-security-policy'), /default-src 'self'/);
    const html = await index.text();
    const version = html.match(/app\.js\?v=([0-9a-f]{16})/)[1];
    const app = await fetch(`${base}/console/app.js?v=${version}`);
    assert.match(app.headers.get('content-type'), /^text\/javascript/);
    assert.match(app.headers.get('cache-control'), /immutable/);
    assert.ok(app.headers.get('etag'));
    const stale = await fetch(`${base}/console/app.js?v=0000000000000000`);
    assert.equal(stale.headers.get('cache-control'), 'no-cache');
    const proto = await fetch(`${base}/console/proto/controlroom/v1/control.proto?v=${version}`);
    assert.match(proto.headers.get('content-type'), /^text\/plain/);
    assert.match(await proto.text(), /message ClientEnvelope/);
    assert.equal((await fetch(`${base}/console/nope.js`)).status, 404);
  });

  browser = await launch(browserName, { tmp: args.tmp, mic: { wav: mic, toneHz: MIC_TONE_HZ } });
  log(`browser: ${browserName}`);
  const page = await browser.firstPage();
  mainPage = page;
  page.onLog((what, text) => log(`${what}: ${text}`));

  await check('an unknown or expired token shows a clear page', async () => {
    await page.goto(`${base}/console/#token=crt_${'x'.repeat(43)}&session=${session}`);
    await page.waitVisible('#fatal', 10000);
    assert.match(await page.text('#fatal-title'), /not valid/);
    // The token left the address bar.
    assert.ok(!page.url().includes('crt_'));
    await page.screenshot(path.join(shots, 'invalid-token.png'));
  });

  await check('an invalid invite code shows a clear page', async () => {
    await page.goto(`${base}/console/#invite=not-a-real-code`);
    await page.reload();  // a fresh start with this link, not the last one
    await page.waitVisible('#welcome', 10000);
    await page.fill('#welcome-name', 'Pia');
    await page.screenshot(path.join(shots, 'invite-welcome.png'));
    await page.click('#welcome button');
    await page.waitVisible('#fatal', 10000);
    assert.match(await page.text('#fatal-title'), /not valid/);
    await page.screenshot(path.join(shots, 'invalid-invite.png'));
  });

  await check('a token link opens the console, joined as producer', async () => {
    await page.goto(`${base}/console/#token=${args.producer}&session=${session}`);
    await page.reload();
    await page.waitVisible(`#takes tr[data-take="${take}"]`, 10000);
    assert.match(await page.text('#me'), /pia · producer/);
    // The upgrade names the session (protocol §1): served on its worker.
    const wsUrl = await page.evaluate(() => window.__console.conn.url);
    assert.equal(new URL(wsUrl).searchParams.get('session'), session, wsUrl);
  });

  let invitePath;
  await check('an invite link opens the console as a guest producer', async () => {
    // The engineer invites a producer over the admin API; the link is all
    // the guest gets.
    const res = await fetch(`${base}/api/v1/sessions/${session}/invites`, {
      method: 'POST', headers: { Authorization: `Bearer ${args.engineer}`,
        'Content-Type': 'application/json' },
      body: JSON.stringify({ role: 'producer', label: 'browser test' }) });
    assert.equal(res.status, 201, await res.clone().text());
    invitePath = (await res.json()).console_path;
    assert.match(invitePath, /^\/console\/#invite=/);
    await page.goto(`${base}${invitePath}`);
    await page.reload();
    await page.waitVisible('#welcome', 10000);
    await page.fill('#welcome-name', 'Paula');
    await page.click('#welcome button');
    await page.waitVisible(`#takes tr[data-take="${take}"]`, 10000);
    assert.match(await page.text('#me'), /Paula · producer/);
    assert.match(await page.text('#me'), /producer/);
    assert.equal(await page.text('#mode'), 'PLAYING');
    assert.match(await page.text('#people'), /eddie/);
    await page.screenshot(path.join(shots, 'console-joined.png'));
  });

  await page.click('#listen');
  await page.waitForFunction(() => window.__console.listener, null, 10000);
  await page.evaluate(() => window.__console.listener.setTap(true));
  await page.waitForFunction(() => {
    const s = window.__console.listener && window.__console.listener.programStats();
    return s && s.playing && s.received > 100;
  }, null, 10000);
  await sleep(800);

  await check('the page plays the program mix (tap: signal present, correlated)', async () => {
    // Five 50 ms windows over the last second: a buffer underrun inside one
    // (silence, then the timeline resumes later) spoils only that one.
    const got = await page.evaluate(() => {
      const l = window.__console.listener;
      const marks = l.marks.filter((m) => m.pos !== null);
      const windows = [];
      for (let k = 1; k <= 5; k++) {
        const m = marks[Math.max(0, marks.length - 16 * k)];
        windows.push({ mark: m, samples: l.tapRange(m.frame, 2400) });
      }
      return { windows, stats: l.programStats() };
    });
    const results = got.windows.filter((w) => w.samples).map((w) => ({
      level: rms(w.samples), ...bestLag(w.samples, w.mark.pos, 960) }));
    log(`program: ${results.map((r) => `rms ${r.level.toFixed(3)} corr ${r.corr.toFixed(4)} ` +
      `lag ${r.lag}`).join('; ')}; stats ${JSON.stringify(got.stats)}`);
    const good = results.filter((r) => r.level > 0.05 && r.corr > 0.9 && Math.abs(r.lag) <= 48);
    assert.ok(good.length >= 3, 'signal present, correlated with the source, on the timeline ' +
      'where the headers put it, in at least 3 of 5 windows');
  });

  let marker;
  await check('the marker key lands at the heard position within one frame', async () => {
    // A press during an underrun (nothing audible) is not a test of the
    // position: such an attempt is repeated, up to three times.
    for (let attempt = 1; ; attempt++) {
      const before = peer.lines.length;
      const count = (await page.evaluate(() => window.__console.state.markers.length)) + 1;
      await page.press('m');
      const seen = await peer.wait((m) => m.state && m.state.markers.length === count,
        'the marker', 15000, before);
      marker = seen.state.markers[count - 1];
      const placed = await page.evaluate(() => window.__console.lastMarker);
      await sleep(300);  // the tap's chunks after that frame
      // 30 ms from the marker's frame: short, so that an underrun soon after
      // cannot move the match.
      const samples = placed.heard ? await page.evaluate(
        (f) => window.__console.listener.tapRange(f, 1440), placed.frame) : null;
      const best = samples ? bestLag(samples, marker.position, 4800) : { corr: 0, lag: 0 };
      log(`marker ${marker.id} at ${marker.position} (heard: ${placed.heard}); the audio there ` +
        `came from ${marker.position + best.lag} (error ${best.lag} samples, correlation ` +
        `${best.corr.toFixed(3)})`);
      if (!(placed.heard && best.corr > 0.8) && attempt < 3) continue;
      assert.ok(placed.heard, 'placed from the heard position');
      assert.ok(best.corr > 0.8, `the tapped audio is the program (${best.corr})`);
      assert.ok(Math.abs(best.lag) <= 480, `within one frame (${best.lag} samples)`);
      break;
    }
    await page.waitVisible(`#markers li[data-marker="${marker.id}"]`);
    await page.screenshot(path.join(shots, 'console-listening-marker.png'));
  });

  await check('talkback on the private line reaches the engineer', async () => {
    await page.select('#tb-target', '4');
    const before = peer.lines.length;
    await page.keyDown('t');
    await peer.wait((m) => m.state && m.state.talkback === 1, 'the talkback channel open', 15000,
      before);
    // The peer reports each half second its level and the tone's share of
    // it (console_peer.cpp). Chromium's WAV has syllables and goes through
    // noise suppression: the tone must hold a quarter of the half second's
    // power. Firefox's fake microphone is a steady sine: the engineer must
    // hear it steady and nearly pure, in every 10 ms (Firefox's mock audio
    // clock, browsers.mjs, lets its pitch wander by a hertz or so, which a
    // half-second measure would take for another sound).
    const isTone = browser.steadyMic ? (t) => t.tone_10ms > 0.9 : (t) => t.tone > 0.25;
    const heard = await peer.wait((m) => m.talkback && m.talkback.rms > 0.01 &&
      isTone(m.talkback), 'the microphone in the talkback', 10000, before);
    log(`talkback at the engineer: ${JSON.stringify(heard.talkback)}`);
    if (browser.steadyMic) {
      // The first report may have begun before the talking did, and on a
      // busy machine the level can take another half second to settle (the
      // engineer's jitter buffer filling): within eight more reports, two
      // consecutive ones must agree within 20 % and both be the tone.
      let one = await peer.wait((m) => m.talkback, 'more talkback', 5000,
        peer.lines.indexOf(heard) + 1);
      const levels = [one.talkback];
      let steady = null;
      for (let i = 0; i < 8 && !steady; ++i) {
        const two = await peer.wait((m) => m.talkback, 'more talkback', 5000,
          peer.lines.indexOf(one) + 1);
        levels.push(two.talkback);
        if (Math.abs(two.talkback.rms / one.talkback.rms - 1) < 0.2) {
          steady = [one.talkback, two.talkback];
        }
        one = two;
      }
      log(`and then: ${levels.map((t) => JSON.stringify(t)).join(', ')}`);
      assert.ok(steady, `a steady level (${levels.map((t) => t.rms).join(', ')})`);
      for (const t of steady) {
        assert.ok(isTone(t), `still the tone (${t.tone_10ms})`);
      }
    }
    await page.screenshot(path.join(shots, 'console-talkback.png'));
    const released = peer.lines.length;
    await page.keyUp('t');
    await peer.wait((m) => m.state && m.state.talkback === 0, 'the talkback channel closed',
      15000, released);
  });

  await check('a take rated and picked on the page is what the engineer sees', async () => {
    let before = peer.lines.length;
    await page.click(`#takes tr[data-take="${take}"] button[data-rate="4"]`);
    await peer.wait((m) => m.state && m.state.takes.some((k) => k.id === take && k.rating === 4),
      'the rating', 15000, before);
    await page.click(`#takes tr[data-take="${take}"] td:first-child`);
    before = peer.lines.length;
    await page.press('p');
    await peer.wait((m) => m.state && m.state.takes.some((k) => k.id === take && k.picked),
      'the pick', 15000, before);
    await page.waitVisible(`#takes tr[data-take="${take}"] .badge`);
    await page.screenshot(path.join(shots, 'console-take-picked.png'));
  });

  await check('a comment on the marker reaches the engineer; replicas agree', async () => {
    await page.click(`#markers li[data-marker="${marker.id}"]`);
    await page.fill('#comment-text', 'pitchy on "home"');
    const before = peer.lines.length;
    await page.pressIn('#comment-text', 'Enter');
    const seen = await peer.wait((m) => m.state && m.state.comments >= 1, 'the comment', 15000,
      before);
    await page.waitForFunction((v) => window.__console.state.version >= v, seen.state.version);
    const mine = await page.evaluate(() => {
      const s = window.__console.state;
      return { version: s.version, markers: s.markers.map((m) => [m.id, m.position_samples]),
        takes: s.takes.map((k) => [k.id, k.rating]), comments: s.comments.length };
    });
    assert.equal(mine.version, seen.state.version);
    assert.deepEqual(mine.markers, seen.state.markers.map((m) => [m.id, m.position]));
    assert.deepEqual(mine.takes, seen.state.takes.map((k) => [k.id, k.rating]));
    await page.screenshot(path.join(shots, 'console-comment.png'));
  });

  await check('after a dropped connection the page resumes and keeps directing', async () => {
    await page.evaluate(() => window.__console.conn.ws.close());
    await page.waitForFunction(() => window.__console.connected === false, null, 5000);
    await page.waitForFunction(() => window.__console.connected === true, null, 10000);
    const before = peer.lines.length;
    await page.click(`#takes tr[data-take="${take}"] td:first-child`);
    await page.press('2');
    await peer.wait((m) => m.state && m.state.takes.some((k) => k.id === take && k.rating === 2),
      'a rating sent after the resume', 15000, before);
    await page.waitForFunction(() => {
      const s = window.__console.listener.programStats();
      return s && s.playing;
    }, null, 10000);
  });

  await check('the page\'s replica equals the server\'s committed state (after the resume)', async () => {
    // GET /state is the server's replay of its log; both sides go through
    // the same protobuf type, so defaults and 64-bit numbers compare alike.
    const diff = await page.evaluate(async () => {
      const app = window.__console;
      const res = await fetch(`/api/v1/sessions/${app.session.id}/state`,
        { headers: { Authorization: `Bearer ${app.token}` } });
      const T = app.proto.SessionState;
      const norm = (o) => JSON.stringify(app.proto.toObject(T, T.fromObject(o)));
      const server = norm(await res.json());
      const mine = norm(app.state);
      return server === mine ? null : { server, mine };
    });
    assert.equal(diff, null, JSON.stringify(diff));
  });


  await check('a used-up invite shows a clear page', async () => {
    const again = await browser.newPage();
    await again.goto(`${base}${invitePath}`);
    await again.waitVisible('#welcome', 10000);
    await again.click('#welcome button');
    await again.waitVisible('#fatal', 10000);
    assert.match(await again.text('#fatal-title'), /not valid/);
    await again.screenshot(path.join(shots, 'invite-used-up.png'));
    await again.close();
  });

  await check('without WebCodecs the console says so and still directs', async () => {
    // As in a browser without WebCodecs audio: the page must not go blank.
    const bare = await browser.newPage();
    await bare.beforeScripts(() => {
      delete window.AudioDecoder;
      delete window.AudioEncoder;
    });
    await bare.goto(`${base}/console/#token=${args.producer}&session=${session}`);
    await bare.waitVisible(`#takes tr[data-take="${take}"]`, 10000);
    await bare.waitVisible('#codec-note');
    assert.match(await bare.text('#codec-note'), /WebCodecs/);
    const before = peer.lines.length;
    const count = (await bare.evaluate(() => window.__console.state.markers.length)) + 1;
    await bare.press('m');
    await peer.wait((m) => m.state && m.state.markers.length === count,
      'a marker from the page without WebCodecs', 15000, before);
    assert.equal(await bare.evaluate(() => window.__console.lastMarker.heard), false);
    await bare.screenshot(path.join(shots, 'console-no-webcodecs.png'));
    await bare.close();
  });
} catch (err) {
  failed = err;
  // What the page's audio was doing, for the failure report.
  const audio = await mainPage?.evaluate(() => {
    const l = window.__console && window.__console.listener;
    const toast = document.getElementById('toast');
    if (!l) return { listener: null, toast: toast && toast.textContent };
    return { context: l.ctx && { state: l.ctx.state, time: l.ctx.currentTime,
      rate: l.ctx.sampleRate }, worklet: l.workletStats, malformed: l.malformed || 0,
    streams: [...l.streams].map(([key, st]) => ({ key, decoder: st.decoder.state, ...st.stats })) };
  }).catch((e) => `unavailable: ${e.message}`);
  if (audio !== undefined) log(`the page's audio: ${JSON.stringify(audio)}`);
  const talkback = await mainPage?.evaluate(() => {
    const t = window.__console && window.__console.talkback;
    return t && { sent: t.sent, talking: t.talking, senderId: t.senderId,
      encoder: t.encoder && t.encoder.state };
  }).catch(() => null);
  if (talkback) {
    log(`the page's talkback: ${JSON.stringify(talkback)}; the engineer heard ` +
      JSON.stringify(peer.lines.filter((m) => m.talkback).slice(-4).map((m) => m.talkback)));
  }
} finally {
  if (browser) await browser.close().catch(() => {});
  await peer.stop();
}
if (failed) {
  console.error(`FAIL: ${failed.stack || failed}`);
  console.log(`web console: ${passed} passed, 1 failed`);
  process.exit(1);
}
console.log(`web console: ${passed} passed, 0 failed (${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${shots})`);
