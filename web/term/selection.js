// Selection (by mouse, word, line or all) and the copy family (text, ANSI, HTML, rich text).
import { cellsAsAnsi, cellsAsHtml, cellsAsText, selectedCells } from './copyformats.js';

const WORD_SEPARATORS = ' \t()[]{}<>\'"`,;|&│';

export class SelectionMethods {
  clearSelection() {
    if (this._selection) {
      this._selection = null;
      this._fullRedraw = true;
      this._scheduleRender();
    }
  }

  selectAll() {
    const top = this._absoluteLine(-this.emulator.scrollbackLength);
    this._selection = {
      anchor: { line: top, col: 0 },
      head: { line: this._absoluteLine(this.emulator.rows - 1), col: this.emulator.cols - 1 },
    };
    this._fullRedraw = true;
    this._scheduleRender();
  }

  getSelectionText() {
    return cellsAsText(this._selectedCells());
  }

  // The copy family of the original AnsiTerm; each copies the selection and returns what it
  // put on the clipboard ('' with nothing selected).
  clipboardCopyAsText() {
    const text = this.getSelectionText();
    return this._copy(text, true, { text });
  }

  clipboardCopyAsAnsiSequence() {
    const ansi = cellsAsAnsi(this._selectedCells());
    return this._copy(ansi, true, { text: ansi });
  }

  clipboardCopyAsHtml() {
    const html = this._selectionAsHtml();
    return this._copy(html, true, { text: html });
  }

  // Rich text: text/html for editors and mail, with the plain text beside it for the rest.
  clipboardCopyAsRichText() {
    const html = this._selectionAsHtml();
    return this._copy(html, false, { text: this.getSelectionText(), html });
  }

  // cb(copiedText, asText) whenever the terminal copies; asText is false for rich text.
  registerOnCopy(callback) { this._copyCallbacks.push(callback); }
  cancelOnCopy(callback) { this._copyCallbacks = this._copyCallbacks.filter((c) => c !== callback); }

  _copy(copiedText, asText, payload) {
    if (!copiedText) return '';
    this._writeClipboard(payload);
    for (const callback of this._copyCallbacks) callback(copiedText, asText);
    return copiedText;
  }

  _selectedCells() {
    const range = this._selectionRange();
    if (!range) return [];
    return selectedCells((line) => this.emulator.getRow(this._emulatorRow(line)), range, this.emulator.cols);
  }

  _selectionAsHtml() {
    const lines = this._selectedCells();
    if (!lines.length) return '';
    const { foreground, background, font } = this.params;
    return cellsAsHtml(lines, (value, isForeground) => this._color(value, isForeground), { foreground, background, font });
  }

  _selectionRange() {
    const selection = this._selection;
    if (!selection) return null;
    const { anchor, head } = selection;
    const forward = anchor.line < head.line || (anchor.line === head.line && anchor.col <= head.col);
    return forward ? { start: anchor, end: head } : { start: head, end: anchor };
  }

  _isSelected(range, line, col) {
    if (!range || line < range.start.line || line > range.end.line) return false;
    if (line === range.start.line && col < range.start.col) return false;
    if (line === range.end.line && col > range.end.col) return false;
    return true;
  }

  _wordAt(line, col) {
    const row = this.emulator.getRow(this._emulatorRow(line));
    if (!row) return null;
    const isWord = (x) => {
      const text = row.text(x);
      return text !== '' && !WORD_SEPARATORS.includes(text) || row.width(x) === 0;
    };
    if (!isWord(col)) return { anchor: { line, col }, head: { line, col } };
    let start = col;
    let end = col;
    while (start > 0 && isWord(start - 1)) start--;
    while (end < row.length - 1 && isWord(end + 1)) end++;
    return { anchor: { line, col: start }, head: { line, col: end } };
  }
}
