// Geometry: font metrics in device pixels, the canvas size, fitting the container, zoom.

export const SCROLLBAR_WIDTH = 12;

export class LayoutMethods {
  _fontSpec(bold, italic) {
    const px = this.params.fontSize * this._dpr;
    return `${italic ? 'italic ' : ''}${bold ? 'bold ' : ''}${px}px ${this.params.font}`;
  }

  // Cells are whole device pixels, so glyphs and backgrounds land on the pixel grid (sharp on
  // high-DPI screens) and adjacent backgrounds never leave hairline gaps.
  _measureFont() {
    this._dpr = window.devicePixelRatio || 1;
    const ctx = this.ctx;
    ctx.font = this._fontSpec(false, false);
    const metrics = ctx.measureText('MMMMMMMMMM');
    const ascent = metrics.fontBoundingBoxAscent || this.params.fontSize * this._dpr * 0.8;
    const descent = metrics.fontBoundingBoxDescent || this.params.fontSize * this._dpr * 0.2;
    this._cellWidth = Math.max(1, Math.round(metrics.width / 10));
    this._cellHeight = Math.max(1, Math.ceil(Math.max(ascent + descent, this.params.fontSize * this._dpr * this.params.lineHeight)));
    this._baseline = Math.round((this._cellHeight - (ascent + descent)) / 2 + ascent);
    this._fonts = [false, true].map((bold) => [false, true].map((italic) => this._fontSpec(bold, italic)));
  }

  get _cssCellWidth() { return this._cellWidth / this._dpr; }
  get _cssCellHeight() { return this._cellHeight / this._dpr; }

  _applySize(cols, rows) {
    const emu = this.emulator;
    const sizeChanged = cols !== emu.cols || rows !== emu.rows;
    if (sizeChanged) emu.resize(cols, rows);
    // A fitted canvas spans the whole viewport: the part right of the last column (less than
    // a cell, plus the scrollbar's strip) is painted in each row's last background, so a
    // full-width program (tmux's status line) reaches the window's edge.
    const fullWidthPx = this.params.autoFit ? Math.floor(this.viewport.clientWidth * this._dpr) : 0;
    const widthPx = Math.max(cols * this._cellWidth, fullWidthPx);
    const heightPx = rows * this._cellHeight;
    if (this.canvas.width !== widthPx || this.canvas.height !== heightPx) {
      this.canvas.width = widthPx;
      this.canvas.height = heightPx;
    }
    this.canvas.style.width = `${widthPx / this._dpr}px`;
    this.canvas.style.height = `${heightPx / this._dpr}px`;
    if (!this.params.autoFit) {
      this.viewport.style.width = `${widthPx / this._dpr + SCROLLBAR_WIDTH}px`;
      this.viewport.style.height = `${heightPx / this._dpr}px`;
      this.viewport.style.flex = 'none';
    }
    this.input.style.fontSize = `${this.params.fontSize}px`;
    this._scrollOffset = Math.min(this._scrollOffset, emu.scrollbackLength);
    this._fullRedraw = true;
    this._placeSessionScreen();
    this._renderNow();
    if (sizeChanged) {
      this._sendSize();
      for (const callback of this._resizeCallbacks) callback(rows, cols);
    }
  }

  // At most one size change per resizeMitigationTimeMS reaches the host (dragging a window
  // edge would make full-screen programs redraw for every step); the last size always does,
  // and before any input typed after it (sendText calls _flushSize).
  _sendSize() {
    // Showing the session at the size another client gave it: nothing to send.
    if (!this.driver || this._sizeFromSession) return;
    const wait = (this._sizeSentAt || 0) + this.params.resizeMitigationTimeMS - Date.now();
    if (wait > 0) {
      if (!this._sizeTimer) this._sizeTimer = setTimeout(() => this._flushSize(), wait);
      return;
    }
    this._sizeSentAt = Date.now();
    this.driver.setSize(this.emulator.rows, this.emulator.cols);
  }

  _flushSize() {
    if (!this._sizeTimer) return;
    clearTimeout(this._sizeTimer);
    this._sizeTimer = null;
    this._sizeSentAt = 0;
    this._sendSize();
  }

  _fitToContainer() {
    if (!this.params.autoFit || this._closed) return;
    const dpr = window.devicePixelRatio || 1;
    if (dpr !== this._dpr) this._measureFont();
    const width = this.viewport.clientWidth - SCROLLBAR_WIDTH;
    const height = this.viewport.clientHeight;
    if (width <= 0 || height <= 0) return;
    const cols = Math.max(2, Math.floor((width * this._dpr) / this._cellWidth));
    const rows = Math.max(1, Math.floor((height * this._dpr) / this._cellHeight));
    // While the session's size is shown, only a real change of this tab's window takes it back.
    const fitted = this._fittedSize;
    this._fittedSize = { cols, rows };
    if (this._sizeFromSession) {
      if (fitted && fitted.cols === cols && fitted.rows === rows) return;
      this._sizeFromSession = false;
    }
    this._applySize(cols, rows);
  }

  _onMetricsChanged() {
    if (this._closed) return;
    this._measureFont();
    this._colorCache.clear();
    if (this.params.autoFit) this._fitToContainer();
    else this._applySize(this.emulator.cols, this.emulator.rows);
  }

  _observeContainer() {
    if (typeof ResizeObserver !== 'undefined') {
      this._resizeObserver = new ResizeObserver(() => this._refitSoon());
      this._resizeObserver.observe(this.viewport);
    }
    this._fitToContainer();
  }

  _refitSoon() {
    if (this._refitPending) return;
    this._refitPending = true;
    requestAnimationFrame(() => {
      this._refitPending = false;
      this._fitToContainer();
    });
  }

  // Browser zoom and moving the window to another screen change devicePixelRatio: the cells
  // are measured again so that text stays sharp.
  _watchPixelRatio() {
    if (!window.matchMedia) return;
    const query = window.matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`);
    const onChange = () => {
      this._pixelRatioQuery = null;
      if (this._closed) return;
      this._onMetricsChanged();
      this._watchPixelRatio();
    };
    query.addEventListener('change', onChange, { once: true });
    this._pixelRatioQuery = { query, onChange };
  }

  _stopObserving() {
    if (this._resizeObserver) this._resizeObserver.disconnect();
    this._resizeObserver = null;
  }
}
