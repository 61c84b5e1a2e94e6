// Playback of asciicast v2 recordings (xwterm --record): parsing and timing, no DOM.
// A player hands output ("o") and resizes ("r") to the callbacks it is given, at the
// recording's pace times `speed`; typed input ("i") is never replayed.

// {width, height, timestamp, command, events: [[seconds, code, data]], duration}; throws
// an Error naming the line for anything that is not asciicast v2.
export function parseCast(text) {
  const lines = text.split('\n');
  let header;
  try {
    header = JSON.parse(lines[0]);
  } catch (error) {
    throw new Error('line 1 is not JSON');
  }
  if (!header || header.version !== 2) throw new Error('the header is not asciicast version 2');
  if (!(header.width > 0 && header.height > 0)) throw new Error('the header has no width and height');
  const events = [];
  for (let index = 1; index < lines.length; index += 1) {
    const line = lines[index];
    if (!line.trim()) continue;
    let event;
    try {
      event = JSON.parse(line);
    } catch (error) {
      // The last line of a recording still being written may be cut short.
      if (index === lines.length - 1) break;
      throw new Error(`line ${index + 1} is not JSON`);
    }
    if (!Array.isArray(event) || typeof event[0] !== 'number' || typeof event[1] !== 'string') {
      throw new Error(`line ${index + 1} is not an event`);
    }
    events.push(event);
  }
  const duration = events.length ? events[events.length - 1][0] : 0;
  return {
    width: header.width, height: header.height, timestamp: header.timestamp,
    command: header.command, events, duration,
  };
}

// The size of an "r" event's data, "COLUMNSxLINES"; null if malformed.
export function parseResize(data) {
  const match = /^(\d+)x(\d+)$/.exec(String(data));
  return match ? { columns: Number(match[1]), lines: Number(match[2]) } : null;
}

export class CastPlayer {
  // callbacks: write(text), resize(columns, lines), changed() after every state change.
  constructor(cast, callbacks, clock = () => performance.now()) {
    this.cast = cast;
    this.callbacks = callbacks;
    this.clock = clock;
    this.speed = 1;
    this.state = 'paused';
    this.index = 0;
    this._position = 0;
    this._since = 0;
    this._timer = null;
  }

  get duration() { return this.cast.duration; }

  // Seconds into the recording.
  get position() {
    if (this.state !== 'playing') return this._position;
    return Math.min(this.duration, this._position + ((this.clock() - this._since) / 1000) * this.speed);
  }

  play() {
    if (this.state === 'playing') return;
    if (this.state === 'ended') return;
    this._since = this.clock();
    this.state = 'playing';
    this._schedule();
    this._changed();
  }

  pause() {
    if (this.state !== 'playing') return;
    this._position = this.position;
    this.state = 'paused';
    this._cancel();
    this._changed();
  }

  stop() {
    this._cancel();
    this.state = 'ended';
  }

  setSpeed(speed) {
    if (!(speed > 0)) return;
    const playing = this.state === 'playing';
    if (playing) this.pause();
    this.speed = speed;
    if (playing) this.play();
    else this._changed();
  }

  _cancel() {
    if (this._timer !== null) clearTimeout(this._timer);
    this._timer = null;
  }

  _schedule() {
    this._cancel();
    const events = this.cast.events;
    if (this.index >= events.length) {
      this._position = this.duration;
      this.state = 'ended';
      this._changed();
      return;
    }
    const wait = Math.max(0, ((events[this.index][0] - this.position) / this.speed) * 1000);
    this._timer = setTimeout(() => this._step(), wait);
  }

  _step() {
    this._timer = null;
    const now = this.position;
    const events = this.cast.events;
    while (this.index < events.length && events[this.index][0] <= now + 0.0005) {
      this._apply(events[this.index]);
      this.index += 1;
    }
    this._changed();
    this._schedule();
  }

  _apply([, code, data]) {
    if (code === 'o') {
      this.callbacks.write(data);
    } else if (code === 'r') {
      const size = parseResize(data);
      if (size) this.callbacks.resize(size.columns, size.lines);
    }
  }

  _changed() {
    if (this.callbacks.changed) this.callbacks.changed();
  }
}
