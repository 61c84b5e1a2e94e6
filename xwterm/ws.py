"""The WebSocket listener (the ``websockets`` package): a thin adapter over ``pump``.

A connection gets a new session, or attaches to a running one with
``?session=ID&token=TOKEN`` (on any path; ``size=LINESxCOLUMNS`` sizes a new
session).  Clients that offer the ``xwterm.binary`` subprotocol get the binary
framing (``protocol.BinaryOutput``); everyone else the original JSON framing.
What happens on the connection is ``pump.serve``'s job.
"""

import logging

from . import auth, browsercheck, protocol, pump, wscompat
from .exceptions import ProtocolError

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

    def closed_future(self):
        return wscompat.closed_future(self.connection)

    def peer_gone(self):
        return wscompat.peer_gone(self.connection)


class WebSocketListener(object):
    """Serves the shared ``sessions`` (``hub.SharedSessions``) to WebSocket clients.

    ``bind`` is the listening address, for the DNS-rebinding check.  With an
    ``authenticator`` the handshake needs the login (else it is answered 401, 403 or
    429 and no WebSocket opens), except for a session link's ``?session=ID&key=KEY``
    unless ``links_need_login``; ``readonly``: nobody may type.  ``origins``: the
    ``browsercheck.OriginPolicy`` of browser pages (the page's port is the HTTP listener's).
    """

    def __init__(self, sessions, bind=None, compression=False, authenticator=None,
                 readonly=False, origins=browsercheck.ANY_PORT, links_need_login=False):
        self.sessions = sessions
        self.links_open = not links_need_login
        self.origins = origins
        self.bind = bind
        self.compression = compression
        self.auth = authenticator
        self.readonly = readonly
        self._server = None
        self._socket = None
        self._channels = set()

    @property
    def port(self):
        return self._socket.getsockname()[1] if self._socket is not None else None

    async def start(self, sock, ssl_context=None):
        """Serve on the (bound, not yet listening) socket ``sock`` (TLS with ``ssl_context``)."""
        self._socket = sock
        self._server = await wscompat.serve(
            self._handle, sock, max_size=MAX_MESSAGE, max_queue=MAX_QUEUE,
            write_limit=WRITE_LIMIT, subprotocols=[protocol.BINARY_SUBPROTOCOL],
            compression=self.compression, ssl=ssl_context,
            check_request=self._check_handshake)
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

    async def _check_handshake(self, peer, path, headers):
        """None to accept the handshake; else the HTTP refusal ``(status, text, headers)``."""
        repeated = browsercheck.repeated_header(headers)
        if repeated is not None:
            log.warning('WebSocket handshake from %s refused: %s header given twice', peer,
                        repeated)
            return 400, 'malformed request: %s given twice' % repeated, {}
        origin, host = headers.get('Origin'), headers.get('Host')
        if not browsercheck.request_allowed(origin, host, self.bind, self.origins):
            log.warning('WebSocket handshake from %s refused: origin %r, host %r', peer,
                        origin, host)
            return 403, 'origin or host not allowed', {}
        if self.auth is None:
            return None
        try:
            query = protocol.ws_query(path)
        except ProtocolError:
            query = {}          # refused after the handshake, with the reason
        if self.links_open and self.sessions.link_admits(query):
            return None         # a session link: its key is the whole permission
        cookies = auth.parse_cookies(wscompat.first_header(headers, 'Cookie'))
        presented = {'Authorization': wscompat.first_header(headers, 'Authorization')}
        credential = auth.extract(presented, cookies, query)
        if (self.links_open and credential is None and 'session' in query
                and protocol.session_key(query)):
            return 403, 'this session link no longer works', {}
        verdict = await self.auth.authenticate(credential, peer, 'WebSocket handshake')
        if verdict == auth.ALLOWED:
            return None
        if verdict == auth.LIMITED:
            return 429, 'too many failed logins', {
                'Retry-After': str(self.auth.retry_after(peer))}
        if verdict == auth.DENIED:
            return 403, 'wrong %s' % self.auth.mode, {}
        return 401, 'login required', {'WWW-Authenticate': 'Bearer realm="xwterm"'}

    def _permit(self, info):
        return pump.Permit(readonly=True)

    async def _serve(self, connection, channel):
        path = wscompat.request_path(connection)
        try:
            if auth.query_secret(protocol.ws_query(path)) is not None:
                path = auth.without_token(path)     # the login token, not a session's
        except ProtocolError:
            pass                                    # attaching refuses it, with the reason
        info = pump.ConnectionInfo(
            path=path,
            headers=wscompat.request_headers(connection),
            peer=wscompat.peer(connection), subprotocol=connection.subprotocol)
        await pump.serve_connection(channel, self.sessions, info, bind=self.bind,
                                    authorize=self._permit if self.readonly else None,
                                    origins=self.origins)


def serve_options(serve_function=None):
    """The options a host program's ``websockets.serve`` needs for our framings:
    ``websockets.serve(connection_handler(sessions), host, port, **serve_options())``."""
    if serve_function is None:
        import websockets
        serve_function = websockets.serve
    return wscompat.subprotocol_options(serve_function, [protocol.BINARY_SUBPROTOCOL])


def connection_handler(sessions, authorize=None, bind=None):
    """A handler for a host program's own ``websockets.serve`` (any websockets version
    from 9.1), with :func:`serve_options`.  ``authorize`` as in
    ``pump.serve_connection``."""
    async def handle(connection, path=None):
        wscompat.tune_socket(connection)
        info = pump.ConnectionInfo(
            path=path or wscompat.request_path(connection),
            headers=wscompat.request_headers(connection),
            peer=wscompat.peer(connection), subprotocol=connection.subprotocol)
        await pump.serve_connection(WebsocketsChannel(connection), sessions, info,
                                    bind=bind, authorize=authorize)
    return handle
