// Freezing: while frozen, output is held (not drawn) and applied when the terminal thaws. The
// held output is bounded: at `freezeHoldLimit` characters the driver is asked to stop reading,
// so the server's flow control holds the program. A driver that cannot stop (plain WebSocket,
// a custom driver) cannot be held: at FORCED_THAW_FACTOR times the bound the held output is
// drawn rather than lost or grown without end.

export const FREEZE_USER = 1;
export const FREEZE_SELECTION = 2;
export const FREEZE_SCROLL = 4;
const FORCED_THAW_FACTOR = 8;

export class FreezeMethods {
  getFreezeState() {
    return this._freezeState;
  }

  // Sets or clears the user's freeze (FREEZE_USER only); returns the previous state.
  setFreezeState(frozen) {
    const previous = this._freezeState;
    this._setFreezeBits(frozen ? previous | FREEZE_USER : previous & ~FREEZE_USER);
    return previous;
  }

  toggleFreezeState() {
    return this.setFreezeState(!(this._freezeState & FREEZE_USER));
  }

  // cb(frozen, pendingCharacters, freezeState): now, on every change, and as held output grows.
  registerOnFreezeChange(callback) {
    this._freezeCallbacks.push(callback);
    callback(this._freezeState !== 0, this._heldCharacters, this._freezeState);
  }

  cancelOnFreezeChange(callback) {
    this._freezeCallbacks = this._freezeCallbacks.filter((c) => c !== callback);
  }

  _setFreezeBits(state) {
    if (state === this._freezeState) return;
    this._freezeState = state;
    if (!state) this._releaseHeldOutput();
    this._notifyFreeze();
  }

  // Output that arrives while frozen; characters of text, bytes of binary output.
  _holdOutput(data) {
    this._heldOutput.push(data);
    this._heldCharacters += (data.replayed || data).length;
    const limit = this.params.freezeHoldLimit;
    if (this._heldCharacters >= limit && !this._driverPaused && this.driver) {
      this._driverPaused = typeof this.driver.pause === 'function' && this.driver.pause() === true;
    }
    if (!this._driverPaused && this._heldCharacters >= limit * FORCED_THAW_FACTOR) {
      this._releaseHeldOutput();
    }
    this._notifyFreeze();
  }

  _releaseHeldOutput() {
    const held = this._heldOutput;
    this._heldOutput = [];
    this._heldCharacters = 0;
    for (const data of held) {
      if (data.replayed) this._applyOutput(data.replayed, true);
      else this._applyOutput(data);
    }
    if (this._driverPaused) {
      this._driverPaused = false;
      if (this.driver && typeof this.driver.resume === 'function') this.driver.resume();
    }
  }

  _notifyFreeze() {
    const frozen = this._freezeState !== 0;
    if (this.statusBar) this.statusBar.showFreeze(this._freezeState, this._heldCharacters);
    for (const callback of this._freezeCallbacks) callback(frozen, this._heldCharacters, this._freezeState);
  }
}
