"""The HTTP listener (aiohttp): the page, and shells over long-polling.

Requests (any path; the query decides, see protocol.parse_http_query):

* ``GET ?size=LINESxCOLUMNS&session=H`` resize (start the shell if needed),
  then answer like a poll.
* ``GET ?console&session=H[&wait=SECONDS]`` -> ``{"text": pending}``, at once
  or, with ``wait``, when output arrives / the time is up; ``"exit": status``
  is added once the shell has exited and all its output was delivered.
* ``POST ?session=H`` raw UTF-8 keystrokes (an ``application/json`` body
  ``{"text", "size"}`` is decoded) -> 200.
* ``GET ?sessions``, ``GET ?kill=ID``, ``GET ?config``.
* Any other GET: a file of the document root.

The session is ``session=``, else the ``session_id`` cookie, else a new one
(whose id is then set as the cookie).
"""

import asyncio
import collections
import inspect
import logging
import socket
import time

from aiohttp import web

from . import __version__, aiohttp6978, auth, docroot, protocol
from .compat import get_running_loop
from .exceptions import (AccessDeniedError, ClientLimitError, InvalidSessionIdError,
                         PayloadTooLargeError, PeerTimeoutError, ProtocolError, ReadOnlyError,
                         SessionClosedError, SessionError, SessionLimitError, TerminalError)
from .httpauth import HttpDoor, PageHeaders, is_page_visit
from .hub import READ, SUPERSEDED, WRITE
from .transfer import Transfers

log = logging.getLogger(__name__)

#: Largest request body (bytes): a 1 MiB paste fits with room to spare.
MAX_BODY = 4 * 1024 * 1024

#: Request bodies are read (and typed) in chunks of this many bytes.
BODY_CHUNK = 64 * 1024
#: Seconds a client may pause while sending a request body.
BODY_TIMEOUT = 30.0
#: Seconds a POST may wait for the shell to take its input before it is refused (503).
INPUT_TIMEOUT = 30.0
#: Seconds a new connection has to send its first complete request head (slowloris).
HEAD_TIMEOUT = 10.0
#: Seconds an idle keep-alive connection is kept after a response.
KEEPALIVE_TIMEOUT = 30.0
#: Seconds requests in flight get to finish when the listener stops (then cancelled).
SHUTDOWN_TIMEOUT = 2.0
#: Document-root files are streamed in chunks of this many bytes (or sent by sendfile).
FILE_CHUNK = 64 * 1024

#: Ended sessions remembered so that the next request for one reports the end (at most).
MAX_ENDED = 1024

#: Default seconds without a request after which a polled client is detached (and a
#: session of the original protocol, which nobody can reattach to, ends).
DEFAULT_IDLE_TIMEOUT = 120.0

#: Backlog (bytes) below which a polled client lets its session read more output.
DEFAULT_POLL_PACE = 256 * 1024

COOKIE = 'session_id'

_JSON = 'application/json'


def _json_response(body, status=200):
    return web.Response(text=body, status=status, content_type=_JSON,
                        charset='utf-8', headers={'Cache-Control': 'no-store'})


def _error(status, message):
    return _json_response(protocol.json_dumps({'error': message}), status=status)


def _set_nodelay(request):
    transport = request.transport
    sock = transport.get_extra_info('socket') if transport is not None else None
    if sock is not None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass


class PolledClient(object):
    """The HTTP side of one client of a shared session: its framing and its clock.

    ``client_id`` is the page's ``client=`` (one per tab), or '' for the original
    protocol, where the session id alone names the session's one polled client.
    """

    __slots__ = ('hub', 'client', 'client_id', 'framing', 'last_seen', 'active', 'introduced',
                 '_typing')

    def __init__(self, hub, client, client_id, now):
        self.hub = hub
        self.client = client
        self.client_id = client_id
        self.framing = protocol.JsonOutput()
        self.last_seen = now
        self.active = 0
        self.introduced = False
        self._typing = None

    async def take_turn_to_type(self):
        """Wait (at most ``INPUT_TIMEOUT``) until no other POST of this client is typing;
        then this one reads its body.  Returns the lock to release."""
        if self._typing is None:
            self._typing = asyncio.Lock()
        await asyncio.wait_for(self._typing.acquire(), INPUT_TIMEOUT)
        return self._typing

    @property
    def key(self):
        return (self.hub.id, self.client_id)

    def answer(self, delivery):
        """The JSON text of a poll answer for ``delivery``.

        The original protocol gets exactly ``{"text"}`` (plus ``"exit"`` at the end);
        our page (``client=``) also learns the tokens once, size changes and the end reason.
        """
        frame = {'text': self.framing.text(delivery)}
        if delivery.end is not None:
            frame['exit'] = self.hub.session.exit_status
        if self.client_id:
            if not self.introduced:
                self.introduced = True
                frame.update(protocol.attach_fields(
                    self.hub.id, self.hub.size, self.hub.token, self.hub.readonly_token,
                    self.client.readonly))
            if delivery.size is not None:
                frame['size'] = protocol.format_size(delivery.size)
            if delivery.end is not None:
                frame['end'] = delivery.end
        return protocol.json_dumps(frame)


