import { addQueryParam, backoffDelay, fillSizeTemplate, firstChunk, randomSessionId, sessionQuery, sleep } from './common.js';
import { AnsiTermDriver } from './base.js';
import { DRIVER_DEFAULTS } from './defaults.js';

/**
 * HTTP channel: GET httpSize once to start the session, then one poll at a time on httpSource
 * (held by the server for `httpWait` seconds when it supports `&wait=`), keystrokes POSTed to
 * httpDest in order, one request in flight, retried until the server takes them.
 *
 * With `httpClientId` (xwterm's page: one id per tab, `client=`) the session is resumable:
 * the first answer names it and its tokens, every later request carries `session=&token=`,
 * and input typed before that is dropped (it would start another session). Without it, the
 * original protocol: a random session id of the driver's own.
 */
export class AnsiTermHttpDriver extends AnsiTermDriver {
  constructor(params) {
    super({ ...DRIVER_DEFAULTS, ...(params || {}) });
    this.sessionId = this.params.httpSessionHint || '';
    this.clientId = this.params.httpClientId || '';
    // True while delivering the answer that carries the screen snapshot of attaching.
    this.replaying = false;
    this._outbox = [];
    this._sending = false;
    this._generation = 0;
    this._abort = null;
    this._wakePoll = null;
    this._pendingSizeGet = false;
    this._paused = false;
  }

  start() {
    this._running = true;
    this._generation += 1;
    if (!this.params.httpSessionHint && !this.clientId) this.sessionId = randomSessionId();
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
    // Keystrokes meant for this session never reach another one.
    this._outbox = [];
    if (this._abort) this._abort.abort();
    this._abort = null;
    if (this._wakePoll) this._wakePoll();
  }

  // A paused driver polls no more (a poll already in flight still delivers): the server's
  // bounded output buffer then holds the shell.
  pause() {
    this._paused = true;
    return true;
  }

  resume() {
    this._paused = false;
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

  renewKeys() {
    if (!this.clientId || !this.attachment || this.readonly) return;
    this._outbox.push({ renew: true });
    this._kickSender();
  }

  _tx(text) {
    // Our page's input before the session is known would go to whatever shell starts next.
    if (this.clientId && !this.attachment) return;
    const last = this._outbox[this._outbox.length - 1];
    if (last && typeof last === 'string') this._outbox[this._outbox.length - 1] = last + text;
    else this._outbox.push(text);
    this._kickSender();
  }

  _url(base) {
    if (!this.clientId) return addQueryParam(base, this.params.httpSessionHintParam, this.sessionId);
    let url = addQueryParam(base, 'client', this.clientId);
    return this.attachment ? `${url}&${sessionQuery(this.attachment)}` : url;
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
      if (!response.ok) {
        throw Object.assign(new Error(`HTTP ${response.status}`),
          { status: response.status, reason: await AnsiTermHttpDriver._errorText(response) });
      }
      return await response.text();
    } catch (error) {
      if (error.name === 'AbortError' && !stopSignal.aborted) throw new Error('timed out');
      throw error;
    } finally {
      if (timer) clearTimeout(timer);
      stopSignal.removeEventListener('abort', cancel);
    }
  }

  // xwterm's error answers are {"error": message}.
  static async _errorText(response) {
    try {
      const body = await response.json();
      return body && typeof body.error === 'string' ? body.error : '';
    } catch (error) {
      return '';
    }
  }

  // A poll answer is {"text": ..., "exit"?: status}, for xwterm's page also the attach fields
  // (session, token, ...), "size" and "end"; a server that answers plain text is tolerated.
  static parseReply(body) {
    if (!body) return { text: '' };
    try {
      const reply = JSON.parse(body);
      if (reply && typeof reply === 'object') return { ...reply, text: reply.text || '' };
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
      if (this._paused && !isSizeRequest) {
        await this._nap(this.params.slowRefresh);
        continue;
      }
      const url = isSizeRequest ? this._sizeUrl() : this._pollUrl();
      const startedAt = Date.now();
      let reply;
      try {
        reply = AnsiTermHttpDriver.parseReply(await this._fetch(url));
      } catch (error) {
        if (generation !== this._generation) return;
        if (this._endedBy(error)) return;
        failures += 1;
        // Capped low: a restarted server is found again within a couple of seconds.
        const delay = backoffDelay(failures - 1, this.params.slowRefresh / 8, this.params.reconnectMaxDelay);
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
      if (this.clientId && typeof reply.session === 'string') {
        this._attached(reply);
        this._kickSender();
      } else if (typeof reply.size === 'string') {
        this._session_size_text(reply.size);
      }
      // The answer that carries a screen snapshot says so ("replayed", and the attach itself).
      this.replaying = Boolean(reply.replayed);
      if (reply.text) this._new_data(reply.text);
      this.replaying = false;
      if ((reply.exit !== undefined && reply.exit !== null) || typeof reply.end === 'string') {
        this._session_ended(reply.exit, reply.end);
        return;
      }
      if (reply.text || isSizeRequest) continue;
      const heldByServer = this.params.httpWait > 0 && Date.now() - startedAt >= this.params.httpWait * 500;
      if (!heldByServer) await this._nap(this.params.fastRefresh);
    }
  }

  // What the server's answer means for this session: ended (409), logged out (401) or the
  // key refused (403), or the shell could not start (500). Returns whether the session is over.
  _endedBy(error) {
    if (error.status === 409) this._session_ended(null, error.reason);
    else if (error.status === 500) this._start_failed(error.reason || 'the server could not start the session');
    else return this._refusedBy(error.status, error.reason);
    return true;
  }

  _kickSender() {
    // Our page's first request names no session: input waits until the answer names it.
    const waiting = this.clientId && !this.attachment;
    if (!this._sending && this._running && !waiting && this._outbox.length) this._sendLoop(this._generation);
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
        let answer;
        try {
          answer = await this._fetch(this._url(this.params.httpDest), { method: 'POST', body, headers });
        } catch (error) {
          if (generation !== this._generation) return;
          // 409: the session has ended (xwterm's server says so once; a retry would silently
          // start a new shell and type the keystrokes into it).
          if (this._endedBy(error)) return;
          failures += 1;
          const delay = backoffDelay(failures - 1, 250, this.params.slowRefresh * 2);
          this._set_connection_state(false, 'reconnecting', `HTTP: sending failed, retrying in ${Math.ceil(delay / 1000)} s`);
          await sleep(delay);
          continue;
        }
        // Accepted by a session that has since been replaced: the outbox is the new one's.
        if (generation !== this._generation) return;
        // A renewal answers with the session's new keys: every later request uses them.
        if (item.renew) this._attached(AnsiTermHttpDriver.parseReply(answer));
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
