// Keyboard, IME and paste: what the user types goes to the host.
import { CSI, encodeKeyEvent } from './keys.js';

const MODIFIER_KEYS = new Set(['Shift', 'Control', 'Alt', 'AltGraph', 'Meta', 'CapsLock', 'OS']);

export class InputMethods {
  async clipboardPaste() {
    if (!navigator.clipboard || !navigator.clipboard.readText) return;
    this.paste(await navigator.clipboard.readText());
    this.focus();
  }

  // Sends text as a paste: newlines become CR, bracketed when the application asked (mode 2004).
  paste(text) {
    if (!text) return;
    let data = text.replace(/\r\n?|\n/g, '\r');
    if (this.emulator.modes.bracketedPaste) {
      data = `${CSI}200~${data.replace(/\x1b\[20[01]~/g, '')}${CSI}201~`;
    }
    this.sendText(data);
  }

  _attachInput() {
    const input = this.input;
    input.addEventListener('keydown', (event) => this._onKeyDown(event));
    input.addEventListener('input', (event) => this._onInput(event));
    input.addEventListener('compositionstart', () => { this._composing = true; });
    input.addEventListener('compositionend', (event) => {
      this._composing = false;
      if (event.data) this._sendTyped(event.data);
      input.value = '';
    });
    input.addEventListener('paste', (event) => {
      event.preventDefault();
      this.paste(event.clipboardData.getData('text/plain'));
    });
    input.addEventListener('copy', (event) => this._onCopyEvent(event));
    input.addEventListener('focus', () => this._setFocused(true));
    input.addEventListener('blur', () => this._setFocused(false));

    const canvas = this.canvas;
    canvas.addEventListener('mousedown', (event) => this._onMouseDown(event));
    canvas.addEventListener('contextmenu', (event) => {
      if (this._mouseReporting(event)) event.preventDefault();
    });
    canvas.addEventListener('click', () => this.focus());
    canvas.addEventListener('wheel', (event) => this._onWheel(event), { passive: false });
    this._touchY = null;
    canvas.addEventListener('touchstart', (event) => {
      this._touchY = event.touches.length === 1 ? event.touches[0].clientY : null;
    }, { passive: true });
    canvas.addEventListener('touchmove', (event) => this._onTouchMove(event), { passive: false });
    canvas.addEventListener('touchend', () => { this._touchY = null; });
    this._onDocumentMouseMove = (event) => this._onMouseMove(event);
    this._onDocumentMouseUp = (event) => this._onMouseUp(event);
    canvas.addEventListener('mousemove', (event) => {
      if (!this._mouseButtonsDown) this._onMouseMove(event);
    });
    this._attachScrollbar();
    this._attachLinks();
  }

  _setFocused(focused) {
    this._focused = focused;
    this._blinkOn = true;
    if (this.emulator.modes.focusEvents) this._sendToHost(focused ? `${CSI}I` : `${CSI}O`);
    if (this._frameRequested) this._renderNow();
    const row = this._cursorViewRow();
    if (row >= 0) this._drawRow(row);
  }

  _onKeyDown(event) {
    if (event.isComposing || event.keyCode === 229 || this._composing) return;
    if (this.softKeys && this.softKeys.hasStickyModifier && !MODIFIER_KEYS.has(event.key)) {
      const data = this._keyBytes(this.softKeys.modify(event));
      if (data !== null) {
        event.preventDefault();
        this._sendKeyBytes(data);
      }
      return;
    }
    const modes = this.emulator.modes;
    if (event.shiftKey && !event.ctrlKey && !event.altKey && (event.key === 'PageUp' || event.key === 'PageDown')) {
      event.preventDefault();
      this._scrollBy((event.key === 'PageUp' ? 1 : -1) * Math.max(1, this.emulator.rows - 1));
      return;
    }
    if (event.ctrlKey && event.shiftKey && event.code === 'KeyC') {
      event.preventDefault();
      this.clipboardCopyAsText();
      return;
    }
    const data = encodeKeyEvent(event, modes);
    if (data === null) return;
    event.preventDefault();
    this._sendKeyBytes(data);
  }

  // A key given as a KeyboardEvent or a plain object {key, code, ctrlKey, altKey, metaKey,
  // shiftKey, composed}, sent exactly as the keyboard would send it; focuses the terminal.
  sendKeyByKeyEvent(keyEvent) {
    const data = this._keyBytes(keyEvent);
    if (data) this._sendKeyBytes(data);
    this.focus();
  }

  // encodeKeyEvent leaves plain printable keys to the input event; sent by name, they are
  // their own text. Ctrl/Meta shortcuts it leaves alone (copy, paste) send nothing.
  _keyBytes(keyEvent) {
    const encoded = encodeKeyEvent(keyEvent, this.emulator.modes);
    if (encoded !== null) return encoded;
    const key = keyEvent.key || '';
    return [...key].length === 1 && !keyEvent.ctrlKey && !keyEvent.metaKey ? key : null;
  }

  // Text from the keyboard (a phone's too); a sticky Ctrl or Alt of the on-screen keys
  // modifies its first character.
  _sendTyped(text) {
    if (!this.softKeys || !this.softKeys.hasStickyModifier) {
      this.sendText(text);
      return;
    }
    const [first, ...rest] = [...text];
    const data = this._keyBytes(this.softKeys.modify({ key: first }));
    this.sendText((data || first) + rest.join(''));
  }

  _sendKeyBytes(data) {
    this._blinkOn = true;
    this.clearSelection();
    this.sendText(data);
  }

  // cb(applicationCursorKeys): now, and whenever the application switches DECCKM.
  registerOnAppCursorKeyChange(callback) {
    this._appCursorCallbacks.push(callback);
    callback(this._applicationCursor);
  }

  cancelOnAppCursorKeyChange(callback) {
    this._appCursorCallbacks = this._appCursorCallbacks.filter((c) => c !== callback);
  }

  _onApplicationCursorChange() {
    this._applicationCursor = this.emulator.modes.applicationCursor;
    if (this.softKeys) this.softKeys.showApplicationCursor(this._applicationCursor);
    for (const callback of this._appCursorCallbacks) callback(this._applicationCursor);
  }

  _onInput(event) {
    if (this._composing || event.isComposing) return;
    const input = this.input;
    switch (event.inputType) {
      case 'insertText':
      case 'insertReplacementText':
        if (event.data || input.value) this._sendTyped(event.data || input.value);
        break;
      case 'insertLineBreak':
      case 'insertParagraph':
        this.sendText('\r');
        break;
      case 'deleteContentBackward':
        this.sendText('\x7f');
        break;
      case 'deleteContentForward':
        this.sendText(`${CSI}3~`);
        break;
      case 'insertFromPaste':
        break;
      default:
        if (input.value) this.sendText(input.value);
    }
    input.value = '';
  }
}