class HttpListener(object):
    """The aiohttp application over shared sessions (``hub.SharedSessions``).

    ``bind`` is the listening address, for the DNS-rebinding check of
    ``protocol.host_allowed``.  ``websocket_info()`` returns ``{"port": N, "path": "/"}``
    or ``None`` for ``/?config``.  A polled client without a request for
    ``idle_timeout`` seconds (0: never) is detached; one timer, set for the earliest
    expiry, does that (no periodic tick).  With an ``authenticator`` (``auth``) every
    request needs the login; ``secure``: served over TLS; ``readonly``: nobody types.
    """

    def __init__(self, sessions, docroot_dir, idle_timeout=DEFAULT_IDLE_TIMEOUT,
                 websocket_info=None, pace_limit=DEFAULT_POLL_PACE, bind=None, transfers=None,
                 authenticator=None, secure=False, readonly=False):
        self.sessions = sessions
        self.door = HttpDoor(authenticator, secure) if authenticator is not None else None
        self.readonly = readonly
        self.page_headers = PageHeaders()
        self.transfers = transfers if transfers is not None else Transfers()
        self.registry = sessions.registry
        self.bind = bind
        self.docroot = docroot_dir
        self.idle_timeout = idle_timeout
        self.websocket_info = websocket_info or (lambda: None)
        self.pace_limit = pace_limit
        self._polled = {}
        self._ended = collections.OrderedDict()
        self._reaper = None
        self._reaper_at = None
        self._runner = None
        self._server = None
        self._connections = set()
        self._socket = None
        sessions.end_callbacks.append(self._session_ended)

    # -- lifecycle ---------------------------------------------------------

    def make_app(self):
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_route('*', '/{tail:.*}', self._dispatch)
        return app

    @property
    def port(self):
        return self._socket.getsockname()[1] if self._socket is not None else None

    async def start(self, sock, ssl_context=None):
        """Serve on the bound socket ``sock``."""
        self._socket = sock
        aiohttp6978.apply()
        self._runner = web.AppRunner(self.make_app(), **_runner_options())
        await self._runner.setup()
        handler_factory = self._runner.server
        self._connections = set()

        def guarded():
            return FirstRequestDeadline(handler_factory(), HEAD_TIMEOUT, self._connections)
        self._server = await get_running_loop().create_server(
            guarded, sock=sock, ssl=ssl_context)

    async def stop(self):
        """Stop listening, answer waiting polls, give requests in flight
        ``SHUTDOWN_TIMEOUT`` seconds, then cut every connection still open."""
        if self._reaper is not None:
            self._reaper.cancel()
            self._reaper = None
        for polled in list(self._polled.values()):
            self._drop(polled)
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.server.shutdown(SHUTDOWN_TIMEOUT)
            for connection in list(self._connections):
                connection.abort()
            await runner.cleanup()
        for polled in list(self._polled.values()):
            self._drop(polled)

    # -- dispatch ----------------------------------------------------------

    async def _dispatch(self, request):
        _set_nodelay(request)
        try:
            if self.door is not None:
                refused = await self._at_the_door(request)
                if refused is not None:
                    return refused
            query = protocol.parse_http_query(request.query)
            if request.method == 'POST':
                return await self._post(request, query)
            if request.method == 'PUT':
                return await self._put(request, query)
            if request.method not in ('GET', 'HEAD'):
                return _error(405, 'method not allowed')
            if not self._allowed(request):
                return _error(403, 'origin or host not allowed')
            if query.action == 'file':
                return await self._file(request)
            if request.method == 'HEAD':
                return _error(405, 'HEAD would discard output: use GET')
            if query.action == 'download':
                return await self.transfers.download(request, self._transfer_session(request))
            if query.action == 'config':
                return _json_response(protocol.json_dumps({
                    'version': __version__, 'websocket': self.websocket_info()}))
            if query.action in ('sessions', 'kill') and self.readonly:
                return _error(403, 'read-only server: ?%s needs full access' % query.action)
            if query.action == 'sessions':
                return self._sessions()
            if query.action == 'kill':
                return await self._kill(query.kill)
            return await self._poll(request, query)
        except (ProtocolError, InvalidSessionIdError) as error:
            log.warning('HTTP %s %s from %s: %s', request.method, request.path,
                        request.remote, error)
            return _error(protocol.http_status(error), str(error))
        except PeerTimeoutError as error:
            log.warning('HTTP %s from %s: %s', request.method, request.remote, error)
            return _error(408, str(error))
        except (SessionLimitError, ClientLimitError) as error:
            return _error(503, str(error))
        except (ReadOnlyError, AccessDeniedError) as error:
            return _error(403, str(error))
        except SessionError as error:
            return _error(409, str(error))
        except TerminalError as error:
            log.error('cannot start a shell: %s', error)
            return _error(500, 'cannot start the shell: %s' % error)

    async def _at_the_door(self, request):
        """The login form, or the door's check of any other request (None: pass)."""
        if request.method == 'POST' and auth.LOGIN_QUERY in request.query:
            if not self._allowed(request):
                return _error(403, 'origin or host not allowed')
            return await self.door.login(request)
        try:
            query = protocol.parse_http_query(request.query)
        except ProtocolError:
            query = None
        return await self.door.check(request, is_page_visit(request, query))

    async def _file(self, request):
        try:
            path, content_type = docroot.resolve(self.docroot, request.raw_path)
        except docroot.NotFound as refusal:
            log.debug('not serving %r: %s', request.raw_path, refusal.reason)
            return _error(refusal.status, 'not found')
        headers = await self.page_headers.headers(path, content_type)
        headers.update({'Content-Type': content_type, 'Cache-Control': 'no-cache'})
        return web.FileResponse(path, chunk_size=FILE_CHUNK, headers=headers)

    def _sessions(self):
        """A JSON array in the original server's shape (``sid``, ``ty`` true for a WebSocket
        session, ``sz`` COLUMNSxLINES, ``dt`` start time, ``tm`` seconds since last seen),
        with our own keys beside them."""
        now = get_running_loop().time()
        polled = {}
        for item in self._polled.values():
            polled.setdefault(item.hub.id, []).append(item)
        listed = []
        for session in self.registry.sessions():
            info = session.info()
            hub = self.sessions.get(session.id)
            clients = hub.clients if hub is not None else []
            http_clients = [item.client for item in polled.get(session.id, ())]
            websocket_clients = [client for client in clients if client not in http_clients]
            seen = [item.last_seen for item in polled.get(session.id, ())]
            if hub is not None and hub.last_active is not None:
                seen.append(hub.last_active)
            info.update(
                sid=session.id, ty=bool(websocket_clients) or not http_clients,
                sz='%dx%d' % (session.size.columns, session.size.lines),
                dt=time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(session.created)),
                tm=0 if websocket_clients or not seen else round(now - max(seen), 1),
                http=bool(http_clients), clients=len(clients))
            listed.append(info)
        return _json_response(protocol.json_dumps(listed))

    async def _put(self, request, query):
        """Uploads (xwterm.transfer): ``PUT /NAME``, or into a session's current directory."""
        if not self._allowed(request):
            return _error(403, 'origin or host not allowed')
        if self.readonly:
            raise ReadOnlyError('read-only server: no uploads')
        if query.action == 'upload':
            return await self.transfers.put(request, self._transfer_session(request))
        if query.action != 'file':
            return _error(405, 'PUT /NAME uploads a file; other requests use GET or POST')
        return await self.transfers.put(request)

    def _transfer_session(self, request):
        """The session a transfer works in; only its full (typing) token opens it."""
        attach = protocol.parse_attach(request.query)
        hub = self.sessions.get(attach.session_id) if attach.session_id else None
        if hub is None:
            raise SessionClosedError('no such session: give session=ID&token=TOKEN')
        if self._check_token(hub, attach.token) != WRITE or self.readonly:
            raise ReadOnlyError('a read-only token cannot transfer files')
        return hub

    async def _kill(self, session_id):
        if not await self.sessions.kill(session_id):
            return _error(404, 'no session %s' % session_id)
        return _json_response(protocol.json_dumps({'killed': session_id}))

    # -- polled clients ----------------------------------------------------

    @staticmethod
    def _requested(request, query):
        """The attach request: ``session=``, else a well-formed ``session_id`` cookie."""
        attach = protocol.parse_attach(request.query)
        if attach.session_id is None:
            cookie = request.cookies.get(COOKIE)
            if cookie is not None and protocol.SESSION_ID_PATTERN.match(cookie):
                attach.session_id = cookie
        attach.size = query.size
        return attach

    async def _polled_for(self, request, query):
        """``(PolledClient, cookie to set or None)``, or ``(ended Session, None)`` once
        for a session of the original protocol that ended since its last request."""
        attach = self._requested(request, query)
        client_id = attach.client_id or ''
        if attach.session_id is not None:
            polled = self._polled.get((attach.session_id, client_id))
            if polled is None:
                polled = self._ended.get((attach.session_id, client_id))
            if polled is not None:
                if attach.token is not None or client_id:
                    self._check_token(polled.hub, attach.token)
                if attach.size is not None and not polled.hub.finished:
                    _resize_unless_readonly(polled.client, attach.size)
                return polled, None
        loop = get_running_loop()
        if attach.session_id is not None and (attach.token is not None or client_id):
            hub = self.sessions.get(attach.session_id)
            if hub is None:
                ended = self.sessions.ended(attach.session_id)
                raise SessionClosedError('session ended: %s' % ended if ended
                                         else 'no such session')
            access = self._check_token(hub, attach.token)
            client = hub.attach(readonly=self.readonly or access == READ,
                                pace_limit=self.pace_limit,
                                label='HTTP client %s' % (request.remote,))
            log.info('session %s: HTTP client %s attached%s', hub.id, request.remote,
                     ' (read-only)' if client.readonly else '')
            new_cookie = None
        else:
            if attach.session_id is not None and attach.session_id in self.registry:
                raise SessionError('session %s needs its token' % attach.session_id)
            hub = await self.sessions.create(attach.session_id, size=attach.size,
                                             resumable=bool(client_id))
            client = hub.attach(readonly=self.readonly, pace_limit=self.pace_limit,
                                label='HTTP client %s' % (request.remote,))
            log.info('session %s: created for HTTP client %s%s', hub.id, request.remote,
                     ' (read-only)' if client.readonly else '')
            new_cookie = None if client_id else hub.id
        polled = PolledClient(hub, client, client_id, loop.time())
        self._polled[polled.key] = polled
        self._schedule_reaper()
        if attach.size is not None:
            _resize_unless_readonly(client, attach.size)
        return polled, new_cookie

    @staticmethod
    def _check_token(hub, token):
        access = hub.access(token)
        if access is None:
            log.warning('HTTP: wrong or missing token for session %s', hub.id)
            raise AccessDeniedError('wrong or missing session token')
        return access

    async def _poll(self, request, query):
        polled, new_cookie = await self._polled_for(request, query)
        polled.active += 1
        try:
            if query.wait:
                result = await polled.client.wait(query.wait)
                if result == SUPERSEDED:
                    return self._answer(protocol.frame_output(''), new_cookie)
            delivery = polled.client.take()
            if polled.key not in self._polled and delivery.end is None:
                delivery.end = polled.hub.end_reason or 'ended'
            if delivery.end is not None and not delivery.end.startswith('exit'):
                # An exit keeps being reported (the page may poll again); any other end
                # is reported once, and the next request may start over under the same id.
                self._forget(polled)
            return self._answer(polled.answer(delivery), new_cookie)
        finally:
            polled.active -= 1
            polled.last_seen = get_running_loop().time()

    def _allowed(self, request):
        return protocol.request_allowed(request.headers.get('Origin'),
                                        request.headers.get('Host'), self.bind)

    async def _post(self, request, query):
        if not self._allowed(request):
            return _error(403, 'origin or host not allowed')
        if query.action not in ('poll', 'file'):
            return _error(405, 'use GET for ?%s' % query.action)
        if request.content_length is not None and request.content_length > MAX_BODY:
            return _error(413, 'request body larger than %d bytes' % MAX_BODY)
        content_type = request.headers.get('Content-Type')
        message = None
        if protocol.is_json(content_type):
            message = protocol.parse_post_body(await _read_body(request), content_type)
        polled, new_cookie = await self._polled_for(request, query)
        polled.active += 1
        try:
            if polled.hub.finished:
                raise SessionClosedError('session %s has ended' % polled.hub.id)
            turn = await polled.take_turn_to_type()
            try:
                if message is None:
                    await _stream_keystrokes(request, polled.client)
                else:
                    if message.size is not None:
                        polled.client.resize(message.size)
                    if message.text:
                        await asyncio.wait_for(polled.client.write(message.text),
                                               INPUT_TIMEOUT)
            finally:
                turn.release()
        except SessionClosedError:
            self._forget(polled)
            return _error(409, 'the shell of session %s has exited' % polled.hub.id)
        except asyncio.TimeoutError:
            log.warning('session %s: input refused, the shell has not read its input for '
                        '%.0f s', polled.hub.id, INPUT_TIMEOUT)
            return _error(503, 'the shell is not reading its input: try again later')
        finally:
            polled.active -= 1
            polled.last_seen = get_running_loop().time()
        return self._answer(protocol.json_dumps({'ok': True}), new_cookie)

    @staticmethod
    def _answer(body, new_cookie):
        response = _json_response(body)
        if new_cookie is not None:
            response.headers.add('Set-Cookie', '%s=%s; Path=/; HttpOnly; SameSite=Strict'
                                 % (COOKIE, new_cookie))
        return response

    def _session_ended(self, hub):
        """Keep the polled clients of an ended session (within ``MAX_ENDED``) until their
        next request has been told the end."""
        for key, polled in list(self._polled.items()):
            if polled.hub is hub:
                del self._polled[key]
                self._ended[key] = polled
        while len(self._ended) > MAX_ENDED:
            self._ended.popitem(last=False)

    def _forget(self, polled):
        self._polled.pop(polled.key, None)
        self._ended.pop(polled.key, None)
        polled.client.detach()

    def _drop(self, polled):
        """Detach a polled client that went quiet (its session ends or detaches)."""
        self._forget(polled)
        if not polled.hub.resumable:
            self._ended[polled.key] = polled
            while len(self._ended) > MAX_ENDED:
                self._ended.popitem(last=False)

    # -- idle reaper -------------------------------------------------------

    def _schedule_reaper(self):
        """Arm one timer for the earliest idle expiry; never a periodic tick."""
        if self.idle_timeout <= 0:
            return
        if not self._polled:
            if self._reaper is not None:
                self._reaper.cancel()
                self._reaper = None
            return
        loop = get_running_loop()
        now = loop.time()
        earliest = min((now if p.active else p.last_seen) for p in self._polled.values())
        when = earliest + self.idle_timeout
        if self._reaper is not None and self._reaper_at <= when:
            return
        if self._reaper is not None:
            self._reaper.cancel()
        self._reaper_at = when
        self._reaper = loop.call_at(when, self._reap)

    def _reap(self):
        self._reaper = None
        now = get_running_loop().time()
        for polled in list(self._polled.values()):
            if not polled.active and now - polled.last_seen >= self.idle_timeout:
                log.info('session %s: HTTP client idle for %.0f s: detaching it',
                         polled.hub.id, now - polled.last_seen)
                self._drop(polled)
        self._schedule_reaper()


