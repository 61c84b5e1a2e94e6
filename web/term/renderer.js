// The canvas renderer: draws the emulator's damaged rows, the cursor and blinking text.
import { drawBoxGlyph } from './boxdraw.js';
import { DEFAULT_COLOR, FLAGS, PALETTE256, isTrueColor, trueColorRGB } from '../ansiterm-core.js';

export class RendererMethods {
  _scheduleRender() {
    if (this._frameRequested || this._closed) return;
    this._frameRequested = true;
    requestAnimationFrame(() => {
      this._frameRequested = false;
      this._renderNow();
    });
  }

  _renderNow() {
    const emu = this.emulator;
    const damage = emu.takeDamage();
    const rows = emu.rows;
    // Keep a scrolled-back view on the same text while output continues below it.
    if (this._scrollOffset > 0) this._scrollOffset += damage.scrolled;
    this._scrollOffset = Math.min(this._scrollOffset, emu.scrollbackLength);

    let full = this._fullRedraw || damage.full || this._scrollOffset > 0;
    if (!full && damage.scrolled > 0) {
      if (damage.scrolled >= rows) full = true;
      else this._shiftCanvasUp(damage.scrolled);
    }
    this._fullRedraw = false;
    const dirty = new Set();
    if (full) {
      for (let y = 0; y < rows; y++) dirty.add(y);
    } else {
      for (const y of damage.rows) if (y >= 0 && y < rows) dirty.add(y);
    }
    const cursorRow = this._cursorViewRow();
    if (this._lastCursorRow >= 0 && this._lastCursorRow < rows) dirty.add(this._lastCursorRow);
    if (cursorRow >= 0) dirty.add(cursorRow);
    for (const y of dirty) this._drawRow(y);
    this._lastCursorRow = cursorRow;
    this._syncScrollbar();
    this._placeInput();
    this._updateStatusSize();
    this._refreshLinkHover();
  }

  // Scrolling output moves the pixels already drawn instead of drawing every row again; the
  // emulator's damage then names only the rows that really changed.
  _shiftCanvasUp(lines) {
    const height = this._cellHeight;
    const width = this.canvas.width;
    const kept = (this.emulator.rows - lines) * height;
    this.ctx.drawImage(this.canvas, 0, lines * height, width, kept, 0, 0, width, kept);
    this._lastCursorRow -= lines;
    this._blinkRows = new Set([...this._blinkRows].map((row) => row - lines).filter((row) => row >= 0));
  }

  _cursorViewRow() {
    const cursor = this.emulator.cursor;
    const row = cursor.y + this._scrollOffset;
    return row < this.emulator.rows ? row : -1;
  }

  _color(value, isForeground) {
    if (value === DEFAULT_COLOR || value === null || value === undefined) {
      return isForeground ? this.params.foreground : this.params.background;
    }
    let css = this._colorCache.get(value);
    if (css) return css;
    if (isTrueColor(value)) {
      const [r, g, b] = trueColorRGB(value);
      css = `rgb(${r},${g},${b})`;
    } else if (value < 16) {
      css = this._palette16[value];
    } else {
      css = PALETTE256[value];
    }
    // Truecolor output (gradients, images, video) has millions of distinct values.
    if (this._colorCache.size >= 4096) this._colorCache.clear();
    this._colorCache.set(value, css);
    return css;
  }

