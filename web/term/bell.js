// The bell: a flash over the terminal and, when enabled, a tone of `bell_frequency` Hz lasting
// `bell_duration` seconds whose amplitude is multiplied by `bell_decay` at every sample.

const BELL_VOLUME = 0.15;
const MIN_BELL_INTERVAL_MS = 200;

export class BellMethods {
  // The original AnsiTerm's setBell: falsy sound parameters keep their current values.
  setBell(enabled, duration, frequency, decay) {
    const p = this.params;
    p.bell_enabled = Boolean(enabled);
    if (duration) p.bell_duration = Number(duration);
    if (frequency) p.bell_frequency = Number(frequency);
    if (decay) p.bell_decay = Number(decay);
  }

  _bell() {
    const now = Date.now();
    if (this._lastBell && now - this._lastBell < MIN_BELL_INTERVAL_MS) return;
    this._lastBell = now;
    this.bellFlash.classList.add('xwterm-bell-on');
    requestAnimationFrame(() => requestAnimationFrame(() => this.bellFlash.classList.remove('xwterm-bell-on')));
    if (this.params.bell_enabled) this._beep();
  }

  _beep() {
    try {
      const AudioContextClass = window.AudioContext || window.webkitAudioContext;
      if (!AudioContextClass) return;
      if (!this._audio) this._audio = new AudioContextClass();
      const audio = this._audio;
      // Browsers start audio only after a user gesture; a bell before that stays silent.
      if (audio.state !== 'running') return;
      const { bell_duration: duration, bell_frequency: frequency, bell_decay: decay } = this.params;
      const rate = audio.sampleRate;
      const length = Math.max(1, Math.round(duration * rate));
      const buffer = audio.createBuffer(1, length, rate);
      const samples = buffer.getChannelData(0);
      const step = (2 * Math.PI * frequency) / rate;
      let amplitude = BELL_VOLUME;
      for (let i = 0; i < length; i++) {
        samples[i] = amplitude * Math.sin(step * i);
        amplitude *= decay;
      }
      const source = audio.createBufferSource();
      source.buffer = buffer;
      source.connect(audio.destination);
      source.start();
    } catch (error) {
      this.params.bell_enabled = false;
    }
  }
}
