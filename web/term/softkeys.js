// On-screen keys under the terminal, for phones and tablets, whose keyboards have no Esc, Tab,
// Ctrl, Alt, arrows or F-keys. Each key is sent exactly as sendKeyByKeyEvent sends it. Ctrl and
// Alt are sticky: tapped, they modify the next key, whether it comes from this bar, from the
// phone's own keyboard or from a hardware keyboard, then let go. Tapping a key never moves the
// focus away from the terminal's hidden input, so the phone keyboard stays open.
import { AnsiTermDecoration } from './decorations.js';

// [label, KeyboardEvent-like key, accessible name]
const MAIN_KEYS = [
  ['Esc', { key: 'Escape', code: 'Escape' }, 'Escape'],
  ['Tab', { key: 'Tab', code: 'Tab' }, 'Tab'],
  ['Ctrl', 'ctrl', 'Control (applies to the next key)'],
  ['Alt', 'alt', 'Alt (applies to the next key)'],
  ['←', { key: 'ArrowLeft', code: 'ArrowLeft' }, 'Left'],
  ['↑', { key: 'ArrowUp', code: 'ArrowUp' }, 'Up'],
  ['↓', { key: 'ArrowDown', code: 'ArrowDown' }, 'Down'],
  ['→', { key: 'ArrowRight', code: 'ArrowRight' }, 'Right'],
  ['PgUp', { key: 'PageUp', code: 'PageUp' }, 'Page up'],
  ['PgDn', { key: 'PageDown', code: 'PageDown' }, 'Page down'],
  ['Home', { key: 'Home', code: 'Home' }, 'Home'],
  ['End', { key: 'End', code: 'End' }, 'End'],
  ['|', { key: '|', code: 'Backslash' }, 'Vertical bar'],
  ['~', { key: '~', code: 'Backquote' }, 'Tilde'],
  ['/', { key: '/', code: 'Slash' }, 'Slash'],
  ['-', { key: '-', code: 'Minus' }, 'Minus'],
  ['`', { key: '`', code: 'Backquote' }, 'Backquote'],
];
const FUNCTION_KEYS = Array.from({ length: 12 }, (_, i) => [`F${i + 1}`, { key: `F${i + 1}`, code: `F${i + 1}` }, `F${i + 1}`]);
const ARROWS = new Set(['ArrowLeft', 'ArrowUp', 'ArrowDown', 'ArrowRight']);

export class SoftKeys extends AnsiTermDecoration {
  constructor(term) {
    super(term, 'xwterm-softkeys');
    this.element.setAttribute('role', 'toolbar');
    this.element.setAttribute('aria-label', 'terminal keys');
    this.sticky = { ctrl: false, alt: false };
    this.modifierButtons = {};
    this.arrowButtons = [];
    this.element.appendChild(this._row(MAIN_KEYS));
    if (term.params.hasSoftFKeys) this.element.appendChild(this._row(FUNCTION_KEYS));
    // Keeping the focus where it is: no pointer or mouse press on the bar may move it.
    for (const type of ['pointerdown', 'mousedown']) {
      this.element.addEventListener(type, (event) => event.preventDefault());
    }
  }

  _row(keys) {
    const row = document.createElement('div');
    row.className = 'xwterm-softkeys-row';
    for (const [label, key, name] of keys) {
      const button = document.createElement('button');
      button.type = 'button';
      button.tabIndex = -1;
      button.textContent = label;
      button.setAttribute('aria-label', name);
      if (typeof key === 'string') {
        button.dataset.modifier = key;
        button.setAttribute('aria-pressed', 'false');
        button.addEventListener('click', () => this._toggleModifier(key));
        this.modifierButtons[key] = button;
      } else {
        button.dataset.key = key.key;
        button.addEventListener('click', () => this.term.sendKeyByKeyEvent(this.modify(key)));
        if (ARROWS.has(key.key)) this.arrowButtons.push(button);
      }
      row.appendChild(button);
    }
    return row;
  }

  _toggleModifier(name) {
    this.sticky[name] = !this.sticky[name];
    this.modifierButtons[name].setAttribute('aria-pressed', String(this.sticky[name]));
  }

  get hasStickyModifier() {
    return this.sticky.ctrl || this.sticky.alt;
  }

  // The key with the sticky modifiers added; using them lets them go.
  modify(key) {
    if (!this.hasStickyModifier) return key;
    const modified = {
      key: key.key, code: key.code || '', shiftKey: Boolean(key.shiftKey), metaKey: Boolean(key.metaKey),
      ctrlKey: Boolean(key.ctrlKey) || this.sticky.ctrl, altKey: Boolean(key.altKey) || this.sticky.alt,
    };
    for (const name of Object.keys(this.sticky)) if (this.sticky[name]) this._toggleModifier(name);
    return modified;
  }

  // Arrows send SS3 sequences in application cursor mode (DECCKM): the bar shows which.
  showApplicationCursor(on) {
    this.element.classList.toggle('xwterm-softkeys-appcursor', on);
    for (const button of this.arrowButtons) {
      button.title = on ? 'application cursor mode' : '';
    }
  }
}
