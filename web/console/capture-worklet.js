// Microphone capture on the audio thread: cuts the input into 10 ms mono
// frames (480 samples at 48 kHz) stamped with the context time of their
// first sample, which becomes the talkback packets' capture time.

class CaptureProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.frame = new Float32Array(480);
    this.fill = 0;
    this.active = false;
    this.port.onmessage = (e) => {
      this.active = !!e.data.active;
      this.fill = 0;
    };
  }

  process(inputs) {
    const input = inputs[0];
    if (!this.active || !input || !input[0]) return true;
    const src = input[0];
    let i = 0;
    while (i < src.length) {
      if (this.fill === 0) this.start = currentTime + i / sampleRate;
      const n = Math.min(src.length - i, 480 - this.fill);
      this.frame.set(src.subarray(i, i + n), this.fill);
      this.fill += n;
      i += n;
      if (this.fill === 480) {
        this.port.postMessage({ start: this.start, pcm: this.frame }, [this.frame.buffer]);
        this.frame = new Float32Array(480);
        this.fill = 0;
      }
    }
    return true;
  }
}

registerProcessor('controlroom-capture', CaptureProcessor);