def _resize_unless_readonly(client, size):
    """A poll's ``size=`` from a read-only client is ignored: it may still watch."""
    if not client.readonly:
        client.resize(size)


def _runner_options():
    """AppRunner options, as far as the installed aiohttp has them (3.8 lacks some)."""
    options = {'access_log': None, 'keepalive_timeout': KEEPALIVE_TIMEOUT}
    if 'handler_cancellation' in inspect.signature(web.Server.__init__).parameters:
        # a handler whose client went away is cancelled (aiohttp >= 3.9)
        options['handler_cancellation'] = True
    return options


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

    def connection_made(self, transport):
        self._transport = transport
        self._registry.add(self)
        self._timer = get_running_loop().call_later(self._timeout, self._expired)
        self._inner.connection_made(transport)

    def data_received(self, data):
        if self._timer is not None:
            seen = self._tail + data[:4096]
            if b'\r\n\r\n' in seen or len(self._tail) + len(data) > 65536:
                self._timer.cancel()
                self._timer = None
            else:
                self._tail = seen[-3:]
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


async def _read_body(request):
    """The whole (small, JSON) body: at most MAX_BODY bytes, each chunk within BODY_TIMEOUT."""
    chunks = []
    received = 0
    while True:
        chunk = await _body_chunk(request)
        if not chunk:
            return b''.join(chunks)
        received += len(chunk)
        if received > MAX_BODY:
            raise PayloadTooLargeError('request body larger than %d bytes' % MAX_BODY)
        chunks.append(chunk)


async def _stream_keystrokes(request, client):
    """Type a raw body as it arrives: a chunk is read only once the shell took the one
    before, so a paste holds one chunk of server memory, however big it is."""
    received = 0
    while True:
        chunk = await _body_chunk(request)
        if not chunk:
            return
        received += len(chunk)
        if received > MAX_BODY:
            raise PayloadTooLargeError('request body larger than %d bytes' % MAX_BODY)
        await asyncio.wait_for(client.write(chunk), INPUT_TIMEOUT)


async def _body_chunk(request):
    try:
        return await asyncio.wait_for(request.content.read(BODY_CHUNK), BODY_TIMEOUT)
    except asyncio.TimeoutError:
        raise PeerTimeoutError('no request body received for %.0f s' % BODY_TIMEOUT)
