// xwterm.js — AnsiTerm, the browser terminal of xwterm, and its communication drivers.
// Plain ES module, no dependencies: the screen model lives in ./ansiterm-core.js (Emulator),
// this module draws it on a canvas, turns keyboard/mouse/paste into bytes for the host and
// moves those bytes over HTTP or WebSocket.

import { Emulator, FLAGS, DEFAULT_COLOR, isTrueColor, trueColorRGB, PALETTE256 } from './ansiterm-core.js';

export { Emulator };

export const VERSION = '0.1.0';

const ESC = '\x1b';
const CSI = '\x1b[';
const SS3 = '\x1bO';

// xterm's default colours 0-15, used when the page gives no `palette`.
const XTERM_PALETTE16 = [
  '#000000', '#cd0000', '#00cd00', '#cdcd00', '#0000ee', '#cd00cd', '#00cdcd', '#e5e5e5',
  '#7f7f7f', '#ff0000', '#00ff00', '#ffff00', '#5c5cff', '#ff00ff', '#00ffff', '#ffffff',
];

export const ANSITERM_DEFAULTS = {
  nLines: 25,
  nColumns: 80,
  historySize: 1000,
  autoFit: false,
  fontSize: 15,
  font: '"DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, "Courier New", monospace',
  statusFont: '12px system-ui, sans-serif',
  lineHeight: 1.2,
  containerId: '',
  canvasId: '',
  autocenter: false,
  channelType: 'rest',
  driver: null,
  httpSessionHintParam: 'session',
  httpSessionHint: '',
  httpSource: '/?console',
  httpSize: '/?size=?lines?x?columns?',
  httpDest: '/',
  httpWait: 0,
  httpResizeByPost: true,
  timeout: 0,
  immediateRefresh: 70,
  fastRefresh: 500,
  slowRefresh: 2000,
  wsEndpoint: '127.0.0.1:8001',
  wsDataTag: 'text',
  wsSizeTag: 'size',
  wsSizeData: '?lines?x?columns?',
  wsReconnect: true,
  wsConnectTimeout: 10000,
  palette: null,
  foreground: 'rgb(229,229,229)',
  background: 'rgb(0,0,0)',
  statusForegroundOk: 'rgb(0,32,0)',
  statusBackgroundOk: 'rgb(160,192,160)',
  statusForegroundKo: 'rgb(255,255,0)',
  statusBackgroundKo: 'rgb(192,64,64)',
  titleBackground: 'rgb(224,224,224)',
  titleForeground: 'rgb(0,0,128)',
  selectionBackground: 'rgb(255,192,192)',
  selectionForeground: 'rgb(0,0,0)',
  cursorColor: '',
  blinkIsBold: false,
  blinkPeriod: 500,
  cursorBlink: true,
  boldIsBright: true,
  titleText: 'ANSI Terminal',
  hasTitleBar: true,
  hasStatusBar: true,
  hasSoftKeyboard: false,
  hasSoftFKeys: false,
  bell_enabled: true,
  bell_duration: 0.15,
  bell_frequency: 880,
  bell_decay: 0.9998,
};

const IS_MAC = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || '');

// ---------------------------------------------------------------------------------------------
// Drivers
// ---------------------------------------------------------------------------------------------

function fillSizeTemplate(template, lines, columns) {
  return template.replace('?lines?', String(lines)).replace('?columns?', String(columns));
}

