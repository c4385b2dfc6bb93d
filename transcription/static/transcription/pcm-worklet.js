/* AudioWorklet: mono input at the context's rate -> 16 kHz 16-bit PCM frames of
   100 ms (1600 samples), posted with the frame's level (RMS, 0..1). */
const TARGET_RATE = 16000;
const FRAME_SAMPLES = 1600;

class Pcm16kProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.step = sampleRate / TARGET_RATE; // input samples per output sample
    this.position = 0; // fractional read position into the current block
    this.previous = 0; // last input sample of the previous block
    this.frame = new Int16Array(FRAME_SAMPLES);
    this.filled = 0;
    this.energy = 0;
  }

  process(inputs) {
    const input = inputs[0];
    if (!input || input.length === 0) return true;
    const channel = input[0];
    // Linear interpolation between input samples; for downsampling, average the
    // span each output sample covers (a cheap low-pass against aliasing).
    while (this.position < channel.length) {
      const index = Math.floor(this.position);
      let value;
      if (this.step > 1) {
        const end = Math.min(channel.length, Math.floor(this.position + this.step));
        let sum = 0;
        let count = 0;
        for (let i = index; i < end; i++) { sum += channel[i]; count++; }
        value = count ? sum / count : channel[index];
      } else {
        const fraction = this.position - index;
        const before = index === 0 && fraction < 0 ? this.previous : channel[index];
        const after = index + 1 < channel.length ? channel[index + 1] : channel[index];
        value = before + (after - before) * fraction;
      }
      value = Math.max(-1, Math.min(1, value));
      this.energy += value * value;
      this.frame[this.filled++] = value < 0 ? value * 0x8000 : value * 0x7fff;
      if (this.filled === FRAME_SAMPLES) {
        const level = Math.sqrt(this.energy / FRAME_SAMPLES);
        this.port.postMessage({ pcm: this.frame.buffer, level }, [this.frame.buffer]);
        this.frame = new Int16Array(FRAME_SAMPLES);
        this.filled = 0;
        this.energy = 0;
      }
      this.position += this.step;
    }
    this.position -= channel.length;
    this.previous = channel[channel.length - 1];
    return true;
  }
}

registerProcessor("pcm-16k", Pcm16kProcessor);
