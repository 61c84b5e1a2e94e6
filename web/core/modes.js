// Terminal modes: SM/RM, DECSET/DECRST, DECRQM reports, DECSTR and the alternate screen.
import { defaultTabs } from './screen.js';

export function defaultModes() {
  return {
    applicationCursor: false, applicationKeypad: false, bracketedPaste: false,
    mouseTracking: 0, mouseSgr: false, focusEvents: false, reverseVideo: false,
    insert: false, newline: false, origin: false, autowrap: true,
  };
}

export class ModeMethods {
  // DECRQM: 1 set, 2 reset, 0 not recognised.
  _reportMode(dec) {
    const mode = this._params[0], m = this.modes;
    let on;
    if (!dec) {
      on = mode === 4 ? m.insert : mode === 20 ? m.newline : undefined;
    } else {
      switch (mode) {
        case 1: on = m.applicationCursor; break;
        case 6: on = m.origin; break;
        case 7: on = m.autowrap; break;
        case 25: on = this.cursorVisible; break;
        case 47: case 1047: case 1049: on = this.altScreen; break;
        case 66: on = m.applicationKeypad; break;
        case 1000: case 1002: case 1003: on = m.mouseTracking === mode; break;
        case 1004: on = m.focusEvents; break;
        case 1006: on = m.mouseSgr; break;
        case 2004: on = m.bracketedPaste; break;
        default: break;
      }
    }
    const value = on === undefined ? 0 : on ? 1 : 2;
    this._reply(`\x1b[${dec ? '?' : ''}${mode};${value}$y`);
  }

  _softReset() {
    const s = this.screen;
    this.cursorVisible = true;
    s.scrollTop = 0;
    s.scrollBottom = this.rows - 1;
    this.fg = 0;
    this.bg = 0;
    this.linkActive = false;
    this.linkBits = 0;
    this._updateExtendedBit();
    const { mouseTracking, mouseSgr, newline } = this.modes;
    this.modes = Object.assign(defaultModes(), { mouseTracking, mouseSgr, newline });
    this.charsets = [null, null, null, null];
    this._setGLevel(0);
    s.savedX = 0;
    s.savedY = s.ybase;
    s.savedFg = 0;
    s.savedBg = 0;
    s.savedCharset = null;
    s.savedExtended = false;
  }

  _setModes(on) {
    for (let i = 0; i < this._paramCount; i++) {
      if (this._params[i] === 4) this.modes.insert = on;
      else if (this._params[i] === 20) this.modes.newline = on;
    }
  }

  _setPrivateModes(on) {
    const m = this.modes;
    for (let i = 0; i < this._paramCount; i++) {
      switch (this._params[i]) {
        case 1: m.applicationCursor = on; break;
        case 2: if (on) for (let g = 0; g < 4; g++) this._setCharset(g, null); break;
        case 5: m.reverseVideo = on; this.fullDamage = true; break;
        case 6: m.origin = on; this._setCursor(0, 0); break;
        case 7: m.autowrap = on; break;
        case 25: this.cursorVisible = on; break;
        case 66: m.applicationKeypad = on; break;
        case 1000: case 1002: case 1003: m.mouseTracking = on ? this._params[i] : 0; break;
        case 1004: m.focusEvents = on; break;
        case 1006: m.mouseSgr = on; break;
        case 2004: m.bracketedPaste = on; break;
        case 1048: if (on) this._saveCursor(); else this._restoreCursor(); break;
        case 1049:
          if (on) { this._saveCursor(); this._enterAltScreen(); } else { this._leaveAltScreen(); this._restoreCursor(); }
          break;
        case 47: case 1047:
          if (on) this._enterAltScreen(); else this._leaveAltScreen();
          break;
        default: break;
      }
    }
  }

  _enterAltScreen() {
    if (this.screen === this.alt) return;
    this.alt.fill(this._eraseBg());
    this.alt.x = this.normal.x;
    this.alt.y = this.normal.y;
    this.screen = this.alt;
    this.fullDamage = true;
  }

  // Leaving forgets the alternate screen (its rows, region and tab stops).
  _leaveAltScreen() {
    if (this.screen === this.normal) return;
    const alt = this.alt;
    this.normal.x = alt.x;
    this.normal.y = alt.y;
    alt.fill(0);
    alt.x = 0;
    alt.y = 0;
    alt.scrollTop = 0;
    alt.scrollBottom = this.rows - 1;
    alt.tabs = defaultTabs(this.cols);
    this.screen = this.normal;
    this.fullDamage = true;
  }
}
