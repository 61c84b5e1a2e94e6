// Keyboard: DOM key events (or objects shaped like them) to the bytes xterm sends.
export const ESC = '\x1b';
export const CSI = '\x1b[';
export const SS3 = '\x1bO';

export const IS_MAC = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || '');

const CURSOR_KEY_FINALS = { ArrowUp: 'A', ArrowDown: 'B', ArrowRight: 'C', ArrowLeft: 'D', Home: 'H', End: 'F' };
const SS3_FUNCTION_KEYS = { F1: 'P', F2: 'Q', F3: 'R', F4: 'S' };
const TILDE_KEYS = {
  Insert: 2, Delete: 3, PageUp: 5, PageDown: 6,
  F5: 15, F6: 17, F7: 18, F8: 19, F9: 20, F10: 21, F11: 23, F12: 24,
};
const CONTROL_PUNCTUATION = {
  ' ': '\x00', '@': '\x00', 2: '\x00', '[': '\x1b', 3: '\x1b', '\\': '\x1c', 4: '\x1c',
  ']': '\x1d', 5: '\x1d', '^': '\x1e', 6: '\x1e', '~': '\x1e', '_': '\x1f', '-': '\x1f',
  '/': '\x1f', 7: '\x1f', 8: '\x7f', '?': '\x7f',
};

function modifierCode(event) {
  return 1 + (event.shiftKey ? 1 : 0) + (event.altKey ? 2 : 0) + (event.ctrlKey ? 4 : 0) + (event.metaKey ? 8 : 0);
}

// The character a key would type without modifiers: Option on a Mac and Alt elsewhere may
// change event.key, but an ESC-prefixed Alt key must send the plain character.
function baseCharacter(event) {
  const code = event.code || '';
  if (code.startsWith('Key')) {
    const letter = code.slice(3).toLowerCase();
    return event.shiftKey ? letter.toUpperCase() : letter;
  }
  if (code.startsWith('Digit') && !event.shiftKey) return code.slice(5);
  return [...event.key].length === 1 ? event.key : null;
}

function controlCharacter(key) {
  if (/^[a-zA-Z]$/.test(key)) return String.fromCharCode(key.toLowerCase().charCodeAt(0) - 96);
  return CONTROL_PUNCTUATION[key] || null;
}

/**
 * The bytes a key press sends, or null when the key is left to the browser: printable text
 * (delivered by the `input` event so that IMEs and soft keyboards work) and clipboard shortcuts.
 */
export function encodeKeyEvent(event, modes) {
  const key = event.key;
  const altGraph = event.getModifierState && event.getModifierState('AltGraph');
  const metaAsAlt = event.metaKey && !IS_MAC;
  const alt = (event.altKey || metaAsAlt) && !altGraph;
  const ctrl = event.ctrlKey && !altGraph;
  const mods = modifierCode(event);
  const escPrefix = alt ? ESC : '';

  if (key in CURSOR_KEY_FINALS) {
    const final = CURSOR_KEY_FINALS[key];
    if (mods > 1) return `${CSI}1;${mods}${final}`;
    return (modes.applicationCursor ? SS3 : CSI) + final;
  }
  if (key in SS3_FUNCTION_KEYS) {
    return mods > 1 ? `${CSI}1;${mods}${SS3_FUNCTION_KEYS[key]}` : SS3 + SS3_FUNCTION_KEYS[key];
  }
  if (key === 'Insert' && mods === 2) return null;
  if (key in TILDE_KEYS) {
    return mods > 1 ? `${CSI}${TILDE_KEYS[key]};${mods}~` : `${CSI}${TILDE_KEYS[key]}~`;
  }
  switch (key) {
    case 'Enter':
      if (modes.applicationKeypad && event.code === 'NumpadEnter') return `${SS3}M`;
      return escPrefix + (modes.newline ? '\r\n' : '\r');
    case 'Backspace':
      return escPrefix + (ctrl ? '\x08' : '\x7f');
    case 'Tab':
      if (event.shiftKey) return `${CSI}Z`;
      return ctrl ? null : `${escPrefix}\t`;
    case 'Escape':
      return escPrefix + ESC;
    default:
      break;
  }
  if (IS_MAC && event.metaKey) return null;
  if (ctrl && event.shiftKey && (event.code === 'KeyC' || event.code === 'KeyV')) return null;
  if (ctrl && !event.shiftKey && event.code === 'KeyV') return null;
  if (ctrl) {
    const base = baseCharacter(event);
    const control = base && controlCharacter(base === '2' && event.shiftKey ? '@' : base);
    if (control) return escPrefix + control;
    const fromKey = [...key].length === 1 ? controlCharacter(key) : null;
    return fromKey ? escPrefix + fromKey : null;
  }
  if (alt) {
    const base = [...key].length === 1 && !IS_MAC ? key : baseCharacter(event);
    return base ? ESC + base : null;
  }
  return null;
}
