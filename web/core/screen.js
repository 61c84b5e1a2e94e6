import { COLOR_MASK, Row, cellHasContent } from './lines.js';

// A screen buffer: a ring of rows (history then the visible rows) plus the
// per-buffer cursor, scroll region, tab stops and DECSC slot.
export class Screen {
  constructor(cols, rows, historySize) {
    this.cols = cols;
    this.rows = rows;
    this.capacity = rows + historySize;
    this.lines = new Array(this.capacity);
    this.start = 0;
    this.length = rows;
    for (let y = 0; y < rows; y++) this.lines[y] = new Row(cols);
    this.x = 0;
    this.y = 0;
    this.scrollTop = 0;
    this.scrollBottom = rows - 1;
    this.tabs = defaultTabs(cols);
    this.savedX = 0;
    this.savedY = 0;                // absolute (history + y), as xterm.js keeps it
    this.savedFg = 0;
    this.savedBg = 0;
    this.savedCharset = null;
    this.savedExtended = false;
  }

  get ybase() { return this.length - this.rows; }

  index(y) {
    const i = this.start + this.length - this.rows + y;
    return i >= this.capacity ? i - this.capacity : i;
  }

  line(y) { return this.lines[this.index(y)]; }

  fill(bg) {
    for (let y = 0; y < this.rows; y++) this.line(y).clear(bg);
  }

  // Moves rows [top, bottom] up by n (n <= height), blanking the n rows that enter at the bottom.
  rotateUp(top, bottom, n, bg) {
    const moved = [];
    for (let y = top; y < top + n; y++) moved.push(this.line(y));
    for (let y = top; y + n <= bottom; y++) this.lines[this.index(y)] = this.line(y + n);
    for (let k = 0; k < n; k++) {
      moved[k].clear(bg);
      this.lines[this.index(bottom - n + 1 + k)] = moved[k];
    }
  }

  rotateDown(top, bottom, n, bg) {
    const moved = [];
    for (let y = bottom - n + 1; y <= bottom; y++) moved.push(this.line(y));
    for (let y = bottom; y - n >= top; y--) this.lines[this.index(y)] = this.line(y - n);
    for (let k = 0; k < n; k++) {
      moved[k].clear(bg);
      this.lines[this.index(top + k)] = moved[k];
    }
  }

  // All rows oldest first (history, then visible).
  allRows() {
    const out = [];
    for (let k = 0; k < this.length; k++) out.push(this.lines[(this.start + k) % this.capacity]);
    return out;
  }

  trimHistory() {
    const keep = this.allRows().slice(this.length - this.rows);
    this.lines = new Array(this.capacity);
    this.start = 0;
    this.length = this.rows;
    for (let y = 0; y < this.rows; y++) this.lines[y] = keep[y];
  }
}

export function defaultTabs(cols) {
  const tabs = new Uint8Array(cols);
  for (let x = 0; x < cols; x += 8) tabs[x] = 1;
  return tabs;
}

// Resizes a buffer in place: rows keep their length (no reflow); shrinking drops blank
// rows below the cursor first, growing pulls rows back from history.
export function resizeScreen(s, cols, rows) {
  let all = s.allRows().map((row) => (row.length === cols ? row : row.resized(cols)));
  let visibleStart = all.length - s.rows;
  if (rows < s.rows) {
    // Drop blank rows below the cursor first, then push the top into history.
    let excess = s.rows - rows;
    while (excess > 0 && all.length - 1 - visibleStart > s.y && isBlank(all[all.length - 1])) {
      all.pop();
      excess--;
    }
    visibleStart += excess;
    s.y = Math.max(0, s.y - excess);
  } else if (rows > s.rows) {
    const pull = Math.min(rows - s.rows, visibleStart);
    visibleStart -= pull;
    s.y += pull;
    while (all.length - visibleStart < rows) all.push(new Row(cols));
  }
  const history = s.capacity - s.rows;
  if (visibleStart > history) { all = all.slice(visibleStart - history); visibleStart = history; }
  s.cols = cols;
  s.rows = rows;
  s.capacity = rows + history;
  s.lines = new Array(s.capacity);
  for (let k = 0; k < all.length; k++) s.lines[k] = all[k];
  s.start = 0;
  s.length = all.length;
  s.x = Math.min(s.x, cols - 1);
  s.y = Math.min(s.y, rows - 1);
  s.scrollTop = 0;
  s.scrollBottom = rows - 1;
  const tabs = defaultTabs(cols);
  tabs.set(s.tabs.subarray(0, Math.min(cols, s.tabs.length)));
  s.tabs = tabs;
}

function isBlank(row) {
  for (let x = 0; x < row.length; x++) {
    if (cellHasContent(row, x) || row.cells[x * 3 + 2] & COLOR_MASK) return false;
  }
  return true;
}
