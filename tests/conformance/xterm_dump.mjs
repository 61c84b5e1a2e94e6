// Build an ansiterm-screen-v1 dump (../../../shared/contracts/ansiterm-screen-v1.md)
// from an xterm.js Terminal (the @xterm/headless build in node, or @xterm/xterm in a
// browser).  Shared by reference.mjs (node) and selfcheck.html (browser), so the test
// harness can be validated by comparing xterm.js against itself.

function colour(mode, value) {
  // mode: 'default' | 'palette' | 'rgb'
  if (mode === 'default') return null;
  if (mode === 'palette') return value;
  return '#' + (value & 0xffffff).toString(16).padStart(6, '0');
}

function fgOf(cell) {
  if (cell.isFgDefault()) return null;
  if (cell.isFgPalette()) return colour('palette', cell.getFgColor());
  return colour('rgb', cell.getFgColor());
}

function bgOf(cell) {
  if (cell.isBgDefault()) return null;
  if (cell.isBgPalette()) return colour('palette', cell.getBgColor());
  return colour('rgb', cell.getBgColor());
}

function flagsOf(cell) {
  let f = '';
  if (cell.isBold()) f += 'b';
  if (cell.isDim()) f += 'd';
  if (cell.isItalic()) f += 'i';
  if (cell.isUnderline()) f += 'u';
  if (cell.isInverse()) f += 'r';
  if (cell.isBlink()) f += 'k';
  if (cell.isInvisible()) f += 'h';
  if (cell.isStrikethrough()) f += 's';
  if (cell.isOverline()) f += 'o';
  return f;
}

export function dumpXterm(term, title) {
  const buf = term.buffer.active;
  const cols = term.cols, rows = term.rows;
  const cells = [], text = [];
  const scratch = buf.getNullCell();
  for (let y = 0; y < rows; y++) {
    const line = buf.getLine(buf.baseY + y);
    const row = [];
    for (let x = 0; x < cols; x++) {
      const c = line ? line.getCell(x, scratch) : undefined;
      if (!c) { row.push(['', 1, null, null, '']); continue; }
      row.push([c.getChars(), c.getWidth(), fgOf(c), bgOf(c), flagsOf(c)]);
    }
    cells.push(row);
    text.push(line ? line.translateToString(true) : '');
  }
  const core = term._core;  // internal, only for the optional "visible" field
  const hidden = core && core.coreService ? !!core.coreService.isCursorHidden : undefined;
  const cursor = {
    row: buf.cursorY,
    col: Math.min(buf.cursorX, cols - 1),
    pendingWrap: buf.cursorX >= cols,
  };
  if (hidden !== undefined) cursor.visible = !hidden;
  return {
    format: 'ansiterm-screen-v1',
    cols, rows, cursor,
    altScreen: buf.type === 'alternate',
    title: title || '',
    text, cells,
  };
}

// Feed bytes (Uint8Array) to a terminal, optionally in chunks of `chunk` bytes, and
// resolve when xterm.js has processed everything.
export function feed(term, bytes, chunk) {
  return new Promise((resolve) => {
    if (!chunk || chunk >= bytes.length) {
      term.write(bytes, resolve);
      return;
    }
    for (let i = 0; i < bytes.length; i += chunk) {
      const part = bytes.subarray(i, Math.min(i + chunk, bytes.length));
      if (i + chunk >= bytes.length) term.write(part, resolve);
      else term.write(part);
    }
  });
}