function addQueryParam(url, name, value) {
  const separator = url.includes('?') ? '&' : '?';
  return value === undefined || value === null
    ? `${url}${separator}${encodeURIComponent(name)}`
    : `${url}${separator}${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
}

function randomSessionId() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Exponential backoff with jitter, so that many pages do not hammer a restarted server in step.
function backoffDelay(failures, base, cap) {
  const delay = Math.min(cap, base * 2 ** Math.min(failures, 10));
  return Math.round(delay * (0.75 + Math.random() * 0.5));
}

// Large pastes go out in pieces the server accepts (its body and frame sizes are bounded);
// a piece never ends between the two halves of a surrogate pair.
const MAX_SEND_CHARS = 256 * 1024;

function firstChunk(text) {
  if (text.length <= MAX_SEND_CHARS) return text;
  const high = text.charCodeAt(MAX_SEND_CHARS - 1);
  return text.slice(0, high >= 0xd800 && high <= 0xdbff ? MAX_SEND_CHARS - 1 : MAX_SEND_CHARS);
}

function parseExitStatus(text) {
  const match = /-?\d+/.exec(text || '');
  return match ? Number(match[0]) : null;
}

/**
 * Base class of the communication drivers. On its own it is the "dummy" channel: what the
 * terminal sends comes back as output. Extensions override start, _tx, setSize and close and
 * report through _new_data, _set_connection_state and _session_ended.
 */
export class AnsiTermDriver {
  constructor(params) {
    this.params = params || {};
    this.connected = false;
    this.state = 'idle';
    this.stateText = '';
    this.nLines = 0;
    this.nColumns = 0;
    this._running = false;
    this._dataCallbacks = [];
    this._connectionCallbacks = [];
    this._sessionEndCallbacks = [];
  }

  registerOnDataReceived(callback) { this._dataCallbacks.push(callback); }
  registerOnConnectionChange(callback) { this._connectionCallbacks.push(callback); }
  registerOnSessionEnd(callback) { this._sessionEndCallbacks.push(callback); }

  getConnectionState() { return this.connected; }

  start() {
    this._running = true;
    if (this.constructor === AnsiTermDriver) this._set_connection_state(true, 'connected', 'local echo');
  }

  // Starts a new session after the previous one ended.
  restart() {
    this._stop();
    this.start();
  }

  close() {
    this._stop();
    this._set_connection_state(false, 'closed', 'closed');
  }

  _stop() {
    this._running = false;
  }

  send(text) {
    if (text) this._tx(text);
  }

  setSize(nLines, nColumns) {
    this.nLines = nLines;
    this.nColumns = nColumns;
  }

  _tx(text) {
    this._new_data(text.replace(/\r/g, '\r\n'));
  }

  _new_data(data) {
    for (const callback of this._dataCallbacks) callback(data);
  }

  _set_connection_state(connected, state, text) {
    this.connected = Boolean(connected);
    this.state = state || (connected ? 'connected' : 'disconnected');
    this.stateText = text || this.state;
    for (const callback of this._connectionCallbacks) callback(this.connected, this.stateText, this.state);
  }

  _session_ended(status) {
    this._stop();
    const text = status === null || status === undefined ? 'session ended' : `session ended (exit status ${status})`;
    this._set_connection_state(false, 'ended', text);
    for (const callback of this._sessionEndCallbacks) callback(status);
  }
}

/**
 * HTTP channel: GET httpSize once to start the session, then one poll at a time on httpSource
 * (held by the server for `httpWait` seconds when it supports `&wait=`), keystrokes POSTed to
 * httpDest in order, one request in flight, retried until the server takes them.
 */
export class AnsiTermHttpDriver extends AnsiTermDriver {
  constructor(params) {
    super({ ...ANSITERM_DEFAULTS, ...(params || {}) });
    this.sessionId = this.params.httpSessionHint || '';
    this._outbox = [];
    this._sending = false;
    this._generation = 0;
    this._abort = null;
    this._wakePoll = null;
    this._pendingSizeGet = false;
  }

  start() {
    this._running = true;
    this._generation += 1;
    if (!this.params.httpSessionHint) this.sessionId = randomSessionId();
    // Keystrokes meant for the session that ended must not reach the new shell.
    this._outbox = [];
    this._abort = new AbortController();
    this._set_connection_state(false, 'connecting', 'HTTP: connecting…');
    this._pollLoop(this._generation);
    this._kickSender();
  }

  _stop() {
    super._stop();
    this._generation += 1;
    if (this._abort) this._abort.abort();
    this._abort = null;
    if (this._wakePoll) this._wakePoll();
  }

  setSize(nLines, nColumns) {
    const changed = nLines !== this.nLines || nColumns !== this.nColumns;
    const started = this.nLines > 0;
    super.setSize(nLines, nColumns);
    if (!changed || !started) return;
    if (this.params.httpResizeByPost) {
      this._outbox.push({ size: fillSizeTemplate('?lines?x?columns?', nLines, nColumns) });
      this._kickSender();
    } else {
      this._pendingSizeGet = true;
    }
  }

  _tx(text) {
    const last = this._outbox[this._outbox.length - 1];
    if (last && typeof last === 'string') this._outbox[this._outbox.length - 1] = last + text;
    else this._outbox.push(text);
    this._kickSender();
  }

  _url(base) {
    return addQueryParam(base, this.params.httpSessionHintParam, this.sessionId);
  }

  _sizeUrl() {
    const lines = this.nLines || this.params.nLines;
    const columns = this.nColumns || this.params.nColumns;
    return this._url(fillSizeTemplate(this.params.httpSize, lines, columns));
  }

  _pollUrl() {
    const url = this._url(this.params.httpSource);
    return this.params.httpWait > 0 ? addQueryParam(url, 'wait', this.params.httpWait) : url;
  }

  // Each request can end three ways: answered, timed out (`timeout`), or cancelled because the
  // driver stopped; a timeout cancels only its own request.
  async _fetch(url, options) {
    const stopSignal = this._abort ? this._abort.signal : null;
    if (!stopSignal || stopSignal.aborted) throw new Error('stopped');
    const controller = new AbortController();
    const cancel = () => controller.abort();
    stopSignal.addEventListener('abort', cancel);
    const timeoutMs = this.params.timeout > 0
      ? this.params.timeout + (url.includes('wait=') ? this.params.httpWait * 1000 : 0) : 0;
    const timer = timeoutMs ? setTimeout(cancel, timeoutMs) : null;
    try {
      const response = await fetch(url, {
        cache: 'no-store', credentials: 'same-origin', signal: controller.signal, ...options,
      });
      if (!response.ok) throw Object.assign(new Error(`HTTP ${response.status}`), { status: response.status });
      return await response.text();
    } catch (error) {
      if (error.name === 'AbortError' && !stopSignal.aborted) throw new Error('timed out');
      throw error;
    } finally {
      if (timer) clearTimeout(timer);
      stopSignal.removeEventListener('abort', cancel);
    }
  }

  // A poll answer is {"text": ..., "exit"?: status}; a server that answers plain text is tolerated.
  static parseReply(body) {
    if (!body) return { text: '' };
    try {
      const reply = JSON.parse(body);
      if (reply && typeof reply === 'object') return { text: reply.text || '', exit: reply.exit };
    } catch (error) {
      // not JSON: the body is the output itself
    }
    return { text: body };
  }

  // Sleeps until `ms` pass or input is sent (then the answer to it is fetched sooner).
  _nap(ms) {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        if (self._wakePoll === done) self._wakePoll = null;
        resolve();
      }
      this._wakePoll = done;
    });
  }

  async _pollLoop(generation) {
    let failures = 0;
    let sizeSent = false;
    while (this._running && generation === this._generation) {
      const isSizeRequest = !sizeSent || this._pendingSizeGet;
      const url = isSizeRequest ? this._sizeUrl() : this._pollUrl();
      const startedAt = Date.now();
      let reply;
      try {
        reply = AnsiTermHttpDriver.parseReply(await this._fetch(url));
      } catch (error) {
        if (generation !== this._generation) return;
        failures += 1;
        const delay = backoffDelay(failures - 1, this.params.slowRefresh / 4, this.params.slowRefresh * 4);
        this._set_connection_state(false, 'reconnecting', `HTTP: ${error.message || 'error'}, retrying in ${Math.ceil(delay / 1000)} s`);
        await sleep(delay);
        continue;
      }
      if (generation !== this._generation) return;
      if (isSizeRequest) {
        sizeSent = true;
        this._pendingSizeGet = false;
      }
      if (failures > 0 || !this.connected) this._set_connection_state(true, 'connected', 'HTTP: connected');
      failures = 0;
      if (reply.text) this._new_data(reply.text);
      if (reply.exit !== undefined && reply.exit !== null) {
        this._session_ended(reply.exit);
        return;
      }
      if (reply.text || isSizeRequest) continue;
      const heldByServer = this.params.httpWait > 0 && Date.now() - startedAt >= this.params.httpWait * 500;
      if (!heldByServer) await this._nap(this.params.fastRefresh);
    }
  }

  _kickSender() {
    if (!this._sending && this._running && this._outbox.length) this._sendLoop(this._generation);
  }

  // One POST at a time; an item leaves the outbox only once the server has accepted it.
  async _sendLoop(generation) {
    this._sending = true;
    let failures = 0;
    try {
      while (this._outbox.length && generation === this._generation) {
        const item = typeof this._outbox[0] === 'string' ? firstChunk(this._outbox[0]) : this._outbox[0];
        const body = typeof item === 'string' ? item : JSON.stringify(item);
        const headers = { 'Content-Type': typeof item === 'string' ? 'text/plain;charset=UTF-8' : 'application/json' };
        try {
          await this._fetch(this._url(this.params.httpDest), { method: 'POST', body, headers });
        } catch (error) {
          if (generation !== this._generation) return;
          // 409: the session has ended (xwterm's server says so once; a retry would silently
          // start a new shell and type the keystrokes into it).
          if (error.status === 409) {
            this._session_ended(null);
            return;
          }
          failures += 1;
          const delay = backoffDelay(failures - 1, 250, this.params.slowRefresh * 2);
          this._set_connection_state(false, 'reconnecting', `HTTP: sending failed, retrying in ${Math.ceil(delay / 1000)} s`);
          await sleep(delay);
          continue;
        }
        // Accepted by a session that has since been replaced: the outbox is the new one's.
        if (generation !== this._generation) return;
        if (this._outbox[0] === item) this._outbox.shift();
        else if (typeof item === 'string') this._outbox[0] = this._outbox[0].slice(item.length);
        if (failures) this._set_connection_state(true, 'connected', 'HTTP: connected');
        failures = 0;
        if (this._wakePoll) setTimeout(() => this._wakePoll && this._wakePoll(), this.params.immediateRefresh);
      }
    } finally {
      this._sending = false;
      // Also after a restart that ended this loop: input for the new session may be waiting.
      this._kickSender();
    }
  }
}

/**
 * WebSocket channel: JSON frames {wsDataTag: text} and {wsSizeTag: "LINESxCOLUMNS"}.
 * A connection lost without the shell exiting is re-established with backoff; input typed
 * meanwhile is queued and delivered once connected.
 */
export class AnsiTermWebSocketDriver extends AnsiTermDriver {
  constructor(params) {
    super({ ...ANSITERM_DEFAULTS, ...(params || {}) });
    this.url = AnsiTermWebSocketDriver.endpointUrl(this.params.wsEndpoint);
    this.everConnected = false;
    this._socket = null;
    this._queue = [];
    this._failures = 0;
    this._retryTimer = null;
    this._unreachableCallbacks = [];
  }

  static endpointUrl(endpoint) {
    if (/^wss?:\/\//.test(endpoint)) return endpoint;
    const scheme = typeof location !== 'undefined' && location.protocol === 'https:' ? 'wss' : 'ws';
    return `${scheme}://${endpoint.includes('/') ? endpoint : `${endpoint}/`}`;
  }

  // Called when the very first connection fails: a page can then fall back to HTTP.
  registerOnUnreachable(callback) { this._unreachableCallbacks.push(callback); }

  start() {
    this._running = true;
    if (!this._onOnline) {
      // Back on the network (laptop woke up, Wi-Fi returned): retry now, not after the backoff.
      this._onOnline = () => this._retryNow();
      window.addEventListener('online', this._onOnline);
    }
    this._connect();
  }

  close() {
    if (this._onOnline) window.removeEventListener('online', this._onOnline);
    this._onOnline = null;
    super.close();
  }

  _retryNow() {
    if (!this._retryTimer) return;
    clearTimeout(this._retryTimer);
    this._retryTimer = null;
    this._connect();
  }

  _stop() {
    super._stop();
    clearTimeout(this._retryTimer);
    this._retryTimer = null;
    const socket = this._socket;
    this._socket = null;
    if (socket) socket.close(1000);
  }

  setSize(nLines, nColumns) {
    super.setSize(nLines, nColumns);
    this._sendSize();
  }

  _tx(text) {
    if (this._socket && this._socket.readyState === WebSocket.OPEN) {
      for (let rest = text; rest;) {
        const chunk = firstChunk(rest);
        this._socket.send(JSON.stringify({ [this.params.wsDataTag]: chunk }));
        rest = rest.slice(chunk.length);
      }
      return;
    }
    this._queue.push(text);
    // Typing while disconnected means the user wants the terminal back now.
    this._retryNow();
  }

  // xwterm's server starts the shell at the size in the URL, so a full-screen program run
  // as the command draws at the page's size from its first frame.
  _urlWithSize() {
    if (!this.nLines) return this.url;
    const size = fillSizeTemplate(this.params.wsSizeData, this.nLines, this.nColumns);
    return `${this.url}${this.url.includes('?') ? '&' : '?'}size=${encodeURIComponent(size)}`;
  }

  _sendSize() {
    if (!this.nLines || !this._socket || this._socket.readyState !== WebSocket.OPEN) return;
    const size = fillSizeTemplate(this.params.wsSizeData, this.nLines, this.nColumns);
    this._socket.send(JSON.stringify({ [this.params.wsSizeTag]: size }));
  }

  _connect() {
    if (!this._running) return;
    this._set_connection_state(false, this.everConnected ? 'reconnecting' : 'connecting',
      this.everConnected ? 'WebSocket: reconnecting…' : 'WebSocket: connecting…');
    let socket;
    try {
      socket = new WebSocket(this._urlWithSize());
    } catch (error) {
      this._onSocketClosed(null, false, { code: 1006, reason: error.message });
      return;
    }
    socket.binaryType = 'arraybuffer';
    this._socket = socket;
    let opened = false;
    // A firewall that drops packets would keep the socket connecting for minutes.
    const connectTimer = setTimeout(() => {
      if (socket.readyState === WebSocket.CONNECTING) socket.close();
    }, this.params.wsConnectTimeout);
    socket.onopen = () => {
      clearTimeout(connectTimer);
      if (this._socket !== socket) return;
      opened = true;
      this.everConnected = true;
      this._set_connection_state(true, 'connected', 'WebSocket: connected');
      this._sendSize();
      const queued = this._queue.join('');
      this._queue = [];
      if (queued) this._tx(queued);
    };
    socket.onmessage = (event) => {
      if (this._socket !== socket) return;
      // Only a connection that carries output resets the backoff: a server that accepts and
      // closes at once (session limit, shell that cannot start) must not be retried twice a second.
      this._failures = 0;
      this._onMessage(event.data);
    };
    socket.onclose = (event) => {
      clearTimeout(connectTimer);
      this._onSocketClosed(socket, opened, event);
    };
  }

  _onMessage(data) {
    if (data instanceof ArrayBuffer) {
      this._new_data(new Uint8Array(data));
      return;
    }
    let message;
    try {
      message = JSON.parse(data);
    } catch (error) {
      this._new_data(data);
      return;
    }
    if (message && typeof message === 'object') {
      const text = message[this.params.wsDataTag];
      if (typeof text === 'string' && text) this._new_data(text);
    } else {
      this._new_data(data);
    }
  }

  _onSocketClosed(socket, opened, event) {
    if (socket && this._socket !== socket) return;
    this._socket = null;
    if (!this._running) return;
    if (opened && event.code === 1000) {
      this._session_ended(parseExitStatus(event.reason));
      return;
    }
    if (!this.everConnected && this._unreachableCallbacks.length) {
      this._stop();
      this._set_connection_state(false, 'unreachable', 'WebSocket: unreachable');
      for (const callback of this._unreachableCallbacks) callback();
      return;
    }
    if (!this.params.wsReconnect) {
      this._stop();
      this._set_connection_state(false, 'disconnected', 'WebSocket: disconnected');
      return;
    }
    const delay = backoffDelay(this._failures, 500, 15000);
    this._failures += 1;
    this._set_connection_state(false, 'reconnecting',
      `WebSocket: disconnected, retrying in ${Math.ceil(delay / 1000)} s (type to retry now)`);
    this._retryTimer = setTimeout(() => {
      this._retryTimer = null;
      this._connect();
    }, delay);
  }
}

