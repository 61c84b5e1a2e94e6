// Named colour themes and the page's font, as AnsiTerm parameters. The server chooses them
// (--theme, --font-size, --font-family, sent in ?config); the page's query may override each
// (?theme=light&font-size=16&font-family=monospace). Values are checked by the same rules
// as the server's (xwterm/appearance.py): a bad one is ignored and the default stays.
import { XTERM_PALETTE16 } from './defaults.js';

const SOLARIZED16 = [
  '#073642', '#dc322f', '#859900', '#b58900', '#268bd2', '#d33682', '#2aa198', '#eee8d5',
  '#002b36', '#cb4b16', '#586e75', '#657b83', '#839496', '#6c71c4', '#93a1a1', '#fdf6e3',
];

// Colours 0-15 readable on white: the dark ones darker, "white" grey.
const LIGHT16 = [
  '#000000', '#c4271d', '#007d00', '#8a6d00', '#1f4fc1', '#a625a4', '#00788a', '#6e6e6e',
  '#555555', '#e0362c', '#18a418', '#a88a00', '#3d6ee0', '#c13bbf', '#0597ad', '#2f2f2f',
];

export const THEMES = {
  dark: {
    foreground: 'rgb(229,229,229)', background: 'rgb(0,0,0)', palette: XTERM_PALETTE16,
    cursorColor: '', selectionBackground: 'rgb(255,192,192)', selectionForeground: 'rgb(0,0,0)',
  },
  light: {
    foreground: 'rgb(30,30,30)', background: 'rgb(255,255,255)', palette: LIGHT16,
    cursorColor: 'rgb(0,0,0)', selectionBackground: 'rgb(173,214,255)', selectionForeground: 'rgb(0,0,0)',
  },
  'solarized-dark': {
    foreground: 'rgb(131,148,150)', background: 'rgb(0,43,54)', palette: SOLARIZED16,
    cursorColor: 'rgb(147,161,161)', selectionBackground: 'rgb(7,54,66)', selectionForeground: 'rgb(147,161,161)',
  },
  'solarized-light': {
    foreground: 'rgb(101,123,131)', background: 'rgb(253,246,227)', palette: SOLARIZED16,
    cursorColor: 'rgb(88,110,117)', selectionBackground: 'rgb(238,232,213)', selectionForeground: 'rgb(88,110,117)',
  },
  'high-contrast': {
    foreground: 'rgb(255,255,255)', background: 'rgb(0,0,0)',
    palette: [...XTERM_PALETTE16.slice(0, 7), '#ffffff', ...XTERM_PALETTE16.slice(8)],
    cursorColor: 'rgb(255,255,0)', selectionBackground: 'rgb(255,255,0)', selectionForeground: 'rgb(0,0,0)',
  },
};
export const DEFAULT_THEME = 'dark';
export const MIN_FONT_SIZE = 6;
export const MAX_FONT_SIZE = 72;
const FONT_FAMILY = /^[A-Za-z0-9 ,'"._-]{1,200}$/;

export function checkTheme(value) {
  const name = typeof value === 'string' ? value.trim().toLowerCase() : '';
  return Object.prototype.hasOwnProperty.call(THEMES, name) ? name : null;
}

export function checkFontSize(value) {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  if (!/^\d{1,3}$/.test(text)) return null;
  const size = Number(text);
  return size >= MIN_FONT_SIZE && size <= MAX_FONT_SIZE ? size : null;
}

export function checkFontFamily(value) {
  const family = typeof value === 'string' ? value.trim() : '';
  return FONT_FAMILY.test(family) ? family : null;
}

// AnsiTerm parameters for the theme and font: the query's valid values first, then the
// server's (?config's `appearance`), then the defaults. `theme` names the one chosen.
export function appearanceParams(server, query) {
  const from = server || {};
  const pick = (check, ...values) => {
    for (const value of values) {
      const checked = value === null || value === undefined ? null : check(value);
      if (checked !== null) return checked;
    }
    return null;
  };
  const theme = pick(checkTheme, query.get('theme'), from.theme) || DEFAULT_THEME;
  const params = { theme, ...THEMES[theme] };
  const fontSize = pick(checkFontSize, query.get('font-size'), query.get('fontSize'), from.font_size);
  if (fontSize !== null) params.fontSize = fontSize;
  const font = pick(checkFontFamily, query.get('font-family'), from.font_family);
  if (font !== null) params.font = font;
  return params;
}
