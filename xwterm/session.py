"""Session: one shell in a terminal, with text decoding and a lifecycle; and a registry of them.

A Session is what a client talks to. It hides the backend, decodes output as UTF-8 with
replacement (a character split across reads is kept whole; an invalid byte becomes U+FFFD),
and refuses input once the shell has gone. Listeners and embedding programs use only this.
"""

import asyncio
import codecs
import logging
import re
import secrets
import time

from .exceptions import InvalidSessionIdError, SessionClosedError, SessionLimitError
from .terminal import TerminalSize, default_backend
from .terminal.base import checked_size

log = logging.getLogger(__name__)

DEFAULT_SIZE = TerminalSize(120, 40)
#: Session ids are 1..128 characters of this alphabet (ids travel in URLs and cookies).
SESSION_ID_PATTERN = re.compile(r"\A[A-Za-z0-9_.-]{1,128}\Z")
#: Sessions a registry holds at most, unless told otherwise.
DEFAULT_MAX_SESSIONS = 256


def new_session_id():
    """A random id that is hard to guess (128 bits)."""
    return secrets.token_urlsafe(16)


class Session(object):
    """One shell in a pseudo-terminal.

    ``command`` is a list of arguments (None: the backend's default shell). Output is read
    only while someone awaits ``read()``, so a slow consumer slows this shell and nothing else.
    """

    def __init__(self, command=None, size=DEFAULT_SIZE, env=None, cwd=None,
                 session_id=None, backend=None):
        if session_id is None:
            session_id = new_session_id()
        elif not SESSION_ID_PATTERN.match(session_id):
            raise InvalidSessionIdError("session id must be 1-128 characters of [A-Za-z0-9_.-]")
        self.id = session_id
        backend = backend or default_backend()
        self.command = list(command) if command else backend.default_command()
        self._terminal = backend(self.command, checked_size(size), env=env, cwd=cwd)
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._output_done = False
        self._started = False
        self._closed = False
        self._close_callbacks = []
        self.created = time.time()

    def __repr__(self):
        return "<Session %s pid=%s exit=%s>" % (self.id, self.pid, self.exit_status)

    @property
    def pid(self):
        return self._terminal.pid

    @property
    def size(self):
        return self._terminal.size

    @property
    def started(self):
        return self._started

    @property
    def closed(self):
        """True once ``close()`` has been called."""
        return self._closed

    @property
    def exit_status(self):
        """The shell's exit code (or -signal) once it has exited; None while it runs."""
        return self._terminal.returncode

    @property
    def alive(self):
        return self._started and not self._closed and self.exit_status is None

    async def start(self):
        """Start the shell (TerminalStartError if it cannot be). Does nothing the second time."""
        if self._closed:
            raise SessionClosedError("session %s is closed" % self.id)
        if not self._started:
            await self._terminal.start()
            self._started = True

    async def write(self, data):
        """Send keystrokes (str is UTF-8 encoded). Waits only while the shell's input is full."""
        if not self.alive:
            raise SessionClosedError("session %s has no running shell" % self.id)
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogatepass")
        await self._terminal.write(data)

    async def read(self):
        """Next piece of output as text; '' once the shell has exited and output is drained."""
        if not self._started:
            raise SessionClosedError("session %s was never started" % self.id)
        while not self._output_done:
            data = await self._terminal.read()
            if not data:
                self._output_done = True
                return self._decoder.decode(b"", True)
            text = self._decoder.decode(data)
            if text:
                return text
        return ""

    async def read_raw(self):
        """Next piece of output as the shell wrote it (bytes); b'' once output has ended.

        For consumers that forward bytes (the shared-session pump); do not mix with read().
        """
        if not self._started:
            raise SessionClosedError("session %s was never started" % self.id)
        if self._output_done:
            return b""
        data = await self._terminal.read()
        if not data:
            self._output_done = True
        return data

    def resize(self, size):
        """Set the terminal size (a TerminalSize or (columns, lines)); ValueError if absurd."""
        self._terminal.resize(size)

    async def wait(self):
        """Wait for the shell to exit; return its exit status."""
        return await self._terminal.wait()

    async def close(self):
        """End the shell (SIGHUP, SIGKILL after a grace), reap it, release the terminal."""
        if not self._closed:
            self._closed = True
            for callback in self._close_callbacks:
                callback(self)
        if self._started:
            await self._terminal.close()

    def add_close_callback(self, callback):
        """Call ``callback(session)`` once when ``close()`` is first called."""
        self._close_callbacks.append(callback)

    def info(self):
        """A JSON-ready summary, as listed by the servers."""
        return {
            "id": self.id,
            "pid": self.pid,
            "command": self.command,
            "size": "%dx%d" % (self.size.lines, self.size.columns),
            "created": self.created,
            "running": self.alive,
            "exit": self.exit_status,
        }


class SessionRegistry(object):
    """The sessions of one server, by id, with an upper bound on how many exist at once.

    A closed session leaves the registry by itself.
    """

    def __init__(self, factory=Session, max_sessions=DEFAULT_MAX_SESSIONS):
        self._factory = factory
        self._sessions = {}
        self.max_sessions = max_sessions

    def create(self, session_id=None, **kwargs):
        """A new, not yet started session; ``session_id`` None picks a random one."""
        if session_id is not None and session_id in self._sessions:
            raise InvalidSessionIdError("session id %s is already in use" % session_id)
        if len(self._sessions) >= self.max_sessions:
            raise SessionLimitError("too many sessions (at most %d)" % self.max_sessions)
        session = self._factory(session_id=session_id, **kwargs)
        self._sessions[session.id] = session
        session.add_close_callback(self._forget)
        return session

    def _forget(self, session):
        if self._sessions.get(session.id) is session:
            del self._sessions[session.id]

    def get(self, session_id):
        return self._sessions.get(session_id)

    def __contains__(self, session_id):
        return session_id in self._sessions

    def __len__(self):
        return len(self._sessions)

    def __iter__(self):
        return iter(list(self._sessions.values()))

    def sessions(self):
        return list(self._sessions.values())

    async def close_all(self):
        """Close every session concurrently and wait until every shell is reaped."""
        sessions = self.sessions()
        results = await asyncio.gather(*[s.close() for s in sessions], return_exceptions=True)
        for session, result in zip(sessions, results):
            if isinstance(result, Exception):
                log.error("closing %r failed: %r", session, result)
