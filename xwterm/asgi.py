"""xwterm as an ASGI 3 application (Starlette, FastAPI, Django Channels; uvicorn,
hypercorn): WebSocket terminals at any path, HTTP long-polling (``?console``, POST,
``?config``) and lifespan, with nothing but the standard library.

    from xwterm.asgi import XwtermApp
    app = XwtermApp(command=['/bin/bash'])            # uvicorn module:app

Mounted in another application (which passes no lifespan events to it), end the
sessions at shutdown with ``await app.close()``.  The WebSocket behaviour is
``pump.serve_connection``'s: the same protocol, framings and rules as the
websockets listener.
"""

import asyncio
import http.cookies
import logging
import urllib.parse

from . import __version__, browsercheck, protocol, pump
from .appearance import Appearance
from .hub import DEFAULT_DETACH_TIMEOUT, SharedSessions, session_factory
from .polling import (COOKIE, LongPolling, PollAnswer, PollRequest, error_answer,
                      refusal_answer)
from .session import SessionRegistry

log = logging.getLogger(__name__)

#: Seconds a closing handshake may take (the server then drops the connection).
CLOSE_TIMEOUT = 2.0


class _Headers(dict):
    """ASGI headers as a case-insensitive mapping (first value wins)."""

    def __init__(self, raw):
        super(_Headers, self).__init__()
        for name, value in raw or ():
            key = name.decode('latin-1').lower()
            if key not in self:
                dict.__setitem__(self, key, value.decode('latin-1'))

    def get(self, name, default=None):
        return dict.get(self, name.lower(), default)


class AsgiChannel(pump.ClosedByFlag):
    """An ASGI WebSocket connection as a ``pump.Channel``; accepted on first use, so a
    refusal before that is a refused handshake (HTTP 403)."""

    def __init__(self, receive, send, subprotocol):
        self._receive = receive
        self._send = send
        self._subprotocol = subprotocol
        self._accepted = False

    async def _accept(self):
        if not self._accepted:
            self._accepted = True
            message = {'type': 'websocket.accept'}
            if self._subprotocol is not None:
                message['subprotocol'] = self._subprotocol
            await self._send(message)

    async def receive(self):
        if self.closed_future().done():
            return None
        await self._accept()
        message = await self._receive()
        if message['type'] == 'websocket.receive':
            text = message.get('text')
            return text if text is not None else message.get('bytes')
        self._mark_closed()
        return None

    async def send(self, message):
        if self.closed_future().done():
            raise pump.ChannelClosed()
        try:
            await self._accept()
            if isinstance(message, str):
                await self._send({'type': 'websocket.send', 'text': message})
            else:
                await self._send({'type': 'websocket.send', 'bytes': bytes(message)})
        except (OSError, RuntimeError):
            self._mark_closed()
            raise pump.ChannelClosed()

    async def close(self, code, reason):
        if self.closed_future().done():
            return
        self._mark_closed()
        try:
            await _within(self._send({'type': 'websocket.close', 'code': code,
                                      'reason': reason}), CLOSE_TIMEOUT)
        except (OSError, RuntimeError):
            pass


async def _within(awaitable, seconds):
    try:
        await asyncio.wait_for(awaitable, seconds)
    except asyncio.TimeoutError:
        log.info('closing handshake took longer than %.0f s: left to the server', seconds)


