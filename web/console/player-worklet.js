// The playout side of listening, on the audio rendering thread: one jitter
// buffer per received stream (decoded 10 ms frames in, 128-sample render
// quanta out), mixed to stereo. It follows the SDK's design
// (docs/media-plane.md, "Jitter buffer"): the target depth comes from the
// peak lateness of arrivals over the last 4 s against the smallest transit
// of the last 10 s; a missing frame with newer ones buffered is lost and
// concealed, a missing frame with nothing newer is waited for (the delay
// grows); a buffer that stays above its target for 4 s drops a frame.
//
// Decoding happens on the main thread (WebCodecs is not available in this
// scope), so concealment here is a fade-out of the last frame, not Opus PLC.

const SR = 48000;
const MAX_FRAMES = 40;  // 400 ms at 10 ms frames
const HOLD_S = 4;
const MIN_TRANSIT_S = 10;
const STOP_AFTER_S = 0.1;

class StreamBuffer {
  constructor(id, timed) {
    this.id = id;
    this.timed = timed;
    this.frames = new Map();
    this.reset();
    this.stats = { received: 0, lost: 0, concealed: 0, late: 0, duplicates: 0, underruns: 0,
      dropped: 0, resyncs: 0 };
    this.arrivals = [];  // [arrival s, transit s]
    this.target = 2;
    this.peakMs = 0;
    this.jitterMs = 0;
    this.lastTransit = null;
    this.firstArrival = null;
  }

  reset() {
    this.frames.clear();
    this.started = false;
    this.next = null;
    this.cur = null;
    this.offset = 0;
    this.waited = 0;
    this.newest = null;
    this.above = 0;
    this.lastPcm = null;
  }

  push(f, now) {
    if (this.started && f.seq < this.next) {
      this.stats.late++;
      return;
    }
    if (this.frames.has(f.seq)) {
      this.stats.duplicates++;
      return;
    }
    if (this.started && f.seq - this.next > 256) {
      this.stats.resyncs++;
      this.reset();
    }
    this.frames.set(f.seq, f);
    this.stats.received++;
    if (this.newest === null || f.seq > this.newest) this.newest = f.seq;
    if (this.firstArrival === null) this.firstArrival = now;
    this.measure(f, now);
    while (this.started && this.newest - this.next >= MAX_FRAMES) {
      this.frames.delete(this.next);
      this.next++;
      this.stats.dropped++;
    }
  }

  measure(f, now) {
    const transit = now - f.captureUs / 1e6;
    if (this.lastTransit !== null) {
      // RFC 3550 interarrival jitter.
      const d = Math.abs(transit - this.lastTransit) * 1000;
      this.jitterMs += (d - this.jitterMs) / 16;
    }
    this.lastTransit = transit;
    this.arrivals.push([now, transit]);
    while (this.arrivals.length && now - this.arrivals[0][0] > MIN_TRANSIT_S) this.arrivals.shift();
    if (this.stats.received % 5 !== 0) return;
    let min = Infinity;
    for (const a of this.arrivals) min = Math.min(min, a[1]);
    let peak = 0;
    for (const a of this.arrivals) if (now - a[0] <= HOLD_S) peak = Math.max(peak, a[1] - min);
    this.peakMs = peak * 1000;
    const frameMs = (f.pcm[0].length / SR) * 1000;
    let target = 1 + Math.ceil((this.peakMs + 2) / frameMs);
    if (now - this.firstArrival < 1) target = Math.max(target, Math.ceil(20 / frameMs));
    this.target = Math.max(1, Math.min(MAX_FRAMES, target));
  }

  depth() {
    if (this.newest === null) return 0;
    if (!this.started) return this.frames.size;
    return Math.max(0, this.newest - this.next + 1);
  }

