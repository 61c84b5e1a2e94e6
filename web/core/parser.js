// The parser half of the Emulator: UTF-8 decoding, the VT500 state machine (ESC, CSI, OSC,
// DCS, SOS/PM/APC), CSI parameters and OSC payloads. It hands complete sequences to the
// dispatchers of controls.js, csi.js and sgr.js and printable runs to printing.js.
import { F_UNDERLINE } from './lines.js';

// Parser states.
export const GROUND = 0, ESCAPE = 1, ESCAPE_INTERMEDIATE = 2, CSI_ENTRY = 3, CSI_PARAM = 4,
  CSI_INTERMEDIATE = 5, CSI_IGNORE = 6, SOS_PM_APC = 7, OSC_STRING = 8, DCS_ENTRY = 9,
  DCS_PARAM = 10, DCS_INTERMEDIATE = 11, DCS_IGNORE = 12, DCS_PASSTHROUGH = 13;

export const MAX_PARAMS = 32;
export const MAX_PARAM_VALUE = 0x7fffffff;
export const COLOR_PARTS = 6;                  // selector, mode, colourspace/index, r, g, b
export const MAX_OSC_LENGTH = 10000000;       // longer OSC payloads are dropped, as in xterm.js
export const PRINT_CHUNK = 4096;
export const PARSE_PIECE = 131072;

export class ParserMethods {
  _encode(str) {
    if (this._encoded.length < str.length * 3) this._encoded = new Uint8Array(str.length * 3);
    const { written } = this._encoder.encodeInto(str, this._encoded);
    return this._encoded.subarray(0, written);
  }

  _parse(bytes, i, n) {
    while (i < n) {
      if (this.state === GROUND && this._utf8Need === 0) {
        let b = bytes[i];
        if (b >= 0x20 && b < 0x7f) {
          let j = i + 1;
          while (j < n && (b = bytes[j]) >= 0x20 && b < 0x7f) j++;
          if (this.charset === null && !this.modes.insert) this._printAscii(bytes, i, j);
          else this._printBytesSlow(bytes, i, j);
          i = j;
          continue;
        }
        if (b === 0x1b && bytes[i + 1] === 0x5b) {
          const end = this._fastCsi(bytes, i + 2, n);
          if (end > 0) { i = end; continue; }
        } else if (b >= 0xc2 && b < 0xf5) {
          const end = this._decodePrintable(bytes, i, n);
          if (end > i) { i = end; continue; }
        }
      }
      const cp = this._decodeByte(bytes[i++]);
      if (cp >= 0) this._dispatchCodepoint(cp);
    }
  }

  _dispatchCodepoint(cp) {
    if (this.state !== GROUND || cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) this._closeRun();
    this._advance(cp);
  }

  // The common CSI shape (optional private prefix, digits and ';', final byte)
  // parsed in one loop. Returns the index after it, or -1 to leave anything
  // else (sub-parameters, intermediates, controls, a cut sequence) to the
  // state machine, which then starts over from the ESC.
  _fastCsi(bytes, i, n) {
    const params = this._params;
    let collect = 0, count = 1, value = 0;
    let c = bytes[i];
    if (c >= 0x3c && c <= 0x3f) { collect = c; i++; }
    for (; i < n; i++) {
      c = bytes[i];
      if (c >= 0x30 && c <= 0x39) {
        value = value * 10 + c - 0x30;
        if (value > MAX_PARAM_VALUE) value = MAX_PARAM_VALUE;
      } else if (c === 0x3b) {
        if (count === MAX_PARAMS) return -1;
        params[count - 1] = value;
        count++;
        value = 0;
      } else if (c >= 0x40 && c <= 0x7e) {
        params[count - 1] = value;
        this._closeRun();
        this._paramCount = count;
        this._subCount = 0;
        this._subStart.fill(0, 0, count);
        this._subEnd.fill(0, 0, count);
        this.collect = collect;
        this._csiDispatch(c);
        return i + 1;
      } else {
        return -1;
      }
    }
    return -1;
  }

