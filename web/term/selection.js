// Selection (by mouse, word, line or all) and copying it to the clipboard.

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
    const range = this._selectionRange();
    if (!range) return '';
    const emu = this.emulator;
    const lines = [];
    let current = '';
    for (let line = range.start.line; line <= range.end.line; line++) {
      const row = emu.getRow(this._emulatorRow(line));
      if (!row) continue;
      const from = line === range.start.line ? range.start.col : 0;
      const to = line === range.end.line ? range.end.col : emu.cols - 1;
      for (let x = from; x <= to && x < row.length; x++) current += row.text(x) || (row.width(x) === 0 ? '' : ' ');
      if (row.wrapped && line !== range.end.line) continue;
      lines.push(current.replace(/\s+$/, ''));
      current = '';
    }
    if (current) lines.push(current.replace(/\s+$/, ''));
    return lines.join('\n');
  }

  clipboardCopyAsText() {
    return this._copyToClipboard(this.getSelectionText());
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


  _copyToClipboard(text) {
    if (!text) return false;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).catch(() => this._copyWithCommand(text));
      return true;
    }
    return this._copyWithCommand(text);
  }

  // Works on plain-HTTP pages too (no secure context), as long as it runs in a user gesture.
  _copyWithCommand(text) {
    const input = this.input;
    input.value = text;
    input.select();
    let copied = false;
    try {
      copied = document.execCommand('copy');
    } catch (error) {
      copied = false;
    }
    input.value = '';
    return copied;
  }

}
