"""Session recordings (``--record DIR``): every session as an asciicast v2 file.

A file is a JSON header line (``version`` 2, ``width``, ``height``, ``timestamp``,
``command``) and one JSON array per event: ``[seconds, "o", text]`` for output,
``[seconds, "r", "COLUMNSxLINES"]`` for a resize, ``[seconds, "i", text]`` for input (only
with ``record_input``).  ``asciinema play FILE`` plays it.

The event loop never touches the disk: events are encoded into a per-recording buffer
(at most ``MAX_PENDING`` bytes; beyond that output is dropped and a note says so) and
written in batches by the loop's default executor, one batch per recording at a time.
Bounds: ``max_file`` bytes per file (then the recording stops, with a note), ``max_total``
bytes for the directory (the oldest finished recordings are deleted first; when only
recordings in progress are left, the one that needs room stops).
"""

import asyncio
import codecs
import errno
import json
import logging
import os
import re
import shlex
import threading
import time

from .compat import get_running_loop

log = logging.getLogger(__name__)

#: Bytes one recording file may reach (``--record-max-file``).
DEFAULT_MAX_FILE = 64 * 1024 * 1024
#: Bytes all recordings in the directory may take together (``--record-max-total``).
DEFAULT_MAX_TOTAL = 1024 * 1024 * 1024
#: Smallest per-file bound accepted.
MIN_MAX_FILE = 4096
#: Bytes kept free at the end of a file for the note that says why it stops.
NOTE_ROOM = 256
#: Bytes of encoded events a recording holds while the disk catches up.
MAX_PENDING = 1024 * 1024
#: Recordings listed at most (the newest).
MAX_LISTED = 1000
#: Bytes of a header line read when listing.
MAX_HEADER = 64 * 1024
#: Content type of an asciicast file.
CONTENT_TYPE = 'application/x-asciicast'

#: ``20261206T061500Z-SESSIONID.cast`` (``-2`` before ``.cast`` if that name was taken).
NAME_PATTERN = re.compile(r'\A(\d{8}T\d{6}Z)-([A-Za-z0-9_.-]{1,128}?)(?:-(\d{1,2}))?\.cast\Z')


def file_name(session_id, started, attempt=1):
    stamp = time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(started))
    suffix = '-%d' % attempt if attempt > 1 else ''
    return '%s-%s%s.cast' % (stamp, session_id, suffix)


def _line(value):
    return (json.dumps(value, ensure_ascii=False, separators=(', ', ': ')) + '\n').encode(
        'utf-8', 'surrogatepass')


