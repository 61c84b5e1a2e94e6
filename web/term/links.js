// Links: OSC 8 hyperlinks and URLs written on the screen are underlined under the mouse
// pointer and open in a new tab (noopener) on Ctrl+click (Cmd+click on a Mac). Only http,
// https and mailto open; nothing opens without a real click (a trusted event), so replayed
// output never opens anything by itself.

const OPENABLE = new Set(['http:', 'https:', 'mailto:']);
// A URL in text: scheme, then anything up to white space or a character that rarely ends one.
const URL_IN_TEXT = /\b(?:https?:\/\/|mailto:)[^\s<>"'`{}|\\^]+/g;
const TRAILING = /[.,;:!?)\]'"]+$/;
// Rows searched around the pointer for a link's extent or a wrapped line's text.
const MAX_LINK_ROWS = 64;

// The URI if it may be opened (absolute http, https or mailto), else ''.
export function openableUri(uri) {
  if (!uri || uri.length > 8192) return '';
  let url;
  try { url = new URL(uri); } catch (error) { return ''; }
  return OPENABLE.has(url.protocol) && (url.protocol === 'mailto:' || url.hostname) ? url.href : '';
}

// The URLs in a line of text: [{ start, end, uri }] (end exclusive); trailing punctuation
// is left out unless it closes a bracket opened inside the URL.
export function findUrls(text) {
  const found = [];
  for (const match of text.matchAll(URL_IN_TEXT)) {
    let uri = match[0];
    const tail = TRAILING.exec(uri);
    if (tail) {
      let keep = 0;
      const opens = (uri.match(/[([]/g) || []).length, closes = (uri.match(/[)\]]/g) || []).length;
      if (/^[)\]]/.test(tail[0]) && opens >= closes) keep = 1;
      uri = uri.slice(0, uri.length - tail[0].length + keep);
    }
    const href = openableUri(uri);
    if (href) found.push({ start: match.index, end: match.index + uri.length, uri: href });
  }
  return found;
}

export class LinkMethods {
  _attachLinks() {
    this._hoveredLink = null;
    this._pressedLink = null;
    this._pointer = null;
    this.linkLayer = document.createElement('div');
    this.linkLayer.className = 'xwterm-links';
    this.viewport.appendChild(this.linkLayer);
    // Capture on the viewport: a link click is taken before the canvas selects or reports it.
    this.viewport.addEventListener('mousedown', (event) => this._onLinkMouseDown(event), true);
    this.viewport.addEventListener('mouseup', (event) => this._onLinkMouseUp(event), true);
    this.canvas.addEventListener('mousemove', (event) => this._onLinkHover(event));
    this.canvas.addEventListener('mouseleave', () => { this._pointer = null; this._showLink(null); });
  }

  // The link under a view cell: the OSC 8 one if any, else a URL in the text of the line.
  _linkAtCell(col, viewRow) {
    const emu = this.emulator;
    const y = this._viewRowToEmulatorRow(viewRow);
    const osc = emu.linkAt(col, y);
    if (osc) return this._oscLinkExtent(osc, col, y);
    return this._urlAt(col, y);
  }

  // Every cell with the same OSC 8 URI adjoining (col, y), across rows (up to MAX_LINK_ROWS).
  _oscLinkExtent(osc, col, y) {
    const href = openableUri(osc);
    if (!href) return null;
    const emu = this.emulator, cols = emu.cols;
    const top = Math.max(-emu.scrollbackLength, y - MAX_LINK_ROWS);
    const bottom = Math.min(emu.rows, y + MAX_LINK_ROWS + 1);
    let start = y * cols + col, end = start;
    const uriAt = (position) => {
      const row = Math.floor(position / cols);
      return emu.linkAt(position - row * cols, row);
    };
    while (start - 1 >= top * cols && uriAt(start - 1) === osc) start--;
    while (end + 1 < bottom * cols && uriAt(end + 1) === osc) end++;
    return { uri: href, segments: segmentsOf(start, end + 1, cols) };
  }

