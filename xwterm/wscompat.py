"""The differences between websockets 9.1 and 17.x that ws.py must not see.

websockets 13.0 added a new asyncio implementation (``websockets.asyncio``)
whose handlers take one argument and whose request lives in
``connection.request``; 14.0 made it the default and deprecated the
original one, which older releases only have (``websockets.legacy`` since
9.0, handlers called as ``handler(ws, path)``).  We use the new one where it
exists and the legacy one otherwise.
"""

import asyncio
import socket
import sys


def _new_serve():
    try:
        from websockets.asyncio.server import serve
    except ImportError:
        return None
    return serve


def _legacy_serve():
    try:
        from websockets.legacy.server import serve
    except ImportError:
        from websockets.server import serve
    return serve


def implementation():
    """``"asyncio"`` (websockets >= 13) or ``"legacy"``: what :func:`serve` uses."""
    return 'asyncio' if _new_serve() is not None else 'legacy'


async def serve(handler, sock, max_size, max_queue, write_limit, subprotocols=None,
                compression=False, ssl=None, check_request=None):
    """Start serving ``handler(connection)`` on the listening socket ``sock``
    (over TLS with the SSLContext ``ssl``).

    ``check_request(peer, path, headers)`` (a coroutine function) runs before the
    handshake is accepted: None lets it go on, ``(status, text, headers)`` answers
    that HTTP response instead and no WebSocket is opened.

    Keepalive pings are off: a client that is slow to read would miss its
    pongs and be dropped, and a slow client must never be disconnected for
    being slow (TCP keepalive on each connection finds dead peers instead).
    Compression (permessage-deflate) is off unless asked for: it costs a zlib
    context (hundreds of KiB) per connection and loopback/LAN use gains nothing.
    """
    options = dict(sock=sock, max_size=max_size, max_queue=max_queue,
                   write_limit=write_limit, ping_interval=None,
                   ping_timeout=None, compression='deflate' if compression else None,
                   subprotocols=subprotocols, ssl=ssl)
    new_serve = _new_serve()
    if new_serve is not None:
        if check_request is not None:
            options['process_request'] = _new_process_request(check_request)
        options.update(subprotocol_options(new_serve, subprotocols or ()))
        return await new_serve(handler, **options)

    async def legacy_handler(ws, path=None):
        await handler(ws)

    options['read_limit'] = 2 ** 16
    if check_request is not None:
        options['create_protocol'] = _legacy_checked_protocol(check_request)
    return await _legacy_serve()(legacy_handler, **options)


def _new_process_request(check_request):
    async def process_request(connection, request):
        refusal = await check_request(peer(connection), request.path, request.headers)
        if refusal is None:
            return None
        status, text, headers = refusal
        response = connection.respond(status, text + '\n')
        for name, value in headers.items():
            response.headers[name] = value
        return response
    return process_request


def _legacy_checked_protocol(check_request):
    """A legacy server protocol whose ``process_request`` knows the peer (the
    ``process_request`` argument of the legacy ``serve`` is not told it)."""
    import http
    try:
        from websockets.legacy.server import WebSocketServerProtocol
    except ImportError:
        from websockets.server import WebSocketServerProtocol

    class CheckedProtocol(WebSocketServerProtocol):
        async def process_request(self, path, request_headers):
            refusal = await check_request(peer(self), path, request_headers)
            if refusal is None:
                return None
            status, text, headers = refusal
            headers = dict(headers, **{'Content-Type': 'text/plain; charset=utf-8'})
            return http.HTTPStatus(status), headers, (text + '\n').encode('utf-8')
    return CheckedProtocol


def first_header(headers, name):
    """The first value of header ``name`` (None if absent), even when it is repeated."""
    get_all = getattr(headers, 'get_all', None)
    values = get_all(name) if get_all is not None else [headers.get(name)]
    values = [value for value in values if value is not None]
    return values[0] if values else None