  // Decodes complete, valid, printable UTF-8 from i into codepoints and prints
  // them; stops at anything else (controls, a sequence cut by the write).
  _decodePrintable(bytes, i, n) {
    const out = this._codepoints;
    let count = 0;
    while (i < n && count < PRINT_CHUNK) {
      const b = bytes[i];
      let cp, len;
      if (b < 0x80) {
        if (b < 0x20 || b === 0x7f) break;
        cp = b; len = 1;
      } else if (b >= 0xc2 && b < 0xe0) {
        if (i + 1 >= n || (bytes[i + 1] & 0xc0) !== 0x80) break;
        cp = ((b & 0x1f) << 6) | (bytes[i + 1] & 0x3f); len = 2;
        if (cp < 0xa0) break;
      } else if (b >= 0xe0 && b < 0xf0) {
        if (i + 2 >= n || (bytes[i + 1] & 0xc0) !== 0x80 || (bytes[i + 2] & 0xc0) !== 0x80) break;
        cp = ((b & 0x0f) << 12) | ((bytes[i + 1] & 0x3f) << 6) | (bytes[i + 2] & 0x3f); len = 3;
        if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff) || cp === 0xfeff) break;
      } else if (b >= 0xf0 && b < 0xf5) {
        if (i + 3 >= n || (bytes[i + 1] & 0xc0) !== 0x80 || (bytes[i + 2] & 0xc0) !== 0x80 ||
            (bytes[i + 3] & 0xc0) !== 0x80) break;
        cp = ((b & 0x07) << 18) | ((bytes[i + 1] & 0x3f) << 12) | ((bytes[i + 2] & 0x3f) << 6) | (bytes[i + 3] & 0x3f);
        len = 4;
        if (cp < 0x10000 || cp > 0x10ffff) break;
      } else {
        break;
      }
      out[count++] = cp;
      i += len;
    }
    if (count) this._print(out, count);
    return i;
  }

  // Byte-at-a-time UTF-8 decoding that survives writes split mid-character.
  // Returns the code point, or -1 while incomplete or for dropped bytes.
  _decodeByte(b) {
    if (this._utf8Need) {
      if ((b & 0xc0) === 0x80) {
        this._utf8Code = (this._utf8Code << 6) | (b & 0x3f);
        if (--this._utf8Need) return -1;
        const cp = this._utf8Code;
        if (cp < this._utf8Min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff || cp === 0xfeff) return -1;
        return cp;
      }
      this._utf8Need = 0;           // broken sequence: drop it, decode b afresh
    }
    if (b < 0x80) return b;
    let need = 0;
    if (b >= 0xc2 && b < 0xe0) { this._utf8Code = b & 0x1f; need = 1; this._utf8Min = 0x80; }
    else if (b >= 0xe0 && b < 0xf0) { this._utf8Code = b & 0x0f; need = 2; this._utf8Min = 0x800; }
    else if (b >= 0xf0 && b < 0xf5) { this._utf8Code = b & 0x07; need = 3; this._utf8Min = 0x10000; }
    this._utf8Need = need;
    return -1;
  }

  // ---- the state machine --------------------------------------------------

  _clearSequence() {
    this._params[0] = 0;
    this._paramCount = 1;
    this._subCount = 0;
    this._subStart[0] = 0;
    this._subEnd[0] = 0;
    this._digitIsSub = false;
    this._rejectDigits = false;
    this._rejectSubDigits = false;
    this.collect = 0;
  }

  _advance(cp) {
    // Transitions valid from every state.
    if (cp === 0x1b) { this._endString(cp); this._clearSequence(); this.state = ESCAPE; return; }
    if (cp === 0x18 || cp === 0x1a) { this._endString(cp); this._execute(cp); this.state = GROUND; return; }
    if (cp >= 0x80 && cp <= 0x9f) { this._c1(cp); return; }
    const state = this.state;
    const ascii = cp < 0xa0;          // everything above behaves like one non-ASCII printable
    switch (state) {
      case GROUND:
        if (cp >= 0x20 && cp !== 0x7f) { this._codepoints[0] = cp; this._print(this._codepoints, 1); }
        else if (cp < 0x20) this._execute(cp);
        return;
      case ESCAPE:
        if (!ascii) { this.state = GROUND; return; }
        if (cp < 0x20) { this._execute(cp); return; }
        if (cp === 0x7f) return;
        if (cp < 0x30) { this.collect = cp; this.state = ESCAPE_INTERMEDIATE; return; }
        if (cp === 0x5b) { this._clearSequence(); this.state = CSI_ENTRY; return; }
        if (cp === 0x5d) { this._startOsc(); return; }
        if (cp === 0x50) { this._clearSequence(); this.state = DCS_ENTRY; return; }
        if (cp === 0x58 || cp === 0x5e || cp === 0x5f) { this.state = SOS_PM_APC; return; }
        this.state = GROUND;
        this._escDispatch(cp);
        return;
      case ESCAPE_INTERMEDIATE:
        if (!ascii) { this.state = GROUND; return; }
        if (cp < 0x20) { this._execute(cp); return; }
        if (cp === 0x7f) return;
        if (cp < 0x30) { this.collect = (this.collect << 8) | cp; return; }
        this.state = GROUND;
        this._escDispatch(cp);
        return;
      case CSI_ENTRY:
      case CSI_PARAM:
      case CSI_INTERMEDIATE:
        if (!ascii) { this.state = GROUND; return; }
        if (cp < 0x20) { this._execute(cp); return; }
        if (cp === 0x7f) return;
        if (cp >= 0x40) { this.state = GROUND; this._csiDispatch(cp); return; }
        if (cp < 0x30) { this.collect = (this.collect << 8) | cp; this.state = CSI_INTERMEDIATE; return; }
        if (state === CSI_INTERMEDIATE) { this.state = CSI_IGNORE; return; }
        if (cp >= 0x3c) {
          if (state === CSI_ENTRY) { this.collect = cp; this.state = CSI_PARAM; } else this.state = CSI_IGNORE;
          return;
        }
        this._paramByte(cp);
        this.state = CSI_PARAM;
        return;
      case CSI_IGNORE:
        if (cp < 0x20) this._execute(cp);
        else if (cp >= 0x40 && cp < 0x7f) this.state = GROUND;
        return;
      case OSC_STRING:
        if (cp === 0x07) { this._endString(cp); this.state = GROUND; }
        else if (cp >= 0x20) this._oscPut(cp);
        return;
      case SOS_PM_APC:
        if (!ascii) this.state = GROUND;
        return;
      case DCS_IGNORE:
      case DCS_PASSTHROUGH:
        return;
      default:                        // DCS_ENTRY, DCS_PARAM, DCS_INTERMEDIATE
        if (!ascii) { this.state = GROUND; return; }
        if (cp < 0x20 || cp === 0x7f) return;
        if (cp >= 0x40) { this.state = DCS_PASSTHROUGH; return; }
        if (cp < 0x30) { this.state = DCS_INTERMEDIATE; return; }
        if (state === DCS_INTERMEDIATE || (cp >= 0x3c && state === DCS_PARAM)) this.state = DCS_IGNORE;
        else this.state = DCS_PARAM;
    }
  }

  // 8-bit C1 controls (U+0080-U+009F), valid in every state.
  _c1(cp) {
    this._endString(cp);
    switch (cp) {
      case 0x90: this._clearSequence(); this.state = DCS_ENTRY; return;
      case 0x9b: this._clearSequence(); this.state = CSI_ENTRY; return;
      case 0x9d: this._startOsc(); return;
      case 0x98: case 0x9e: case 0x9f: this.state = SOS_PM_APC; return;
      case 0x9c: this.state = GROUND; return;
      default: this.state = GROUND; this._execute(cp);
    }
  }

  // Called when a string state is left: OSC runs its command unless cancelled.
  _endString(cp) {
    if (this.state === OSC_STRING) {
      if (cp === 0x07 || cp === 0x1b || cp === 0x9c) this._oscDispatch();
      this.joinWidth = 0;
    } else if (this.state === DCS_PASSTHROUGH) {
      this.joinWidth = 0;
    }
  }

  _paramByte(cp) {
    if (cp === 0x3b) {
      this._digitIsSub = false;
      if (this._paramCount >= MAX_PARAMS) { this._rejectDigits = true; return; }
      this._subStart[this._paramCount] = this._subCount;
      this._subEnd[this._paramCount] = this._subCount;
      this._params[this._paramCount++] = 0;
    } else if (cp === 0x3a) {
      this._digitIsSub = true;
      if (this._rejectDigits || this._subCount >= MAX_PARAMS) { this._rejectSubDigits = true; return; }
      this._subParams[this._subCount++] = -1;
      this._subEnd[this._paramCount - 1] = this._subCount;
    } else {
      const digit = cp - 0x30;
      if (this._rejectDigits) return;
      if (this._digitIsSub) {
        if (this._rejectSubDigits || !this._subCount) return;
        const cur = this._subParams[this._subCount - 1];
        this._subParams[this._subCount - 1] = cur === -1 ? digit : Math.min(cur * 10 + digit, MAX_PARAM_VALUE);
      } else {
        const cur = this._params[this._paramCount - 1];
        this._params[this._paramCount - 1] = Math.min(cur * 10 + digit, MAX_PARAM_VALUE);
      }
    }
  }

  // OSC strings: "id;payload". Only the payloads of 0, 2 (title) and 8 (hyperlink), and of
  // the others when onOsc wants them, are kept, in a string built 1024 code points at a time.
  _startOsc() {
    this.state = OSC_STRING;
    this._oscId = -1;               // -1: no digit yet
    this._oscStage = 0;             // 0 reading the id, 1 payload, 2 ignored
    this._oscText = '';
    this._oscChunkLength = 0;
  }

  _oscPut(cp) {
    if (this._oscStage === 0) {
      if (cp >= 0x30 && cp <= 0x39) this._oscId = (this._oscId < 0 ? 0 : this._oscId * 10) + cp - 0x30;
      else if (cp === 0x3b && this._oscId >= 0) this._oscStage = this._isKeptOsc() ? 1 : 2;
      else this._oscStage = 2;
    } else if (this._oscStage === 1) {
      this._oscChunk[this._oscChunkLength++] = cp;
      if (this._oscChunkLength === this._oscChunk.length) this._flushOsc();
    }
  }

  _isKeptOsc() { return this._oscId === 0 || this._oscId === 2 || this._oscId === 8 || this.onOsc !== null; }

  _flushOsc() {
    this._oscText += String.fromCodePoint.apply(null, this._oscChunk.subarray(0, this._oscChunkLength));
    this._oscChunkLength = 0;
    if (this._oscText.length > MAX_OSC_LENGTH) { this._oscText = ''; this._oscStage = 2; }
  }

  _oscDispatch() {
    if (this._oscStage === 2 || this._oscId < 0 || !this._isKeptOsc()) return;
    this._flushOsc();
    if (this._oscStage === 2) return;
    const text = this._oscText;
    this._oscText = '';
    if (this._oscId === 8) {
      // Hyperlink "params;uri": xterm.js underlines linked text whatever the SGR state.
      const sep = text.indexOf(';');
      if (sep >= 0) {
        this.linkActive = sep + 1 < text.length;
        this._startLink(text.slice(sep + 1));
        this._updateExtendedBit();
      }
      return;
    }
    if (this._oscId !== 0 && this._oscId !== 2) {
      this.onOsc(this._oscId, text);
      return;
    }
    this.title = text;
    if (this.onTitle) this.onTitle(text);
  }

  _updateExtendedBit() {
    this.extendedBit = this.linkActive || (this.fg & F_UNDERLINE) !== 0;
    this._updateLinkFlag();
  }

  _updateLinkFlag() {
    this.linkFlag = this.linkActive && this.extendedBit ? F_UNDERLINE : 0;
  }

  _reply(str) { if (this.onReply) this.onReply(str); }
}
