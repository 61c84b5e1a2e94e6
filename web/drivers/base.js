/**
 * Base class of the communication drivers. On its own it is the "dummy" channel: what the
 * terminal sends comes back as output. Extensions override _start (or start), _tx, setSize,
 * close and, when they can stop reading, pause/resume; they report through _new_data,
 * _set_connection_state and _session_ended. Drivers written for the original AnsiTerm
 * (override _start and _tx, call _new_data and _set_connection_state) work unchanged.
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
    this._start();
  }

  // What starting means for this channel; the dummy channel is connected at once.
  _start() {
    this._set_connection_state(true, 'connected', 'local echo');
  }

  // Flow control: the terminal holds enough output (it is frozen) and asks the driver to stop
  // reading, so that the server's flow control holds the program. Returns whether the driver
  // did stop; one that cannot (this base class) returns false.
  pause() {
    return false;
  }

  resume() {}

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
