// What "copy" puts on the clipboard: the selected cells as plain text, as text with SGR escape
// sequences (ANSI), or as HTML. No DOM: the cells come from the emulator's rows.
import { DEFAULT_COLOR, FLAGS, isTrueColor, trueColorRGB } from '../ansiterm-core.js';

// The selected cells, line by line; a row wrapped onto the next continues the same line.
// Trailing spaces of each line and trailing empty lines are dropped (a "Select all" of a
// half-empty screen must not copy a screenful of blank lines).
// rowAt(line) gives the emulator row of a selection line (or null); range is {start, end}
// of {line, col}; each cell is {text, fg, bg, flags}.
export function selectedCells(rowAt, range, cols) {
  const lines = [];
  let current = [];
  for (let line = range.start.line; line <= range.end.line; line++) {
    const row = rowAt(line);
    if (!row) continue;
    const from = line === range.start.line ? range.start.col : 0;
    const to = line === range.end.line ? range.end.col : cols - 1;
    for (let x = from; x <= to && x < row.length; x++) {
      if (row.width(x) === 0) continue;
      current.push({ text: row.text(x) || ' ', fg: row.fg(x), bg: row.bg(x), flags: row.flags(x) });
    }
    if (row.wrapped && line !== range.end.line) continue;
    lines.push(trimTrailingBlanks(current));
    current = [];
  }
  if (current.length) lines.push(trimTrailingBlanks(current));
  while (lines.length && !lines[lines.length - 1].length) lines.pop();
  return lines;
}

function trimTrailingBlanks(cells) {
  let end = cells.length;
  while (end > 0 && /^\s*$/.test(cells[end - 1].text)) end--;
  return cells.slice(0, end);
}

export function cellsAsText(lines) {
  return lines.map((cells) => cells.map((cell) => cell.text).join('')).join('\n');
}

const SGR_FLAGS = [
  [FLAGS.BOLD, '1'], [FLAGS.DIM, '2'], [FLAGS.ITALIC, '3'], [FLAGS.UNDERLINE, '4'], [FLAGS.BLINK, '5'],
  [FLAGS.INVERSE, '7'], [FLAGS.HIDDEN, '8'], [FLAGS.STRIKE, '9'], [FLAGS.OVERLINE, '53'],
];

function sgrColor(value, isForeground) {
  if (value === DEFAULT_COLOR) return [];
  if (isTrueColor(value)) return [isForeground ? '38' : '48', '2', ...trueColorRGB(value).map(String)];
  if (value < 8) return [String((isForeground ? 30 : 40) + value)];
  if (value < 16) return [String((isForeground ? 90 : 100) + value - 8)];
  return [isForeground ? '38' : '48', '5', String(value)];
}

// The SGR parameters that set a cell's attributes from the default state ('' when none).
function sgrParameters(cell) {
  const parameters = SGR_FLAGS.filter(([flag]) => cell.flags & flag).map(([, code]) => code);
  return [...parameters, ...sgrColor(cell.fg, true), ...sgrColor(cell.bg, false)].join(';');
}

// Each line starts in the default state and returns to it, so lines can be pasted one by one.
export function cellsAsAnsi(lines) {
  return lines.map((cells) => {
    let out = '';
    let current = '';
    for (const cell of cells) {
      const parameters = sgrParameters(cell);
      if (parameters !== current) {
        out += parameters ? `\x1b[0;${parameters}m` : '\x1b[0m';
        current = parameters;
      }
      out += cell.text;
    }
    return current ? `${out}\x1b[0m` : out;
  }).join('\n');
}

function escapeHtml(text) {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}

// The inline style of a cell, with colours resolved by colorOf(value, isForeground) -> CSS
// (the terminal's palette); '' for a cell drawn in the default colours with no attribute.
function cellStyle(cell, colorOf, colors) {
  let fg = cell.fg === DEFAULT_COLOR ? null : colorOf(cell.fg, true);
  let bg = cell.bg === DEFAULT_COLOR ? null : colorOf(cell.bg, false);
  if (cell.flags & FLAGS.INVERSE) [fg, bg] = [bg || colors.background, fg || colors.foreground];
  if (cell.flags & FLAGS.HIDDEN) fg = bg || colors.background;
  const style = [];
  if (fg) style.push(`color:${fg}`);
  if (bg) style.push(`background-color:${bg}`);
  if (cell.flags & FLAGS.BOLD) style.push('font-weight:bold');
  if (cell.flags & FLAGS.ITALIC) style.push('font-style:italic');
  if (cell.flags & FLAGS.DIM) style.push('opacity:0.5');
  const lines = [[FLAGS.UNDERLINE, 'underline'], [FLAGS.STRIKE, 'line-through'], [FLAGS.OVERLINE, 'overline']]
    .filter(([flag]) => cell.flags & flag).map(([, name]) => name);
  if (lines.length) style.push(`text-decoration:${lines.join(' ')}`);
  return style.join(';');
}

// One <pre> in the terminal's default colours; runs of equally styled cells share a <span>.
export function cellsAsHtml(lines, colorOf, colors) {
  const body = lines.map((cells) => {
    let out = '';
    let runStyle = null;
    let runText = '';
    const flush = () => {
      if (runText) out += runStyle ? `<span style="${runStyle}">${escapeHtml(runText)}</span>` : escapeHtml(runText);
      runText = '';
    };
    for (const cell of cells) {
      const style = cellStyle(cell, colorOf, colors);
      if (style !== runStyle) {
        flush();
        runStyle = style;
      }
      runText += cell.text;
    }
    flush();
    return out;
  }).join('\n');
  return `<pre style="color:${colors.foreground};background-color:${colors.background};` +
    `font-family:${escapeHtml(colors.font)}">${body}</pre>`;
}