function createDriver(params) {
  if (params.driver) return params.driver;
  switch (String(params.channelType).toLowerCase()) {
    case 'websocket':
    case 'ws':
      return new AnsiTermWebSocketDriver(params);
    case 'dummy':
      return new AnsiTermDriver(params);
    case 'custom':
      throw new Error('channelType "custom" needs a `driver` object');
    default:
      return new AnsiTermHttpDriver(params);
  }
}

// ---------------------------------------------------------------------------------------------
// Keyboard: DOM key events → bytes for the host (xterm conventions)
// ---------------------------------------------------------------------------------------------

const CURSOR_KEY_FINALS = { ArrowUp: 'A', ArrowDown: 'B', ArrowRight: 'C', ArrowLeft: 'D', Home: 'H', End: 'F' };
const SS3_FUNCTION_KEYS = { F1: 'P', F2: 'Q', F3: 'R', F4: 'S' };
const TILDE_KEYS = {
  Insert: 2, Delete: 3, PageUp: 5, PageDown: 6,
  F5: 15, F6: 17, F7: 18, F8: 19, F9: 20, F10: 21, F11: 23, F12: 24,
};
const CONTROL_PUNCTUATION = {
  ' ': '\x00', '@': '\x00', 2: '\x00', '[': '\x1b', 3: '\x1b', '\\': '\x1c', 4: '\x1c',
  ']': '\x1d', 5: '\x1d', '^': '\x1e', 6: '\x1e', '~': '\x1e', '_': '\x1f', '-': '\x1f',
  '/': '\x1f', 7: '\x1f', 8: '\x7f', '?': '\x7f',
};

function modifierCode(event) {
  return 1 + (event.shiftKey ? 1 : 0) + (event.altKey ? 2 : 0) + (event.ctrlKey ? 4 : 0) + (event.metaKey ? 8 : 0);
}

// The character a key would type without modifiers: Option on a Mac and Alt elsewhere may
// change event.key, but an ESC-prefixed Alt key must send the plain character.
function baseCharacter(event) {
  const code = event.code || '';
  if (code.startsWith('Key')) {
    const letter = code.slice(3).toLowerCase();
    return event.shiftKey ? letter.toUpperCase() : letter;
  }
  if (code.startsWith('Digit') && !event.shiftKey) return code.slice(5);
  return [...event.key].length === 1 ? event.key : null;
}

