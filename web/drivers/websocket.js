import { backoffDelay, fillSizeTemplate, firstChunk, parseExitStatus } from './common.js';
import { AnsiTermDriver } from './base.js';
import { DRIVER_DEFAULTS } from './defaults.js';
import { openSocket } from './socket.js';

/**
 * WebSocket channel: JSON frames {wsDataTag: text} and {wsSizeTag: "LINESxCOLUMNS"}.
 * A connection lost without the shell exiting is re-established with backoff; input typed
 * meanwhile is queued and delivered once connected. pause() stops reading where the browser
 * has WebSocketStream (socket.js).
 */
export class AnsiTermWebSocketDriver extends AnsiTermDriver {
  constructor(params) {
    super({ ...DRIVER_DEFAULTS, ...(params || {}) });
    this.url = AnsiTermWebSocketDriver.endpointUrl(this.params.wsEndpoint);
    this.everConnected = false;
    this._socket = null;
    this._queue = [];
    this._failures = 0;
    this._retryTimer = null;
    this._unreachableCallbacks = [];
    this._paused = false;
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
    if (this._socket && this._socket.isOpen) {
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
    if (!this.nLines || !this._socket || !this._socket.isOpen) return;
    const size = fillSizeTemplate(this.params.wsSizeData, this.nLines, this.nColumns);
    this._socket.send(JSON.stringify({ [this.params.wsSizeTag]: size }));
  }

  _connect() {
    if (!this._running) return;
    this._set_connection_state(false, this.everConnected ? 'reconnecting' : 'connecting',
      this.everConnected ? 'WebSocket: reconnecting…' : 'WebSocket: connecting…');
    let socket = null;
    let opened = false;
    let connectTimer = null;
    const handlers = {
      onOpen: () => {
        clearTimeout(connectTimer);
        if (this._socket !== socket) return;
        opened = true;
        this.everConnected = true;
        this._set_connection_state(true, 'connected', 'WebSocket: connected');
        this._sendSize();
        if (this._paused) socket.pause();
        const queued = this._queue.join('');
        this._queue = [];
        if (queued) this._tx(queued);
      },
      onMessage: (data) => {
        if (this._socket !== socket) return;
        // Only a connection that carries output resets the backoff: a server that accepts and
        // closes at once (session limit, shell that cannot start) must not be retried twice a second.
        this._failures = 0;
        this._onMessage(data);
      },
      onClose: (event) => {
        clearTimeout(connectTimer);
        this._onSocketClosed(socket, opened, event);
      },
    };
    try {
      socket = openSocket(this._urlWithSize(), handlers, { flowControl: this.params.wsFlowControl });
    } catch (error) {
      this._onSocketClosed(null, false, { code: 1006, reason: error.message });
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
