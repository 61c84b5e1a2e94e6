import { backoffDelay, fillSizeTemplate, firstChunk, parseExitStatus, sessionQuery } from './common.js';
import { AnsiTermDriver } from './base.js';
import { DRIVER_DEFAULTS } from './defaults.js';
import { openSocket } from './socket.js';

export const BINARY_SUBPROTOCOL = 'xwterm.binary';
const CLOSE_NORMAL = 1000;
const CLOSE_POLICY = 1008;
const CLOSE_INTERNAL = 1011;
const CLOSE_TRY_AGAIN = 1013;
const CLOSE_NO_SESSION = 4404;

/**
 * WebSocket channel. It offers the `xwterm.binary` subprotocol (wsBinary); a server that
 * accepts it sends output as binary frames of raw bytes and control objects as JSON text
 * frames (the session and its tokens first, then {"live"}, {"size"}, {"end"}), and its
 * sessions outlive the connection: a lost connection reattaches with `?session=&token=`.
 * Otherwise it is the original JSON framing: {wsDataTag: text} and {wsSizeTag: "LINESxCOLUMNS"}.
 * Input always goes as JSON text frames. Input typed while disconnected is queued for the
 * same session; it is dropped when that session turns out to be gone, or when no session
 * has been attached yet (it would be typed into whatever shell starts next). pause() stops reading
 * where the browser has WebSocketStream (socket.js).
 */
export class AnsiTermWebSocketDriver extends AnsiTermDriver {
  constructor(params) {
    super({ ...DRIVER_DEFAULTS, ...(params || {}) });
    this.url = AnsiTermWebSocketDriver.endpointUrl(this.params.wsEndpoint);
    this.everConnected = false;
    this.binary = false;
    // True while the screen snapshot that follows attaching is arriving (it replays old output).
    this.replaying = false;
    this._socket = null;
    this._queue = [];
    this._failures = 0;
    this._retryTimer = null;
    this._unreachableCallbacks = [];
    this._paused = false;
    this._decoder = null;
    this._endReason = null;
  }

  static endpointUrl(endpoint) {
    if (/^wss?:\/\//.test(endpoint)) return endpoint;
    const scheme = typeof location !== 'undefined' && location.protocol === 'https:' ? 'wss' : 'ws';
    return `${scheme}://${endpoint.includes('/') ? endpoint : `${endpoint}/`}`;
  }

  // Called when the very first connection fails: a page can then fall back to another channel.
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
    // Keystrokes meant for this session never reach another one.
    this._queue = [];
    const socket = this._socket;
    this._socket = null;
    if (socket) socket.close(CLOSE_NORMAL);
  }

  setSize(nLines, nColumns) {
    super.setSize(nLines, nColumns);
    this._sendSize();
  }

  _tx(text) {
    if (this._socket && this._socket.isOpen) {
      for (let rest = text; rest;) {
        const chunk = firstChunk(rest);
        this._socket.send(JSON.stringify({ [this.params.wsDataTag]: chunk }));
        rest = rest.slice(chunk.length);
      }
      return;
    }
    // Input waits for the session it was typed for; before there is one (a new session not yet
    // started: the server may be down) it has no session to go to and is dropped.
    if (this.attachment) this._queue.push(text);
    // Typing while disconnected means the user wants the terminal back now.
    this._retryNow();
  }

  // xwterm's server starts the shell at the size in the URL, so a full-screen program run
  // as the command draws at the page's size from its first frame; an attachment names the
  // session to come back to.
  _connectUrl() {
    const query = [];
    if (this.nLines) {
      query.push(`size=${encodeURIComponent(fillSizeTemplate(this.params.wsSizeData, this.nLines, this.nColumns))}`);
    }
    if (this.attachment) query.push(sessionQuery(this.attachment));
    if (!query.length) return this.url;
    return `${this.url}${this.url.includes('?') ? '&' : '?'}${query.join('&')}`;
  }

  renewKeys() {
    if (this.binary && this._socket && this._socket.isOpen && !this.readonly) {
      this._socket.send(JSON.stringify({ renew: true }));
    }
  }

  _sendSize() {
    if (!this.nLines || !this._socket || !this._socket.isOpen || this.readonly) return;
    const size = fillSizeTemplate(this.params.wsSizeData, this.nLines, this.nColumns);
    this._socket.send(JSON.stringify({ [this.params.wsSizeTag]: size }));
  }