  // A URL written in the logical line (wrapped rows joined) that covers (col, y).
  _urlAt(col, y) {
    const emu = this.emulator, cols = emu.cols, top = -emu.scrollbackLength;
    let first = y, last = y;
    while (first > top && emu.getRow(first).wrapped) first--;
    while (last + 1 < emu.rows && emu.getRow(last + 1).wrapped) last++;
    if (last - first >= MAX_LINK_ROWS) return null;   // a flood, not a line: not searched
    let text = '';
    const positions = [];
    for (let row = first; row <= last; row++) {
      const line = emu.getRow(row);
      for (let x = 0; x < cols; x++) {
        if (x < line.length && line.width(x) === 0 && !line.text(x)) continue;
        const ch = x < line.length ? line.text(x) || ' ' : ' ';
        for (let k = 0; k < ch.length; k++) positions.push(row * cols + x);
        text += ch;
      }
    }
    const here = emu.getRow(y);
    const x = col > 0 && here.width(col) === 0 && !here.text(col) ? col - 1 : col;   // right half
    const target = y * cols + x;
    for (const found of findUrls(text)) {
      const start = positions[found.start], lastCell = positions[found.end - 1];
      if (target < start || target > lastCell) continue;
      const lastRow = Math.floor(lastCell / cols);
      const end = lastCell + (emu.getRow(lastRow).width(lastCell - lastRow * cols) === 2 ? 2 : 1);
      return { uri: found.uri, segments: segmentsOf(start, end, cols) };
    }
    return null;
  }

  _onLinkHover(event) {
    if (this._mouseButtonsDown) return;
    const cell = this._cellAt(event);
    this._pointer = { col: cell.col, row: cell.row, modifier: event.ctrlKey || event.metaKey };
    this._showLink(this._linkAtCell(cell.col, cell.row));
  }

  // Output or scrolling changed the screen under a resting pointer: underline what is there now.
  _refreshLinkHover() {
    if (!this._pointer && !this._hoveredLink) return;
    this._showLink(this._pointer ? this._linkAtCell(this._pointer.col, this._pointer.row) : null);
  }

  _showLink(link) {
    this._hoveredLink = link;
    const layer = this.linkLayer;
    layer.replaceChildren();
    this.canvas.style.cursor = link && this._pointer && this._pointer.modifier ? 'pointer' : '';
    this.canvas.title = link ? `${link.uri}\n${isMac() ? 'Cmd' : 'Ctrl'}+click to open` : '';
    if (!link) return;
    const width = this._cssCellWidth, height = this._cssCellHeight;
    for (const { y, from, to } of link.segments) {
      const viewRow = y + this._scrollOffset;
      if (viewRow < 0 || viewRow >= this.emulator.rows) continue;
      const line = document.createElement('div');
      line.className = 'xwterm-link-underline';
      line.style.left = `${from * width}px`;
      line.style.top = `${(viewRow + 1) * height - Math.max(1, Math.round(height / 12)) - 1}px`;
      line.style.width = `${(to - from) * width}px`;
      line.style.height = `${Math.max(1, Math.round(height / 12))}px`;
      line.style.background = this.params.cursorColor || this.params.foreground;
      layer.appendChild(line);
    }
  }

  _onLinkMouseDown(event) {
    this._pressedLink = null;
    if (event.button !== 0 || !(event.ctrlKey || event.metaKey) || event.target !== this.canvas) return;
    const cell = this._cellAt(event);
    const link = this._linkAtCell(cell.col, cell.row);
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    this._pressedLink = link.uri;
  }

  _onLinkMouseUp(event) {
    const pressed = this._pressedLink;
    this._pressedLink = null;
    if (!pressed || event.button !== 0 || !event.isTrusted) return;
    event.preventDefault();
    event.stopPropagation();
    const cell = this._cellAt(event);
    const link = this._linkAtCell(cell.col, cell.row);
    if (link && link.uri === pressed) openLink(link.uri);
  }
}

// [{ y, from, to }] row pieces of the cells [start, end) counted as y * cols + x.
function segmentsOf(start, end, cols) {
  const segments = [];
  for (let position = start; position < end;) {
    const y = Math.floor(position / cols), from = position - y * cols;
    const to = Math.min(cols, from + end - position);
    segments.push({ y, from, to });
    position += to - from;
  }
  return segments;
}

function isMac() {
  return typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || '');
}

function openLink(uri) {
  const href = openableUri(uri);
  if (href) window.open(href, '_blank', 'noopener,noreferrer');
}
