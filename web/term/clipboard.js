// The clipboard: the async Clipboard API where the page is a secure context, else the copy
// command on the hidden input, which also works on plain-HTTP pages inside a user gesture.
// A payload is { text, html? }: html becomes a text/html item (rich text), text text/plain.

export class ClipboardMethods {
  _writeClipboard(payload) {
    if (navigator.clipboard && window.isSecureContext) {
      this._writeWithApi(payload).catch(() => this._writeWithCommand(payload));
      return;
    }
    this._writeWithCommand(payload);
  }

  _writeWithApi({ text, html }) {
    if (!html) return navigator.clipboard.writeText(text);
    const item = new ClipboardItem({
      'text/plain': new Blob([text], { type: 'text/plain' }),
      'text/html': new Blob([html], { type: 'text/html' }),
    });
    return navigator.clipboard.write([item]);
  }

  _writeWithCommand(payload) {
    const input = this.input;
    this._commandPayload = payload;
    input.value = payload.text || ' ';
    input.select();
    try {
      document.execCommand('copy');
    } catch (error) {
      // no clipboard at all: nothing more to try
    } finally {
      this._commandPayload = null;
      input.value = '';
    }
  }

  // The input's copy event: what the copy command asked for, else the selection as text
  // (Ctrl+Insert, the browser's Copy menu).
  _onCopyEvent(event) {
    const payload = this._commandPayload || { text: this.getSelectionText() };
    if (!payload.text) return;
    event.preventDefault();
    event.clipboardData.setData('text/plain', payload.text);
    if (payload.html) event.clipboardData.setData('text/html', payload.html);
  }
}
