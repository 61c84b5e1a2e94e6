// Character sets a G0-G3 slot can hold (ESC ( 0, ESC ( A, ESC ( B) and the designators.
// DEC special graphics (ESC ( 0): ASCII 0x60-0x7e to line drawing and symbols.
const DEC_GRAPHICS = (() => {
  const map = new Int32Array(128);
  const glyphs = '\u25c6\u2592\u2409\u240c\u240d\u240a\u00b0\u00b1\u2424\u240b\u2518\u2510\u250c\u2514' +
    '\u253c\u23ba\u23bb\u2500\u23bc\u23bd\u251c\u2524\u2534\u252c\u2502\u2264\u2265\u03c0\u2260\u00a3\u00b7';
  for (let i = 0; i < glyphs.length; i++) map[0x60 + i] = glyphs.charCodeAt(i);
  return map;
})();
// British (ESC ( A): only '#' differs.
const UK_CHARSET = (() => { const map = new Int32Array(128); map[0x23] = 0xa3; return map; })();
export const CHARSETS = new Map([[0x30, DEC_GRAPHICS], [0x41, UK_CHARSET], [0x42, null]]);
// ESC ( ) * + designate G0-G3 (94-char sets); ESC - . / designate G1-G3 (96-char sets).
export const CHARSET_LEVELS = new Map([[0x28, 0], [0x29, 1], [0x2a, 2], [0x2b, 3], [0x2d, 1], [0x2e, 2], [0x2f, 3]]);