class XwtermApp(object):
    """The ASGI application.

    ``command``, ``env``, ``cwd``: what new sessions run (defaults: the user's shell).
    ``authorize(info)``: optional function or coroutine function of a
    ``pump.ConnectionInfo``, returning a ``pump.Permit`` (read-only, command, env, cwd
    for this request) or None to refuse.  ``sessions``: share a ``SharedSessions``
    with other listeners (else the app makes its own on first use).  ``appearance``: the
    page's theme and font in ``?config`` (``appearance.Appearance``).

    Browser requests (those with an ``Origin``) are accepted from the app's own origin
    (scheme, host and port of the request) and from ``allowed_origins``
    (``'https://app.example:8443'``...): another web site, or another app on the same
    host, cannot drive a shell with the user's cookies.
    """

    def __init__(self, command=None, env=None, cwd=None, authorize=None, sessions=None,
                 detach_timeout=DEFAULT_DETACH_TIMEOUT, max_sessions=256, appearance=None,
                 allowed_origins=()):
        self.command = command
        self.allowed_origins = tuple(allowed_origins)
        self.appearance = appearance or Appearance()
        self.env = env
        self.cwd = cwd
        self.authorize = authorize
        self.detach_timeout = detach_timeout
        self.max_sessions = max_sessions
        self._sessions = sessions
        self._polling = None

    @property
    def polling(self):
        if self._polling is None:
            self._polling = LongPolling(self.sessions)
        return self._polling

    @property
    def sessions(self):
        if self._sessions is None:
            registry = SessionRegistry(factory=session_factory(self.command, self.env,
                                                               self.cwd),
                                       max_sessions=self.max_sessions)
            self._sessions = SharedSessions(registry, detach_timeout=self.detach_timeout)
        return self._sessions

    async def close(self):
        """End every session and reap every shell (the host's shutdown)."""
        if self._polling is not None:
            self._polling.close()
        if self._sessions is not None:
            await self._sessions.close_all()

    def _origins(self, scope):
        return browsercheck.OriginPolicy(
            secure=scope.get('scheme') in ('https', 'wss'), allowed=self.allowed_origins)

    async def __call__(self, scope, receive, send):
        kind = scope['type']
        if kind == 'lifespan':
            await self._lifespan(receive, send)
        elif kind == 'websocket':
            await self._websocket(scope, receive, send)
        elif kind == 'http':
            await self._http(scope, receive, send)

    async def _lifespan(self, receive, send):
        while True:
            message = await receive()
            if message['type'] == 'lifespan.startup':
                await send({'type': 'lifespan.startup.complete'})
            elif message['type'] == 'lifespan.shutdown':
                await self.close()
                await send({'type': 'lifespan.shutdown.complete'})
                return

    async def _websocket(self, scope, receive, send):
        connect = await receive()
        if connect['type'] != 'websocket.connect':
            return
        offered = scope.get('subprotocols') or ()
        subprotocol = (protocol.BINARY_SUBPROTOCOL
                       if protocol.BINARY_SUBPROTOCOL in offered else None)
        channel = AsgiChannel(receive, send, subprotocol)
        query = scope.get('query_string') or b''
        path = scope.get('path', '/') + ('?' + query.decode('latin-1') if query else '')
        client = scope.get('client')
        peer = '%s:%s' % (client[0], client[1]) if client else '?'
        info = pump.ConnectionInfo(path=path, headers=_Headers(scope.get('headers')),
                                   peer=peer, subprotocol=subprotocol)
        await pump.serve_connection(channel, self.sessions, info, authorize=self.authorize,
                                    origins=self._origins(scope))


    async def _http(self, scope, receive, send):
        """Long-polling (``xwterm.polling``); the page itself is the host's to serve."""
        headers = _Headers(scope.get('headers'))
        raw_query = (scope.get('query_string') or b'').decode('latin-1')
        query = dict((key, values[0]) for key, values in
                     urllib.parse.parse_qs(raw_query, keep_blank_values=True).items())
        client = scope.get('client')
        peer = client[0] if client else None
        try:
            answer = await self._answer_http(scope, receive, headers, query, peer)
        except pump.Refusal:
            answer = error_answer(403, 'not allowed')
        except Exception as error:
            answer = refusal_answer(error)
            if answer is None:
                raise
            log.warning('HTTP %s from %s: %s', scope.get('method'), peer, error)
        await _respond(send, answer)

    async def _answer_http(self, scope, receive, headers, query, peer):
        parsed = protocol.parse_http_query(query)
        if not browsercheck.request_allowed(headers.get('Origin'), headers.get('Host'), None,
                                            self._origins(scope)):
            return error_answer(403, 'origin not allowed')
        path = scope.get('path', '/')
        info = pump.ConnectionInfo(path=path, headers=headers, peer=peer)
        permit = await pump.decide(self.authorize, info)
        method = scope.get('method')
        if parsed.action == 'config':
            return PollAnswer(200, protocol.json_dumps({
                'version': __version__, 'websocket': None, 'same_origin_websocket': 'ws',
                'appearance': self.appearance.as_config()}))
        if parsed.action != 'poll' and not (method == 'POST' and parsed.action == 'file'):
            return error_answer(404, 'xwterm here: long-polling (?console), POST, ?config '
                                     'and WebSocket')
        cookies = http.cookies.SimpleCookie()
        try:
            cookies.load(headers.get('Cookie') or '')
        except http.cookies.CookieError:
            pass
        cookie = cookies.get(COOKIE)
        length = headers.get('Content-Length')
        request = PollRequest(
            query=query, cookie_session=cookie.value if cookie is not None else None,
            remote=peer, content_type=headers.get('Content-Type'),
            content_length=int(length) if length and length.isdigit() else None,
            read_chunk=_body_reader(receive), permit=permit)
        if method == 'POST':
            return await self.polling.post(request, parsed)
        if method == 'GET':
            return await self.polling.poll(request, parsed)
        return error_answer(405, 'method not allowed')


def _body_reader(receive):
    """``read_chunk`` for a PollRequest: the next ``http.request`` body part."""
    state = {'done': False}

    async def read_chunk():
        while not state['done']:
            message = await receive()
            if message['type'] != 'http.request':
                state['done'] = True
                return b''
            state['done'] = not message.get('more_body', False)
            body = message.get('body', b'')
            if body:
                return body
        return b''
    return read_chunk


async def _respond(send, answer):
    body = answer.body.encode('utf-8')
    headers = [(b'content-type', b'application/json; charset=utf-8'),
               (b'content-length', str(len(body)).encode('ascii')),
               (b'cache-control', b'no-store')]
    if answer.cookie is not None:
        headers.append((b'set-cookie', ('%s=%s; Path=/; HttpOnly; SameSite=Strict'
                                        % (COOKIE, answer.cookie)).encode('ascii')))
    await send({'type': 'http.response.start', 'status': answer.status, 'headers': headers})
    await send({'type': 'http.response.body', 'body': body})