  _connect() {
    if (!this._running) return;
    this._set_connection_state(false, this.everConnected ? 'reconnecting' : 'connecting',
      this.everConnected ? 'WebSocket: reconnecting…' : 'WebSocket: connecting…');
    let socket = null;
    let opened = false;
    let received = false;
    let connectTimer = null;
    const attaching = Boolean(this.attachment);
    const handlers = {
      onOpen: () => {
        clearTimeout(connectTimer);
        if (this._socket !== socket) return;
        opened = true;
        this.everConnected = true;
        this.binary = socket.protocol === BINARY_SUBPROTOCOL;
        this.replaying = this.binary;
        this._decoder = new TextDecoder('utf-8');
        this._endReason = null;
        this._set_connection_state(true, 'connected', 'WebSocket: connected');
        // A client that attaches shows the session at its size until it types or resizes
        // (then the server makes this client's size the session's).
        if (!attaching) this._sendSize();
        if (this._paused) socket.pause();
        const queued = this._queue.join('');
        this._queue = [];
        if (queued) this._tx(queued);
      },
      onMessage: (data) => {
        if (this._socket !== socket) return;
        // Only a connection that carries output resets the backoff: a server that accepts and
        // closes at once (session limit) must not be retried twice a second.
        this._failures = 0;
        received = true;
        this._onMessage(data);
      },
      onClose: (event) => {
        clearTimeout(connectTimer);
        this._onSocketClosed(socket, opened, received, event);
      },
    };
    const protocols = this.params.wsBinary ? [BINARY_SUBPROTOCOL] : [];
    try {
      socket = openSocket(this._connectUrl(), handlers, { flowControl: this.params.wsFlowControl, protocols });
    } catch (error) {
      this._onSocketClosed(null, false, false, { code: 1006, reason: error.message });
      return;
    }
    this._socket = socket;
    // A firewall that drops packets would keep the socket connecting for minutes.
    connectTimer = setTimeout(() => {
      if (socket.isConnecting) socket.close();
    }, this.params.wsConnectTimeout);
  }

  // Flow control (see socket.js): true when the connection really stopped reading.
  pause() {
    this._paused = true;
    return Boolean(this._socket && this._socket.pause());
  }

  resume() {
    this._paused = false;
    if (this._socket) this._socket.resume();
  }

  _onMessage(data) {
    if (this.binary) {
      if (typeof data === 'string') this._onControl(data);
      else this._new_data(this._decoder.decode(new Uint8Array(data), { stream: true }));
      return;
    }
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

  _onControl(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch (error) {
      return;
    }
    if (!message || typeof message !== 'object') return;
    if (typeof message.session === 'string') {
      this._attached(message);
      return;
    }
    // A snapshot (after attaching, or after this client fell behind) is framed by
    // {"replay": true} and {"live": true}.
    if (message.replay) this.replaying = true;
    if (message.live) this.replaying = false;
    if (typeof message.size === 'string') this._session_size_text(message.size);
    if (typeof message.end === 'string') this._endReason = message.end;
  }

  // A refused handshake shows the page no status: ask loginCheckUrl (with this session's key)
  // whether the server wants a login or refuses the key; a server that is down is retried.
  async _checkLogin() {
    if (!this.params.loginCheckUrl) return;
    let url = this.params.loginCheckUrl;
    if (this.attachment) url = `${url}${url.includes('?') ? '&' : '?'}${sessionQuery(this.attachment)}`;
    let response;
    try {
      response = await fetch(url, { cache: 'no-store', credentials: 'same-origin' });
    } catch (error) {
      return;
    }
    if (!this._running || this._socket && this._socket.isOpen) return;
    let reason = '';
    try {
      const body = await response.json();
      reason = body && typeof body.error === 'string' ? body.error : '';
    } catch (error) {
      // not JSON: no reason
    }
    this._refusedBy(response.status, reason);
  }

  // `received`: the connection carried a session (it sent something).
  _onSocketClosed(socket, opened, received, event) {
    if (socket && this._socket !== socket) return;
    this._socket = null;
    if (!this._running) return;
    if (opened && event.code === CLOSE_NORMAL) {
      this._session_ended(parseExitStatus(event.reason), this._endReason || event.reason);
      return;
    }
    if (event.code === CLOSE_NO_SESSION || (event.code === CLOSE_POLICY && this.attachment)) {
      this._session_ended(null, event.reason || 'no such session');
      return;
    }
    if (event.code === CLOSE_INTERNAL) {
      this._start_failed(event.reason || 'the server could not start the session');
      return;
    }
    if (received && !this.binary && event.code !== CLOSE_TRY_AGAIN) {
      // The JSON framing's sessions end with their connection: a new connection would be
      // another shell, and what was typed for this one must not reach it.
      this._session_ended(null, 'connection lost');
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
    if (!opened) this._checkLogin();
    // Capped low: a restarted server is found again within about reconnectMaxDelay.
    const delay = backoffDelay(this._failures, 500, this.params.reconnectMaxDelay);
    this._failures += 1;
    const reason = event.reason ? ` (${event.reason})` : '';
    this._set_connection_state(false, 'reconnecting',
      `WebSocket: disconnected${reason}, retrying in ${Math.ceil(delay / 1000)} s (type to retry now)`);
    this._retryTimer = setTimeout(() => {
      this._retryTimer = null;
      this._connect();
    }, delay);
  }
}