class Recorder(object):
    """The recordings of one server: a directory, its bounds, and the files being written.

    ``attach(sessions)`` makes every new session of a ``hub.SharedSessions`` recorded.
    """

    def __init__(self, directory, record_input=False, max_file=DEFAULT_MAX_FILE,
                 max_total=DEFAULT_MAX_TOTAL):
        if max_file < MIN_MAX_FILE:
            raise ValueError('a recording may not be limited to less than %d bytes'
                             % MIN_MAX_FILE)
        if max_file > max_total:
            raise ValueError('the per-file bound (%d bytes) is above the total one (%d)'
                             % (max_file, max_total))
        self.directory = os.path.abspath(directory)
        self.record_input = record_input
        self.max_file = max_file
        self.max_total = max_total
        self._lock = threading.Lock()
        self._open_names = set()
        self._total = None
        self._pending = set()

    def check_directory(self):
        """Create the directory (mode 0700) if needed; OSError if it cannot be used.
        Blocking: call before serving."""
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        if not os.access(self.directory, os.W_OK | os.X_OK):
            raise PermissionError(errno.EACCES, 'cannot write there', self.directory)

    def argv(self):
        """The options that make the WebSocket child process record the same way."""
        argv = ['--record', self.directory, '--record-max-file', str(self.max_file),
                '--record-max-total', str(self.max_total)]
        if self.record_input:
            argv.append('--record-input')
        return argv

    def attach(self, sessions):
        sessions.recorder = self

    def open(self, hub):
        """A ``SessionRecording`` of the shared session ``hub`` (not yet started)."""
        session = hub.session
        command = ' '.join(shlex.quote(part) for part in session.command)
        return SessionRecording(self, session.id, session.size, command)

    async def drain(self):
        """Wait until every recording's last batch is on disk."""
        while self._pending:
            await asyncio.wait(list(self._pending))
            # the futures' callbacks (which may start the next batch) run before the check
            await asyncio.sleep(0)

    def _track(self, future):
        self._pending.add(future)
        future.add_done_callback(self._pending.discard)

    # -- run in worker threads ----------------------------------------------

    def _create(self, session_id, started):
        """Open a new recording file (0600, never an existing one); ``(name, fd)``."""
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        for attempt in range(1, 100):
            name = file_name(session_id, started, attempt)
            try:
                descriptor = os.open(os.path.join(self.directory, name),
                                     os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND,
                                     0o600)
            except FileExistsError:
                continue
            with self._lock:
                self._open_names.add(name)
            return name, descriptor
        raise FileExistsError(errno.EEXIST, 'no free recording name', session_id)

    def _closed(self, name):
        with self._lock:
            self._open_names.discard(name)

    def _make_room(self, size):
        """Account for ``size`` more bytes, deleting the oldest finished recordings if the
        total would pass ``max_total``; False if even that is not enough."""
        with self._lock:
            if self._total is None or self._total + size > self.max_total:
                self._total = self._prune(size)
            if self._total + size > self.max_total:
                return False
            self._total += size
            return True

    def _prune(self, size):
        """The directory's recordings' bytes after deleting the oldest finished ones until
        ``size`` more fit (the lock is held)."""
        files = []
        for name in os.listdir(self.directory):
            if NAME_PATTERN.match(name):
                try:
                    files.append((name, os.stat(os.path.join(self.directory, name)).st_size))
                except FileNotFoundError:
                    continue
        total = sum(length for _, length in files)
        for name, length in sorted(files):
            if total + size <= self.max_total:
                break
            if name in self._open_names:
                continue
            try:
                os.unlink(os.path.join(self.directory, name))
            except FileNotFoundError:
                pass
            log.info('recording %s deleted: recordings may take %d bytes in all',
                     name, self.max_total)
            total -= length
        return total

    def listing(self):
        """The recordings, newest first: ``[{name, session, started, size, width, height,
        command, recording}]``.  Blocking: run it in a worker thread."""
        try:
            names = sorted((name for name in os.listdir(self.directory)
                            if NAME_PATTERN.match(name)), reverse=True)[:MAX_LISTED]
        except FileNotFoundError:
            return []
        with self._lock:
            open_names = set(self._open_names)
        listed = []
        for name in names:
            path = os.path.join(self.directory, name)
            try:
                size = os.stat(path).st_size
                with open(path, 'rb') as handle:
                    header = json.loads(handle.readline(MAX_HEADER).decode('utf-8'))
            except (OSError, ValueError):
                continue
            if not isinstance(header, dict):
                continue
            match = NAME_PATTERN.match(name)
            listed.append({
                'name': name, 'session': match.group(2), 'started': header.get('timestamp'),
                'size': size, 'width': header.get('width'), 'height': header.get('height'),
                'command': header.get('command'), 'recording': name in open_names})
        return listed

    def path(self, name):
        """The file of recording ``name``; None for a name that is not a recording's."""
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            return None
        path = os.path.join(self.directory, name)
        return path if os.path.isfile(path) else None


