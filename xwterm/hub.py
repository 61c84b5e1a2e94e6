"""Shared sessions: one shell, one output pump, any number of attached clients.

A :class:`SharedSession` reads its shell in one place (the pump) and hands every
chunk to each attached ``hubclient.Client``.  The rules, as numbers in docs/sessions.md:

* One client: lossless, and the pump reads only while that client's backlog is
  below its ``pace_limit`` -- a client that stops reading stops the shell.
* Several clients: the shell runs at the pace of the fastest client that may type
  (of the fastest client at all when none may).  A client whose backlog would pass
  ``hubclient.CLIENT_BACKLOG_LIMIT`` bytes drops it and is later sent a snapshot of the
  current screen (``replay.ReplayBuffer``) instead: it skips ahead, it never slows
  the others, it is never disconnected.
* No client: the session is detached.  The shell keeps running, its output goes to
  the replay buffer only, and after ``detach_timeout`` seconds the session ends.
  Sessions nobody can reattach to (``resumable=False``) end at once instead.

Every client that attaches starts with a snapshot of the screen.  Clients with
``readonly`` set see everything and may neither type nor resize.  The terminal
size follows the most recently active client that may type.
"""

import asyncio
import collections
import hmac
import logging
import secrets
import signal

from .compat import create_task, get_running_loop
from .exceptions import ClientLimitError, SessionClosedError
from .hubclient import READY, SUPERSEDED, Client, settle
from .protocol import session_key
from .replay import DEFAULT_REPLAY_LIMIT, ReplayBuffer
from .session import Session

log = logging.getLogger(__name__)

#: Default backlog (bytes) below which a pacing client lets the pump read more.
DEFAULT_PACE_LIMIT = 64 * 1024
#: Clients one session accepts at once.
DEFAULT_MAX_CLIENTS = 16
#: Seconds a session without clients keeps running before it ends.
DEFAULT_DETACH_TIMEOUT = 600.0
#: Ended sessions whose end reason is remembered, for clients coming back late.
MAX_ENDED = 1024
#: Seconds between the ends of two sessions nobody uses (closed tabs): background work
#: that must not hold up a session being opened at that moment.
END_PACE = 0.001
#: Seconds between the two halves of the resize that makes a full-screen program redraw.
NUDGE_DELAY = 0.1

#: Access levels a token grants.
WRITE = 'write'
READ = 'read'


def session_factory(command=None, env=None, cwd=None, size=None):
    """A ``SessionRegistry`` factory whose sessions run ``command`` in ``env`` and ``cwd``
    unless a request's ``Permit`` says otherwise."""
    def make(session_id=None, size=size, command=command, env=env, cwd=cwd):
        options = {'size': size} if size is not None else {}
        return Session(command=command, env=env, cwd=cwd, session_id=session_id, **options)
    return make


def exit_reason(status):
    """How a shell's end is told to clients: ``exit 3``, ``exit -9``."""
    return 'exit' if status is None else 'exit %d' % status


def describe_exit(status):
    """An exit status in words, for people: ``exit status 3``, ``killed by signal 9 (SIGKILL)``."""
    if status is None:
        return 'exited'
    if status >= 0:
        return 'exit status %d' % status
    try:
        return 'killed by signal %d (%s)' % (-status, signal.Signals(-status).name)
    except ValueError:
        return 'killed by signal %d' % -status


