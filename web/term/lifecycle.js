// The life of a session as the widget shows it: the end (with its reason) leaves a clean
// terminal below the kept history, a key press starts a new session, and the session's size
// is shown while another client drives it.
import { CSI } from './keys.js';

const ESC = '\x1b';

// Every mode a program may leave behind, back to its default; the alternate screen is left
// separately (only when active: on the normal screen ?1049l would restore an old cursor).
const MODE_RESET = `${CSI}?1l${ESC}>${CSI}?66l${CSI}?1000l${CSI}?1002l${CSI}?1003l${CSI}?1005l` +
  `${CSI}?1006l${CSI}?1015l${CSI}?1004l${CSI}?2004l${CSI}?5l${CSI}?6l${CSI}?7h${CSI}?25h` +
  `${CSI}4l${CSI}20l${CSI}0m${ESC}(B\x0f${CSI}r`;

export class LifecycleMethods {
  // callback({session, token, readonlyToken, readonly}) whenever a driver attaches.
  registerOnAttach(callback) { this._attachCallbacks.push(callback); }
  // callback(): the server wants a login again (see AnsiTermDriver.registerOnLoggedOut).
  registerOnLoggedOut(callback) { this._loggedOutCallbacks.push(callback); }

  // A tab that watched a session read-only stays read-only: when that session ends it
  // never starts a shell of its own.
  get readonly() { return this._watcher || Boolean(this.driver && this.driver.readonly); }

  // The modes reset and the cursor on a fresh line below every line with text: whatever
  // comes next never writes over what the ended session left on the screen.
  _cleanTerminalState() {
    const emu = this.emulator;
    this.write(`${emu.altScreen ? `${CSI}?1049l` : ''}${MODE_RESET}`);
    if (this._freezeState) {
      this.write('\r\n');
      return;
    }
    const text = emu.dumpScreen().text;
    let last = text.length - 1;
    while (last >= 0 && !text[last]) last -= 1;
    this.write(last === emu.rows - 1 ? `${CSI}${emu.rows};1H\r\n` : `${CSI}${last + 2};1H`);
  }

  _onSessionEnd(status, description) {
    this._sessionEnded = true;
    this._sizeFromSession = false;
    this._cleanTerminalState();
    const text = description || 'session ended';
    const next = this._watcher ? '' : '; press any key for a new one';
    this.write(`${CSI}0;2m[${text}${next}]${CSI}0m\r\n`);
  }

  _onLoggedOut() {
    this._sessionEnded = true;
    this._cleanTerminalState();
    this.write(`${CSI}0;2m[logged out: the server wants the login again]${CSI}0m\r\n`);
    for (const callback of this._loggedOutCallbacks) callback();
  }

  _restartSession() {
    this._sessionEnded = false;
    this._scrollToBottom();
    this.driver.setSize(this.emulator.rows, this.emulator.cols);
    this.driver.restart();
  }

  _onAttach(attachment) {
    if (attachment.readonly) this._watcher = true;
    this.root.dataset.readonly = this.readonly ? 'true' : 'false';
    // Nothing a watcher cannot use: pasting types.
    if (this.statusBar) this.statusBar.pasteButton.hidden = this.readonly;
    for (const callback of this._attachCallbacks) callback(attachment);
  }

  // Another client drives the size: show the screen at the session's size (this tab's
  // own size is sent again once it types or its window changes).
  _onSessionSize(rows, cols) {
    const emu = this.emulator;
    if (!this._sizeFromSession) this._ownSize = { cols: emu.cols, rows: emu.rows };
    const own = this._ownSize;
    const isOwn = rows === own.rows && cols === own.cols;
    if (isOwn && !this._sizeFromSession) return;
    this._sizeFromSession = !isOwn;
    this._applySize(cols, rows);
  }

  // A session larger than this tab's window keeps its bottom rows (where a prompt usually
  // is) in view; a smaller one sits in the top-left corner, letterboxed.
  _placeSessionScreen() {
    const overflow = this._sizeFromSession ? this.canvas.offsetHeight - this.viewport.clientHeight : 0;
    this.canvas.style.top = overflow > 0 ? `${-overflow}px` : '';
  }

  // This tab becomes the active writer: its own size again.
  _takeBackSize() {
    if (!this._sizeFromSession) return;
    this._sizeFromSession = false;
    if (this.params.autoFit) this._fitToContainer();
    else this._applySize(this._ownSize.cols, this._ownSize.rows);
    this.driver.setSize(this.emulator.rows, this.emulator.cols);
  }
}
