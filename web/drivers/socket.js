// One WebSocket connection, with flow control where the browser has it. WebSocketStream reads
// a message only when asked: a paused connection stops reading, TCP's window fills and the
// server stops reading the shell, so nothing is lost and nothing piles up in the page. The
// plain WebSocket API delivers every message as it arrives; there, pause() says it cannot.
// Both kinds report through the same handlers: onOpen(), onMessage(data), onClose({code, reason}).

class PlainSocket {
  constructor(url, handlers, protocols) {
    const socket = protocols.length ? new WebSocket(url, protocols) : new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => handlers.onOpen();
    socket.onmessage = (event) => handlers.onMessage(event.data);
    socket.onclose = (event) => handlers.onClose({ code: event.code, reason: event.reason });
    this._socket = socket;
  }

  get isConnecting() { return this._socket.readyState === WebSocket.CONNECTING; }
  get isOpen() { return this._socket.readyState === WebSocket.OPEN; }
  // The subprotocol the server accepted ('' when none).
  get protocol() { return this._socket.protocol; }
  send(text) { this._socket.send(text); }
  close(code) { this._socket.close(code); }
  pause() { return false; }
  resume() {}
}

class StreamSocket {
  constructor(url, handlers, protocols) {
    this._stream = protocols.length ? new WebSocketStream(url, { protocols }) : new WebSocketStream(url);
    this._writer = null;
    this.protocol = '';
    this._state = 'connecting';
    this._paused = false;
    this._wake = null;
    this._run(handlers);
  }

  get isConnecting() { return this._state === 'connecting'; }
  get isOpen() { return this._state === 'open'; }

  async _run({ onOpen, onMessage, onClose }) {
    try {
      const { readable, writable, protocol } = await this._stream.opened;
      this.protocol = protocol || '';
      this._writer = writable.getWriter();
      this._state = 'open';
      onOpen();
      const reader = readable.getReader();
      for (;;) {
        if (this._paused) await new Promise((resolve) => { this._wake = resolve; });
        const { value, done } = await reader.read();
        if (done) break;
        onMessage(ArrayBuffer.isView(value) ? value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength) : value);
      }
    } catch (error) {
      // a failed handshake or a broken connection: `closed` below says how it ended
    }
    let ending = { code: 1006, reason: '' };
    try {
      const { closeCode, reason } = await this._stream.closed;
      ending = { code: closeCode, reason };
    } catch (error) {
      // closed without a close frame
    }
    this._state = 'closed';
    onClose(ending);
  }

  send(text) {
    this._writer.write(text).catch(() => {});
  }

  close(code) {
    this._paused = false;
    if (this._wake) this._wake();
    this._stream.close(code ? { closeCode: code } : undefined);
  }

  pause() {
    this._paused = true;
    return true;
  }

  resume() {
    this._paused = false;
    const wake = this._wake;
    this._wake = null;
    if (wake) wake();
  }
}

export function openSocket(url, handlers, { flowControl = true, protocols = [] } = {}) {
  const SocketClass = flowControl && typeof WebSocketStream === 'function' ? StreamSocket : PlainSocket;
  return new SocketClass(url, handlers, protocols);
}
