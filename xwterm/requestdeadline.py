"""A deadline for the first request head of an HTTP connection (slowloris), wrapped around
the protocol of the HTTP listener's server (aiohttp's)."""

import asyncio
import logging

from .compat import get_running_loop

log = logging.getLogger(__name__)

#: Bytes after which the first head's deadline is left to the inner server's head size limits.
MAX_HEAD_SCAN = 64 * 1024


class FirstRequestDeadline(asyncio.Protocol):
    """aiohttp's protocol, with a deadline for the first request head of a connection.

    A client that connects and sends nothing, or a head one byte at a time (slowloris),
    is cut off after ``timeout`` seconds; later requests are bounded by aiohttp's
    keep-alive timeout.  Everything else is passed through untouched.
    """

    def __init__(self, inner, timeout, registry):
        self._inner = inner
        self._timeout = timeout
        self._registry = registry
        self._transport = None
        self._timer = None
        self._tail = b''
        self._seen = 0

    def connection_made(self, transport):
        self._transport = transport
        self._registry.add(self)
        self._timer = get_running_loop().call_later(self._timeout, self._expired)
        self._inner.connection_made(transport)

    def data_received(self, data):
        if self._timer is not None:
            self._seen += len(data)
            # The whole read is searched: a head of any size may arrive in one read.
            if b'\r\n\r\n' in self._tail + data or self._seen > MAX_HEAD_SCAN:
                self._timer.cancel()
                self._timer = None
            else:
                self._tail = (self._tail + data)[-3:]
        self._inner.data_received(data)

    def eof_received(self):
        return self._inner.eof_received()

    def connection_lost(self, exc):
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._registry.discard(self)
        self._inner.connection_lost(exc)

    def pause_writing(self):
        self._inner.pause_writing()

    def resume_writing(self):
        self._inner.resume_writing()

    def abort(self):
        if self._transport is not None:
            self._transport.abort()

    def _expired(self):
        self._timer = None
        peer = self._transport.get_extra_info('peername')
        log.info('HTTP connection from %s sent no request head in %.0f s: closed',
                 peer[0] if peer else '?', self._timeout)
        self._transport.abort()