class SharedSession(object):
    """A started ``Session`` and the clients attached to it."""

    def __init__(self, session, resumable=True, detach_timeout=DEFAULT_DETACH_TIMEOUT,
                 replay_limit=DEFAULT_REPLAY_LIMIT, max_clients=DEFAULT_MAX_CLIENTS,
                 on_end=None, on_orphaned=None):
        self.session = session
        self.id = session.id
        self.token = secrets.token_urlsafe(18)
        self.readonly_token = secrets.token_urlsafe(18)
        self.resumable = resumable
        self.detach_timeout = detach_timeout
        self.max_clients = max_clients
        self.replay = ReplayBuffer(replay_limit)
        self.clients = []
        self.finished = False
        self.end_reason = None
        self.last_active = None
        #: A ``record.SessionRecording`` told of output, resizes and input, or None.
        self.recording = None
        self._on_end = on_end
        self._on_orphaned = on_orphaned
        self._pump = None
        self._room = None
        self._detach_timer = None
        self._ended = None

    def __repr__(self):
        return '<SharedSession %s clients=%d>' % (self.id, len(self.clients))

    @property
    def size(self):
        return self.session.size

    def access(self, token):
        """``WRITE``, ``READ`` or None for ``token`` (compared in constant time)."""
        if not isinstance(token, str) or not token:
            return None
        given = token.encode('utf-8', 'replace')
        if hmac.compare_digest(given, self.token.encode('ascii')):
            return WRITE
        if hmac.compare_digest(given, self.readonly_token.encode('ascii')):
            return READ
        return None

    async def start(self):
        """Start the shell and the pump (TerminalStartError if the shell cannot start)."""
        self._ended = get_running_loop().create_future()
        self.last_active = get_running_loop().time()
        try:
            await self.session.start()
        except BaseException:
            await self.session.close()
            self._finish('cannot start')
            raise
        self._pump = create_task(self._run(), name='pump:%s' % self.id)
        if not self.clients:
            self._arm_detach_timer()

    def attach(self, readonly=False, pace_limit=DEFAULT_PACE_LIMIT, label='client'):
        """A new :class:`Client` (ClientLimitError when full, SessionClosedError when over)."""
        if self.finished:
            raise SessionClosedError('session %s has ended (%s)' % (self.id, self.end_reason))
        if len(self.clients) >= self.max_clients:
            raise ClientLimitError('session %s has its maximum of %d clients'
                                   % (self.id, self.max_clients))
        self._cancel_detach_timer()
        client = Client(self, readonly, pace_limit, label)
        client._snapshot_due = self.replay.size > 0
        self.clients.append(client)
        self._room_made()
        return client

    def _detach(self, client):
        if client not in self.clients:
            return
        self.clients.remove(client)
        client._wake(SUPERSEDED)
        self._room_made()
        if not self.clients and not self.finished:
            if self.resumable and self.detach_timeout > 0:
                log.info('session %s detached: it ends in %.0f s unless a client attaches',
                         self.id, self.detach_timeout)
                self._arm_detach_timer()
            else:
                self._end_soon('its client left')

    def _end_soon(self, reason):
        """End this session nobody uses, as background work (see ``SharedSessions``)."""
        if self._on_orphaned is not None:
            self._on_orphaned(self, reason)
        else:
            create_task(self.close(reason), name='close:%s' % self.id)

    async def close(self, reason='closed'):
        """End the session: the shell is hung up and reaped, every client is told ``reason``."""
        if self.end_reason is None:
            self.end_reason = reason
        self._cancel_detach_timer()
        pump = self._pump
        if pump is not None and not pump.done():
            pump.cancel()
        # The clients are told at once (the server is stopping: they must hear it before
        # their connections close); the shell is hung up and reaped meanwhile.
        hanging_up = create_task(self.session.close(), name='hang-up:%s' % self.id)
        if pump is not None:
            await asyncio.wait([pump])
        await asyncio.sleep(0)          # the session is marked closed: no second reaper
        self._finish(self.end_reason)
        await hanging_up

    async def wait_ended(self):
        """Wait until the session is over; return its end reason."""
        await asyncio.shield(self._ended)
        return self.end_reason

    # -- the pump ------------------------------------------------------------

    async def _run(self):
        try:
            while True:
                await self._wait_for_room()
                data = await self.session.read_raw()
                if not data:
                    break
                self.replay.add(data)
                if self.recording is not None:
                    self.recording.output(data)
                for client in self.clients:
                    client._push(data)
            status = await self.session.wait()
            await self.session.close()
            self._finish(exit_reason(status))
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.error('session %s: output pump failed: %r', self.id, error, exc_info=error)
            await self.session.close()
            self._finish('failed')

    def _pacers(self):
        writers = [c for c in self.clients if not c.readonly]
        return [c for c in (writers or self.clients) if c.pacing]

    async def _wait_for_room(self):
        while True:
            pacers = self._pacers()
            if not pacers or any(c.backlog < c.pace_limit for c in pacers):
                return
            self._room = get_running_loop().create_future()
            await self._room

    def _room_made(self):
        settle(self._room)

    def _snapshot_for(self, client):
        data, alt_screen = self.replay.snapshot()
        if self.replay.trimmed and alt_screen:
            self._nudge()
        return data

    def _nudge(self):
        """Resize by one line and back, so a full-screen program redraws everything."""
        size = self.session.size
        if self.finished or size.lines < 2:
            return
        try:
            self.session.resize((size.columns, size.lines - 1))
        except (OSError, ValueError):
            return
        get_running_loop().call_later(NUDGE_DELAY, self._resize_quietly, size)

    def _resize_quietly(self, size):
        if not self.finished:
            try:
                self.session.resize(size)
            except (OSError, ValueError):
                pass
        for client in self.clients:
            client._wake(READY)

    def _renew_keys(self, keeper):
        self.token = secrets.token_urlsafe(18)
        self.readonly_token = secrets.token_urlsafe(18)
        log.info('session %s: keys renewed by %s: its links stop working', self.id,
                 keeper.label)
        for client in list(self.clients):
            if client is not keeper:
                client._revoked = 'the owner stopped sharing this session'
                client._wake(READY)
        keeper._rekeyed = True
        keeper._wake(READY)

    def _follow(self, client):
        """``client`` typed or resized: the terminal takes its size."""
        self.last_active = get_running_loop().time()
        wanted = client.requested_size
        if wanted is not None and wanted != self.session.size and not self.finished:
            self.session.resize(wanted)
            if self.recording is not None:
                self.recording.resize(wanted)
            for other in self.clients:
                other._wake(READY)

    def _finish(self, reason):
        if self.finished:
            return
        self.finished = True
        if self.end_reason is None:
            self.end_reason = reason
        self._cancel_detach_timer()
        if self.recording is not None:
            self.recording.close()
        for client in self.clients:
            client._wake(READY)
        if self._ended is not None:
            settle(self._ended, self.end_reason)
        if self._on_end is not None:
            self._on_end(self)

    # -- detach timeout ------------------------------------------------------

    def _arm_detach_timer(self):
        self._cancel_detach_timer()
        if self.finished:
            return
        if not self.resumable or self.detach_timeout <= 0:
            return
        self._detach_timer = get_running_loop().call_later(
            self.detach_timeout, self._detach_expired)

    def _cancel_detach_timer(self):
        if self._detach_timer is not None:
            self._detach_timer.cancel()
            self._detach_timer = None

    def _detach_expired(self):
        self._detach_timer = None
        if not self.clients and not self.finished:
            log.info('session %s: no client for %.0f s: ending it', self.id, self.detach_timeout)
            self._end_soon('detach timeout')


