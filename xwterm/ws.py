"""The WebSocket listener: one new session per connection, on any path.

Two pumps per connection, run as one AsyncJob:

* output: ``session.read()`` -> ``{"text": ...}`` frame, and the next read
  only after the send has been accepted by the transport.  A client that
  stops reading therefore stops the shell (it blocks writing to its pty),
  and the server holds at most one chunk (64 KiB) plus the transport's
  write buffer (``WRITE_LIMIT``) per connection.
* input: frames -> ``session.write`` / ``session.resize``.  Writes wait
  when the shell's input is full, and while they wait no frame is read:
  backpressure reaches the client through TCP.

When the shell exits the remaining output is sent and the socket closes
with 1000 and ``exit STATUS`` as the reason.  When the client goes away the
session is closed and its shell reaped.
"""

import logging

from . import protocol, wscompat
from .exceptions import ProtocolError, SessionClosedError, SessionLimitError, TerminalError
from .job import AsyncJob

log = logging.getLogger(__name__)

#: Largest client message (bytes).  Bigger frames close the connection with
#: 1009 "message too big".  Large enough for a 1 MiB paste in one frame.
MAX_MESSAGE = 4 * 1024 * 1024

#: Incoming frames websockets buffers before it stops reading the socket.
MAX_QUEUE = 2

#: Bytes of outgoing frames buffered before ``send`` waits.
WRITE_LIMIT = 64 * 1024

CLOSE_POLICY = 1008
CLOSE_INTERNAL = 1011
CLOSE_TRY_AGAIN = 1013


class WebSocketListener(object):
    """Serves sessions of ``registry`` to WebSocket clients.

    ``bind`` is the listening address, for the DNS-rebinding check.
    """

    def __init__(self, registry, bind=None):
        self.registry = registry
        self.bind = bind
        self._server = None
        self._socket = None

    @property
    def port(self):
        return self._socket.getsockname()[1] if self._socket is not None else None

    async def start(self, sock):
        """Serve on the (bound, not yet listening) socket ``sock``."""
        self._socket = sock
        self._server = await wscompat.serve(
            self._handle, sock, max_size=MAX_MESSAGE, max_queue=MAX_QUEUE,
            write_limit=WRITE_LIMIT)
        log.debug('WebSocket listener on port %s (websockets %s implementation)',
                  self.port, wscompat.implementation())

    async def stop(self):
        """Stop listening and wait for every connection handler to finish."""
        if self._server is not None:
            server, self._server = self._server, None
            await wscompat.close_server(server)

    async def _handle(self, connection):
        wscompat.tune_socket(connection)
        headers = wscompat.request_headers(connection)
        if not protocol.request_allowed(headers.get('Origin'), headers.get('Host'),
                                        self.bind):
            log.warning('WebSocket refused: origin %r, host %r',
                        headers.get('Origin'), headers.get('Host'))
            await connection.close(CLOSE_POLICY, 'origin or host not allowed')
            return
        try:
            size = protocol.ws_initial_size(wscompat.request_path(connection))
        except ProtocolError as error:
            log.warning('WebSocket: ignoring the size in the URL: %s', error)
            size = None
        try:
            session = self.registry.create(size=size)
        except SessionLimitError as error:
            await connection.close(CLOSE_TRY_AGAIN, str(error)[:120])
            return
        try:
            await self._serve(connection, session)
        finally:
            await session.close()
            log.info('WebSocket session %s ended (exit %s)',
                     session.id, session.exit_status)

    async def _serve(self, connection, session):
        try:
            await session.start()
        except TerminalError as error:
            log.error('cannot start %s: %s', session.command, error)
            await connection.close(CLOSE_INTERNAL, 'cannot start the shell')
            return
        log.info('WebSocket session %s: pid %s', session.id, session.pid)
        job = AsyncJob(name='ws:%s' % session.id)
        job.add(self._output(connection, session), name='output')
        job.add(self._input(connection, session), name='input')
        # The input pump may be blocked in a write the shell never drains and so never
        # see the close (the server's own at shutdown, or the client's): end on it too.
        job.add(connection.wait_closed(), name='closed')
        try:
            await job.wait()
        finally:
            await job.close()
        error = job.exception()
        if error is not None and not isinstance(error, wscompat.connection_closed_error()):
            log.error('WebSocket session %s: %r', session.id, error, exc_info=error)

    async def _output(self, connection, session):
        """Shell -> client, one chunk in flight at a time; then the close."""
        while True:
            text = await session.read()
            if not text:
                break
            await connection.send(protocol.frame_output(text))
        status = await session.wait()
        await connection.close(protocol.CLOSE_NORMAL, protocol.close_reason(status))

    async def _input(self, connection, session):
        """Client -> shell until the client goes away."""
        closed = wscompat.connection_closed_error()
        while True:
            try:
                message = await connection.recv()
            except closed:
                return
            parsed = protocol.parse_ws_message(message)
            try:
                if parsed.size is not None:
                    session.resize(parsed.size)
                if parsed.text:
                    await session.write(parsed.text)
            except SessionClosedError:
                log.debug('input for session %s after its shell ended', session.id)
