import { describeEnd, sleep } from './common.js';

/**
 * Base class of the communication drivers. On its own it is the "dummy" channel: what the
 * terminal sends comes back as output. Extensions override _start (or start), _tx, setSize,
 * close and, when they can stop reading, pause/resume; they report through _new_data,
 * _set_connection_state and _session_ended; a driver of resumable sessions also reports
 * _attached (the session and its tokens) and _session_size (the session's size). Drivers written for the original AnsiTerm
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
    this._attachCallbacks = [];
    this._sessionSizeCallbacks = [];
    this._loggedOutCallbacks = [];
    // {session, token, readonlyToken, readonly} of the session this driver is attached to.
    this.attachment = this.params.attach || null;
    // The last sizes this client asked for, newest last: the server reports every size
    // change to every client, and the report of one this client has since replaced is stale.
    this._sizesAsked = [];
  }

  registerOnDataReceived(callback) { this._dataCallbacks.push(callback); }
  registerOnConnectionChange(callback) { this._connectionCallbacks.push(callback); }
  // callback(status, description): status as the server gave it, description for people.
  registerOnSessionEnd(callback) { this._sessionEndCallbacks.push(callback); }
  registerOnAttach(callback) { this._attachCallbacks.push(callback); }
  // callback(nLines, nColumns): the session's size, set by its most recently active writer.
  registerOnSessionSize(callback) { this._sessionSizeCallbacks.push(callback); }
  // callback(): the server wants a login this page no longer has (it restarted with another
  // token, or the login was changed); the driver stops instead of retrying.
  registerOnLoggedOut(callback) { this._loggedOutCallbacks.push(callback); }

  get readonly() { return Boolean(this.attachment && this.attachment.readonly); }

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
    this.attachment = null;
    this.start();
  }

  close() {
    this._stop();
    this._set_connection_state(false, 'closed', 'closed');
  }

  _stop() {
    this._running = false;
  }

  // Stop sharing: the session gets new keys, which only this client learns (they arrive as
  // a new attachment); every link given out so far stops working. Drivers of xwterm's
  // resumable sessions override it.
  renewKeys() {}

  // A read-only client types nothing (the server would refuse it anyway).
  send(text) {
    if (text && !this.readonly) this._tx(text);
  }

  setSize(nLines, nColumns) {
    this.nLines = nLines;
    this.nColumns = nColumns;
    this._sizesAsked = this._sizesAsked.filter((size) => size !== `${nLines}x${nColumns}`).slice(-7);
    this._sizesAsked.push(`${nLines}x${nColumns}`);
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

  _attached(fields) {
    this.attachment = {
      session: fields.session, token: fields.token || null,
      readonlyToken: fields.readonly_token || null, readonly: Boolean(fields.readonly),
    };
    for (const callback of this._attachCallbacks) callback(this.attachment);
    this._session_size_text(fields.size);
  }

  // "LINESxCOLUMNS" from the server.
  _session_size_text(size) {
    const match = /^(\d+)x(\d+)$/.exec(size || '');
    const stale = this._sizesAsked.includes(size) && size !== this._sizesAsked[this._sizesAsked.length - 1];
    if (!match || stale) return;
    for (const callback of this._sessionSizeCallbacks) callback(Number(match[1]), Number(match[2]));
  }

  // The session is over (`reason` from the server when it said why): input for it is dropped.
  _session_ended(status, reason) {
    this._stop();
    const text = `session ended: ${describeEnd(status, reason)}`;
    this._set_connection_state(false, 'ended', text);
    for (const callback of this._sessionEndCallbacks) callback(status, text);
    if (reason === 'server stopped') this._watchLogin();
  }

  // The server stopped (a restart, perhaps with another token): ask loginCheckUrl until the
  // server itself answers again; a 401 means it wants a login this page no longer has.
  async _watchLogin() {
    const url = this.params.loginCheckUrl;
    while (url && !this._running && this.state === 'ended') {
      await sleep(this.params.reconnectMaxDelay || 2000);
      let response;
      try {
        response = await fetch(url, { cache: 'no-store', credentials: 'same-origin' });
      } catch (error) {
        continue;
      }
      // A proxy answers for a server that is not back yet (502, 503, 504): ask again.
      if (response.status >= 500) continue;
      if (!this._running && this.state === 'ended' && [401, 403].includes(response.status)) this._logged_out();
      return;
    }
  }

  _logged_out() {
    this._stop();
    this._set_connection_state(false, 'logged-out', 'logged out: log in again');
    for (const callback of this._loggedOutCallbacks) callback();
  }

  // Why a refused request was refused: 401 is a login this page lacks; 403 for a request
  // that names a session is its key (the session ended, or its links were renewed).
  // Returns whether the driver stopped.
  _refusedBy(status, reason) {
    if (status === 401 || (status === 403 && !this.attachment)) this._logged_out();
    else if (status === 403) this._session_ended(null, reason || 'this link no longer works');
    else return false;
    return true;
  }

  // The server could not start the session: no retry until the user asks (a key press).
  _start_failed(reason) {
    this._stop();
    const text = reason || 'the session could not be started';
    this._set_connection_state(false, 'failed', text);
    for (const callback of this._sessionEndCallbacks) callback(null, text);
  }
}