class SharedSessions(object):
    """The shared sessions of one server over its ``SessionRegistry``; remembers how
    recently ended ones ended, so a client coming back is told instead of silently
    getting a new shell."""

    def __init__(self, registry, detach_timeout=DEFAULT_DETACH_TIMEOUT,
                 replay_limit=DEFAULT_REPLAY_LIMIT, max_clients=DEFAULT_MAX_CLIENTS):
        self.registry = registry
        self.detach_timeout = detach_timeout
        self.replay_limit = replay_limit
        self.max_clients = max_clients
        self._hubs = {}
        self._ended = collections.OrderedDict()
        self._closing = set()
        self._to_end = collections.deque()
        self._ender = None
        #: A ``record.Recorder`` that records every new session, or None.
        self.recorder = None
        #: ``callback(hub)`` for every session that ends (listeners drop their state).
        self.end_callbacks = []

    def __len__(self):
        return len(self._hubs)

    def __iter__(self):
        return iter(list(self._hubs.values()))

    def get(self, session_id):
        return self._hubs.get(session_id)

    def ended(self, session_id):
        """How the session ``session_id`` ended, if it did recently; else None."""
        return self._ended.get(session_id)

    def link_admits(self, query):
        """Whether ``query`` (a mapping of query parameters) is a session link's request
        that may pass without the server's login: it names a running session with one of
        its keys, or a session that ended recently (the link is then told so)."""
        session_id = query.get('session')
        key = session_key(query)
        if not session_id or not key:
            return False
        hub = self._hubs.get(session_id)
        if hub is None:
            return session_id in self._ended
        return hub.access(key) is not None

    async def create(self, session_id=None, size=None, resumable=True, **kwargs):
        """A started shared session (SessionLimitError, InvalidSessionIdError,
        TerminalStartError)."""
        if size is not None:
            kwargs['size'] = size
        session = self.registry.create(session_id, **kwargs)
        hub = SharedSession(session, resumable=resumable,
                            detach_timeout=self.detach_timeout if resumable else 0,
                            replay_limit=self.replay_limit, max_clients=self.max_clients,
                            on_end=self._forget, on_orphaned=self._end_later)
        if self.recorder is not None:
            hub.recording = self.recorder.open(hub)
        self._hubs[hub.id] = hub
        try:
            await hub.start()
        except BaseException:
            self._forget(hub)
            raise
        log.info('session %s started: pid %s', hub.id, session.pid)
        return hub

    def _end_later(self, hub, reason):
        """Queue the end of a session nobody uses.  Ending one costs ~0.15 ms of the loop
        (hang-up, reaping, the shell's exit), so 100 tabs closed at once made a session
        opened right then wait ~15 ms behind them: they now end one per ``END_PACE``."""
        self._to_end.append((hub, reason))
        if self._ender is None:
            self._ender = create_task(self._end_queued(), name='end-unused-sessions')

    async def _end_queued(self):
        try:
            while self._to_end:
                hub, reason = self._to_end.popleft()
                if hub.clients:
                    continue    # reattached meanwhile: its last client's leaving decides again
                task = create_task(hub.close(reason), name='close:%s' % hub.id)
                self._closing.add(task)
                task.add_done_callback(self._closing.discard)
                await asyncio.sleep(END_PACE)
        finally:
            self._ender = None

    def _forget(self, hub):
        if self._hubs.get(hub.id) is hub:
            del self._hubs[hub.id]
            self._ended[hub.id] = hub.end_reason
            while len(self._ended) > MAX_ENDED:
                self._ended.popitem(last=False)
            reason = hub.end_reason
            if reason.startswith('exit'):
                reason = describe_exit(hub.session.exit_status)
            log.info('session %s ended (%s)', hub.id, reason)
            for callback in self.end_callbacks:
                callback(hub)
            if hub.session.closed:
                return
            task = create_task(hub.close(hub.end_reason), name='reap:%s' % hub.id)
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    async def kill(self, session_id):
        """End a session on request; False if there is no such session."""
        hub = self._hubs.get(session_id)
        if hub is None:
            return False
        await hub.close('killed')
        return True

    async def close_all(self, reason='server stopped'):
        """End every session and wait until every shell is reaped."""
        self._to_end.clear()            # every one of them is ended here
        hubs = list(self._hubs.values())
        if hubs:
            await asyncio.gather(*[hub.close(reason) for hub in hubs], return_exceptions=True)
        if self._ender is not None:
            await asyncio.wait([self._ender])
        while self._closing:
            await asyncio.wait(list(self._closing))