function controlCharacter(key) {
  if (/^[a-zA-Z]$/.test(key)) return String.fromCharCode(key.toLowerCase().charCodeAt(0) - 96);
  return CONTROL_PUNCTUATION[key] || null;
}

/**
 * The bytes a key press sends, or null when the key is left to the browser: printable text
 * (delivered by the `input` event so that IMEs and soft keyboards work) and clipboard shortcuts.
 */
export function encodeKeyEvent(event, modes) {
  const key = event.key;
  const altGraph = event.getModifierState && event.getModifierState('AltGraph');
  const metaAsAlt = event.metaKey && !IS_MAC;
  const alt = (event.altKey || metaAsAlt) && !altGraph;
  const ctrl = event.ctrlKey && !altGraph;
  const mods = modifierCode(event);
  const escPrefix = alt ? ESC : '';

  if (key in CURSOR_KEY_FINALS) {
    const final = CURSOR_KEY_FINALS[key];
    if (mods > 1) return `${CSI}1;${mods}${final}`;
    return (modes.applicationCursor ? SS3 : CSI) + final;
  }
  if (key in SS3_FUNCTION_KEYS) {
    return mods > 1 ? `${CSI}1;${mods}${SS3_FUNCTION_KEYS[key]}` : SS3 + SS3_FUNCTION_KEYS[key];
  }
  if (key === 'Insert' && mods === 2) return null;
  if (key in TILDE_KEYS) {
    return mods > 1 ? `${CSI}${TILDE_KEYS[key]};${mods}~` : `${CSI}${TILDE_KEYS[key]}~`;
  }
  switch (key) {
    case 'Enter':
      if (modes.applicationKeypad && event.code === 'NumpadEnter') return `${SS3}M`;
      return escPrefix + (modes.newline ? '\r\n' : '\r');
    case 'Backspace':
      return escPrefix + (ctrl ? '\x08' : '\x7f');
    case 'Tab':
      if (event.shiftKey) return `${CSI}Z`;
      return ctrl ? null : `${escPrefix}\t`;
    case 'Escape':
      return escPrefix + ESC;
    default:
      break;
  }
  if (IS_MAC && event.metaKey) return null;
  if (ctrl && event.shiftKey && (event.code === 'KeyC' || event.code === 'KeyV')) return null;
  if (ctrl && !event.shiftKey && event.code === 'KeyV') return null;
  if (ctrl) {
    const base = baseCharacter(event);
    const control = base && controlCharacter(base === '2' && event.shiftKey ? '@' : base);
    if (control) return escPrefix + control;
    const fromKey = [...key].length === 1 ? controlCharacter(key) : null;
    return fromKey ? escPrefix + fromKey : null;
  }
  if (alt) {
    const base = [...key].length === 1 && !IS_MAC ? key : baseCharacter(event);
    return base ? ESC + base : null;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Box drawing and block elements, painted as rectangles: font glyphs rarely fill a cell that is
// taller than the font, which leaves gaps in the frames and bars of mc, htop or dialog.
// ---------------------------------------------------------------------------------------------

// [up, right, down, left] arm weights: 1 light, 2 heavy.
const BOX_ARMS = {
  0x2500: [0, 1, 0, 1], 0x2501: [0, 2, 0, 2], 0x2502: [1, 0, 1, 0], 0x2503: [2, 0, 2, 0],
  0x250c: [0, 1, 1, 0], 0x250f: [0, 2, 2, 0], 0x2510: [0, 0, 1, 1], 0x2513: [0, 0, 2, 2],
  0x2514: [1, 1, 0, 0], 0x2517: [2, 2, 0, 0], 0x2518: [1, 0, 0, 1], 0x251b: [2, 0, 0, 2],
  0x251c: [1, 1, 1, 0], 0x2523: [2, 2, 2, 0], 0x2524: [1, 0, 1, 1], 0x252b: [2, 0, 2, 2],
  0x252c: [0, 1, 1, 1], 0x2533: [0, 2, 2, 2], 0x2534: [1, 1, 0, 1], 0x253b: [2, 2, 0, 2],
  0x253c: [1, 1, 1, 1], 0x254b: [2, 2, 2, 2],
  0x2574: [0, 0, 0, 1], 0x2575: [1, 0, 0, 0], 0x2576: [0, 1, 0, 0], 0x2577: [0, 0, 1, 0],
};

// Block elements as [left, top, right, bottom] in eighths of the cell, or a shade alpha.
const BLOCKS = {
  0x2580: [0, 0, 8, 4], 0x2584: [0, 4, 8, 8], 0x2588: [0, 0, 8, 8], 0x258c: [0, 0, 4, 8],
  0x2590: [4, 0, 8, 8], 0x2594: [0, 0, 8, 1], 0x2595: [7, 0, 8, 8],
};
for (let n = 1; n <= 7; n++) {
  BLOCKS[0x2580 + n] = [0, 8 - n, 8, 8];
  BLOCKS[0x2590 - n] = [0, 0, n, 8];
}
const SHADES = { 0x2591: 0.25, 0x2592: 0.5, 0x2593: 0.75 };

function drawBoxGlyph(ctx, codePoint, left, top, width, height, thickness) {
  const shade = SHADES[codePoint];
  if (shade) {
    const alpha = ctx.globalAlpha;
    ctx.globalAlpha = alpha * shade;
    ctx.fillRect(left, top, width, height);
    ctx.globalAlpha = alpha;
    return true;
  }
  const block = BLOCKS[codePoint];
  if (block) {
    const x0 = left + Math.round((block[0] * width) / 8);
    const x1 = left + Math.round((block[2] * width) / 8);
    const y0 = top + Math.round((block[1] * height) / 8);
    const y1 = top + Math.round((block[3] * height) / 8);
    ctx.fillRect(x0, y0, x1 - x0, y1 - y0);
    return true;
  }
  const arms = BOX_ARMS[codePoint];
  if (!arms) return false;
  const centerX = left + Math.floor(width / 2);
  const centerY = top + Math.floor(height / 2);
  const [up, right, down, leftArm] = arms;
  const size = (weight) => thickness * weight;
  // Where the stroke of the given weight through the centre begins and ends.
  const startX = (weight) => centerX - Math.floor(size(weight) / 2);
  const startY = (weight) => centerY - Math.floor(size(weight) / 2);
  const vertical = Math.max(up, down);
  const horizontal = Math.max(right, leftArm);
  if (up) {
    const joint = horizontal || up;
    ctx.fillRect(startX(up), top, size(up), startY(joint) + size(joint) - top);
  }
  if (down) {
    const joint = horizontal || down;
    ctx.fillRect(startX(down), startY(joint), size(down), top + height - startY(joint));
  }
  if (leftArm) {
    const joint = vertical || leftArm;
    ctx.fillRect(left, startY(leftArm), startX(joint) + size(joint) - left, size(leftArm));
  }
  if (right) {
    const joint = vertical || right;
    ctx.fillRect(startX(joint), startY(right), left + width - startX(joint), size(right));
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Styles (injected once, so that the module works without a stylesheet)
// ---------------------------------------------------------------------------------------------

const STYLE_ID = 'xwterm-style';
const STYLE_TEXT = `
.xwterm { display: flex; flex-direction: column; box-sizing: border-box; min-width: 0; min-height: 0; }
.xwterm.xwterm-fit { width: 100%; height: 100%; }
.xwterm.xwterm-fixed { width: max-content; }
.xwterm.xwterm-center { margin: 0 auto; }
.xwterm-title { padding: 2px 8px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.xwterm-viewport { position: relative; overflow: hidden; flex: 1 1 auto; min-height: 0; }
.xwterm-canvas { position: absolute; left: 0; top: 0; cursor: text; touch-action: none; }
.xwterm-input { position: absolute; width: 2px; height: 1em; padding: 0; border: 0; margin: 0;
  opacity: 0; resize: none; overflow: hidden; white-space: nowrap; outline: none;
  caret-color: transparent; color: transparent; background: transparent; z-index: -1; }
.xwterm-scrollbar { position: absolute; top: 0; right: 0; bottom: 0; width: 12px;
  overflow-x: hidden; overflow-y: scroll; scrollbar-width: thin; }
.xwterm-scrollbar > div { width: 1px; }
.xwterm-bell { position: absolute; inset: 0; pointer-events: none; background: rgba(255,255,255,0.18);
  opacity: 0; transition: opacity 0.15s ease-out; }
.xwterm-bell.xwterm-bell-on { opacity: 1; transition: none; }
.xwterm-status { display: flex; gap: 6px; align-items: center; padding: 2px 4px; background: #2b2b2b;
  color: #ddd; white-space: nowrap; overflow: hidden; }
.xwterm-status-state { padding: 1px 8px; border-radius: 3px; overflow: hidden; text-overflow: ellipsis; }
.xwterm-status-fill { flex: 1 1 auto; }
.xwterm-status button { font: inherit; padding: 0 8px; }
`;

function injectStyle() {
  if (typeof document === 'undefined' || document.getElementById(STYLE_ID)) return;
  const style = document.createElement('style');
  style.id = STYLE_ID;
  style.textContent = STYLE_TEXT;
  document.head.appendChild(style);
}

// ---------------------------------------------------------------------------------------------
// AnsiTerm
// ---------------------------------------------------------------------------------------------

const SCROLLBAR_WIDTH = 12;
const WORD_SEPARATORS = ' \t()[]{}<>\'"`,;|&│';

export class AnsiTerm {
  constructor(params) {
    if (typeof params === 'string') params = { containerId: params };
    this.params = { ...ANSITERM_DEFAULTS, ...(params || {}) };
    injectStyle();

    this._titleCallbacks = [];
    this._statusCallbacks = [];
    this._resizeCallbacks = [];
    this._scrollOffset = 0;
    this._frameRequested = false;
    this._fullRedraw = true;
    this._lastCursorRow = -1;
    this._focused = false;
    this._blinkOn = true;
    this._blinkRows = new Set();
    this._selection = null;
    this._selecting = false;
    this._lastMouseCell = null;
    this._mouseButtonsDown = 0;
    this._composing = false;
    this._sessionEnded = false;
    this._closed = false;
    this._colorCache = new Map();
    this._palette16 = Array.isArray(this.params.palette) && this.params.palette.length >= 16
      ? this.params.palette.slice(0, 16) : XTERM_PALETTE16;

    this.emulator = new Emulator({
      cols: this.params.nColumns,
      rows: this.params.nLines,
      historySize: this.params.historySize,
      onReply: (reply) => this._sendToHost(reply),
      onTitle: (title) => this._setTitle(title),
      onBell: () => this._bell(),
    });

    this._buildDom();
    this._measureFont();
    this._applySize(this.params.nColumns, this.params.nLines);
    this._attachInput();
    if (this.params.autoFit) this._observeContainer();
    this._watchPixelRatio();
    this._onWindowResize = () => {
      if ((window.devicePixelRatio || 1) !== this._dpr) this._onMetricsChanged();
    };
    window.addEventListener('resize', this._onWindowResize);
    if (typeof document !== 'undefined' && document.fonts) {
      document.fonts.ready.then(() => this._onMetricsChanged());
    }
    this._startBlinking();
    this._setTitle(this.params.titleText, true);

    this.driver = null;
    this.setDriver(createDriver(this.params));
  }

  static getVersion() { return VERSION; }

  // ----- public API -------------------------------------------------------------------------

  write(data) {
    if (this._closed) return;
    this.emulator.write(data);
    this._scheduleRender();
  }

  sendText(text) {
    if (!text || this._closed) return;
    if (this._sessionEnded) {
      this._restartSession();
      return;
    }
    this._scrollToBottom();
    this.driver.send(text);
  }

  // Sets the size explicitly (nLines, nColumns as in the original API); turns autoFit off.
  resize(nLines, nColumns) {
    this._stopObserving();
    this.params.autoFit = false;
    this.root.classList.remove('xwterm-fit');
    this.root.classList.add('xwterm-fixed');
    this._applySize(Math.max(2, nColumns | 0), Math.max(1, nLines | 0));
  }

  focus() {
    this.input.focus({ preventScroll: true });
  }

  close() {
    if (this._closed) return;
    this._closed = true;
    this._stopObserving();
    clearInterval(this._blinkTimer);
    window.removeEventListener('resize', this._onWindowResize);
    if (this._pixelRatioQuery) {
      this._pixelRatioQuery.query.removeEventListener('change', this._pixelRatioQuery.onChange);
    }
    if (this.driver) this.driver.close();
    if (this._audio) this._audio.close().catch(() => {});
    this.root.remove();
  }

  dumpScreen() {
    return this.emulator.dumpScreen();
  }

  get nLines() { return this.emulator.rows; }
  get nColumns() { return this.emulator.cols; }
  get title() { return this._title; }
  get connectionState() { return this.driver ? this.driver.state : 'idle'; }
  // How many lines the view is scrolled back into the history (0: following the output).
  get scrollOffset() { return this._scrollOffset; }

  // Replaces the communication driver (e.g. WebSocket → HTTP fallback); the old one is closed.
  setDriver(driver) {
    if (this.driver) this.driver.close();
    this.driver = driver;
    this._sessionEnded = false;
    driver.registerOnDataReceived((data) => {
      if (this.driver === driver) this.write(data);
    });
    driver.registerOnConnectionChange((connected, text) => {
      if (this.driver === driver) this._onConnectionChange(connected, text);
    });
    driver.registerOnSessionEnd((status) => {
      if (this.driver === driver) this._onSessionEnd(status);
    });
    driver.setSize(this.emulator.rows, this.emulator.cols);
    driver.start();
  }

  registerOnTitleChange(callback) { this._titleCallbacks.push(callback); }
  cancelOnTitleChange(callback) { this._titleCallbacks = this._titleCallbacks.filter((c) => c !== callback); }
  registerOnStatusChange(callback) { this._statusCallbacks.push(callback); }
  cancelOnStatusChange(callback) { this._statusCallbacks = this._statusCallbacks.filter((c) => c !== callback); }
  registerOnResize(callback) { this._resizeCallbacks.push(callback); }
  cancelOnResize(callback) { this._resizeCallbacks = this._resizeCallbacks.filter((c) => c !== callback); }

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

  // ----- DOM --------------------------------------------------------------------------------

  _buildDom() {
    const p = this.params;
    let container = p.containerId ? document.getElementById(p.containerId) : null;
    if (!container) container = document.body;
    this.container = container;

    const root = document.createElement('div');
    root.className = `xwterm ${p.autoFit ? 'xwterm-fit' : 'xwterm-fixed'}${p.autocenter && !p.autoFit ? ' xwterm-center' : ''}`;
    root.style.background = p.background;
    this.root = root;

    if (p.hasTitleBar) {
      this.titleBar = document.createElement('div');
      this.titleBar.className = 'xwterm-title';
      this.titleBar.style.background = p.titleBackground;
      this.titleBar.style.color = p.titleForeground;
      this.titleBar.style.font = p.statusFont;
      root.appendChild(this.titleBar);
    }

    const viewport = document.createElement('div');
    viewport.className = 'xwterm-viewport';
    this.viewport = viewport;

    const existingCanvas = p.canvasId ? document.getElementById(p.canvasId) : null;
    this.canvas = existingCanvas || document.createElement('canvas');
    this.canvas.classList.add('xwterm-canvas');
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', 'terminal');
    this.ctx = this.canvas.getContext('2d', { alpha: false });
    viewport.appendChild(this.canvas);

    this.input = document.createElement('textarea');
    this.input.className = 'xwterm-input';
    for (const [name, value] of Object.entries({
      autocapitalize: 'off', autocomplete: 'off', autocorrect: 'off', spellcheck: 'false',
      tabindex: '0', 'aria-label': 'terminal input',
    })) this.input.setAttribute(name, value);
    viewport.appendChild(this.input);

    this.scrollbar = document.createElement('div');
    this.scrollbar.className = 'xwterm-scrollbar';
    this.scrollbarSpacer = document.createElement('div');
    this.scrollbar.appendChild(this.scrollbarSpacer);
    viewport.appendChild(this.scrollbar);

    this.bellFlash = document.createElement('div');
    this.bellFlash.className = 'xwterm-bell';
    viewport.appendChild(this.bellFlash);
    root.appendChild(viewport);

    if (p.hasStatusBar) this._buildStatusBar(root);
    container.appendChild(root);
  }

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

  _onConnectionChange(connected, text) {
    if (this.statusState) {
      this.statusState.textContent = text;
      this.statusState.style.color = connected ? this.params.statusForegroundOk : this.params.statusForegroundKo;
      this.statusState.style.background = connected ? this.params.statusBackgroundOk : this.params.statusBackgroundKo;
    }
    this.root.dataset.connection = this.driver.state;
    for (const callback of this._statusCallbacks) callback(connected, text, this.driver.state);
  }

  _onSessionEnd(status) {
    this._sessionEnded = true;
    const detail = status === null || status === undefined ? '' : ` (exit status ${status})`;
    this.write(`\r\n${CSI}0;2m[session ended${detail}; press any key for a new one]${CSI}0m\r\n`);
  }

  // The history stays; only the modes the ended program left behind are undone.
  _restartSession() {
    this._sessionEnded = false;
    this.write(`${CSI}?1049l${CSI}?1l${CSI}?66l${CSI}?1000l${CSI}?1002l${CSI}?1003l${CSI}?1006l` +
      `${CSI}?1004l${CSI}?2004l${CSI}?25h${CSI}0m\r\n`);
    this._scrollToBottom();
    this.driver.setSize(this.emulator.rows, this.emulator.cols);
    this.driver.restart();
  }

  _setTitle(title, initial) {
    this._title = title;
    if (this.titleBar) this.titleBar.textContent = title || '\u00a0';
    if (!initial) for (const callback of this._titleCallbacks) callback(title);
  }

  _bell() {
    const now = Date.now();
    if (this._lastBell && now - this._lastBell < 200) return;
    this._lastBell = now;
    this.bellFlash.classList.add('xwterm-bell-on');
    requestAnimationFrame(() => requestAnimationFrame(() => this.bellFlash.classList.remove('xwterm-bell-on')));
    if (this.params.bell_enabled) this._beep();
  }

  _beep() {
    try {
      const AudioContextClass = window.AudioContext || window.webkitAudioContext;
      if (!AudioContextClass) return;
      if (!this._audio) this._audio = new AudioContextClass();
      const audio = this._audio;
      if (audio.state !== 'running') return;
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.frequency.value = this.params.bell_frequency;
      gain.gain.setValueAtTime(0.15, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + this.params.bell_duration);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start();
      oscillator.stop(audio.currentTime + this.params.bell_duration);
    } catch (error) {
      this.params.bell_enabled = false;
    }
  }

  // ----- geometry ---------------------------------------------------------------------------

  _fontSpec(bold, italic) {
    const px = this.params.fontSize * this._dpr;
    return `${italic ? 'italic ' : ''}${bold ? 'bold ' : ''}${px}px ${this.params.font}`;
  }

  // Cells are whole device pixels, so glyphs and backgrounds land on the pixel grid (sharp on
  // high-DPI screens) and adjacent backgrounds never leave hairline gaps.
  _measureFont() {
    this._dpr = window.devicePixelRatio || 1;
    const ctx = this.ctx;
    ctx.font = this._fontSpec(false, false);
    const metrics = ctx.measureText('MMMMMMMMMM');
    const ascent = metrics.fontBoundingBoxAscent || this.params.fontSize * this._dpr * 0.8;
    const descent = metrics.fontBoundingBoxDescent || this.params.fontSize * this._dpr * 0.2;
    this._cellWidth = Math.max(1, Math.round(metrics.width / 10));
    this._cellHeight = Math.max(1, Math.ceil(Math.max(ascent + descent, this.params.fontSize * this._dpr * this.params.lineHeight)));
    this._baseline = Math.round((this._cellHeight - (ascent + descent)) / 2 + ascent);
    this._fonts = [false, true].map((bold) => [false, true].map((italic) => this._fontSpec(bold, italic)));
  }

  get _cssCellWidth() { return this._cellWidth / this._dpr; }
  get _cssCellHeight() { return this._cellHeight / this._dpr; }

  _applySize(cols, rows) {
    const emu = this.emulator;
    const sizeChanged = cols !== emu.cols || rows !== emu.rows;
    if (sizeChanged) emu.resize(cols, rows);
    const widthPx = cols * this._cellWidth;
    const heightPx = rows * this._cellHeight;
    if (this.canvas.width !== widthPx || this.canvas.height !== heightPx) {
      this.canvas.width = widthPx;
      this.canvas.height = heightPx;
    }
    this.canvas.style.width = `${widthPx / this._dpr}px`;
    this.canvas.style.height = `${heightPx / this._dpr}px`;
    if (!this.params.autoFit) {
      this.viewport.style.width = `${widthPx / this._dpr + SCROLLBAR_WIDTH}px`;
      this.viewport.style.height = `${heightPx / this._dpr}px`;
      this.viewport.style.flex = 'none';
    }
    this.input.style.fontSize = `${this.params.fontSize}px`;
    this._scrollOffset = Math.min(this._scrollOffset, emu.scrollbackLength);
    this._fullRedraw = true;
    this._renderNow();
    if (sizeChanged) {
      if (this.driver) this.driver.setSize(rows, cols);
      for (const callback of this._resizeCallbacks) callback(rows, cols);
    }
  }

  _fitToContainer() {
    if (!this.params.autoFit || this._closed) return;
    const dpr = window.devicePixelRatio || 1;
    if (dpr !== this._dpr) this._measureFont();
    const width = this.viewport.clientWidth - SCROLLBAR_WIDTH;
    const height = this.viewport.clientHeight;
    if (width <= 0 || height <= 0) return;
    const cols = Math.max(2, Math.floor((width * this._dpr) / this._cellWidth));
    const rows = Math.max(1, Math.floor((height * this._dpr) / this._cellHeight));
    this._applySize(cols, rows);
  }

  _onMetricsChanged() {
    if (this._closed) return;
    this._measureFont();
    this._colorCache.clear();
    if (this.params.autoFit) this._fitToContainer();
    else this._applySize(this.emulator.cols, this.emulator.rows);
  }

  _observeContainer() {
    if (typeof ResizeObserver !== 'undefined') {
      this._resizeObserver = new ResizeObserver(() => this._refitSoon());
      this._resizeObserver.observe(this.viewport);
    }
    this._fitToContainer();
  }

  _refitSoon() {
    if (this._refitPending) return;
    this._refitPending = true;
    requestAnimationFrame(() => {
      this._refitPending = false;
      this._fitToContainer();
    });
  }

  // Browser zoom and moving the window to another screen change devicePixelRatio: the cells
  // are measured again so that text stays sharp.
  _watchPixelRatio() {
    if (!window.matchMedia) return;
    const query = window.matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`);
    const onChange = () => {
      this._pixelRatioQuery = null;
      if (this._closed) return;
      this._onMetricsChanged();
      this._watchPixelRatio();
    };
    query.addEventListener('change', onChange, { once: true });
    this._pixelRatioQuery = { query, onChange };
  }

  _stopObserving() {
    if (this._resizeObserver) this._resizeObserver.disconnect();
    this._resizeObserver = null;
  }

  // ----- scrollback -------------------------------------------------------------------------

  // Lines are numbered from the oldest history line, so a selection keeps pointing at the same
  // text while new output scrolls it into history.
  _absoluteLine(emulatorRow) { return emulatorRow + this.emulator.scrollbackLength; }
  _emulatorRow(absoluteLine) { return absoluteLine - this.emulator.scrollbackLength; }
  _viewRowToEmulatorRow(viewRow) { return viewRow - this._scrollOffset; }

  _scrollBy(lines) {
    const max = this.emulator.scrollbackLength;
    const offset = Math.max(0, Math.min(max, this._scrollOffset + lines));
    if (offset === this._scrollOffset) return;
    this._scrollOffset = offset;
    this._fullRedraw = true;
    this._scheduleRender();
  }

  _scrollToBottom() {
    if (this._scrollOffset) this._scrollBy(-this._scrollOffset);
  }

  // The scrollbar's range is the history plus one screen; its position mirrors _scrollOffset.
  _syncScrollbar() {
    const cellCss = this._cssCellHeight;
    const historyCss = this.emulator.scrollbackLength * cellCss;
    const height = `${Math.round(historyCss + this.scrollbar.clientHeight)}px`;
    if (this.scrollbarSpacer.style.height !== height) this.scrollbarSpacer.style.height = height;
    const top = Math.round(historyCss - this._scrollOffset * cellCss);
    if (Math.abs(this.scrollbar.scrollTop - top) >= 1) this.scrollbar.scrollTop = top;
    this._scrollbarTop = this.scrollbar.scrollTop;
  }

  // Scroll events also follow our own updates of the scrollbar; only a position we did not
  // set is the user's, and history may have grown in between, so ours must not be re-read.
  _onScrollbarScroll() {
    if (Math.abs(this.scrollbar.scrollTop - this._scrollbarTop) < 1) return;
    const lineFromTop = Math.round(this.scrollbar.scrollTop / this._cssCellHeight);
    const offset = this.emulator.scrollbackLength - lineFromTop;
    this._scrollBy(offset - this._scrollOffset);
  }

  // ----- rendering --------------------------------------------------------------------------

  _scheduleRender() {
    if (this._frameRequested || this._closed) return;
    this._frameRequested = true;
    requestAnimationFrame(() => {
      this._frameRequested = false;
      this._renderNow();
    });
  }

  _renderNow() {
    const emu = this.emulator;
    const damage = emu.takeDamage();
    const rows = emu.rows;
    // Keep a scrolled-back view on the same text while output continues below it.
    if (this._scrollOffset > 0) this._scrollOffset += damage.scrolled;
    this._scrollOffset = Math.min(this._scrollOffset, emu.scrollbackLength);

    let full = this._fullRedraw || damage.full || this._scrollOffset > 0;
    if (!full && damage.scrolled > 0) {
      if (damage.scrolled >= rows) full = true;
      else this._shiftCanvasUp(damage.scrolled);
    }
    this._fullRedraw = false;
    const dirty = new Set();
    if (full) {
      for (let y = 0; y < rows; y++) dirty.add(y);
    } else {
      for (const y of damage.rows) if (y >= 0 && y < rows) dirty.add(y);
    }
    const cursorRow = this._cursorViewRow();
    if (this._lastCursorRow >= 0 && this._lastCursorRow < rows) dirty.add(this._lastCursorRow);
    if (cursorRow >= 0) dirty.add(cursorRow);
    for (const y of dirty) this._drawRow(y);
    this._lastCursorRow = cursorRow;
    this._syncScrollbar();
    this._placeInput();
    this._updateStatusSize();
  }

  _updateStatusSize() {
    if (!this.statusSize) return;
    const emu = this.emulator;
    const text = `${emu.cols}×${emu.rows}${this._scrollOffset ? ` · ${this._scrollOffset} lines back` : ''}`;
    if (this.statusSize.textContent !== text) this.statusSize.textContent = text;
  }

  // Scrolling output moves the pixels already drawn instead of drawing every row again; the
  // emulator's damage then names only the rows that really changed.
  _shiftCanvasUp(lines) {
    const height = this._cellHeight;
    const width = this.canvas.width;
    const kept = (this.emulator.rows - lines) * height;
    this.ctx.drawImage(this.canvas, 0, lines * height, width, kept, 0, 0, width, kept);
    this._lastCursorRow -= lines;
    this._blinkRows = new Set([...this._blinkRows].map((row) => row - lines).filter((row) => row >= 0));
  }

  _cursorViewRow() {
    const cursor = this.emulator.cursor;
    const row = cursor.y + this._scrollOffset;
    return row < this.emulator.rows ? row : -1;
  }

  _color(value, isForeground) {
    if (value === DEFAULT_COLOR || value === null || value === undefined) {
      return isForeground ? this.params.foreground : this.params.background;
    }
    let css = this._colorCache.get(value);
    if (css) return css;
    if (isTrueColor(value)) {
      const [r, g, b] = trueColorRGB(value);
      css = `rgb(${r},${g},${b})`;
    } else if (value < 16) {
      css = this._palette16[value];
    } else {
      css = PALETTE256[value];
    }
    // Truecolor output (gradients, images, video) has millions of distinct values.
    if (this._colorCache.size >= 4096) this._colorCache.clear();
    this._colorCache.set(value, css);
    return css;
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

  _drawRow(viewRow) {
    const ctx = this.ctx;
    const emu = this.emulator;
    const cw = this._cellWidth;
    const ch = this._cellHeight;
    const top = viewRow * ch;
    const emulatorRow = this._viewRowToEmulatorRow(viewRow);
    const row = emulatorRow >= -emu.scrollbackLength ? emu.getRow(emulatorRow) : null;
    const reverseScreen = Boolean(emu.modes.reverseVideo);
    const defaultBg = reverseScreen ? this.params.foreground : this.params.background;
    const range = this._selectionRange();
    const line = this._absoluteLine(emulatorRow);
    const cursor = emu.cursor;
    const cursorHere = cursor.visible && emulatorRow === cursor.y;
    const cursorCol = Math.min(cursor.x, emu.cols - 1);

    ctx.save();
    ctx.beginPath();
    ctx.rect(0, top, emu.cols * cw, ch);
    ctx.clip();
    ctx.fillStyle = defaultBg;
    ctx.fillRect(0, top, emu.cols * cw, ch);
    this._blinkRows.delete(viewRow);
    if (!row) {
      ctx.restore();
      return;
    }
    const length = Math.min(row.length, emu.cols);
    const boldIsBright = this.params.boldIsBright;
    const glyphs = [];

    // Backgrounds first, in runs, then glyphs, so wide glyphs are not painted over.
    let runStart = 0;
    let runColor = null;
    for (let x = 0; x <= length; x++) {
      let background = null;
      if (x < length) {
        const flags = row.flags(x);
        let fg = row.fg(x);
        let bg = row.bg(x);
        if (boldIsBright && (flags & FLAGS.BOLD) && fg >= 0 && fg < 8 && !isTrueColor(fg)) fg += 8;
        let fgCss = this._color(fg, true);
        let bgCss = this._color(bg, false);
        if (reverseScreen) {
          if (fg === DEFAULT_COLOR) fgCss = this.params.background;
          if (bg === DEFAULT_COLOR) bgCss = this.params.foreground;
        }
        if (flags & FLAGS.INVERSE) [fgCss, bgCss] = [bgCss, fgCss];
        if (this._isSelected(range, line, x)) {
          fgCss = this.params.selectionForeground;
          bgCss = this.params.selectionBackground;
        }
        const isCursor = cursorHere && x === cursorCol && this._focused && this._cursorShown();
        if (isCursor) {
          const cursorCss = this.params.cursorColor || fgCss;
          fgCss = bgCss;
          bgCss = cursorCss;
        }
        background = bgCss === defaultBg ? null : bgCss;
        const text = row.text(x);
        const width = row.width(x);
        if (flags & FLAGS.BLINK) this._blinkRows.add(viewRow);
        const hidden = (flags & FLAGS.HIDDEN) || ((flags & FLAGS.BLINK) && !this._blinkOn);
        if (width !== 0 && (text && text !== ' ' || flags & (FLAGS.UNDERLINE | FLAGS.STRIKE | FLAGS.OVERLINE)) && !hidden) {
          glyphs.push({ x, text, width: width || 1, fgCss, flags });
        }
      }
      if (x === length || background !== runColor) {
        if (runColor !== null) {
          ctx.fillStyle = runColor;
          ctx.fillRect(runStart * cw, top, (x - runStart) * cw, ch);
        }
        runStart = x;
        runColor = background;
      }
    }

    const baseline = top + this._baseline;
    let currentFont = '';
    for (const glyph of glyphs) {
      const { x, text, width, fgCss, flags } = glyph;
      const bold = Boolean(flags & FLAGS.BOLD) || (this.params.blinkIsBold && Boolean(flags & FLAGS.BLINK));
      const font = this._fonts[bold ? 1 : 0][flags & FLAGS.ITALIC ? 1 : 0];
      if (font !== currentFont) {
        ctx.font = font;
        currentFont = font;
      }
      ctx.fillStyle = fgCss;
      ctx.globalAlpha = flags & FLAGS.DIM ? 0.5 : 1;
      const left = x * cw;
      const thickness = Math.max(1, Math.round(this._dpr));
      const codePoint = text.length === 1 ? text.charCodeAt(0) : 0;
      const painted = codePoint >= 0x2500 && codePoint <= 0x259f &&
        drawBoxGlyph(ctx, codePoint, left, top, width * cw, ch, thickness);
      if (!painted && text && text !== ' ') ctx.fillText(text, left, baseline, width * cw);
      if (flags & FLAGS.UNDERLINE) ctx.fillRect(left, baseline + thickness, width * cw, thickness);
      if (flags & FLAGS.STRIKE) ctx.fillRect(left, top + Math.round(ch / 2), width * cw, thickness);
      if (flags & FLAGS.OVERLINE) ctx.fillRect(left, top, width * cw, thickness);
    }
    ctx.globalAlpha = 1;

    if (cursorHere && (!this._focused)) {
      const thickness = Math.max(1, Math.round(this._dpr));
      ctx.strokeStyle = this.params.cursorColor || this.params.foreground;
      ctx.lineWidth = thickness;
      ctx.strokeRect(cursorCol * cw + thickness / 2, top + thickness / 2, cw - thickness, ch - thickness);
    }
    ctx.restore();
  }

  _cursorShown() {
    return !this.params.cursorBlink || this._blinkOn;
  }

  _startBlinking() {
    this._blinkTimer = setInterval(() => {
      if (!this._focused && !this._blinkRows.size) return;
      // Output not drawn yet may scroll the canvas: a row painted now would move with it.
      if (this._frameRequested) this._renderNow();
      this._blinkOn = !this._blinkOn;
      const cursorRow = this._cursorViewRow();
      if (cursorRow >= 0) this._drawRow(cursorRow);
      for (const row of [...this._blinkRows]) if (row !== cursorRow) this._drawRow(row);
    }, this.params.blinkPeriod);
  }

  // The hidden textarea follows the cursor so that IME candidate windows open next to it.
  _placeInput() {
    const cursor = this.emulator.cursor;
    this.input.style.left = `${Math.min(cursor.x, this.emulator.cols - 1) * this._cssCellWidth}px`;
    const row = Math.min(cursor.y + this._scrollOffset, this.emulator.rows - 1);
    this.input.style.top = `${row * this._cssCellHeight}px`;
  }

  // ----- input ------------------------------------------------------------------------------

  _sendToHost(data) {
    if (this.driver && !this._sessionEnded) this.driver.send(data);
  }

  _attachInput() {
    const input = this.input;
    input.addEventListener('keydown', (event) => this._onKeyDown(event));
    input.addEventListener('input', (event) => this._onInput(event));
    input.addEventListener('compositionstart', () => { this._composing = true; });
    input.addEventListener('compositionend', (event) => {
      this._composing = false;
      if (event.data) this.sendText(event.data);
      input.value = '';
    });
    input.addEventListener('paste', (event) => {
      event.preventDefault();
      this.paste(event.clipboardData.getData('text/plain'));
    });
    input.addEventListener('copy', (event) => {
      const text = this.getSelectionText();
      if (!text) return;
      event.preventDefault();
      event.clipboardData.setData('text/plain', text);
    });
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
    this.scrollbar.addEventListener('scroll', () => this._onScrollbarScroll());
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
    this._blinkOn = true;
    this.clearSelection();
    this.sendText(data);
  }

  _onInput(event) {
    if (this._composing || event.isComposing) return;
    const input = this.input;
    switch (event.inputType) {
      case 'insertText':
      case 'insertReplacementText':
        if (event.data) this.sendText(event.data);
        else if (input.value) this.sendText(input.value);
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

  // ----- mouse ------------------------------------------------------------------------------

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

  _onWheel(event) {
    event.preventDefault();
    const lineHeight = this._cssCellHeight;
    let delta = event.deltaY;
    if (event.deltaMode === 1) delta *= lineHeight;
    else if (event.deltaMode === 2) delta *= lineHeight * this.emulator.rows;
    this._scrollGesture(delta, event);
  }

  // A finger dragged over the terminal scrolls like the wheel (phones have no wheel).
  _onTouchMove(event) {
    if (this._touchY === null || event.touches.length !== 1) return;
    event.preventDefault();
    const y = event.touches[0].clientY;
    this._scrollGesture(this._touchY - y, event);
    this._touchY = y;
  }

  // Wheel and touch movement, in CSS pixels (positive: towards newer output).
  _scrollGesture(deltaPixels, event) {
    const lineHeight = this._cssCellHeight;
    this._wheelRemainder = (this._wheelRemainder || 0) + deltaPixels;
    const lines = Math.trunc(this._wheelRemainder / lineHeight);
    if (!lines) return;
    this._wheelRemainder -= lines * lineHeight;
    const emu = this.emulator;
    if (event.clientX !== undefined && this._mouseReporting(event)) {
      const cell = this._cellAt(event);
      const count = Math.min(Math.abs(lines), 5);
      for (let i = 0; i < count; i++) this._reportMouse(lines < 0 ? 64 : 65, cell, event, false);
      return;
    }
    if (emu.altScreen) {
      // Full-screen programs without mouse support (less, man) scroll with the arrow keys.
      const key = (emu.modes.applicationCursor ? SS3 : CSI) + (lines < 0 ? 'A' : 'B');
      this._sendToHost(key.repeat(Math.min(Math.abs(lines), 10)));
      return;
    }
    this._scrollBy(-lines);
  }
}
