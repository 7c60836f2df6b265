// Listening: MediaFrame datagrams -> strict parse -> per-stream Opus decoder
// (WebCodecs AudioDecoder) -> the player worklet's jitter buffer -> tap ->
// speakers. The WebSocket is TCP, so frames arrive in order; a gap means the
// server dropped frames (its bounded queue) or they were lost on the
// sender's UDP leg. The next packet's redundant copy (docs/media-plane.md,
// "Payload") heals a single gap bit-exactly, before the primary is decoded,
// so the decoder sees the stream in order.

import { KIND_PROGRAM, KIND_TALKBACK, NO_POSITION, parseDatagram, seqDelta } from './datagram.js';

const VERSION = '@CONSOLE_VERSION@';
export const SAMPLE_RATE = 48000;

export function webCodecsAvailable() {
  return typeof AudioDecoder === 'function' && typeof AudioEncoder === 'function' &&
    typeof AudioWorkletNode === 'function';
}

class ReceivedStream {
  constructor(listener, key, d) {
    this.listener = listener;
    this.key = key;
    this.kind = d.kind;
    this.channels = d.channels;
    this.lastRaw = null;
    this.ext = 0;
    this.metas = [];
    this.stats = { datagrams: 0, recovered: 0, gaps: 0, decodeErrors: 0 };
    this.makeDecoder();
  }

  makeDecoder() {
    this.decoder = new AudioDecoder({
      output: (data) => this.output(data),
      error: (err) => {
        this.stats.decodeErrors++;
        console.warn('decoder error', err);
        this.metas = [];
        this.makeDecoder();
      },
    });
    this.decoder.configure({ codec: 'opus', sampleRate: SAMPLE_RATE,
      numberOfChannels: this.channels });
  }

  receive(d) {
    this.stats.datagrams++;
    let ext;
    if (this.lastRaw === null) {
      ext = 0;
    } else {
      const delta = seqDelta(this.lastRaw, d.sequence);
      if (delta <= 0) return;  // duplicate or late: already decoded past it
      ext = this.ext + delta;
      if (delta === 2 && d.redundant) {
        this.decode(d.redundant, ext - 1, d, -d.frameSamples, false);
        this.stats.recovered++;
      } else if (delta > 1) {
        this.stats.gaps += delta - 1;
      }
    }
    this.lastRaw = d.sequence;
    this.ext = ext;
    this.decode(d.primary, ext, d, 0, (d.flags & 2) !== 0);
  }

  decode(packet, seq, d, positionShift, disc) {
    const pos = d.position === NO_POSITION ? null : Number(d.position) + positionShift;
    this.metas.push({ seq, pos, disc, captureUs: Number(d.captureUs) });
    try {
      this.decoder.decode(new EncodedAudioChunk({ type: 'key', timestamp: seq * 10000,
        data: packet }));
    } catch (err) {
      this.metas.pop();
      this.stats.decodeErrors++;
    }
  }

  output(data) {
    // Outputs come in decode order, one per packet.
    const meta = this.metas.shift();
    const n = data.numberOfFrames;
    const pcm = [];
    for (let c = 0; c < data.numberOfChannels; c++) {
      const plane = new Float32Array(n);
      data.copyTo(plane, { planeIndex: c, format: 'f32-planar' });
      pcm.push(plane);
    }
    data.close();
    if (!meta) return;
    this.listener.post({ type: 'frame', stream: this.key, timed: this.kind === KIND_PROGRAM,
      seq: meta.seq, pos: meta.pos, disc: meta.disc, captureUs: meta.captureUs, pcm },
    pcm.map((p) => p.buffer));
  }

  close() {
    try { this.decoder.close(); } catch (err) { /* already closed */ }
  }
}

export class Listener {
  constructor() {
    this.streams = new Map();
    this.marks = [];
    this.workletStats = [];
    this.level = 0;
    this.tapChunks = [];
    this.onStats = () => {};
  }