def subprotocol_options(serve_function, subprotocols):
    """``serve()`` options offering ``subprotocols`` without requiring one: the new
    implementation's default refuses clients that offer none.  ``serve_function`` is
    the ``serve`` the options are for (``websockets.serve`` in a host program)."""
    options = {'subprotocols': list(subprotocols)}
    if serve_function is _new_serve():
        offered = set(subprotocols)

        def select_subprotocol(connection, client_subprotocols):
            for name in client_subprotocols:
                if name in offered:
                    return name
            return None
        options['select_subprotocol'] = select_subprotocol
    return options


def request_headers(connection):
    """The opening handshake's request headers (a case-insensitive mapping)."""
    request = getattr(connection, 'request', None)
    if request is not None and hasattr(request, 'headers'):
        return request.headers
    return connection.request_headers


def request_path(connection):
    request = getattr(connection, 'request', None)
    if request is not None and hasattr(request, 'path'):
        return request.path
    return getattr(connection, 'path', '/')


def tune_socket(connection):
    """TCP_NODELAY (keystrokes and echoes go out at once) and keepalive."""
    transport = getattr(connection, 'transport', None)
    sock = transport.get_extra_info('socket') if transport is not None else None
    if sock is None:
        return
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    except OSError:
        pass


def connection_closed_error():
    """The exception class raised by recv/send once the connection is closed."""
    from websockets.exceptions import ConnectionClosed
    return ConnectionClosed


def closed_future(connection):
    """The future every websockets version (legacy and asyncio) resolves once the
    connection is lost, as ``wait_closed()`` awaits it (without a coroutine per wait)."""
    return connection.connection_lost_waiter


def peer(connection):
    """``host:port`` of the client, for logs."""
    address = getattr(connection, 'remote_address', None)
    if not address:
        return '?'
    return '%s:%s' % (address[0], address[1])


#: TCP states (Linux ``tcpi_state``) in which the peer has closed or reset the connection.
_PEER_CLOSED_STATES = frozenset([7, 8, 9])   # CLOSE, CLOSE_WAIT, LAST_ACK
_TCP_INFO = getattr(socket, 'TCP_INFO', 11)


def peer_gone(connection):
    """Whether the kernel knows the peer closed the connection (it sent FIN or RST),
    even while the library is not reading (Linux; elsewhere always False)."""
    transport = getattr(connection, 'transport', None)
    sock = transport.get_extra_info('socket') if transport is not None else None
    return sock is not None and socket_peer_gone(sock)


def socket_peer_gone(sock):
    """``peer_gone`` for a connected TCP socket (other sockets: unknown, False)."""
    if not sys.platform.startswith('linux'):
        return False
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return False
    try:
        state = bytes(sock.getsockopt(socket.IPPROTO_TCP, _TCP_INFO, 1))
    except OSError:
        return True
    return state[:1] != b'' and state[0] in _PEER_CLOSED_STATES


def abort(connection):
    """Cut the connection now: no closing handshake, nothing more is sent."""
    transport = getattr(connection, 'transport', None)
    if transport is not None:
        transport.abort()


async def close(connection, code, reason, timeout):
    """Close with ``code``/``reason``; a peer that does not take the close frame
    (it stopped reading) within ``timeout`` seconds is cut off."""
    try:
        await asyncio.wait_for(connection.close(code, reason), timeout)
    except asyncio.TimeoutError:
        abort(connection)


async def close_server(server, connections, timeout):
    """Stop listening, close ``connections`` (1001) within ``timeout`` seconds each,
    then wait for the handlers -- cutting whatever is still open after that."""
    server.close()
    if connections:
        await asyncio.gather(*[close(connection, 1001, 'server stopping', timeout)
                               for connection in connections])
    try:
        await asyncio.wait_for(asyncio.shield(server.wait_closed()), timeout)
    except asyncio.TimeoutError:
        for connection in connections:
            abort(connection)
        await server.wait_closed()
