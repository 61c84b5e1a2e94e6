// Mouse: reports to applications that asked for it (X10/SGR), else selection by drag.
import { CSI } from './keys.js';

export class MouseMethods {
  _cellAt(event) {
    const rect = this.canvas.getBoundingClientRect();
    const col = Math.floor((event.clientX - rect.left) / this._cssCellWidth);
    const row = Math.floor((event.clientY - rect.top) / this._cssCellHeight);
    return {
      col: Math.max(0, Math.min(this.emulator.cols - 1, col)),
      row: Math.max(0, Math.min(this.emulator.rows - 1, row)),
    };
  }

  // Shift bypasses mouse reporting, so text can still be selected in full-screen programs.
  _mouseReporting(event) {
    return this.emulator.modes.mouseTracking > 0 && !event.shiftKey;
  }

  _reportMouse(button, cell, event, release) {
    const modes = this.emulator.modes;
    let code = button;
    if (event.shiftKey) code |= 4;
    if (event.altKey || event.metaKey) code |= 8;
    if (event.ctrlKey) code |= 16;
    const x = cell.col + 1;
    const y = cell.row + 1;
    if (modes.mouseSgr) {
      this._sendToHost(`${CSI}<${code};${x};${y}${release ? 'm' : 'M'}`);
      return;
    }
    if (release) code = (code & ~3) | 3;
    if (x > 223 || y > 223) return;
    this._sendToHost(`${CSI}M${String.fromCharCode(32 + code, 32 + x, 32 + y)}`);
  }

  _onMouseDown(event) {
    event.preventDefault();
    this.focus();
    const cell = this._cellAt(event);
    document.addEventListener('mousemove', this._onDocumentMouseMove);
    document.addEventListener('mouseup', this._onDocumentMouseUp);
    this._mouseButtonsDown += 1;
    if (this._mouseReporting(event)) {
      this._reportMouse(Math.min(event.button, 2), cell, event, false);
      this._lastMouseCell = cell;
      this._reportingDrag = true;
      return;
    }
    this._reportingDrag = false;
    if (event.button !== 0) return;
    const line = this._absoluteLine(this._viewRowToEmulatorRow(cell.row));
    if (event.detail >= 2) {
      this._selection = event.detail === 2 ? this._wordAt(line, cell.col) : {
        anchor: { line, col: 0 }, head: { line, col: this.emulator.cols - 1 },
      };
      this._selecting = false;
    } else if (event.shiftKey && this._selection) {
      this._selection.head = { line, col: cell.col };
      this._selecting = true;
    } else {
      this._selection = null;
      this._selectionStart = { line, col: cell.col };
      this._selecting = true;
    }
    this._fullRedraw = true;
    this._scheduleRender();
  }

  _onMouseMove(event) {
    const cell = this._cellAt(event);
    const modes = this.emulator.modes;
    if (this._mouseButtonsDown && this._reportingDrag) {
      if (modes.mouseTracking >= 1002 && !this._sameCell(cell)) {
        this._reportMouse(32 + Math.min(this._buttonOf(event), 2), cell, event, false);
      }
      this._lastMouseCell = cell;
      return;
    }
    if (!this._mouseButtonsDown) {
      if (modes.mouseTracking === 1003 && !event.shiftKey && !this._sameCell(cell)) {
        this._reportMouse(32 + 3, cell, event, false);
      }
      this._lastMouseCell = cell;
      return;
    }
    if (!this._selecting) return;
    const line = this._absoluteLine(this._viewRowToEmulatorRow(cell.row));
    const head = { line, col: cell.col };
    if (!this._selection) {
      if (this._selectionStart.line === line && this._selectionStart.col === cell.col) return;
      this._selection = { anchor: this._selectionStart, head };
    } else {
      this._selection.head = head;
    }
    this._fullRedraw = true;
    this._scheduleRender();
  }

  _buttonOf(event) {
    if (event.buttons & 1) return 0;
    if (event.buttons & 4) return 1;
    if (event.buttons & 2) return 2;
    return 3;
  }

  _sameCell(cell) {
    const last = this._lastMouseCell;
    return last && last.col === cell.col && last.row === cell.row;
  }

  _onMouseUp(event) {
    this._mouseButtonsDown = Math.max(0, this._mouseButtonsDown - 1);
    if (!this._mouseButtonsDown) {
      document.removeEventListener('mousemove', this._onDocumentMouseMove);
      document.removeEventListener('mouseup', this._onDocumentMouseUp);
    }
    if (this._reportingDrag) {
      this._reportMouse(Math.min(event.button, 2), this._cellAt(event), event, true);
      this._reportingDrag = false;
      return;
    }
    this._selecting = false;
    this.focus();
  }
}
