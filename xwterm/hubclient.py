"""One client attached to a shared session (``hub.SharedSession``): its backlog of output,
bounded in bytes, and what it is handed next (a :class:`Delivery`).  A client whose backlog
would pass ``CLIENT_BACKLOG_LIMIT`` bytes skips ahead to a screen snapshot (docs/sessions.md).
"""

import collections
import logging

from .compat import get_running_loop
from .exceptions import ReadOnlyError
from .protocol import attach_fields
from .terminal.base import checked_size

log = logging.getLogger(__name__)

#: Backlog (bytes) a client may reach before it skips ahead to a screen snapshot.
CLIENT_BACKLOG_LIMIT = 1024 * 1024

#: Results of :meth:`Client.wait`.
READY = 'ready'
TIMEOUT = 'timeout'
SUPERSEDED = 'superseded'


def settle(future, result=None):
    """Complete ``future`` with ``result`` unless it is done already (or None)."""
    if future is not None and not future.done():
        future.set_result(result)


class Client(object):
    """One attached client: its backlog (bytes, bounded) and its view of the session."""

    def __init__(self, hub, readonly, pace_limit, label):
        self.hub = hub
        self.readonly = readonly
        self.pace_limit = pace_limit
        self.label = label
        self.requested_size = None
        self.skips = 0
        self._chunks = collections.deque()
        self._backlog = 0
        self._snapshot_due = True
        self._fresh = True
        self._announced_size = None
        self._waiter = None
        self._refusal_logged = False
        self._revoked = None
        self._rekeyed = False

    def __repr__(self):
        return '<Client %s of %s%s>' % (self.label, self.hub.id,
                                        ' read-only' if self.readonly else '')

    @property
    def backlog(self):
        """Bytes waiting for this client."""
        return self._backlog

    @property
    def pacing(self):
        """Whether the pump waits for this client (it is consuming, not skipping)."""
        return not self._snapshot_due

    def _push(self, data):
        if self._snapshot_due:
            return
        if self._backlog + len(data) > CLIENT_BACKLOG_LIMIT:
            self._chunks.clear()
            self._backlog = 0
            self._snapshot_due = True
            self.skips += 1
            log.info('session %s: %s fell %d bytes behind: it skips to a screen snapshot',
                     self.hub.id, self.label, CLIENT_BACKLOG_LIMIT)
        else:
            self._chunks.append(data)
            self._backlog += len(data)
        self._wake(READY)

    def _has_news(self):
        return bool(self._backlog or self._snapshot_due or self._fresh or self._revoked
                    or self._rekeyed or self._announced_size != self.hub.size
                    or self.hub.finished)

    async def wait(self, timeout=None):
        """Wait until :meth:`take` has something; ``READY``, ``TIMEOUT`` or ``SUPERSEDED``.

        One waiter at a time: a newer wait completes the older with ``SUPERSEDED`` (a
        reloaded page's poll takes over; the old one must not take the output).
        """
        if self._has_news():
            return READY
        self._wake(SUPERSEDED)
        loop = get_running_loop()
        waiter = self._waiter = loop.create_future()
        timer = loop.call_later(timeout, settle, waiter, TIMEOUT) if timeout else None
        try:
            return await waiter
        finally:
            if timer is not None:
                timer.cancel()
            if self._waiter is waiter:
                self._waiter = None

    def take(self):
        """Everything due now, as an :class:`Delivery` (possibly empty)."""
        if self._revoked is not None:
            self.detach()
            return Delivery(b'', False, None, self._revoked)
        keys = None
        if self._rekeyed:
            self._rekeyed = False
            keys = attach_fields(self.hub.id, self.hub.size, self.hub.token,
                                 self.hub.readonly_token, self.readonly)
        replayed = self._fresh
        if self._snapshot_due:
            data = self.hub._snapshot_for(self)
            self._snapshot_due = False
            replayed = True
        else:
            data = b''.join(self._chunks)
        self._chunks.clear()
        self._backlog = 0
        self._fresh = False
        size = None
        if self._announced_size != self.hub.size:
            size = self._announced_size = self.hub.size
        self.hub._room_made()
        return Delivery(data, replayed, size,
                        self.hub.end_reason if self.hub.finished else None, keys)

    async def next(self):
        """Wait for and take the next :class:`Delivery`."""
        await self.wait()
        return self.take()

    async def write(self, data):
        """Type ``data`` (ReadOnlyError for read-only clients, SessionClosedError once over)."""
        self._check_may_type()
        self.hub._follow(self)
        await self.hub.session.write(data)
        if self.hub.recording is not None:
            self.hub.recording.input(data)

    def resize(self, size):
        """Ask for a terminal size; applied since this client is now the active one."""
        self._check_may_type()
        self.requested_size = checked_size(size)
        self.hub._follow(self)

    def _check_may_type(self):
        if self.readonly:
            if not self._refusal_logged:
                self._refusal_logged = True
                log.warning('session %s: input from read-only %s refused',
                            self.hub.id, self.label)
            raise ReadOnlyError('this client may only watch session %s' % self.hub.id)

    def renew_keys(self):
        """Stop sharing: the session gets new keys, which only this client learns; every
        link given out so far stops working and every other client is detached."""
        self._check_may_type()
        self.hub._renew_keys(self)

    def detach(self):
        """Leave the session (idempotent)."""
        self.hub._detach(self)

    def _wake(self, result):
        if self._waiter is not None:
            settle(self._waiter, result)
            self._waiter = None


class Delivery(object):
    """What one :meth:`Client.take` hands out.

    ``data``: output bytes; ``replayed``: true for the first delivery after attaching or
    skipping (it starts with a terminal reset); ``size``: the session size when it
    changed since the last delivery, else None; ``end``: the end reason
    (``exit 0``, ``killed``...) once the session is over and this was the last delivery
    (or once this client was detached by a renewal of the keys); ``keys``: the attach
    fields with the session's new keys, for the client that renewed them, else None.
    """

    __slots__ = ('data', 'replayed', 'size', 'end', 'keys')

    def __init__(self, data, replayed, size, end, keys=None):
        self.data = data
        self.replayed = replayed
        self.size = size
        self.end = end
        self.keys = keys
