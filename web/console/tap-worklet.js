// A pass-through tap on the console's audio graph (player -> tap ->
// speakers): while enabled it hands what is being played, with the context
// frame of each sample, to the main thread. The level meter uses it, and the
// browser tests read it to check what the page actually plays.

class TapProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.recording = false;
    this.chunk = null;
    this.fill = 0;
    this.port.onmessage = (e) => {
      this.recording = !!e.data.recording;
    };
  }

  process(inputs, outputs) {
    const input = inputs[0];
    const output = outputs[0];
    let peak = 0;
    for (let c = 0; c < output.length; c++) {
      const src = input[c] || input[0];
      if (src) output[c].set(src);
      else output[c].fill(0);
    }
    const left = output[0];
    for (let i = 0; i < left.length; i++) peak = Math.max(peak, Math.abs(left[i]));
    this.peak = Math.max(this.peak || 0, peak);
    if (this.recording) {
      if (!this.chunk) {
        this.chunk = new Float32Array(left.length * 8);
        this.chunkFrame = currentFrame;
        this.fill = 0;
      }
      this.chunk.set(left, this.fill);
      this.fill += left.length;
      if (this.fill === this.chunk.length) {
        this.port.postMessage({ frame: this.chunkFrame, samples: this.chunk }, [this.chunk.buffer]);
        this.chunk = null;
      }
    }
    if (currentFrame % 4096 < left.length) {
      this.port.postMessage({ peak: this.peak });
      this.peak = 0;
    }
    return true;
  }
}

registerProcessor('controlroom-tap', TapProcessor);