class SessionRecording(object):
    """One session's asciicast file.  ``output``, ``resize``, ``input`` and ``close`` are
    called on the event loop and never wait; the file is written by worker threads."""

    def __init__(self, recorder, session_id, size, command):
        self.recorder = recorder
        self.session_id = session_id
        self.name = None
        self._started_wall = time.time()
        self._started = None
        self._decoder = codecs.getincrementaldecoder('utf-8')(errors='replace')
        self._header = {'version': 2, 'width': size.columns, 'height': size.lines,
                        'timestamp': int(self._started_wall), 'command': command,
                        'env': {'TERM': 'xterm-256color'}}
        self._batch = []
        self._batch_bytes = 0
        self._accepted = len(_line(self._header))
        self._dropped = 0
        self._stopped = False
        self._closing = False
        self._writing = False
        self._descriptor = None
        self._failed = False

    def output(self, data):
        """Output bytes as the shell wrote them (split characters are kept whole)."""
        text = self._decoder.decode(data)
        if text:
            self._event('o', text)

    def resize(self, size):
        self._event('r', '%dx%d' % (size[0], size[1]))

    def input(self, data):
        """Typed text; recorded only with ``record_input``."""
        if not self.recorder.record_input:
            return
        if isinstance(data, bytes):
            data = data.decode('utf-8', 'replace')
        self._event('i', data)

    def close(self):
        """The session is over: write what is left, then close the file."""
        if self._closing:
            return
        tail = self._decoder.decode(b'', True)
        if tail:
            self._event('o', tail)
        self._closing = True
        self._flush()

    def _elapsed(self):
        now = get_running_loop().time()
        if self._started is None:
            self._started = now
        return round(now - self._started, 6)

    def _event(self, kind, text):
        if self._stopped or self._closing:
            return
        elapsed = self._elapsed()
        line = _line([elapsed, kind, text])
        room = self.recorder.max_file - NOTE_ROOM - self._accepted
        if len(line) > room:
            # the part that fits, then a note and nothing more
            while text and len(line) > room:
                text = text[:max(0, len(text) * room // len(line) - 1)]
                line = _line([elapsed, kind, text])
            if text and kind != 'r':
                self._append(line)
            self._stop('recording stopped: %d bytes per file (--record-max-file)'
                       % self.recorder.max_file)
            return
        if self._batch_bytes + len(line) > MAX_PENDING:
            self._dropped += len(text)
            return
        if self._dropped:
            note = _line([elapsed, 'o', '\r\n[xwterm: %d characters of output not '
                          'recorded: the disk was too slow]\r\n' % self._dropped])
            self._dropped = 0
            self._append(note)
        self._append(line)
        self._flush()

    def _append(self, line):
        self._batch.append(line)
        self._batch_bytes += len(line)
        self._accepted += len(line)

    def _stop(self, why):
        """No more events: a last note in the file (in the room kept for it)."""
        self._stopped = True
        log.warning('session %s: %s', self.session_id, why)
        self._append(_line([self._elapsed(), 'o', '\r\n[xwterm: %s]\r\n' % why]))
        self._flush()

    def _flush(self):
        if self._writing or self._failed:
            return
        if not self._batch and not self._closing:
            return
        if not self._batch and self._descriptor is None and self.name is None:
            return          # a session that never printed anything leaves no file
        batch, self._batch, self._batch_bytes = self._batch, [], 0
        self._writing = True
        future = get_running_loop().run_in_executor(None, self._write, batch, self._closing)
        self.recorder._track(future)
        future.add_done_callback(self._written)

    def _written(self, future):
        self._writing = False
        error = future.exception() if not future.cancelled() else None
        if error is not None:
            self._failed = True
            self._batch = []
            log.error('session %s: recording failed: %s', self.session_id, error)
            return
        if self._batch or (self._closing and self._descriptor is not None):
            self._flush()

    def _write(self, batch, last):
        """Worker thread: append ``batch`` (creating the file with its header first)."""
        recorder = self.recorder
        try:
            if self._descriptor is None and self.name is None:
                self.name, self._descriptor = recorder._create(self.session_id,
                                                               self._started_wall)
                batch.insert(0, _line(self._header))
            data = b''.join(batch)
            if data and self._descriptor is not None:
                if recorder._make_room(len(data)):
                    view = memoryview(data)
                    while view:
                        view = view[os.write(self._descriptor, view):]
                elif not self._stopped:
                    self._stopped = True
                    log.warning('session %s: recording stopped: the recordings fill their '
                                'bound of %d bytes (--record-max-total)', self.session_id,
                                recorder.max_total)
        finally:
            if last and self._descriptor is not None:
                os.close(self._descriptor)
                self._descriptor = None
                recorder._closed(self.name)
