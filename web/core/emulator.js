// The Emulator facade: a VT500-style parser and an xterm-256color screen model, no DOM.
// Its contract (what the UI reads) is in docs/architecture-web.md. The Emulator is one object
// whose hot paths call each other directly (no indirection per byte); its methods are written
// in one module per job and installed on its prototype at the end of this file.
import { DEFAULT_COLOR, TRUECOLOR } from './colors.js';
import { installMethods } from './mixin.js';
import { ParserMethods } from './parser.js';
import { PrintingMethods } from './printing.js';
import { ControlMethods } from './controls.js';
import { CsiMethods } from './csi.js';
import { ModeMethods } from './modes.js';
import { SgrMethods } from './sgr.js';
import { RectMethods } from './rect.js';
import { HyperlinkMethods } from './hyperlinks.js';
import { Screen, resizeScreen } from './screen.js';
import { COLOR_PARTS, GROUND, MAX_PARAMS, PARSE_PIECE, PRINT_CHUNK } from './parser.js';
import { defaultModes } from './modes.js';

export class Emulator {
  constructor({ cols = 80, rows = 24, historySize = 1000, onReply, onTitle, onBell, onOsc } = {}) {
    this.cols = Math.max(2, cols | 0);
    this.rows = Math.max(1, rows | 0);
    this.historySize = Math.max(0, historySize | 0);
    this.onReply = onReply || null;
    this.onTitle = onTitle || null;
    this.onBell = onBell || null;
    // onOsc(id, payload): OSC sequences the emulator does not handle itself (e.g. 7799).
    this.onOsc = onOsc || null;
    this.title = '';
    this._codepoints = new Uint32Array(PRINT_CHUNK);
    this._encoded = new Uint8Array(1024);
    this._encoder = new TextEncoder();
    this._params = new Int32Array(MAX_PARAMS);
    this._subParams = new Int32Array(MAX_PARAMS);
    this._subStart = new Uint8Array(MAX_PARAMS);
    this._subEnd = new Uint8Array(MAX_PARAMS);
    this._colorParts = new Int32Array(COLOR_PARTS + 2);   // + 2: the parser may write past the end
    this._oscChunk = new Uint32Array(1024);
    this._resetState();
  }

  _resetState() {
    this.normal = new Screen(this.cols, this.rows, this.historySize);
    this.alt = new Screen(this.cols, this.rows, 0);
    this.screen = this.normal;
    this.modes = defaultModes();
    this.cursorVisible = true;
    this.fg = 0;                    // current SGR state as cell words
    this.bg = 0;
    // xterm.js underlines OSC 8 hyperlinks, but only while its "extended
    // attributes" bit is set in the current attributes; SGR 0/4/21/24 and the
    // link itself recompute that bit, DECRC restores the saved one.
    this.linkActive = false;
    this.extendedBit = false;
    this._resetLinks();
    this.linkFlag = 0;              // F_UNDERLINE while a link is shown underlined
    this.rectangleExtent = false;   // DECSACE 2: DECCARA/DECRARA act on the rectangle
    this.charsets = [null, null, null, null];
    this.glevel = 0;
    this.charset = null;            // the mapping in effect (GL)
    this.joinWidth = 0;             // width of the last printed char, 0 after any control
    this.state = GROUND;
    this._inRun = false;
    this._pieceOffset = 0;
    this._utf8Code = 0;
    this._utf8Need = 0;
    this._utf8Min = 0;
    this._clearSequence();
    this.dirty = new Uint8Array(this.rows);
    this.fullDamage = true;
    this.scrolled = 0;
  }

  // ---- public API ---------------------------------------------------------

  get altScreen() { return this.screen === this.alt; }
  get scrollbackLength() { return this.screen.ybase; }

  get cursor() {
    const s = this.screen;
    return { x: Math.min(s.x, this.cols - 1), y: s.y, visible: this.cursorVisible, pendingWrap: s.x >= this.cols };
  }

  getRow(y) { return this.screen.line(y); }

  takeDamage() {
    const rows = [];
    for (let y = 0; y < this.rows; y++) if (this.dirty[y]) rows.push(y);
    const damage = { full: this.fullDamage, rows, scrolled: this.scrolled };
    this.dirty.fill(0);
    this.fullDamage = false;
    this.scrolled = 0;
    return damage;
  }

  reset() {
    this._resetState();
  }

  write(data) {
    const bytes = typeof data === 'string' ? this._encode(data) : data;
    // Printing runs end at controls and, as when xterm.js parses a whole
    // stream in 128 KiB pieces, at every 128 KiB of input; never at a write
    // boundary, so a stream shows the same screen however it is chunked.
    let i = 0;
    while (i < bytes.length) {
      const end = Math.min(bytes.length, i + PARSE_PIECE - this._pieceOffset);
      this._parse(bytes, i, end);
      this._pieceOffset += end - i;
      if (this._pieceOffset === PARSE_PIECE) { this._pieceOffset = 0; this._closeRun(); }
      i = end;
    }
    if (this._inRun) this._repairRunEnd();
  }

  resize(cols, rows) {
    cols = Math.max(2, cols | 0);
    rows = Math.max(1, rows | 0);
    if (cols === this.cols && rows === this.rows) return;
    this._closeRun();
    for (const screen of [this.normal, this.alt]) resizeScreen(screen, cols, rows);
    this.cols = cols;
    this.rows = rows;
    this.dirty = new Uint8Array(rows);
    this.fullDamage = true;
  }

  dumpScreen() {
    const cells = [], text = [];
    for (let y = 0; y < this.rows; y++) {
      const row = this.screen.line(y);
      const out = [];
      let line = '';
      for (let x = 0; x < this.cols; x++) {
        const ch = row.text(x);
        out.push([ch, row.width(x), dumpColor(row.fg(x)), dumpColor(row.bg(x)), dumpFlags(row.flags(x))]);
        line += ch === '' && row.width(x) !== 0 ? ' ' : ch;
      }
      cells.push(out);
      text.push(line.replace(/ +$/, ''));
    }
    const s = this.screen;
    return {
      format: 'ansiterm-screen-v1',
      cols: this.cols, rows: this.rows,
      cursor: { row: s.y, col: Math.min(s.x, this.cols - 1), visible: this.cursorVisible, pendingWrap: s.x >= this.cols },
      altScreen: this.altScreen,
      title: this.title,
      text,
      cells,
    };
  }
}

installMethods(Emulator, ParserMethods, PrintingMethods, ControlMethods, CsiMethods, ModeMethods, SgrMethods, RectMethods, HyperlinkMethods);

function dumpColor(c) {
  if (c === DEFAULT_COLOR) return null;
  if (c >= TRUECOLOR) return '#' + (c & 0xffffff).toString(16).padStart(6, '0');
  return c;
}

const FLAG_LETTERS = 'bdiurkhso';
function dumpFlags(f) {
  let out = '';
  for (let k = 0; k < 9; k++) if (f & (1 << k)) out += FLAG_LETTERS[k];
  return out;
}
