"""The differences between websockets 9.1 and 17.x that ws.py must not see.

websockets 13.0 added a new asyncio implementation (``websockets.asyncio``)
whose handlers take one argument and whose request lives in
``connection.request``; 14.0 made it the default and deprecated the
original one, which older releases only have (``websockets.legacy`` since
9.0, handlers called as ``handler(ws, path)``).  We use the new one where it
exists and the legacy one otherwise.
"""

import socket


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


async def serve(handler, sock, max_size, max_queue, write_limit):
    """Start serving ``handler(connection)`` on the listening socket ``sock``.

    Keepalive pings are off: a client that is slow to read would miss its
    pongs and be dropped, and a slow client must never be disconnected for
    being slow (TCP keepalive on each connection finds dead peers instead).
    Compression is off: it costs a zlib context (hundreds of KiB) per
    connection and the loopback/LAN use case gains nothing from it.
    """
    options = dict(sock=sock, max_size=max_size, max_queue=max_queue,
                   write_limit=write_limit, ping_interval=None,
                   ping_timeout=None, compression=None)
    new_serve = _new_serve()
    if new_serve is not None:
        return await new_serve(handler, **options)

    async def legacy_handler(ws, path=None):
        await handler(ws)

    options['read_limit'] = 2 ** 16
    return await _legacy_serve()(legacy_handler, **options)


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


async def close_server(server):
    """Stop listening, close open connections (1001) and wait for handlers."""
    server.close()
    await server.wait_closed()
