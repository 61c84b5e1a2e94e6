// AnsiTerm core: the terminal emulator without a DOM (runs in node and in browsers).
// The modules behind it are in ./core/; docs/architecture-web.md shows how they fit.
export { Emulator } from './core/emulator.js';
export { FLAGS, DEFAULT_COLOR, isTrueColor, trueColorRGB, PALETTE256 } from './core/colors.js';
export { charWidth } from './core/charwidth.js';