  async start() {
    this.ctx = new AudioContext({ sampleRate: SAMPLE_RATE, latencyHint: 'interactive' });
    await this.ctx.audioWorklet.addModule(`player-worklet.js?v=${VERSION}`);
    await this.ctx.audioWorklet.addModule(`tap-worklet.js?v=${VERSION}`);
    await this.ctx.audioWorklet.addModule(`capture-worklet.js?v=${VERSION}`);
    this.player = new AudioWorkletNode(this.ctx, 'controlroom-player',
      { numberOfInputs: 0, outputChannelCount: [2] });
    this.tap = new AudioWorkletNode(this.ctx, 'controlroom-tap', { outputChannelCount: [2] });
    this.player.connect(this.tap).connect(this.ctx.destination);
    this.player.port.onmessage = (e) => this.fromPlayer(e.data);
    this.tap.port.onmessage = (e) => {
      if (e.data.samples) this.tapChunks.push(e.data);
      else this.level = e.data.peak;
    };
    await this.ctx.resume();
  }

  fromPlayer(m) {
    if (m.type === 'map') {
      this.marks.push(m);
      if (this.marks.length > 400) this.marks.splice(0, 100);
    } else if (m.type === 'stats') {
      this.workletStats = m.stats;
      this.onStats();
    }
  }

  post(msg, transfer) {
    if (this.player) this.player.port.postMessage(msg, transfer);
  }

  // A media datagram from the WebSocket.
  receive(bytes) {
    if (!this.player) return;
    const d = parseDatagram(bytes);
    if (!d) {
      this.malformed = (this.malformed || 0) + 1;
      return;
    }
    if (d.kind !== KIND_PROGRAM && d.kind !== KIND_TALKBACK) return;
    const key = `${d.senderId}:${d.kind}`;
    let s = this.streams.get(key);
    if (s && s.channels !== d.channels) {
      s.close();
      s = null;
    }
    if (!s) {
      s = new ReceivedStream(this, key, d);
      this.streams.set(key, s);
    }
    s.receive(d);
  }

  // The set of published streams changed: drop pipelines of gone streams.
  keepOnly(keys) {
    for (const [key, s] of this.streams) {
      if (!keys.has(key)) {
        s.close();
        this.streams.delete(key);
        this.post({ type: 'forget', stream: key });
      }
    }
  }

  // The context frame whose sample reaches the listener's ears now.
  audibleFrame() {
    const ts = this.ctx.getOutputTimestamp();
    if (ts.contextTime > 0 && ts.performanceTime > 0) {
      return (ts.contextTime + (performance.now() - ts.performanceTime) / 1000) * SAMPLE_RATE;
    }
    const latency = (this.ctx.outputLatency || 0) + (this.ctx.baseLatency || 0);
    return (this.ctx.currentTime - latency) * SAMPLE_RATE;
  }

  // The timeline position audible now (the program mix), and the context
  // frame it was taken at; null while nothing timed plays.
  heardPosition() {
    if (!this.ctx) return null;
    const frame = Math.floor(this.audibleFrame());
    for (let i = this.marks.length - 1; i >= 0; i--) {
      const m = this.marks[i];
      if (m.frame > frame) continue;
      // Marks come every 4 quanta; farther back than that, something stopped.
      if (m.pos === null || frame - m.frame > 1024) return null;
      return { position: m.pos + (frame - m.frame), frame };
    }
    return null;
  }

  outputLatencyMs() {
    if (!this.ctx) return 0;
    return ((this.ctx.outputLatency || 0) + (this.ctx.baseLatency || 0)) * 1000;
  }

  programStats() {
    return this.workletStats.find((s) => s.timed) || null;
  }

  receiveStats() {
    let recovered = 0;
    let gaps = 0;
    for (const s of this.streams.values()) {
      recovered += s.stats.recovered;
      gaps += s.stats.gaps;
    }
    return { recovered, gaps };
  }

  setTap(recording) {
    this.tapChunks = [];
    this.tap.port.postMessage({ recording });
  }

  // Samples [frame, frame + n) of what the tap saw, or null if not all held.
  tapRange(frame, n) {
    const out = new Float32Array(n);
    let got = 0;
    for (const c of this.tapChunks) {
      const from = Math.max(frame, c.frame);
      const to = Math.min(frame + n, c.frame + c.samples.length);
      for (let f = from; f < to; f++) out[f - frame] = c.samples[f - c.frame];
      if (to > from) got += to - from;
    }
    return got === n ? Array.from(out) : null;
  }
}
