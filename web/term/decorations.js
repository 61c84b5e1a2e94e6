// The decorations around the terminal: the title bar and the status bar (connection, size,
// freeze, Select all / Copy / Copy as… / Paste). The on-screen keys are one too (softkeys.js).
import { VERSION } from './defaults.js';
import { FREEZE_USER } from './freeze.js';

// A bar attached to a terminal: one element, placed by the terminal, removed with it.
export class AnsiTermDecoration {
  constructor(term, className) {
    this.term = term;
    this.element = document.createElement('div');
    this.element.className = className;
  }

  remove() {
    this.element.remove();
  }
}

// A button that does not take the focus from the terminal's input (the phone keyboard stays).
export function makeButton(label, action) {
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = label;
  button.addEventListener('mousedown', (event) => event.preventDefault());
  button.addEventListener('click', action);
  return button;
}

export class TitleBar extends AnsiTermDecoration {
  constructor(term) {
    super(term, 'xwterm-title');
    const p = term.params;
    this.element.style.background = p.titleBackground;
    this.element.style.color = p.titleForeground;
    this.element.style.font = p.statusFont;
  }

  setTitle(title) {
    this.element.textContent = title || '\u00a0';
  }
}

const COPY_FORMATS = [
  ['Copy as text', 'clipboardCopyAsText'],
  ['Copy as ANSI sequences', 'clipboardCopyAsAnsiSequence'],
  ['Copy as HTML', 'clipboardCopyAsHtml'],
  ['Copy as rich text', 'clipboardCopyAsRichText'],
];

export class StatusBar extends AnsiTermDecoration {
  constructor(term) {
    super(term, 'xwterm-status');
    const bar = this.element;
    bar.style.font = term.params.statusFont;
    this.state = document.createElement('span');
    this.state.className = 'xwterm-status-state';
    this.size = document.createElement('span');
    this.freezeState = document.createElement('span');
    this.freezeState.className = 'xwterm-status-freeze';
    const fill = document.createElement('span');
    fill.className = 'xwterm-status-fill';
    const version = document.createElement('span');
    version.className = 'xwterm-status-version';
    version.textContent = `xwterm ${VERSION}`;
    this.freezeButton = makeButton('Freeze', () => { term.toggleFreezeState(); term.focus(); });
    this.freezeButton.className = 'xwterm-freeze';
    this.menu = this._buildCopyMenu();
    bar.append(this.state, this.size, this.freezeState, fill, version, this.freezeButton,
      makeButton('Select all', () => term.selectAll()),
      makeButton('Copy', () => { term.clipboardCopyAsText(); term.focus(); }),
      this.menu.wrapper,
      this.pasteButton = makeButton('Paste', () => term.clipboardPaste()));
  }

  _buildCopyMenu() {
    const wrapper = document.createElement('span');
    wrapper.className = 'xwterm-menu-anchor';
    const list = document.createElement('div');
    list.className = 'xwterm-menu';
    list.setAttribute('role', 'menu');
    list.hidden = true;
    // The bar scrolls sideways on narrow screens, which would clip a menu inside it: the menu
    // is fixed to the window, above its button, and kept on the screen.
    const toggle = makeButton('Copy as…', () => {
      list.hidden = !list.hidden;
      if (list.hidden) return;
      const anchor = toggle.getBoundingClientRect();
      list.style.bottom = `${window.innerHeight - anchor.top}px`;
      list.style.left = `${Math.max(0, Math.min(anchor.right - list.offsetWidth, window.innerWidth - list.offsetWidth))}px`;
    });
    toggle.className = 'xwterm-copy-as';
    toggle.setAttribute('aria-haspopup', 'menu');
    for (const [label, method] of COPY_FORMATS) {
      const item = makeButton(label, () => {
        list.hidden = true;
        this.term[method]();
        this.term.focus();
      });
      item.setAttribute('role', 'menuitem');
      item.dataset.copy = method;
      list.appendChild(item);
    }
    // A click anywhere else closes the menu.
    this._onDocumentClick = (event) => {
      if (!wrapper.contains(event.target)) list.hidden = true;
    };
    document.addEventListener('click', this._onDocumentClick);
    wrapper.append(toggle, list);
    return { wrapper, list };
  }

  remove() {
    document.removeEventListener('click', this._onDocumentClick);
    super.remove();
  }

  showConnection(connected, text) {
    const p = this.term.params;
    this.state.textContent = text;
    this.state.style.color = connected ? p.statusForegroundOk : p.statusForegroundKo;
    this.state.style.background = connected ? p.statusBackgroundOk : p.statusBackgroundKo;
  }

  showSize(text) {
    if (this.size.textContent !== text) this.size.textContent = text;
  }

  showFreeze(freezeState, pendingCharacters) {
    this.freezeButton.textContent = freezeState & FREEZE_USER ? 'Unfreeze' : 'Freeze';
    this.freezeState.textContent = freezeState ? `frozen, ${pendingCharacters} pending` : '';
  }
}
