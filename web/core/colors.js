// Colours and attribute flags as the core reports them (cell values, xterm's palette).
export const FLAGS = Object.freeze({
  BOLD: 1, DIM: 2, ITALIC: 4, UNDERLINE: 8, INVERSE: 16, BLINK: 32,
  HIDDEN: 64, STRIKE: 128, OVERLINE: 256,
});
export const DEFAULT_COLOR = -1;
export const TRUECOLOR = 0x1000000;

export function isTrueColor(c) { return c >= TRUECOLOR; }
export function trueColorRGB(c) { return [(c >> 16) & 255, (c >> 8) & 255, c & 255]; }

function hex2(v) { return (v < 16 ? '0' : '') + v.toString(16); }

// xterm's 256-colour palette: 16 system colours, a 6x6x6 cube, 24 greys.
export const PALETTE256 = (() => {
  const system = [
    '#000000', '#cd0000', '#00cd00', '#cdcd00', '#0000ee', '#cd00cd', '#00cdcd', '#e5e5e5',
    '#7f7f7f', '#ff0000', '#00ff00', '#ffff00', '#5c5cff', '#ff00ff', '#00ffff', '#ffffff',
  ];
  const steps = [0, 95, 135, 175, 215, 255];
  const out = system.slice();
  for (let i = 0; i < 216; i++) {
    out.push('#' + hex2(steps[Math.floor(i / 36)]) + hex2(steps[Math.floor(i / 6) % 6]) + hex2(steps[i % 6]));
  }
  for (let i = 0; i < 24; i++) { const v = 8 + i * 10; out.push('#' + hex2(v) + hex2(v) + hex2(v)); }
  return Object.freeze(out);
})();