  // The next frame to play, or null to render silence this quantum.
  advance(now, quantum) {
    if (!this.started) {
      if (this.frames.size === 0) return null;
      const oldest = Math.min(...this.frames.keys());
      const waitedLong = now - this.firstArrival > (this.target * 10) / 1000;
      if (this.frames.size < this.target && !waitedLong) return null;
      this.started = true;
      // After a stall far more may be buffered: start near the newest.
      this.next = Math.max(oldest, this.newest - this.target + 1);
      for (const k of [...this.frames.keys()]) if (k < this.next) this.frames.delete(k);
    }
    const f = this.frames.get(this.next);
    if (f) {
      this.frames.delete(this.next);
      this.next++;
      this.waited = 0;
      this.shrink();
      return f;
    }
    if (this.newest > this.next && this.depth() >= this.target) {
      // Lost: conceal and move on, keeping the timeline running.
      this.stats.lost++;
      this.stats.concealed++;
      const prev = this.lastFrame;
      this.next++;
      return this.conceal(prev);
    }
    this.waited += quantum / SR;
    this.stats.underruns++;
    if (this.waited > STOP_AFTER_S) {
      // Talkback released, sender gone: a fresh start when packets return.
      this.reset();
      this.firstArrival = null;
    }
    return null;
  }

  shrink() {
    if (this.depth() > this.target) {
      this.above++;
      // Above target at every pull for a whole hold window: cut one frame.
      if (this.above >= HOLD_S * 100 && this.frames.has(this.next)) {
        this.frames.delete(this.next);
        this.next++;
        this.stats.dropped++;
        this.above = 0;
      }
    } else {
      this.above = 0;
    }
  }

  conceal(prev) {
    const n = prev ? prev.pcm[0].length : 480;
    const pcm = [new Float32Array(n), new Float32Array(n)];
    if (prev) {
      for (let c = 0; c < 2; c++) {
        const src = prev.pcm[Math.min(c, prev.pcm.length - 1)];
        for (let i = 0; i < n; i++) pcm[c][i] = src[i] * (1 - i / n) * 0.5;
      }
    }
    const pos = prev && prev.pos !== null ? prev.pos + n : null;
    return { seq: this.next - 1, pos, pcm, concealed: true };
  }

  // Fills out[0..1][from..to) with this stream's audio, added to what is
  // there; returns the timeline position of out[from], or null.
  render(out, from, to, now) {
    let firstPos = null;
    let i = from;
    while (i < to) {
      if (!this.cur) {
        const f = this.advance(now, to - i);
        if (!f) break;
        this.cur = f;
        this.lastFrame = f;
        this.offset = 0;
      }
      const f = this.cur;
      const n = Math.min(to - i, f.pcm[0].length - this.offset);
      if (i === from && f.pos !== null && this.timed) firstPos = f.pos + this.offset;
      const l = f.pcm[0];
      const r = f.pcm[f.pcm.length - 1];
      for (let k = 0; k < n; k++) {
        out[0][i + k] += l[this.offset + k];
        out[1][i + k] += r[this.offset + k];
      }
      this.offset += n;
      i += n;
      if (this.offset >= f.pcm[0].length) this.cur = null;
    }
    return firstPos;
  }
}

class PlayerProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.streams = new Map();
    this.quanta = 0;
    this.port.onmessage = (e) => {
      const m = e.data;
      if (m.type === 'frame') {
        let s = this.streams.get(m.stream);
        if (!s) {
          s = new StreamBuffer(m.stream, m.timed);
          this.streams.set(m.stream, s);
        }
        s.push(m, currentTime);
      } else if (m.type === 'forget') {
        this.streams.delete(m.stream);
      }
    };
  }

  process(inputs, outputs) {
    const out = outputs[0];
    const n = out[0].length;
    out[0].fill(0);
    if (out[1]) out[1].fill(0);
    const pair = [out[0], out[1] || new Float32Array(n)];
    let pos = null;
    for (const s of this.streams.values()) {
      const p = s.render(pair, 0, n, currentTime);
      if (p !== null && pos === null) pos = p;
    }
    this.quanta++;
    // The heard position is derived on the main thread from these marks:
    // which timeline position was rendered at which context frame.
    if (this.quanta % 4 === 0 || (pos === null) !== (this.lastPos === null)) {
      this.port.postMessage({ type: 'map', frame: currentFrame, pos });
    }
    this.lastPos = pos;
    if (this.quanta % 94 === 0) {
      const stats = [];
      for (const s of this.streams.values()) {
        stats.push({ stream: s.id, timed: s.timed, ...s.stats, depth: s.depth(), target: s.target,
          jitterMs: s.jitterMs, peakMs: s.peakMs, playing: s.started });
      }
      this.port.postMessage({ type: 'stats', stats });
    }
    return true;
  }
}

registerProcessor('controlroom-player', PlayerProcessor);
