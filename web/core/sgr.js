// SGR: colours (16, 256, truecolor in ';' and ':' forms) and attributes.
import { B_HIDDEN, B_OVERLINE, B_STRIKE, COLOR_MASK, F_BLINK, F_BOLD, F_DIM, F_INVERSE, F_ITALIC, F_UNDERLINE, MODE_PALETTE, MODE_RGB } from './lines.js';
import { COLOR_PARTS } from './parser.js';

export class SgrMethods {
  _sgr() {
    const p = this._params, count = this._paramCount;
    let fg = this.fg, bg = this.bg, underlineTouched = false;
    for (let i = 0; i < count; i++) {
      const v = p[i];
      if (v >= 30 && v <= 37) fg = (fg & ~COLOR_MASK) | MODE_PALETTE | (v - 30);
      else if (v >= 40 && v <= 47) bg = (bg & ~COLOR_MASK) | MODE_PALETTE | (v - 40);
      else if (v >= 90 && v <= 97) fg = (fg & ~COLOR_MASK) | MODE_PALETTE | (v - 82);
      else if (v >= 100 && v <= 107) bg = (bg & ~COLOR_MASK) | MODE_PALETTE | (v - 92);
      else {
        switch (v) {
          case 0: fg = 0; bg = 0; underlineTouched = true; break;
          case 1: fg |= F_BOLD; break;
          case 2: fg |= F_DIM; break;
          case 3: fg |= F_ITALIC; break;
          case 4: {
            const style = this._subEnd[i] > this._subStart[i] ? this._subParams[this._subStart[i]] : 1;
            if (style === 0) fg &= ~F_UNDERLINE; else fg |= F_UNDERLINE;
            underlineTouched = true;
            break;
          }
          case 5: fg |= F_BLINK; break;
          case 7: fg |= F_INVERSE; break;
          case 8: bg |= B_HIDDEN; break;
          case 9: bg |= B_STRIKE; break;
          case 21: fg |= F_UNDERLINE; underlineTouched = true; break;
          case 22: fg &= ~(F_BOLD | F_DIM); break;
          case 23: fg &= ~F_ITALIC; break;
          case 24: fg &= ~F_UNDERLINE; underlineTouched = true; break;
          case 25: fg &= ~F_BLINK; break;
          case 27: fg &= ~F_INVERSE; break;
          case 28: bg &= ~B_HIDDEN; break;
          case 29: bg &= ~B_STRIKE; break;
          case 39: fg &= ~COLOR_MASK; break;
          case 49: bg &= ~COLOR_MASK; break;
          case 53: bg |= B_OVERLINE; break;
          case 55: bg &= ~B_OVERLINE; break;
          case 38: case 48: case 58: {
            const color = this._extendedColor(i);
            i += this._advanceBy;
            if (color >= 0 && v === 38) fg = (fg & ~COLOR_MASK) | color;
            else if (color >= 0 && v === 48) bg = (bg & ~COLOR_MASK) | color;
            break;
          }
          default: break;
        }
      }
    }
    this.fg = fg;
    this.bg = bg;
    if (underlineTouched) this._updateExtendedBit();
  }

  // 38/48 colour in either form: `;5;n`, `;2;r;g;b`, `:5:n`, `:2:cs:r:g:b`.
  // Returns the colour word (-1 if none) and leaves the params consumed in _advanceBy.
  _extendedColor(pos) {
    const p = this._params, count = this._paramCount;
    const acc = this._colorParts;
    acc.fill(0);
    acc[2] = -1;
    let slot = 0;                           // 1 once the mode has been seen (semicolon form)
    let advance = 0;
    do {
      acc[advance + slot] = p[pos + advance];
      const subStart = this._subStart[pos + advance], subEnd = this._subEnd[pos + advance];
      if (subEnd > subStart) {
        let k = 0;
        do {
          if (acc[1] === 5) slot = 1;
          acc[advance + k + 1 + slot] = this._subParams[subStart + k];
        } while (++k < subEnd - subStart && k + advance + 1 + slot < COLOR_PARTS);
        break;
      }
      if ((acc[1] === 5 && advance + slot >= 2) || (acc[1] === 2 && advance + slot >= 5)) break;
      if (acc[1]) slot = 1;
    } while (++advance + pos < count && advance + slot < COLOR_PARTS);
    for (let k = 2; k < COLOR_PARTS; k++) if (acc[k] === -1) acc[k] = 0;
    this._advanceBy = advance;
    if (acc[1] === 2) return MODE_RGB | ((acc[3] & 255) << 16) | ((acc[4] & 255) << 8) | (acc[5] & 255);
    if (acc[1] === 5) return MODE_PALETTE | (acc[3] & 255);
    return -1;
  }
}
