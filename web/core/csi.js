// CSI sequences: the dispatcher and the editing operations it runs (erase, insert/delete
// lines and characters, scroll regions, REP, device status reports).
import { B_PROTECTED, EMPTY_CELL, deleteCells, eraseCells, insertCells, setCell } from './lines.js';
import { PRINT_CHUNK } from './parser.js';

export class CsiMethods {
  _param(i, fallback) {
    const v = i < this._paramCount ? this._params[i] : 0;
    return v || fallback;
  }

  _csiDispatch(final) {
    const p = this._params, s = this.screen;
    const n = p[0] || 1;
    switch ((this.collect << 8) | final) {
      case 0x40: this._restrictCursor(); insertCells(s.line(s.y), s.x, Math.min(n, this.cols), 0, this._eraseBg()); this.dirty[s.y] = 1; break; // ICH
      case 0x41: this._cursorUp(n); break;                                   // CUU
      case 0x42: this._cursorDown(n); break;                                 // CUD
      case 0x43: this._moveCursor(n, 0); break;                              // CUF
      case 0x44: this._moveCursor(-n, 0); break;                             // CUB
      case 0x45: this._cursorDown(n); s.x = 0; break;                        // CNL
      case 0x46: this._cursorUp(n); s.x = 0; break;                          // CPL
      case 0x47: case 0x60: this._setCursor(n - 1, s.y); break;              // CHA, HPA
      case 0x48: case 0x66:                                                  // CUP, HVP
        this._setCursor(this._paramCount >= 2 ? (p[1] || 1) - 1 : 0, n - 1); break;
      case 0x49: this._tab(n); break;                                        // CHT
      case 0x4a: this._eraseInDisplay(p[0], false); break;                   // ED
      case 0x3f4a: this._eraseInDisplay(p[0], true); break;                  // DECSED
      case 0x4b: this._eraseInLine(p[0], false); break;                      // EL
      case 0x3f4b: this._eraseInLine(p[0], true); break;                     // DECSEL
      case 0x4c: this._insertLines(n); break;                                // IL
      case 0x4d: this._deleteLines(n); break;                                // DL
      case 0x50: this._restrictCursor(); deleteCells(s.line(s.y), s.x, Math.min(n, this.cols), 0, this._eraseBg()); this.dirty[s.y] = 1; break; // DCH
      case 0x53: this._scrollRegion(n, true); break;                         // SU
      case 0x54: this._scrollRegion(n, false); break;                        // SD
      case 0x58: this._restrictCursor(); eraseCells(s.line(s.y), s.x, s.x + n, this._eraseBg()); this.dirty[s.y] = 1; break; // ECH
      case 0x5a: if (s.x < this.cols) for (let k = 0; k < n; k++) s.x = this._prevStop(s.x); break; // CBT
      case 0x61: this._setCursor(s.x + n, s.y); break;                       // HPR
      case 0x62: this._repeat(n); break;                                     // REP
      case 0x63: if (!p[0]) this._reply('\x1b[?1;2c'); break;                // DA1
      case 0x3e63: if (!p[0]) this._reply('\x1b[>0;276;0c'); break;          // DA2
      case 0x64: this._setCursor(s.x, n - 1); break;                         // VPA
      case 0x65: this._setCursor(s.x, s.y + n); break;                       // VPR
      case 0x67:                                                             // TBC
        if (p[0] === 0 && s.x < this.cols) s.tabs[s.x] = 0;
        else if (p[0] === 3) s.tabs.fill(0);
        break;
      case 0x68: this._setModes(true); break;                                // SM
      case 0x6c: this._setModes(false); break;                               // RM
      case 0x3f68: this._setPrivateModes(true); break;                       // DECSET
      case 0x3f6c: this._setPrivateModes(false); break;                      // DECRST
      case 0x6d: this._sgr(); break;                                         // SGR
      case 0x6e: this._deviceStatus(); break;                                // DSR
      case 0x3f6e: if (p[0] === 6) this._reply(`\x1b[?${this._cursorReport()}R`); break; // DECXCPR
      case 0x2470: this._reportMode(false); break;                           // DECRQM
      case 0x3f2470: this._reportMode(true); break;                          // DECRQM (DEC)
      case 0x2170: this._softReset(); break;                                 // DECSTR
      case 0x72: this._setScrollRegion(); break;                             // DECSTBM
      case 0x73: this._saveCursor(); break;                                  // SCOSC
      case 0x75: this._restoreCursor(); break;                               // SCORC
      case 0x2040: this._shiftColumns(n, true); break;                       // SL
      case 0x2041: this._shiftColumns(n, false); break;                      // SR
      case 0x2271: this._selectProtection(); break;                          // DECSCA
      case 0x277d: this._insertColumns(n, true); break;                      // DECIC
      case 0x277e: this._insertColumns(n, false); break;                     // DECDC
      case 0x3e71: this._reportVersion(); break;                             // XTVERSION
      case 0x2478: this._fillRectangle(); break;                             // DECFRA
      case 0x247a: this._eraseRectangle(false); break;                       // DECERA
      case 0x247b: this._eraseRectangle(true); break;                        // DECSERA
      case 0x2476: this._copyRectangle(); break;                             // DECCRA
      case 0x2472: this._changeAttributes(false); break;                     // DECCARA
      case 0x2474: this._changeAttributes(true); break;                      // DECRARA
      case 0x2a78: this._selectAttributeExtent(); break;                     // DECSACE
      default: break;
    }
    this.joinWidth = 0;
  }

  _cursorUp(n) {
    const s = this.screen;
    const toTop = s.y - s.scrollTop;
    this._moveCursor(0, -(toTop >= 0 ? Math.min(toTop, n) : n));
  }

