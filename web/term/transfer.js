// File transfer between the page and the session's machine: a file dropped on the terminal
// (or picked with the status bar's Upload button) goes into the shell's current directory;
// `xwterm-get FILE` in the shell prints ESC ] 7799 ; download ; <base64 path> BEL, and the page
// downloads FILE once the user agreed: any output can print that sequence (`cat` of someone
// else's file, an ssh session), so the page never saves a file unasked. An upload whose name
// is taken asks before it replaces the file. Both use the session's full token; a read-only
// client uploads nothing.
import { makeButton } from './decorations.js';

const DOWNLOAD_OSC = 7799;
// Questions waiting for the user at most: output that asks for more downloads is ignored.
const MAX_QUESTIONS = 4;

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
    this._question = Promise.resolve();
    this._questions = 0;
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

  // Asks `text` in the status bar with a button per choice (the first one is the default of
  // a confirm dialog where there is no status bar); resolves to the chosen label, or null.
  // One question at a time: later ones wait their turn.
  ask(text, choices) {
    this._questions += 1;
    const asked = this._question.then(() => new Promise((resolve) => {
      if (!this.progress) {
        this._questions -= 1;
        resolve(window.confirm(text) ? choices[0] : null);
        return;
      }
      // Just above the status bar, its full width, fixed (the bar clips what overflows it): the
      // bar's own layout and the terminal's size stay as they are.
      const bar = this.progress.parentNode;
      const box = document.createElement('div');
      box.className = 'xwterm-question';
      box.setAttribute('role', 'alertdialog');
      box.title = text;
      Object.assign(box.style, {
        position: 'fixed', zIndex: '10', display: 'flex', alignItems: 'center', gap: '0.5em',
        padding: '0.3em 0.5em', boxSizing: 'border-box', background: getComputedStyle(bar).backgroundColor,
        color: getComputedStyle(bar).color, font: getComputedStyle(bar).font,
        boxShadow: '0 -2px 6px rgba(0, 0, 0, 0.5)',
      });
      const place = () => {
        const rect = bar.getBoundingClientRect();
        Object.assign(box.style, {
          left: `${rect.left}px`, width: `${rect.width}px`, bottom: `${window.innerHeight - rect.top}px`,
        });
      };
      place();
      window.addEventListener('resize', place);
      const label = document.createElement('span');
      label.textContent = text;
      Object.assign(label.style, {
        flex: '1 1 0', minWidth: '0', overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap',
      });
      box.appendChild(label);
      const answer = (choice) => {
        window.removeEventListener('resize', place);
        box.remove();
        this._questions -= 1;
        resolve(choice);
      };
      for (const choice of choices) box.appendChild(makeButton(choice, () => answer(choice)));
      box.appendChild(makeButton('Cancel', () => answer(null)));
      bar.appendChild(box);
    }));
    this._question = asked;
    return asked;
  }

  upload(files) {
    this._queue.push(...Array.from(files));
    if (!this._uploading) this._nextUpload();
  }

  _nextUpload() {
    const next = this._queue.shift();
    if (next) this._send(next, false);
    else this._uploading = false;
  }

  _send(file, overwrite) {
    this._uploading = true;
    const attachment = this._fullAccess();
    if (!attachment) {
      this._show(`upload of ${file.name} refused: this tab has no session with full access`);
      this._nextUpload();
      return;
    }
    // XMLHttpRequest, not fetch: it reports the upload's progress.
    const request = new XMLHttpRequest();
    const params = overwrite ? { name: file.name, overwrite: 1 } : { name: file.name };
    request.open('PUT', transferUrl('upload', attachment, params));
    request.upload.onprogress = (event) => {
      const percent = event.lengthComputable ? Math.floor((100 * event.loaded) / event.total) : 0;
      this._show(`uploading ${file.name}: ${percent}%`);
    };
    request.onload = () => {
      if (request.status === 409 && !overwrite) {
        this._show(`${file.name} already exists`);
        this.ask(`${file.name} already exists in the shell's folder.`, ['Replace']).then((choice) => {
          if (choice === 'Replace') {
            this._send(file, true);
          } else {
            this._show(`upload of ${file.name} skipped: the existing file is kept`);
            this._nextUpload();
          }
        });
        return;
      }
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
    if (this._questions >= MAX_QUESTIONS) {
      this._show(`download of ${path} ignored: ${this._questions} questions are waiting`);
      return;
    }
    const question = `Download ${path}? The terminal's output asks for it (xwterm-get, or any program printing ESC ] 7799).`;
    this.ask(question, ['Download']).then((choice) => {
      if (choice === 'Download') this._download(attachment, path);
      else this._show(`download of ${path} declined`);
    });
  }

  _download(attachment, path) {
    const link = document.createElement('a');
    link.href = transferUrl('download', attachment, { path });
    link.download = path.split('/').pop();
    link.hidden = true;
    document.body.appendChild(link);
    link.click();
    link.remove();
    // The browser's own download list shows its progress and end; nothing more comes here.
    this._show(`download of ${path} handed to the browser`);
  }
}
