// File transfer between the page and the session's machine: a file dropped on the terminal
// (or picked with the status bar's Upload button) goes into the shell's current directory;
// `xwterm-get FILE` in the shell prints ESC ] 7799 ; download ; <base64 path> BEL, and the page
// downloads FILE. Both use the session's full token; a read-only client uploads nothing.
import { makeButton } from './decorations.js';

const DOWNLOAD_OSC = 7799;

function transferUrl(action, attachment, params) {
  const query = [action, `session=${encodeURIComponent(attachment.session)}`,
    `token=${encodeURIComponent(attachment.token)}`];
  for (const [name, value] of Object.entries(params)) query.push(`${name}=${encodeURIComponent(value)}`);
  // Relative to the page: it works under any base path.
  return `?${query.join('&')}`;
}

// The path's bytes as the file system has them; file names are UTF-8 in practice.
function decodePath(base64) {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return new TextDecoder('utf-8').decode(bytes);
}

export class FileTransfer {
  constructor(term) {
    this.term = term;
    this._queue = [];
    this._uploading = false;
    term.registerOnOsc((id, payload) => {
      if (id === DOWNLOAD_OSC) this._onDownloadRequest(payload);
    });
    term.viewport.addEventListener('dragover', (event) => {
      if (event.dataTransfer && Array.from(event.dataTransfer.types).includes('Files')) {
        event.preventDefault();
        event.dataTransfer.dropEffect = 'copy';
      }
    });
    term.viewport.addEventListener('drop', (event) => {
      if (!event.dataTransfer || !event.dataTransfer.files.length) return;
      event.preventDefault();
      this.upload(event.dataTransfer.files);
    });
    if (term.statusBar) this._buildControls(term.statusBar.element);
    term.registerOnAttach((attachment) => {
      if (!this.button) return;
      this.button.disabled = !attachment.token || attachment.readonly;
      this.button.hidden = term.readonly;
    });
    // No shell, nothing to upload into (disabled until a session attaches again).
    term.registerOnStatusChange((connected, text, state) => {
      if (this.button && (state === 'failed' || state === 'ended')) this.button.disabled = true;
    });
  }

  _buildControls(bar) {
    this.fileInput = document.createElement('input');
    this.fileInput.type = 'file';
    this.fileInput.multiple = true;
    this.fileInput.hidden = true;
    this.fileInput.className = 'xwterm-upload-input';
    this.fileInput.addEventListener('change', () => {
      this.upload(this.fileInput.files);
      this.fileInput.value = '';
    });
    this.button = makeButton('Upload', () => this.fileInput.click());
    this.button.className = 'xwterm-upload';
    this.progress = document.createElement('span');
    this.progress.className = 'xwterm-transfer';
    // Takes only free space: a long progress line never makes the bar wrap (and the terminal shrink).
    Object.assign(this.progress.style, { flex: '1 1 0', minWidth: '0', overflow: 'hidden', textOverflow: 'ellipsis' });
    const fill = bar.querySelector('.xwterm-status-fill');
    bar.insertBefore(this.progress, fill);
    bar.insertBefore(this.button, fill.nextSibling);
    bar.appendChild(this.fileInput);
  }

  // The session's attachment when it allows file transfer (full token), else null.
  _fullAccess() {
    const attachment = this.term.driver && this.term.driver.attachment;
    return attachment && attachment.token && !attachment.readonly ? attachment : null;
  }

  _show(text) {
    this.status = text;
    if (this.progress) this.progress.textContent = text;
  }

  upload(files) {
    this._queue.push(...Array.from(files));
    if (!this._uploading) this._nextUpload();
  }

  _nextUpload() {
    const file = this._queue.shift();
    if (!file) {
      this._uploading = false;
      return;
    }
    this._uploading = true;
    const attachment = this._fullAccess();
    if (!attachment) {
      this._show(`upload of ${file.name} refused: this tab has no session with full access`);
      this._nextUpload();
      return;
    }
    // XMLHttpRequest, not fetch: it reports the upload's progress.
    const request = new XMLHttpRequest();
    request.open('PUT', transferUrl('upload', attachment, { name: file.name }));
    request.upload.onprogress = (event) => {
      const percent = event.lengthComputable ? Math.floor((100 * event.loaded) / event.total) : 0;
      this._show(`uploading ${file.name}: ${percent}%`);
    };
    request.onload = () => {
      this._show(request.status === 200 ? FileTransfer._stored(file, request.responseText)
        : `upload of ${file.name} failed: ${FileTransfer._error(request)}`);
      this._nextUpload();
    };
    request.onerror = () => {
      this._show(`upload of ${file.name} failed: connection lost`);
      this._nextUpload();
    };
    this._show(`uploading ${file.name}: 0%`);
    request.send(file);
  }

  static _stored(file, body) {
    try {
      const answer = JSON.parse(body);
      return `uploaded ${answer.name} (${answer.bytes} bytes) to ${answer.path}`;
    } catch (error) {
      return `uploaded ${file.name}`;
    }
  }

  static _error(request) {
    try {
      return JSON.parse(request.responseText).error || `HTTP ${request.status}`;
    } catch (error) {
      return `HTTP ${request.status}`;
    }
  }

  _onDownloadRequest(payload) {
    const match = /^download;([A-Za-z0-9+/=]+)$/.exec(payload);
    // Output replayed on attaching asked for its downloads long ago.
    if (!match || (this.term.driver && this.term.driver.replaying)) return;
    const attachment = this._fullAccess();
    let path;
    try {
      path = decodePath(match[1]);
    } catch (error) {
      return;
    }
    if (!attachment) {
      this._show(`download of ${path} refused: this tab has no session with full access`);
      return;
    }
    const link = document.createElement('a');
    link.href = transferUrl('download', attachment, { path });
    link.download = path.split('/').pop();
    link.hidden = true;
    document.body.appendChild(link);
    link.click();
    link.remove();
    this._show(`downloading ${path}`);
  }
}
