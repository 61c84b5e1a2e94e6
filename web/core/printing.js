// Printing (ASCII fast path, wide characters, combining marks, charsets, insert mode),
// autowrap and scrolling up into history.
import { charWidth } from './charwidth.js';
import { COLOR_MASK, COMBINED, CP_MASK, EMPTY_CELL, Row, WIDTH_1, WIDTH_SHIFT, cellHasContent, cellWidth, insertCells, setCell } from './lines.js';
import { PRINT_CHUNK } from './parser.js';

export class PrintingMethods {
  // The hot path: printable ASCII with no charset mapping and no insert mode.
  _printAscii(bytes, i, end) {
    const s = this.screen, cols = this.cols, fg = this.fg | this.linkFlag, bg = this.bg;
    const content = WIDTH_1 | this.linkBits;
    let x = s.x;
    let row = s.line(s.y);
    this.dirty[s.y] = 1;
    if (!this._inRun) this._openRun(row, fg, bg);
    let cells = row.cells;
    while (i < end) {
      if (x >= cols) {
        if (this.modes.autowrap) {
          s.x = 0;
          this._wrapLine();
          row = s.line(s.y);
          cells = row.cells;
          x = 0;
        } else {
          x = cols - 1;
        }
      }
      const stop = Math.min(end, i + cols - x);
      let k = x * 3;
      for (; i < stop; i++, k += 3) {
        cells[k] = bytes[i] | content;
        cells[k + 1] = fg;
        cells[k + 2] = bg;
      }
      x = k / 3;
    }
    s.x = x;
    this.joinWidth = 1;
  }

  // A printing run is what xterm.js prints in one call: the printable
  // characters between two controls. Its edges repair wide characters cut in
  // half; doing that per run (not per character) matters when autowrap is off
  // and the last column is overwritten.
  _openRun(row, fg, bg) {
    const x = this.screen.x;
    if (x && cellWidth(row, x - 1) === 2) setCell(row, x - 1, EMPTY_CELL, fg, bg);
    this._inRun = true;
    this._runFg = fg;
    this._runBg = bg;
  }

  _closeRun() {
    if (!this._inRun) return;
    this._inRun = false;
    this._repairRunEnd();
  }

  // Blanks the orphaned right half of a wide char the run overwrote. Also
  // done at the end of each write with the run left open: a continuing run
  // overwrites or blanks that cell anyway, and the screen is right meanwhile.
  _repairRunEnd() {
    const s = this.screen, x = s.x;
    const row = s.line(s.y);
    if (x < this.cols && cellWidth(row, x) === 0 && !cellHasContent(row, x)) {
      setCell(row, x, EMPTY_CELL, this._runFg, this._runBg);
    }
  }

  _printBytesSlow(bytes, i, end) {
    const out = this._codepoints;
    while (i < end) {
      const count = Math.min(end - i, PRINT_CHUNK);
      for (let k = 0; k < count; k++) out[k] = bytes[i + k];
      this._print(out, count);
      i += count;
    }
  }

