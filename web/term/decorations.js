// The title bar and the status bar.
import { VERSION } from './defaults.js';

export class DecorationMethods {
  _buildStatusBar(root) {
    const bar = document.createElement('div');
    bar.className = 'xwterm-status';
    bar.style.font = this.params.statusFont;
    this.statusState = document.createElement('span');
    this.statusState.className = 'xwterm-status-state';
    this.statusSize = document.createElement('span');
    const fill = document.createElement('span');
    fill.className = 'xwterm-status-fill';
    const version = document.createElement('span');
    version.textContent = `xwterm ${VERSION}`;
    bar.append(this.statusState, this.statusSize, fill, version);
    for (const [label, action] of [
      ['Select all', () => this.selectAll()],
      ['Copy', () => { this.clipboardCopyAsText(); this.focus(); }],
      ['Paste', () => this.clipboardPaste()],
    ]) {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = label;
      button.addEventListener('mousedown', (event) => event.preventDefault());
      button.addEventListener('click', action);
      bar.appendChild(button);
    }
    this.statusBar = bar;
    root.appendChild(bar);
  }


  _updateStatusSize() {
    if (!this.statusSize) return;
    const emu = this.emulator;
    const text = `${emu.cols}×${emu.rows}${this._scrollOffset ? ` · ${this._scrollOffset} lines back` : ''}`;
    if (this.statusSize.textContent !== text) this.statusSize.textContent = text;
  }

  // Scrolling output moves the pixels already drawn instead of drawing every row again; the
  // emulator's damage then names only the rows that really changed.
}
