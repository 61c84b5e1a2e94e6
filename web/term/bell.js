// The bell: a flash over the terminal and, when enabled, a short tone.
export class BellMethods {
  _bell() {
    const now = Date.now();
    if (this._lastBell && now - this._lastBell < 200) return;
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
      if (audio.state !== 'running') return;
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.frequency.value = this.params.bell_frequency;
      gain.gain.setValueAtTime(0.15, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + this.params.bell_duration);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start();
      oscillator.stop(audio.currentTime + this.params.bell_duration);
    } catch (error) {
      this.params.bell_enabled = false;
    }
  }

}