  // General printing: charsets, wide chars, combining marks, insert mode.
  _print(cps, count) {
    const s = this.screen, cols = this.cols, fg = this.fg | this.linkFlag, bg = this.bg;
    const charset = this.charset, insert = this.modes.insert, link = this.linkBits;
    let row = s.line(s.y);
    this.dirty[s.y] = 1;
    if (!this._inRun) this._openRun(row, fg, bg);
    let join = this.joinWidth;
    for (let k = 0; k < count; k++) {
      let cp = cps[k];
      if (cp < 127 && charset !== null && charset[cp]) cp = charset[cp];
      let width = charWidth(cp);
      if (width === 0 && join !== 0) {
        width = join;
        if (s.x) {
          const target = s.x - (cellWidth(row, s.x - 1) ? 1 : 2);
          this._addToCell(row, target, cp, width);
          continue;
        }
      } else {
        join = width;
      }
      if (s.x + width > cols) {
        if (this.modes.autowrap) {
          const oldRow = row;
          let oldCol = s.x;
          s.x = 0;
          this._wrapLine();
          row = s.line(s.y);
          while (oldCol < cols) setCell(oldRow, oldCol++, EMPTY_CELL, fg, bg);
        } else {
          s.x = cols - 1;
          if (width === 2) continue;
        }
      }
      if (insert) insertCells(row, s.x, width, fg, bg);
      // A zero-width char with nothing to join still takes a cell; in the
      // pending-wrap position it takes none but still moves the cursor on,
      // so the next one wraps (xterm.js does both).
      if (s.x < cols) setCell(row, s.x, cp | (width << WIDTH_SHIFT) | link, fg, bg);
      s.x++;
      if (width === 2) setCell(row, s.x++, link, fg, bg);
    }
    this.joinWidth = join;
  }

  // Joins a combining char to cell x, which then takes the width of the last
  // printed char (as xterm.js does, even when that char was dropped at the margin).
  _addToCell(row, x, cp, width) {
    const c = row.cells, i = x * 3;
    let content = c[i];
    if (!row.clusters) row.clusters = new Map();
    if (content & COMBINED) {
      row.clusters.set(x, row.clusters.get(x) + String.fromCodePoint(cp));
    } else if (content & CP_MASK) {
      row.clusters.set(x, String.fromCodePoint(content & CP_MASK, cp));
      content = (content & ~CP_MASK) | COMBINED;
    } else {
      content = cp | WIDTH_1;
    }
    c[i] = (content & ~(3 << WIDTH_SHIFT)) | (width << WIDTH_SHIFT);
  }

  // Autowrap: move to the next line (scrolling at the region bottom), marked as a continuation.
  _wrapLine() {
    const s = this.screen;
    s.y++;
    if (s.y === s.scrollBottom + 1) {
      s.y--;
      this._scrollUp(true);
    } else {
      if (s.y >= this.rows) s.y = this.rows - 1;
      s.line(s.y).wrapped = true;
    }
    this.dirty[s.y] = 1;
  }

  // ---- scrolling ----------------------------------------------------------

  _eraseBg() { return this.bg & COLOR_MASK; }

  // One line up inside the scroll region; with the region at the top, the
  // line leaves into history (xterm.js does this even for a partial region).
  _scrollUp(wrapped) {
    const s = this.screen, bg = this._eraseBg();
    if (s.scrollTop === 0) {
      let slot, row;
      if (s.length < s.capacity) {
        slot = (s.start + s.length) % s.capacity;
        s.length++;
        row = s.lines[slot];
        if (row === undefined || row.length !== this.cols) row = new Row(this.cols, bg);
        else row.clear(bg);
      } else {
        slot = s.start;
        s.start = s.start + 1 === s.capacity ? 0 : s.start + 1;
        row = s.lines[slot];
        if (row.length !== this.cols) row = new Row(this.cols, bg);
        else row.clear(bg);
      }
      s.lines[slot] = row;
      row.wrapped = wrapped;
      if (s.scrollBottom < this.rows - 1) {
        for (let y = this.rows - 1; y > s.scrollBottom; y--) s.lines[s.index(y)] = s.line(y - 1);
        s.lines[s.index(s.scrollBottom)] = row;
        this._markRows(0, s.scrollBottom);
      } else {
        this.dirty.copyWithin(0, 1);
        this.dirty[this.rows - 1] = 1;
        if (++this.scrolled >= this.rows) this.fullDamage = true;
      }
    } else {
      s.rotateUp(s.scrollTop, s.scrollBottom, 1, bg);
      s.line(s.scrollBottom).wrapped = wrapped;
      this._markRows(s.scrollTop, s.scrollBottom);
    }
  }

  _markRows(top, bottom) { this.dirty.fill(1, top, bottom + 1); }
}