  _drawRow(viewRow) {
    const ctx = this.ctx;
    const emu = this.emulator;
    const cw = this._cellWidth;
    const ch = this._cellHeight;
    const top = viewRow * ch;
    const emulatorRow = this._viewRowToEmulatorRow(viewRow);
    const row = emulatorRow >= -emu.scrollbackLength ? emu.getRow(emulatorRow) : null;
    const reverseScreen = Boolean(emu.modes.reverseVideo);
    const defaultBg = reverseScreen ? this.params.foreground : this.params.background;
    const range = this._selectionRange();
    const line = this._absoluteLine(emulatorRow);
    const cursor = emu.cursor;
    const cursorHere = cursor.visible && emulatorRow === cursor.y;
    const cursorCol = Math.min(cursor.x, emu.cols - 1);

    ctx.save();
    ctx.beginPath();
    ctx.rect(0, top, emu.cols * cw, ch);
    ctx.clip();
    ctx.fillStyle = defaultBg;
    ctx.fillRect(0, top, emu.cols * cw, ch);
    this._blinkRows.delete(viewRow);
    if (!row) {
      ctx.restore();
      this._paintMargin(top, defaultBg);
      return;
    }
    const length = Math.min(row.length, emu.cols);
    const boldIsBright = this.params.boldIsBright;
    const glyphs = [];

    // Backgrounds first, in runs, then glyphs, so wide glyphs are not painted over.
    let runStart = 0;
    let runColor = null;
    for (let x = 0; x <= length; x++) {
      let background = null;
      if (x < length) {
        const flags = row.flags(x);
        let fg = row.fg(x);
        let bg = row.bg(x);
        if (boldIsBright && (flags & FLAGS.BOLD) && fg >= 0 && fg < 8 && !isTrueColor(fg)) fg += 8;
        let fgCss = this._color(fg, true);
        let bgCss = this._color(bg, false);
        if (reverseScreen) {
          if (fg === DEFAULT_COLOR) fgCss = this.params.background;
          if (bg === DEFAULT_COLOR) bgCss = this.params.foreground;
        }
        if (flags & FLAGS.INVERSE) [fgCss, bgCss] = [bgCss, fgCss];
        if (this._isSelected(range, line, x)) {
          fgCss = this.params.selectionForeground;
          bgCss = this.params.selectionBackground;
        }
        const isCursor = cursorHere && x === cursorCol && this._focused && this._cursorShown();
        if (isCursor) {
          const cursorCss = this.params.cursorColor || fgCss;
          fgCss = bgCss;
          bgCss = cursorCss;
        }
        background = bgCss === defaultBg ? null : bgCss;
        const text = row.text(x);
        const width = row.width(x);
        if (flags & FLAGS.BLINK) this._blinkRows.add(viewRow);
        const hidden = (flags & FLAGS.HIDDEN) || ((flags & FLAGS.BLINK) && !this._blinkOn);
        if (width !== 0 && (text && text !== ' ' || flags & (FLAGS.UNDERLINE | FLAGS.STRIKE | FLAGS.OVERLINE)) && !hidden) {
          glyphs.push({ x, text, width: width || 1, fgCss, flags });
        }
      }
      if (x === length || background !== runColor) {
        if (runColor !== null) {
          ctx.fillStyle = runColor;
          ctx.fillRect(runStart * cw, top, (x - runStart) * cw, ch);
        }
        runStart = x;
        runColor = background;
      }
    }

    const baseline = top + this._baseline;
    let currentFont = '';
    for (const glyph of glyphs) {
      const { x, text, width, fgCss, flags } = glyph;
      const bold = Boolean(flags & FLAGS.BOLD) || (this.params.blinkIsBold && Boolean(flags & FLAGS.BLINK));
      const font = this._fonts[bold ? 1 : 0][flags & FLAGS.ITALIC ? 1 : 0];
      if (font !== currentFont) {
        ctx.font = font;
        currentFont = font;
      }
      ctx.fillStyle = fgCss;
      ctx.globalAlpha = flags & FLAGS.DIM ? 0.5 : 1;
      const left = x * cw;
      const thickness = Math.max(1, Math.round(this._dpr));
      const codePoint = text.length === 1 ? text.charCodeAt(0) : 0;
      const painted = codePoint >= 0x2500 && codePoint <= 0x259f &&
        drawBoxGlyph(ctx, codePoint, left, top, width * cw, ch, thickness);
      if (!painted && text && text !== ' ') ctx.fillText(text, left, baseline, width * cw);
      if (flags & FLAGS.UNDERLINE) ctx.fillRect(left, baseline + thickness, width * cw, thickness);
      if (flags & FLAGS.STRIKE) ctx.fillRect(left, top + Math.round(ch / 2), width * cw, thickness);
      if (flags & FLAGS.OVERLINE) ctx.fillRect(left, top, width * cw, thickness);
    }
    ctx.globalAlpha = 1;

    if (cursorHere && (!this._focused)) {
      const thickness = Math.max(1, Math.round(this._dpr));
      ctx.strokeStyle = this.params.cursorColor || this.params.foreground;
      ctx.lineWidth = thickness;
      ctx.strokeRect(cursorCol * cw + thickness / 2, top + thickness / 2, cw - thickness, ch - thickness);
    }
    ctx.restore();
    this._paintMargin(top, this._lastCellBackground(row, defaultBg, reverseScreen));
  }

  // The canvas right of the last column continues the row's last cell.
  _paintMargin(top, color) {
    const left = this.emulator.cols * this._cellWidth;
    if (this.canvas.width <= left) return;
    this.ctx.fillStyle = color;
    this.ctx.fillRect(left, top, this.canvas.width - left, this._cellHeight);
  }

  _lastCellBackground(row, defaultBg, reverseScreen) {
    const x = this.emulator.cols - 1;
    if (row.length <= x) return defaultBg;
    const fg = row.fg(x);
    const bg = row.bg(x);
    let bgCss = reverseScreen && bg === DEFAULT_COLOR ? this.params.foreground : this._color(bg, false);
    if (row.flags(x) & FLAGS.INVERSE) {
      bgCss = reverseScreen && fg === DEFAULT_COLOR ? this.params.background : this._color(fg, true);
    }
    return bgCss;
  }

  _cursorShown() {
    return !this.params.cursorBlink || this._blinkOn;
  }

  _startBlinking() {
    this._blinkTimer = setInterval(() => {
      if (!this._focused && !this._blinkRows.size) return;
      // Output not drawn yet may scroll the canvas: a row painted now would move with it.
      if (this._frameRequested) this._renderNow();
      this._blinkOn = !this._blinkOn;
      const cursorRow = this._cursorViewRow();
      if (cursorRow >= 0) this._drawRow(cursorRow);
      for (const row of [...this._blinkRows]) if (row !== cursorRow) this._drawRow(row);
    }, this.params.blinkPeriod);
  }

  // The hidden textarea follows the cursor so that IME candidate windows open next to it.
  _placeInput() {
    const cursor = this.emulator.cursor;
    this.input.style.left = `${Math.min(cursor.x, this.emulator.cols - 1) * this._cssCellWidth}px`;
    const row = Math.min(cursor.y + this._scrollOffset, this.emulator.rows - 1);
    this.input.style.top = `${row * this._cssCellHeight}px`;
  }

}
