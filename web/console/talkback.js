// Talking back: microphone -> capture worklet (10 ms mono frames) ->
// WebCodecs AudioEncoder (Opus, voice, in-band FEC) -> talkback datagrams
// as MediaFrame envelopes. The server forwards them only while this user's
// talkback channel is open in the session state, so pressing talk sends the
// StartTalkback intent and releasing sends StopTalkback (docs/protocol.md §7.3).

import { FLAG_DISCONTINUITY, KIND_TALKBACK, buildDatagram } from './datagram.js';

const FRAME = 480;

export class Talkback {
  constructor(ctx, send) {
    this.ctx = ctx;
    this.send = send;  // (Uint8Array datagram) => void
    this.senderId = 0;
    this.sequence = (Math.random() * 0xffffffff) >>> 0;
    this.talking = false;
    this.previous = null;
    this.discontinuity = true;
    this.sent = 0;
  }

  // Asks for the microphone (once) and builds the capture path.
  async prepare() {
    if (this.node) return;
    this.stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true,
        autoGainControl: true },
    });
    const source = this.ctx.createMediaStreamSource(this.stream);
    this.node = new AudioWorkletNode(this.ctx, 'controlroom-capture',
      { numberOfOutputs: 0, channelCount: 1, channelCountMode: 'explicit' });
    source.connect(this.node);
    this.node.port.onmessage = (e) => this.frame(e.data);
    await this.makeEncoder();
  }

  async makeEncoder() {
    const base = { codec: 'opus', sampleRate: 48000, numberOfChannels: 1, bitrate: 48000 };
    // The SDK's talkback settings (docs/media-plane.md); fall back to plain
    // Opus where a browser does not take the Opus-specific ones.
    const wanted = { ...base, opus: { frameDuration: 10000, useinbandfec: true,
      packetlossperc: 10, application: 'voip', signal: 'voice' } };
    let config = wanted;
    const check = await AudioEncoder.isConfigSupported(wanted).catch(() => ({ supported: false }));
    if (!check.supported) config = { ...base, opus: { frameDuration: 10000 } };
    this.encoder = new AudioEncoder({
      output: (chunk) => this.packet(chunk),
      error: (err) => console.warn('encoder error', err),
    });
    this.encoder.configure(config);
  }

  start() {
    this.talking = true;
    this.discontinuity = true;
    this.previous = null;
    this.node.port.postMessage({ active: true });
  }

  stop() {
    this.talking = false;
    this.node.port.postMessage({ active: false });
  }

  frame({ start, pcm }) {
    if (!this.talking || !this.encoder || this.encoder.state !== 'configured') return;
    const data = new AudioData({ format: 'f32-planar', sampleRate: 48000, numberOfFrames: FRAME,
      numberOfChannels: 1, timestamp: Math.round(start * 1e6), data: pcm });
    this.encoder.encode(data);
    data.close();
  }

  packet(chunk) {
    if (!this.talking || !this.senderId) return;
    const primary = new Uint8Array(chunk.byteLength);
    chunk.copyTo(primary);
    const datagram = buildDatagram({
      flags: this.discontinuity ? FLAG_DISCONTINUITY : 0, frameSamples: FRAME,
      senderId: this.senderId, kind: KIND_TALKBACK, channels: 1, sequence: this.sequence,
      captureUs: Math.max(0, chunk.timestamp), position: null, primary,
      redundant: this.discontinuity ? null : this.previous,
    });
    this.sequence = (this.sequence + 1) >>> 0;
    this.discontinuity = false;
    this.previous = primary;
    this.sent++;
    this.send(datagram);
  }
}
