// A row of cells and the cell-level editing operations (insert, delete, erase).
import { DEFAULT_COLOR, TRUECOLOR } from './colors.js';

// Cell storage: three Uint32 words per cell.
//   content: code point (bits 0-20), COMBINED (21: text lives in row.clusters),
//            width (bits 22-23: 0 = right half of a wide char, 1, 2)
//   fg, bg:  colour value (bits 0-23), colour mode (24-25), attribute flags (26+)
export const CP_MASK = 0x1fffff;
export const COMBINED = 1 << 21;
export const WIDTH_SHIFT = 22;
export const WIDTH_1 = 1 << WIDTH_SHIFT;
export const EMPTY_CELL = WIDTH_1;

export const COLOR_MASK = 0x03ffffff;            // value + mode, no flags
export const MODE_PALETTE = 1 << 24;
export const MODE_RGB = 2 << 24;
// fg word flags
export const F_BOLD = 1 << 26, F_DIM = 1 << 27, F_ITALIC = 1 << 28, F_UNDERLINE = 1 << 29,
  F_INVERSE = 1 << 30, F_BLINK = 1 << 31;
// bg word flags (B_PROTECTED: DECSCA, not a visible attribute)
export const B_HIDDEN = 1 << 26, B_STRIKE = 1 << 27, B_OVERLINE = 1 << 28, B_PROTECTED = 1 << 29;

export function colorOf(word) {
  const mode = word & 0x03000000;
  if (mode === MODE_PALETTE) return word & 0xff;
  if (mode === MODE_RGB) return TRUECOLOR | (word & 0xffffff);
  return DEFAULT_COLOR;
}

// Blank rows are copied from a cached template (a memcpy beats a fill loop).
let blankTemplate = new Uint32Array(0);
let blankBg = 0;
export function blankCells(length, bg) {
  if (blankTemplate.length !== length || blankBg !== bg) {
    blankTemplate = new Uint32Array(length);
    for (let i = 0; i < length; i += 3) blankTemplate[i] = EMPTY_CELL;
    if (bg) for (let i = 2; i < length; i += 3) blankTemplate[i] = bg;
    blankBg = bg;
  }
  return blankTemplate;
}

export class Row {
  constructor(cols, bg = 0) {
    this.cells = new Uint32Array(cols * 3);
    this.wrapped = false;
    this.clusters = null;           // Map x -> string, for cells with COMBINED set
    this.clear(bg);
  }

  get length() { return this.cells.length / 3; }

  clear(bg) {
    this.cells.set(blankCells(this.cells.length, bg));
    this.wrapped = false;
    this.clusters = null;
  }

  text(x) {
    const content = this.cells[x * 3];
    if (content & COMBINED) return this.clusters.get(x);
    const cp = content & CP_MASK;
    return cp ? String.fromCodePoint(cp) : '';
  }

  width(x) { return (this.cells[x * 3] >>> WIDTH_SHIFT) & 3; }
  fg(x) { return colorOf(this.cells[x * 3 + 1]); }
  bg(x) { return colorOf(this.cells[x * 3 + 2]); }

  flags(x) {
    return ((this.cells[x * 3 + 1] >>> 26) & 63) | (((this.cells[x * 3 + 2] >>> 26) & 7) << 6);
  }

  resized(cols) {
    const row = new Row(cols);
    const n = Math.min(cols, this.length) * 3;
    row.cells.set(this.cells.subarray(0, n));
    row.wrapped = this.wrapped;
    if (this.clusters) row.clusters = new Map(this.clusters);
    return row;
  }
}

// Cell helpers shared by the editing operations (x in cells, attrs as words).
export function setCell(row, x, content, fg, bg) {
  const i = x * 3, c = row.cells;
  c[i] = content; c[i + 1] = fg; c[i + 2] = bg;
}
export function cellWidth(row, x) { return (row.cells[x * 3] >>> WIDTH_SHIFT) & 3; }
export function cellHasContent(row, x) { return (row.cells[x * 3] & (CP_MASK | COMBINED)) !== 0; }

export function moveCluster(row, from, to) {
  if (row.clusters && (row.cells[to * 3] & COMBINED)) row.clusters.set(to, row.clusters.get(from));
}

// Shifts cells right from pos by n; the wide char split at pos or at the end is blanked.
export function insertCells(row, pos, n, fg, bg) {
  const cols = row.length;
  if (pos && cellWidth(row, pos - 1) === 2) setCell(row, pos - 1, EMPTY_CELL, fg, bg);
  if (n < cols - pos) {
    row.cells.copyWithin((pos + n) * 3, pos * 3, (cols - n) * 3);
    if (row.clusters) for (let x = cols - 1; x >= pos + n; x--) moveCluster(row, x - n, x);
    for (let x = pos; x < pos + n; x++) setCell(row, x, EMPTY_CELL, fg, bg);
  } else {
    for (let x = pos; x < cols; x++) setCell(row, x, EMPTY_CELL, fg, bg);
  }
  if (cellWidth(row, cols - 1) === 2) setCell(row, cols - 1, EMPTY_CELL, fg, bg);
}

export function deleteCells(row, pos, n, fg, bg) {
  const cols = row.length;
  if (n < cols - pos) {
    row.cells.copyWithin(pos * 3, (pos + n) * 3, cols * 3);
    if (row.clusters) for (let x = pos; x < cols - n; x++) moveCluster(row, x + n, x);
    for (let x = cols - n; x < cols; x++) setCell(row, x, EMPTY_CELL, fg, bg);
  } else {
    for (let x = pos; x < cols; x++) setCell(row, x, EMPTY_CELL, fg, bg);
  }
  if (pos && cellWidth(row, pos - 1) === 2) setCell(row, pos - 1, EMPTY_CELL, fg, bg);
  if (cellWidth(row, pos) === 0 && !cellHasContent(row, pos)) setCell(row, pos, EMPTY_CELL, fg, bg);
}

// Blanks [start, end); a wide char cut at either edge is blanked too. With `keepProtected`
// (DECSED/DECSEL) cells printed under DECSCA 1 stay, as in xterm.js.
export function eraseCells(row, start, end, bg, keepProtected = false) {
  if (keepProtected) { eraseUnprotected(row, start, end, bg); return; }
  const cols = row.length;
  if (start && cellWidth(row, start - 1) === 2) setCell(row, start - 1, EMPTY_CELL, 0, bg);
  if (end < cols && cellWidth(row, end - 1) === 2) setCell(row, end, EMPTY_CELL, 0, bg);
  if (end > cols) end = cols;
  if (end - start >= 16) {          // long ranges: one memcpy from the blank template
    row.cells.set(blankCells(cols * 3, bg).subarray(start * 3, end * 3), start * 3);
    return;
  }
  const c = row.cells;
  for (let i = start * 3; i < end * 3; i += 3) { c[i] = EMPTY_CELL; c[i + 1] = 0; c[i + 2] = bg; }
}

function eraseUnprotected(row, start, end, bg) {
  const cols = row.length, c = row.cells;
  const isProtected = (x) => (c[x * 3 + 2] & B_PROTECTED) !== 0;
  if (start && cellWidth(row, start - 1) === 2 && !isProtected(start - 1)) setCell(row, start - 1, EMPTY_CELL, 0, bg);
  if (end < cols && cellWidth(row, end - 1) === 2 && !isProtected(end)) setCell(row, end, EMPTY_CELL, 0, bg);
  for (let x = start; x < end && x < cols; x++) if (!isProtected(x)) setCell(row, x, EMPTY_CELL, 0, bg);
}
