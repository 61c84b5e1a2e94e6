"""Connection limits enforced where connections are accepted, for every listener alike.

Both listening libraries (aiohttp, websockets) take a listening socket and let the
event loop call its ``accept()``.  :class:`GuardedSocket` is that socket with an
``accept()`` that counts open connections per listener and per client address and
refuses the ones over a limit at once (a TCP reset, no bytes read, no handler
started); the accepted sockets give their slot back when they are closed.  So an
idle-connection flood costs the server one refused accept each, never a file
descriptor, and the limits hold whatever the library version.

(On Windows' proactor loop ``accept()`` is not called this way: the limits do not
apply there.)  uvloop accepts in C and never calls ``accept()`` either: on it,
:func:`guarded_loop_factory`'s loop applies the same limits in the protocol instead
(the connection is reset before the library's protocol sees it).
"""

import asyncio

import logging
import socket
import struct
import time

try:
    import resource
except ImportError:     # Windows
    resource = None

from .auth import client_key

log = logging.getLogger(__name__)

#: Connections one listener holds open at most (lowered to fit the descriptor limit).
DEFAULT_MAX_CONNECTIONS = 1000
#: Connections one client address (IPv6: one /64) holds open at most, per listener.
DEFAULT_MAX_PER_ADDRESS = 64
#: Descriptors kept free for everything else (shells, files, pipes).
RESERVED_FDS = 64
#: Descriptors one session needs (pty, pidfd, spare) when fitting the limits.
FDS_PER_SESSION = 3
#: Seconds between two log lines about refused connections of one listener.
REFUSAL_LOG_INTERVAL = 10.0


def descriptor_budget(listeners, max_sessions):
    """Connections per listener that fit in the process's open-file limit."""
    if resource is None:
        return DEFAULT_MAX_CONNECTIONS
    try:
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ValueError, OSError):
        return DEFAULT_MAX_CONNECTIONS
    if soft == resource.RLIM_INFINITY:
        return DEFAULT_MAX_CONNECTIONS
    spare = soft - RESERVED_FDS - FDS_PER_SESSION * max_sessions
    return max(16, spare // max(1, listeners))


class ConnectionLimits(object):
    """The open connections of one listener, by client address: an IPv4 address, or the
    /64 of an IPv6 one (one host easily holds a whole /64), as the login limit counts."""

    def __init__(self, name, max_connections=DEFAULT_MAX_CONNECTIONS,
                 max_per_address=DEFAULT_MAX_PER_ADDRESS):
        self.name = name
        self.max_connections = max_connections
        self.max_per_address = max_per_address
        self.open = 0
        self.by_address = {}
        self.refused = 0
        self._refused_since_log = 0
        self._last_log = None

    def admit(self, address):
        """Take a slot for a connection from ``address``; False if over a limit."""
        if self.open >= self.max_connections:
            self._refuse('%d connections open' % self.open)
            return False
        if self.by_address.get(address, 0) >= self.max_per_address:
            self._refuse('%d connections from %s' % (self.by_address[address], address))
            return False
        self.open += 1
        self.by_address[address] = self.by_address.get(address, 0) + 1
        return True

    def release(self, address):
        self.open -= 1
        left = self.by_address.get(address, 1) - 1
        if left > 0:
            self.by_address[address] = left
        else:
            self.by_address.pop(address, None)

    def _refuse(self, why):
        """Count a refusal; one log line per interval, never a flood."""
        self.refused += 1
        self._refused_since_log += 1
        now = time.monotonic()
        if self._last_log is None or now - self._last_log >= REFUSAL_LOG_INTERVAL:
            log.warning('%s listener: refused %d connection(s) (%s; limits: %d in all, '
                        '%d per address)', self.name, self._refused_since_log, why,
                        self.max_connections, self.max_per_address)
            self._last_log = now
            self._refused_since_log = 0


class CountedSocket(socket.socket):
    """An accepted connection that gives its slot back when closed."""

    def close(self):
        limits = self.__dict__.pop('_limits', None)
        if limits is not None:
            limits.release(self._peer_address)
        super(CountedSocket, self).close()


_RESET_LINGER = struct.pack('ii', 1, 0)


class GuardedSocket(socket.socket):
    """A listening socket whose ``accept()`` applies :class:`ConnectionLimits`."""

    @classmethod
    def wrap(cls, sock, limits):
        """Take over the listening socket ``sock`` (it must not be used afterwards)."""
        guarded = cls(sock.family, sock.type, sock.proto, fileno=sock.detach())
        guarded.limits = limits
        return guarded

    def accept(self):
        while True:
            fd, address = self._accept()
            peer = client_key(address[0] if isinstance(address, tuple) else str(address))
            connection = CountedSocket(self.family, self.type, self.proto, fileno=fd)
            if self.limits.admit(peer):
                connection._limits = self.limits
                connection._peer_address = peer
                return connection, address
            try:
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RESET_LINGER)
            except OSError:
                pass
            connection.close()


class _AdmittedProtocol(asyncio.Protocol):
    """A library's protocol behind the limits of a :class:`GuardedSocket`, for loops that
    accept in C: a connection over a limit is reset before ``inner`` sees it."""

    def __init__(self, inner, limits):
        self._inner = inner
        self._limits = limits
        self._peer = None

    def connection_made(self, transport):
        address = transport.get_extra_info('peername')
        peer = client_key(address[0] if isinstance(address, tuple) else str(address))
        if not self._limits.admit(peer):
            sock = transport.get_extra_info('socket')
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RESET_LINGER)
            except (AttributeError, OSError):
                pass
            transport.abort()
            return
        self._peer = peer
        self._inner.connection_made(transport)

    def connection_lost(self, exc):
        if self._peer is None:
            return
        self._limits.release(self._peer)
        self._peer = None
        self._inner.connection_lost(exc)

    def data_received(self, data):
        self._inner.data_received(data)

    def eof_received(self):
        return self._inner.eof_received()

    def pause_writing(self):
        self._inner.pause_writing()

    def resume_writing(self):
        self._inner.resume_writing()


#: asyncio.BufferedProtocol (3.7+); None before.
_BufferedProtocol = getattr(asyncio, 'BufferedProtocol', None)


def _admitting(protocol_factory, limits):
    def factory():
        inner = protocol_factory()
        if _BufferedProtocol is not None and isinstance(inner, _BufferedProtocol):
            return _AdmittedBufferedProtocol(inner, limits)
        return _AdmittedProtocol(inner, limits)
    return factory


if _BufferedProtocol is not None:
    class _AdmittedBufferedProtocol(_AdmittedProtocol, _BufferedProtocol):
        def get_buffer(self, sizehint):
            return self._inner.get_buffer(sizehint)

        def buffer_updated(self, nbytes):
            self._inner.buffer_updated(nbytes)


def guarded_loop_factory(loop_class):
    """A factory of event loops of ``loop_class`` (uvloop's ``Loop``) whose servers on a
    :class:`GuardedSocket` keep its limits, although the loop never calls ``accept()``."""
    class GuardedLoop(loop_class):
        async def create_server(self, protocol_factory, *args, **kwargs):
            limits = getattr(kwargs.get('sock'), 'limits', None)
            if limits is not None:
                protocol_factory = _admitting(protocol_factory, limits)
            return await super(GuardedLoop, self).create_server(
                protocol_factory, *args, **kwargs)
    return GuardedLoop
