// C0/C1 controls, cursor movement and save/restore, tab stops, charsets and ESC sequences.
import { WIDTH_1, setCell } from './lines.js';
import { CHARSETS, CHARSET_LEVELS } from './charsets.js';

export class ControlMethods {
  _execute(cp) {
    this.joinWidth = 0;
    switch (cp) {
      case 0x07: if (this.onBell) this.onBell(); break;
      case 0x08: this._backspace(); break;
      case 0x09: this._tab(1); break;
      case 0x0a: case 0x0b: case 0x0c: this._lineFeed(); break;
      case 0x0d: this.screen.x = 0; break;
      case 0x0e: this._setGLevel(1); break;
      case 0x0f: this._setGLevel(0); break;
      case 0x84: this._index(); break;
      case 0x85: this.screen.x = 0; this._index(); break;
      case 0x88: this._setTabStop(); break;
      default: break;
    }
  }

  _backspace() {
    this._restrictCursor();
    if (this.screen.x > 0) this.screen.x--;
  }

  _lineFeed() {
    const s = this.screen;
    this.dirty[s.y] = 1;
    if (this.modes.newline) s.x = 0;
    s.y++;
    if (s.y === s.scrollBottom + 1) {
      s.y--;
      this._scrollUp(false);
    } else if (s.y >= this.rows) {
      s.y = this.rows - 1;
    } else {
      s.line(s.y).wrapped = false;
    }
    if (s.x >= this.cols) s.x--;
    this.dirty[s.y] = 1;
  }

  _index() {
    const s = this.screen;
    this._restrictCursor();
    s.y++;
    if (s.y === s.scrollBottom + 1) {
      s.y--;
      this._scrollUp(false);
    } else if (s.y >= this.rows) {
      s.y = this.rows - 1;
    }
    this.dirty[s.y] = 1;
  }

  _reverseIndex() {
    const s = this.screen;
    this._restrictCursor();
    if (s.y === s.scrollTop) {
      s.rotateDown(s.scrollTop, s.scrollBottom, 1, this._eraseBg());
      this._markRows(s.scrollTop, s.scrollBottom);
    } else if (s.y > 0) {
      s.y--;
    }
  }

  _tab(count) {
    const s = this.screen;
    if (s.x >= this.cols) return;
    while (count-- > 0) s.x = this._nextStop(s.x);
  }

  _setTabStop() {
    if (this.screen.x < this.cols) this.screen.tabs[this.screen.x] = 1;
  }

  _nextStop(x) {
    const tabs = this.screen.tabs;
    do x++; while (x < this.cols && !tabs[x]);
    return x >= this.cols ? this.cols - 1 : x;
  }

  _prevStop(x) {
    const tabs = this.screen.tabs;
    do x--; while (x > 0 && !tabs[x]);
    return x >= this.cols ? this.cols - 1 : Math.max(x, 0);
  }

  _setGLevel(level) {
    this.glevel = level;
    this.charset = this.charsets[level];
  }

  _setCharset(level, charset) {
    this.charsets[level] = charset;
    if (this.glevel === level) this.charset = charset;
  }

  // ---- cursor -------------------------------------------------------------

  _restrictCursor(maxCol = this.cols - 1) {
    const s = this.screen;
    s.x = Math.min(maxCol, Math.max(0, s.x));
    s.y = this.modes.origin
      ? Math.min(s.scrollBottom, Math.max(s.scrollTop, s.y))
      : Math.min(this.rows - 1, Math.max(0, s.y));
  }

  // Absolute position; in origin mode y counts from the region top.
  _setCursor(x, y) {
    const s = this.screen;
    this.dirty[s.y] = 1;
    s.x = x;
    s.y = this.modes.origin ? s.scrollTop + y : y;
    this._restrictCursor();
    this.dirty[s.y] = 1;
  }

  // Relative moves go through _setCursor, so in origin mode they are offset
  // by the region top again: xterm.js does this and it is the reference.
  _moveCursor(dx, dy) {
    this._restrictCursor();
    this._setCursor(this.screen.x + dx, this.screen.y + dy);
  }

  _saveCursor() {
    const s = this.screen;
    s.savedX = s.x;
    s.savedY = s.ybase + s.y;
    s.savedFg = this.fg;
    s.savedBg = this.bg;
    s.savedCharset = this.charset;
    s.savedExtended = this.extendedBit;
  }

  _restoreCursor() {
    const s = this.screen;
    s.x = s.savedX;
    s.y = Math.max(s.savedY - s.ybase, 0);
    this.fg = s.savedFg;
    this.bg = s.savedBg;
    this.charset = s.savedCharset;
    this.extendedBit = s.savedExtended;
    this._updateLinkFlag();
    this._restrictCursor();
  }

  // ---- ESC ----------------------------------------------------------------

  _escDispatch(final) {
    this.joinWidth = 0;
    const collect = this.collect;
    if (collect === 0) {
      switch (final) {
        case 0x37: this._saveCursor(); break;                       // 7 DECSC
        case 0x38: this._restoreCursor(); break;                    // 8 DECRC
        case 0x44: this._index(); break;                            // D IND
        case 0x45: this.screen.x = 0; this._index(); break;         // E NEL
        case 0x48: this._setTabStop(); break;                       // H HTS
        case 0x4d: this._reverseIndex(); break;                     // M RI
        case 0x3d: this.modes.applicationKeypad = true; break;      // = DECKPAM
        case 0x3e: this.modes.applicationKeypad = false; break;     // > DECKPNM
        case 0x63: this._fullReset(); break;                        // c RIS
        case 0x6e: this._setGLevel(2); break;                       // n LS2
        case 0x6f: this._setGLevel(3); break;                       // o LS3
        default: break;
      }
      return;
    }
    if (collect === 0x23 && final === 0x38) { this._alignmentPattern(); return; }   // # 8 DECALN
    if (collect === 0x25 && (final === 0x40 || final === 0x47)) {                   // % @, % G
      this._setGLevel(0);
      this._setCharset(0, null);
      return;
    }
    if (CHARSET_LEVELS.has(collect) && CHARSETS.has(final)) {
      this._setCharset(CHARSET_LEVELS.get(collect), CHARSETS.get(final));
    }
  }

  // RIS. As in xterm.js, LNM (a terminal option there) and the cursor's
  // visibility survive it.
  _fullReset() {
    const newline = this.modes.newline, cursorVisible = this.cursorVisible;
    this._resetState();
    this.modes.newline = newline;
    this.cursorVisible = cursorVisible;
  }

  // DECALN fills `rows` lines from the cursor's home; in origin mode xterm.js
  // starts at the region top and, on the alternate screen (a ring of exactly
  // `rows` lines), wraps round to the top rows.
  _alignmentPattern() {
    this._setCursor(0, 0);
    const s = this.screen;
    const end = s === this.alt ? s.y + this.rows : this.rows;
    for (let k = s.y; k < end; k++) {
      const row = s.line(k % this.rows);
      row.clear(0);
      for (let x = 0; x < this.cols; x++) setCell(row, x, 0x45 | WIDTH_1, this.fg, this.bg);
    }
    this.fullDamage = true;
    this._setCursor(0, 0);
  }
}
