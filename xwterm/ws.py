"""The WebSocket listener (the ``websockets`` package): a thin adapter over ``pump``.

A connection gets a new session, or attaches to a running one with
``?session=ID&token=TOKEN`` (on any path; ``size=LINESxCOLUMNS`` sizes a new
session).  Clients that offer the ``xwterm.binary`` subprotocol get the binary
framing (``protocol.BinaryOutput``); everyone else the original JSON framing.
What happens on the connection is ``pump.serve``'s job.
"""

import logging

from . import protocol, pump, wscompat

log = logging.getLogger(__name__)

#: Largest client message (bytes).  Bigger frames close the connection with
#: 1009 "message too big".  Large enough for a 1 MiB paste in one frame.
MAX_MESSAGE = 4 * 1024 * 1024

#: Incoming frames websockets buffers before it stops reading the socket.
MAX_QUEUE = 2

#: Bytes of outgoing frames buffered before ``send`` waits.
WRITE_LIMIT = 64 * 1024

#: Seconds a closing handshake may take before the connection is cut.
CLOSE_TIMEOUT = 2.0


class WebsocketsChannel(pump.Channel):
    """A ``websockets`` connection as a ``pump.Channel``."""

    def __init__(self, connection):
        self.connection = connection
        self._closed_error = wscompat.connection_closed_error()

    async def receive(self):
        try:
            return await self.connection.recv()
        except self._closed_error:
            return None

    async def send(self, message):
        try:
            await self.connection.send(message)
        except self._closed_error:
            raise pump.ChannelClosed()

    async def close(self, code, reason):
        await wscompat.close(self.connection, code, reason, CLOSE_TIMEOUT)

    async def wait_closed(self):
        await self.connection.wait_closed()

    def peer_gone(self):
        return wscompat.peer_gone(self.connection)


class WebSocketListener(object):
    """Serves the shared ``sessions`` (``hub.SharedSessions``) to WebSocket clients.

    ``bind`` is the listening address, for the DNS-rebinding check.
    """

    def __init__(self, sessions, bind=None, compression=False):
        self.sessions = sessions
        self.bind = bind
        self.compression = compression
        self._server = None
        self._socket = None
        self._channels = set()

    @property
    def port(self):
        return self._socket.getsockname()[1] if self._socket is not None else None

    async def start(self, sock):
        """Serve on the (bound, not yet listening) socket ``sock``."""
        self._socket = sock
        self._server = await wscompat.serve(
            self._handle, sock, max_size=MAX_MESSAGE, max_queue=MAX_QUEUE,
            write_limit=WRITE_LIMIT, subprotocols=[protocol.BINARY_SUBPROTOCOL],
            compression=self.compression)
        log.debug('WebSocket listener on port %s (websockets %s implementation)',
                  self.port, wscompat.implementation())

    async def stop(self):
        """Stop listening; close every connection within ``CLOSE_TIMEOUT`` (then cut it)."""
        if self._server is not None:
            server, self._server = self._server, None
            await wscompat.close_server(server, list(self._channels), CLOSE_TIMEOUT)

    async def _handle(self, connection):
        wscompat.tune_socket(connection)
        channel = WebsocketsChannel(connection)
        self._channels.add(connection)
        try:
            await self._serve(connection, channel)
        finally:
            self._channels.discard(connection)

    async def _serve(self, connection, channel):
        info = pump.ConnectionInfo(
            path=wscompat.request_path(connection),
            headers=wscompat.request_headers(connection),
            peer=wscompat.peer(connection), subprotocol=connection.subprotocol)
        await pump.serve_connection(channel, self.sessions, info, bind=self.bind)
