// The VT420/VT510 editing set beyond ECMA-48: character protection (DECSCA) for the
// selective erases, column insert/delete (DECIC/DECDC), the rectangular area operations
// (DECFRA, DECERA, DECSERA, DECCRA, DECCARA, DECRARA with DECSACE) and XTVERSION.
// xterm.js implements DECSCA, DECSED/DECSEL and DECIC/DECDC: those follow it exactly (quirks
// included); the rectangle operations follow the VT510 manual, as xterm does them.
import {
  B_HIDDEN, B_PROTECTED, EMPTY_CELL, F_BLINK, F_BOLD, F_INVERSE, F_UNDERLINE,
  WIDTH_1, cellHasContent, cellWidth, deleteCells, insertCells, setCell,
} from './lines.js';

const XTVERSION_NAME = 'AnsiTerm(xwterm)';

// DECCARA/DECRARA attributes: SGR number -> [word (1 fg, 2 bg), bit].
const RECT_ATTRS = new Map([
  [1, [1, F_BOLD]], [4, [1, F_UNDERLINE]], [5, [1, F_BLINK]], [7, [1, F_INVERSE]], [8, [2, B_HIDDEN]],
]);
const RECT_ATTRS_OFF = new Map([[22, 1], [24, 4], [25, 5], [27, 7], [28, 8]]);
const ALL_ATTRS = [1, 4, 5, 7];    // what SGR 0 covers in DECCARA and DECRARA (VT510)

export class RectMethods {
  // DECSCA: 1 protects what is printed next from DECSED/DECSEL/DECSERA; 0 and 2 do not.
  _selectProtection() {
    const p = this._params[0];
    if (p === 1) this.bg |= B_PROTECTED;
    else if (p === 0 || p === 2) this.bg &= ~B_PROTECTED;
  }

  // DECIC/DECDC: every row of the scroll region, at the cursor column. xterm.js takes the
  // column modulo the row length (so at the pending-wrap position it acts on column 0).
  _insertColumns(n, insert) {
    const s = this.screen, bg = this._eraseBg();
    if (s.y > s.scrollBottom || s.y < s.scrollTop) return;
    for (let y = s.scrollTop; y <= s.scrollBottom; y++) {
      const row = s.line(y);
      if (insert) insertCells(row, s.x % row.length, n, 0, bg);
      else deleteCells(row, s.x % row.length, n, 0, bg);
      row.wrapped = false;
    }
    this._markRows(s.scrollTop, s.scrollBottom);
  }

  // XTVERSION (CSI > 0 q): the terminal's name in a DCS string.
  _reportVersion() {
    if (!this._params[0]) this._reply(`\x1bP>|${XTVERSION_NAME}\x1b\\`);
  }

  // DECSACE: 2 makes DECCARA/DECRARA act on the rectangle, 0 and 1 on the character stream.
  _selectAttributeExtent() {
    const p = this._params[0];
    if (p === 2) this.rectangleExtent = true;
    else if (p <= 1) this.rectangleExtent = false;
  }

  // The rectangle Pt;Pl;Pb;Pr starting at parameter `first`, 0-based and inclusive, in screen
  // rows (origin mode: relative to and clipped by the scroll region); null when empty.
  // `stream`: the character stream from (top, left) to (bottom, right), where left may
  // exceed right on different rows.
  _rectangle(first, stream = false) {
    const s = this.screen, origin = this.modes.origin;
    const offset = origin ? s.scrollTop : 0, lastRow = origin ? s.scrollBottom : this.rows - 1;
    const top = this._param(first, 1) - 1 + offset;
    const left = this._param(first + 1, 1) - 1;
    const bottom = Math.min(this._param(first + 2, lastRow - offset + 1) - 1 + offset, lastRow);
    const right = Math.min(this._param(first + 3, this.cols), this.cols) - 1;
    if (top > bottom || (left > right && !(stream && top < bottom))) return null;
    return { top, left, bottom, right };
  }

  // DECFRA: fills the rectangle with one character (through the GL charset) in the current
  // rendition; ignores protection. Only printable characters (32-126, 160-255) are accepted.
  _fillRectangle() {
    let cp = this._params[0];
    if (!((cp >= 32 && cp <= 126) || (cp >= 160 && cp <= 255))) return;
    const r = this._rectangle(1);
    if (!r) return;
    if (cp < 127 && this.charset !== null && this.charset[cp]) cp = this.charset[cp];
    const fg = this.fg, bg = this.bg & ~B_PROTECTED;
    this._editRectangle(r, (row, x) => setCell(row, x, cp | WIDTH_1, fg, bg));
  }

  // DECERA / DECSERA: blanks the rectangle with the current background (back-colour erase,
  // as ED does); the selective form keeps protected cells.
  _eraseRectangle(selective) {
    const r = this._rectangle(0);
    if (!r) return;
    const bg = this._eraseBg();
    this._editRectangle(r, (row, x) => {
      if (!selective || !(row.cells[x * 3 + 2] & B_PROTECTED)) setCell(row, x, EMPTY_CELL, 0, bg);
    });
  }

