"""WebSocket on aiohttp (the HTTP listener's ``<base>/ws``, and aiohttp host apps):
a thin adapter of ``web.WebSocketResponse`` to ``pump.Channel``; the behaviour is
``pump.serve_connection``'s, the same as on the separate websockets listener."""

import asyncio
import logging
import socket

from aiohttp import WSMsgType, web
from multidict import CIMultiDict

from . import browsercheck, protocol, pump, wscompat

log = logging.getLogger(__name__)

#: Largest client message (bytes), as on the websockets listener.
MAX_MESSAGE = 4 * 1024 * 1024
#: Seconds a closing handshake may take before the connection is cut.
CLOSE_TIMEOUT = 2.0

class AiohttpChannel(pump.ClosedByFlag):
    """An aiohttp WebSocket (after ``prepare``) as a ``pump.Channel``."""

    def __init__(self, request, ws):
        self.request = request
        self.ws = ws

    async def receive(self):
        message = await self.ws.receive()
        if message.type == WSMsgType.TEXT or message.type == WSMsgType.BINARY:
            return message.data
        self._mark_closed()
        return None

    async def send(self, message):
        if self.ws.closed:
            raise pump.ChannelClosed()
        try:
            if isinstance(message, str):
                await self.ws.send_str(message)
            else:
                await self.ws.send_bytes(message)
        except (ConnectionError, RuntimeError):
            self._mark_closed()
            raise pump.ChannelClosed()

    async def close(self, code, reason):
        try:
            await asyncio.wait_for(self.ws.close(code=code, message=reason.encode('utf-8')),
                                   CLOSE_TIMEOUT)
        except asyncio.TimeoutError:
            self.abort()
        finally:
            self._mark_closed()

    def abort(self):
        transport = self.request.transport
        if transport is not None:
            transport.abort()
        self._mark_closed()

    def peer_gone(self):
        transport = self.request.transport
        if transport is None:
            return True
        sock = transport.get_extra_info('socket')
        return sock is not None and wscompat.socket_peer_gone(sock)


def peer_of(request):
    """``host:port`` of an aiohttp request's client, for logs."""
    transport = request.transport
    address = transport.get_extra_info('peername') if transport is not None else None
    if not address:
        return request.remote or '?'
    return '%s:%s' % (address[0], address[1])


async def serve(request, sessions, bind=None, authorize=None, compress=False, host=None,
                origins=browsercheck.ANY_PORT):
    """Handle one WebSocket upgrade request; returns the response aiohttp expects.

    ``host``: the Host the client used, where a trusted proxy says it differs;
    ``origins``: the ``browsercheck.OriginPolicy`` of the browser check."""
    ws = web.WebSocketResponse(protocols=[protocol.BINARY_SUBPROTOCOL],
                               max_msg_size=MAX_MESSAGE, compress=compress,
                               autoping=True, heartbeat=None)
    await ws.prepare(request)
    sock = request.transport.get_extra_info('socket') if request.transport else None
    if sock is not None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
    channel = AiohttpChannel(request, ws)
    path = request.path_qs
    headers = request.headers
    if host is not None and host != headers.get('Host'):
        headers = CIMultiDict(headers)
        headers['Host'] = host
    info = pump.ConnectionInfo(path=path, headers=headers, peer=peer_of(request),
                               subprotocol=ws.ws_protocol)
    await pump.serve_connection(channel, sessions, info, bind=bind, authorize=authorize,
                                origins=origins)
    if not ws.closed:
        await channel.close(protocol.CLOSE_NORMAL, '')
    return ws
