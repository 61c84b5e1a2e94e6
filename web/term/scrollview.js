// The scroll view: which part of the history is shown, the scrollbar, wheel and touch scrolling.
import { CSI, SS3 } from './keys.js';

export class ScrollViewMethods {
  // Lines are numbered from the oldest history line, so a selection keeps pointing at the same
  // text while new output scrolls it into history.
  _absoluteLine(emulatorRow) { return emulatorRow + this.emulator.scrollbackLength; }
  _emulatorRow(absoluteLine) { return absoluteLine - this.emulator.scrollbackLength; }
  _viewRowToEmulatorRow(viewRow) { return viewRow - this._scrollOffset; }

  _scrollBy(lines) {
    const max = this.emulator.scrollbackLength;
    const offset = Math.max(0, Math.min(max, this._scrollOffset + lines));
    if (offset === this._scrollOffset) return;
    this._scrollOffset = offset;
    this._fullRedraw = true;
    this._scheduleRender();
  }

  _scrollToBottom() {
    if (this._scrollOffset) this._scrollBy(-this._scrollOffset);
  }

  // With internalScrollbar: false, a page that loaded the original AnsiTerm's scrollbar.js
  // (the global GenericScrollBarAdder) gets that widget instead of the platform scrollbar. It is
  // driven as a plain range: 0 is the oldest history line, the history length follows the output.
  _attachScrollbar() {
    const Companion = typeof window.GenericScrollBarAdder === 'function' ? window.GenericScrollBarAdder : null;
    if (this.params.internalScrollbar || !Companion) {
      this.scrollbar.addEventListener('scroll', () => this._onScrollbarScroll());
      return;
    }
    this.scrollbar.style.display = 'none';
    const adder = new Companion(this.canvas, { vertical: true, horizontal: false });
    this.companionScrollbar = adder.verticalScrollbar;
    this.companionScrollbar.setMinValue(0);
    this.companionScrollbar.registerOnChange((change) => {
      const value = typeof change === 'object' && change !== null ? change.value : change;
      this._scrollBy(this.emulator.scrollbackLength - Number(value) - this._scrollOffset);
    });
  }

  _syncCompanionScrollbar() {
    const history = this.emulator.scrollbackLength;
    const shown = [history, this.emulator.rows, history - this._scrollOffset];
    if (this._companionShown && this._companionShown.every((v, i) => v === shown[i])) return;
    this._companionShown = shown;
    const bar = this.companionScrollbar;
    bar.setMaxValue(history);
    bar.setVisibleRangeSize(this.emulator.rows);
    bar.setValue(history - this._scrollOffset);
  }

  // The scrollbar's range is the history plus one screen; its position mirrors _scrollOffset.
  _syncScrollbar() {
    if (this.companionScrollbar) {
      this._syncCompanionScrollbar();
      return;
    }
    const cellCss = this._cssCellHeight;
    const historyCss = this.emulator.scrollbackLength * cellCss;
    const height = `${Math.round(historyCss + this.scrollbar.clientHeight)}px`;
    if (this.scrollbarSpacer.style.height !== height) this.scrollbarSpacer.style.height = height;
    const top = Math.round(historyCss - this._scrollOffset * cellCss);
    if (Math.abs(this.scrollbar.scrollTop - top) >= 1) this.scrollbar.scrollTop = top;
    this._scrollbarTop = this.scrollbar.scrollTop;
  }

  // Scroll events also follow our own updates of the scrollbar; only a position we did not
  // set is the user's, and history may have grown in between, so ours must not be re-read.
  _onScrollbarScroll() {
    if (Math.abs(this.scrollbar.scrollTop - this._scrollbarTop) < 1) return;
    const lineFromTop = Math.round(this.scrollbar.scrollTop / this._cssCellHeight);
    const offset = this.emulator.scrollbackLength - lineFromTop;
    this._scrollBy(offset - this._scrollOffset);
  }

  _onWheel(event) {
    event.preventDefault();
    const lineHeight = this._cssCellHeight;
    let delta = event.deltaY;
    if (event.deltaMode === 1) delta *= lineHeight;
    else if (event.deltaMode === 2) delta *= lineHeight * this.emulator.rows;
    this._scrollGesture(delta, event);
  }

  // A finger dragged over the terminal scrolls like the wheel (phones have no wheel).
  _onTouchMove(event) {
    if (this._touchY === null || event.touches.length !== 1) return;
    event.preventDefault();
    const y = event.touches[0].clientY;
    this._scrollGesture(this._touchY - y, event);
    this._touchY = y;
  }

  // Wheel and touch movement, in CSS pixels (positive: towards newer output).
  _scrollGesture(deltaPixels, event) {
    const lineHeight = this._cssCellHeight;
    this._wheelRemainder = (this._wheelRemainder || 0) + deltaPixels;
    const lines = Math.trunc(this._wheelRemainder / lineHeight);
    if (!lines) return;
    this._wheelRemainder -= lines * lineHeight;
    const emu = this.emulator;
    if (event.clientX !== undefined && this._mouseReporting(event)) {
      const cell = this._cellAt(event);
      const count = Math.min(Math.abs(lines), 5);
      for (let i = 0; i < count; i++) this._reportMouse(lines < 0 ? 64 : 65, cell, event, false);
      return;
    }
    if (emu.altScreen) {
      // Full-screen programs without mouse support (less, man) scroll with the arrow keys.
      const key = (emu.modes.applicationCursor ? SS3 : CSI) + (lines < 0 ? 'A' : 'B');
      this._sendToHost(key.repeat(Math.min(Math.abs(lines), 10)));
      return;
    }
    this._scrollBy(-lines);
  }
}