  // DECCRA: copies a rectangle (source page and destination page ignored: one page) to the
  // destination's top-left corner, clipped to the screen; overlapping copies work.
  _copyRectangle() {
    const r = this._rectangle(0);
    if (!r) return;
    const s = this.screen, origin = this.modes.origin;
    const offset = origin ? s.scrollTop : 0, lastRow = origin ? s.scrollBottom : this.rows - 1;
    const top = this._param(5, 1) - 1 + offset, left = this._param(6, 1) - 1;
    if (top > lastRow || left >= this.cols) return;
    const height = Math.min(r.bottom - r.top, lastRow - top) + 1;
    const width = Math.min(r.right - r.left, this.cols - 1 - left) + 1;
    const copies = [];
    for (let k = 0; k < height; k++) {
      const row = s.line(r.top + k);
      const text = [];
      for (let i = 0; i < width; i++) text.push(row.text(r.left + i));
      copies.push({ cells: row.cells.slice(r.left * 3, (r.left + width) * 3), text });
    }
    const dest = { top, left, bottom: top + height - 1, right: left + width - 1 };
    this._editRectangle(dest, (row, x, y) => {
      const copy = copies[y - top], i = x - left, c = copy.cells;
      row.cells[x * 3] = c[i * 3];
      row.cells[x * 3 + 1] = c[i * 3 + 1];
      row.cells[x * 3 + 2] = c[i * 3 + 2];
      if (copy.text[i].length > 1) (row.clusters || (row.clusters = new Map())).set(x, copy.text[i]);
    });
  }

  // DECCARA (change) and DECRARA (reverse) the attributes listed from parameter 4 on.
  _changeAttributes(reverse) {
    const r = this._rectangle(0, !this.rectangleExtent);
    if (!r) return;
    let setFg = 0, setBg = 0, clearFg = 0, clearBg = 0;
    const add = (number, on) => {
      const [word, bit] = RECT_ATTRS.get(number);
      if (word === 1) { if (on) { setFg |= bit; clearFg &= ~bit; } else { clearFg |= bit; setFg &= ~bit; } }
      else if (on) { setBg |= bit; clearBg &= ~bit; } else { clearBg |= bit; setBg &= ~bit; }
    };
    const count = Math.max(this._paramCount, 5);
    for (let i = 4; i < count; i++) {
      const v = i < this._paramCount ? this._params[i] : 0;
      if (v === 0) for (const a of ALL_ATTRS) add(a, reverse);
      else if (RECT_ATTRS.has(v)) add(v, true);
      else if (!reverse && RECT_ATTRS_OFF.has(v)) add(RECT_ATTRS_OFF.get(v), false);
    }
    // DECRARA toggles what was named (setFg/setBg); DECCARA sets and clears.
    const apply = (row, x) => {
      const c = row.cells, i = x * 3;
      if (reverse) { c[i + 1] ^= setFg; c[i + 2] ^= setBg; return; }
      c[i + 1] = (c[i + 1] | setFg) & ~clearFg;
      c[i + 2] = (c[i + 2] | setBg) & ~clearBg;
    };
    if (this.rectangleExtent || r.top === r.bottom) {
      this._editRectangle(r, apply, true);
      return;
    }
    const s = this.screen, last = this.cols - 1;
    for (let y = r.top; y <= r.bottom; y++) {
      const row = s.line(y);
      const from = y === r.top ? r.left : 0, to = y === r.bottom ? r.right : last;
      for (let x = from; x <= Math.min(to, row.length - 1); x++) apply(row, x);
    }
    this._markRows(r.top, r.bottom);
  }

  // Runs edit(row, x, y) on every cell of the rectangle, then (unless only attributes
  // changed) blanks the halves of wide characters the edit separated.
  _editRectangle(r, edit, attributesOnly) {
    const s = this.screen;
    for (let y = r.top; y <= r.bottom; y++) {
      const row = s.line(y);
      const right = Math.min(r.right, row.length - 1);
      for (let x = r.left; x <= right; x++) edit(row, x, y);
      if (!attributesOnly) repairWideChars(row);
    }
    this._markRows(r.top, r.bottom);
  }
}

// Blanks (keeping its colours) each half of a wide character whose other half is gone.
function repairWideChars(row) {
  const c = row.cells, cols = row.length;
  for (let x = 0; x < cols; x++) {
    const w = cellWidth(row, x);
    const orphan = w === 2 ? x + 1 >= cols || !isSecondHalf(row, x + 1)
      : isSecondHalf(row, x) && (x === 0 || cellWidth(row, x - 1) !== 2);
    if (orphan) c[x * 3] = EMPTY_CELL;
  }
}

// The right half of a wide character: width 0 and no text (a lone zero-width character
// also has width 0, but keeps its text).
function isSecondHalf(row, x) { return cellWidth(row, x) === 0 && !cellHasContent(row, x); }