  _cursorDown(n) {
    const s = this.screen;
    const toBottom = s.scrollBottom - s.y;
    this._moveCursor(0, toBottom >= 0 ? Math.min(toBottom, n) : n);
  }

  // ED, and DECSED (`selective`: protected cells stay).
  _eraseInDisplay(mode, selective) {
    const s = this.screen, bg = this._eraseBg();
    this._restrictCursor(this.cols);
    const clear = (y) => this._clearRow(s.line(y), bg, selective);
    switch (mode) {
      case 0: {
        const row = s.line(s.y);
        eraseCells(row, s.x, this.cols, bg, selective);
        if (s.x === 0) row.wrapped = false;
        for (let y = s.y + 1; y < this.rows; y++) clear(y);
        this._markRows(s.y, this.rows - 1);
        break;
      }
      case 1: {
        eraseCells(s.line(s.y), 0, s.x + 1, bg, selective);
        s.line(s.y).wrapped = false;
        if (s.x + 1 >= this.cols && s.y + 1 < this.rows) s.line(s.y + 1).wrapped = false;
        for (let y = 0; y < s.y; y++) clear(y);
        this._markRows(0, s.y);
        break;
      }
      case 2:
        for (let y = 0; y < this.rows; y++) clear(y);
        this._markRows(0, this.rows - 1);
        break;
      case 3:
        if (s.ybase > 0) { s.trimHistory(); this.fullDamage = true; }
        break;
      default: break;
    }
  }

  _clearRow(row, bg, selective) {
    if (!selective) { row.clear(bg); return; }
    for (let x = 0; x < row.length; x++) if (!(row.cells[x * 3 + 2] & B_PROTECTED)) setCell(row, x, EMPTY_CELL, 0, bg);
    row.wrapped = false;
  }

  // EL, and DECSEL (`selective`: protected cells stay).
  _eraseInLine(mode, selective) {
    const s = this.screen, bg = this._eraseBg();
    this._restrictCursor(this.cols);
    const row = s.line(s.y);
    if (mode === 0) {
      eraseCells(row, s.x, this.cols, bg, selective);
      if (s.x === 0) row.wrapped = false;
    } else if (mode === 1) {
      eraseCells(row, 0, s.x + 1, bg, selective);
    } else if (mode === 2) {
      eraseCells(row, 0, this.cols, bg, selective);
      row.wrapped = false;
    }
    this.dirty[s.y] = 1;
  }

  _insertLines(n) {
    const s = this.screen;
    this._restrictCursor();
    if (s.y > s.scrollBottom || s.y < s.scrollTop) return;
    s.rotateDown(s.y, s.scrollBottom, Math.min(n, s.scrollBottom - s.y + 1), this._eraseBg());
    this._markRows(s.y, s.scrollBottom);
    s.x = 0;
  }

  _deleteLines(n) {
    const s = this.screen;
    this._restrictCursor();
    if (s.y > s.scrollBottom || s.y < s.scrollTop) return;
    s.rotateUp(s.y, s.scrollBottom, Math.min(n, s.scrollBottom - s.y + 1), this._eraseBg());
    this._markRows(s.y, s.scrollBottom);
    s.x = 0;
  }

  // SU/SD: the region moves, history is not touched. SD blanks with default
  // colours, not the current background (as xterm.js does).
  _scrollRegion(n, up) {
    const s = this.screen;
    n = Math.min(n, s.scrollBottom - s.scrollTop + 1);
    if (up) s.rotateUp(s.scrollTop, s.scrollBottom, n, this._eraseBg());
    else s.rotateDown(s.scrollTop, s.scrollBottom, n, 0);
    this._markRows(s.scrollTop, s.scrollBottom);
  }

  _shiftColumns(n, left) {
    const s = this.screen, bg = this._eraseBg();
    if (s.y > s.scrollBottom || s.y < s.scrollTop) return;
    n = Math.min(n, this.cols);
    for (let y = s.scrollTop; y <= s.scrollBottom; y++) {
      if (left) deleteCells(s.line(y), 0, n, 0, bg);
      else insertCells(s.line(y), 0, n, 0, bg);
    }
    this._markRows(s.scrollTop, s.scrollBottom);
  }

  // REP: repeats the last printed character (with its combining marks).
  _repeat(n) {
    const width = this.joinWidth;
    if (!width) return;
    const s = this.screen;
    const text = s.line(s.y).text(s.x - width);
    const cps = Array.from(text, (ch) => ch.codePointAt(0));
    if (!cps.length) return;
    const out = this._codepoints;
    let count = 0;
    for (let k = 0; k < n; k++) {
      for (const cp of cps) {
        out[count++] = cp;
        if (count === PRINT_CHUNK) { this._print(out, count); count = 0; }
      }
    }
    if (count) this._print(out, count);
    this._closeRun();
  }

  _setScrollRegion() {
    const s = this.screen;
    const top = this._params[0] || 1;
    let bottom = this._paramCount >= 2 ? this._params[1] : 0;
    if (this._paramCount < 2 || bottom > this.rows || bottom === 0) bottom = this.rows;
    if (bottom > top) {
      s.scrollTop = top - 1;
      s.scrollBottom = bottom - 1;
      this._setCursor(0, 0);
    }
  }

  _deviceStatus() {
    if (this._params[0] === 5) this._reply('\x1b[0n');
    else if (this._params[0] === 6) this._reply(`\x1b[${this._cursorReport()}R`);
  }

  _cursorReport() {
    const s = this.screen;
    return `${s.y + 1};${Math.min(s.x, this.cols - 1) + 1}`;
  }

}
