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
* ``GET ?recordings`` (JSON list), ``GET ?recording=NAME`` (an asciicast file), with
  ``--record``.
* Any other GET: a file of the document root.

The session is ``session=``, else the ``session_id`` cookie, else a new one
(whose id is then set as the cookie).
"""

import inspect
import logging
import socket
import time

from aiohttp import web

from . import (__version__, aiohttp6978, aiohttp_ws, auth, browsercheck, docroot, protocol, pump,
               record)
from .appearance import Appearance
from .compat import get_running_loop
from .exceptions import (AccessDeniedError, ClientLimitError, InvalidSessionIdError,
                         PeerTimeoutError, ProtocolError, ReadOnlyError, SessionClosedError,
                         SessionError, SessionLimitError, TerminalError)
from .httpauth import HttpDoor, PageHeaders, is_page_visit
from .hub import DEFAULT_DETACH_TIMEOUT, WRITE, SharedSessions, session_factory
from .polling import (BODY_CHUNK, COOKIE, DEFAULT_IDLE_TIMEOUT, DEFAULT_POLL_PACE, MAX_BODY,
                      LongPolling, PollRequest)
from .requestdeadline import FirstRequestDeadline
from .session import SessionRegistry
from .transfer import Transfers

log = logging.getLogger(__name__)

#: Seconds a new connection has to send its first complete request head (slowloris).
HEAD_TIMEOUT = 10.0
#: Seconds an idle keep-alive connection is kept after a response.
KEEPALIVE_TIMEOUT = 30.0
#: Seconds requests in flight get to finish when the listener stops (then cancelled).
SHUTDOWN_TIMEOUT = 2.0
#: Document-root files are streamed in chunks of this many bytes (or sent by sendfile).
FILE_CHUNK = 64 * 1024

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


#: Files a page is built of, which a session link's holder loads before its key is used:
#: no command runs behind them (the page itself needs ``?link``).
PAGE_ASSETS = ('.js', '.mjs', '.css', '.ico', '.png', '.svg', '.woff', '.woff2')


#: Why a session link is refused (the session ended and was forgotten, or the owner
#: renewed its keys).
DEAD_LINK = 'this session link no longer works: the session ended or its owner stopped sharing it'


class HttpListener(object):
    """The aiohttp application over shared sessions (``hub.SharedSessions``).

    ``bind`` is the listening address, for the DNS-rebinding check of
    ``browsercheck.host_allowed``.  ``websocket_info()`` returns ``{"port": N, "path": "/"}``
    or ``None`` for ``/?config``.  A polled client without a request for
    ``idle_timeout`` seconds (0: never) is detached; one timer, set for the earliest
    expiry, does that (no periodic tick).  With an ``authenticator`` (``auth``) every
    request needs the login (but a session link's, see ``_link_may_pass``); ``secure``:
    served over TLS; ``readonly``: nobody types; ``appearance``: the page's theme and font
    in ``?config`` (``appearance.Appearance``).
    ``csp``: the Content-Security-Policy of the document root's HTML pages (None: by
    hash, see ``csp.inline_script_hashes``; '': none).  With ``trust_proxy``,
    ``proxy_hops`` and ``trust_forwarded`` say which forwarded values are believed
    (``browsercheck.forwarded``); ``allow_origins``: other pages that may drive shells.
    """

    def __init__(self, sessions, docroot_dir, idle_timeout=DEFAULT_IDLE_TIMEOUT,
                 websocket_info=None, pace_limit=DEFAULT_POLL_PACE, bind=None, transfers=None,
                 authenticator=None, secure=False, readonly=False, base_path='/',
                 websocket=True, trust_proxy=False, authorize=None, compression=False,
                 proxy_hops=1, trust_forwarded=False, allow_origins=(), csp=None,
                 appearance=None, recorder=None, links_need_login=False):
        self.sessions = sessions
        self.recorder = recorder
        self.appearance = appearance or Appearance()
        self.links_open = not links_need_login
        cookie_path = protocol.check_base_path(base_path)
        self.door = (HttpDoor(authenticator, secure, cookie_path=cookie_path,
                              links_open=self.links_open)
                     if authenticator is not None else None)
        self.readonly = readonly
        self.page_headers = PageHeaders(csp)
        self.transfers = transfers if transfers is not None else Transfers()
        self.registry = sessions.registry
        self.bind = bind
        self.docroot = docroot_dir
        self.idle_timeout = idle_timeout
        self.websocket_info = websocket_info or (lambda: None)
        self.base_path = protocol.check_base_path(base_path)
        self.websocket = websocket
        self.trust_proxy = trust_proxy
        self.proxy_hops = proxy_hops
        self.trust_forwarded = trust_forwarded
        self.allow_origins = allow_origins
        self.authorize = authorize
        self.compression = compression
        self.polling = LongPolling(sessions, idle_timeout=idle_timeout, pace_limit=pace_limit,
                                   readonly=readonly)
        self._runner = None
        self._server = None
        self._connections = set()
        self._socket = None

    # -- lifecycle ---------------------------------------------------------

    def make_app(self):
        app = web.Application(client_max_size=MAX_BODY)
        self.add_routes(app.router)
        return app

    def add_routes(self, router):
        """Everything under the base path: ``<base>ws`` (WebSocket upgrades) and the rest."""
        if self.websocket:
            router.add_get(self.base_path + 'ws', self._websocket)
        router.add_route('*', self.base_path + '{tail:.*}', self._dispatch)
        if self.base_path != '/':
            router.add_get(self.base_path.rstrip('/'), self._to_base_path)

    async def _to_base_path(self, request):
        """``/term`` is ``/term/``: the page's relative URLs need the trailing slash."""
        query = request.query_string
        raise web.HTTPMovedPermanently(self.base_path + ('?' + query if query else ''))

    @property
    def port(self):
        """The TCP port; None before start and on a UNIX socket."""
        address = self._socket.getsockname() if self._socket is not None else None
        return address[1] if isinstance(address, tuple) else None

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
        self.polling.close()
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.server.shutdown(SHUTDOWN_TIMEOUT)
            for connection in list(self._connections):
                connection.abort()
            await runner.cleanup()
        self.polling.close()

    # -- dispatch ----------------------------------------------------------

    async def _websocket(self, request):
        """``<base>ws``: the WebSocket terminal on the page's own origin and port."""
        malformed = _repeated_header(request)
        if malformed is not None:
            return malformed
        if request.headers.get('Upgrade', '').lower() != 'websocket':
            return _error(426, 'this is the WebSocket endpoint: upgrade to websocket')
        _set_nodelay(request)
        request = self._through_proxy(request)
        if not self._allowed(request):
            log.warning('WebSocket from %s refused: origin %r, host %r', request.remote,
                        request.headers.get('Origin'), self._host(request))
            return _error(403, 'origin or host not allowed')
        if self.door is not None and not (self.links_open
                                          and self.sessions.link_admits(request.query)):
            if self._dead_link(request):
                return _error(403, DEAD_LINK)
            refused = await self.door.check(request, False, query_login=True)
            if refused is not None:
                return refused
        # behind a trusted proxy the rebinding check is the proxy's (see _allowed)
        bind = None if self._forwarded_host(request) else self.bind
        return await aiohttp_ws.serve(request, self.sessions, bind=bind,
                                      authorize=self._ws_authorize(), compress=self.compression,
                                      host=self._host(request), origins=self._origins(request))

    def _ws_authorize(self):
        if not self.readonly:
            return self.authorize
        host_decision = self.authorize

        async def readonly_permit(info):
            permit = await pump.decide(host_decision, info)
            permit.readonly = True
            return permit
        return readonly_permit

    def _through_proxy(self, request):
        """With ``--trust-proxy``, the request as the client made it: its address (logs,
        login rate limits), scheme and host."""
        if not self.trust_proxy:
            return request
        forwarded = self._forwarded(request)
        changes = {}
        if forwarded.client:
            changes['remote'] = forwarded.client
        if forwarded.scheme in ('http', 'https'):
            changes['scheme'] = forwarded.scheme
        if forwarded.host:
            changes['host'] = forwarded.host
        return request.clone(**changes) if changes else request

    async def _dispatch(self, request):
        malformed = _repeated_header(request)
        if malformed is not None:
            return malformed
        _set_nodelay(request)
        request = self._through_proxy(request)
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
                    'version': __version__, 'websocket': self.websocket_info(),
                    'same_origin_websocket': 'ws' if self.websocket else None,
                    'appearance': self.appearance.as_config()}))
            if (query.action in ('sessions', 'kill', 'recordings', 'recording')
                    and self.readonly):
                return _error(403, 'read-only server: ?%s needs full access' % query.action)
            if query.action == 'sessions':
                return self._sessions()
            if query.action == 'kill':
                return await self._kill(query.kill)
            if query.action in ('recordings', 'recording'):
                return await self._recordings(query)
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
        if self._link_may_pass(request, query):
            return None
        if self._dead_link(request):
            return _error(403, DEAD_LINK)
        return await self.door.check(request, is_page_visit(request, query))

    def _dead_link(self, request):
        """A session link's request (a session and a key, no login at all) that its link
        no longer opens: told so (403), not sent to a login it never had."""
        return (self.links_open and 'session' in request.query
                and protocol.session_key(request.query) is not None
                and auth.extract(request.headers, request.cookies, request.query) is None
                and not self.sessions.link_admits(request.query))

    def _link_may_pass(self, request, query):
        """Whether a session link's holder may make this request without the login: the
        page itself (``?link``) and its files, and, with a running session's key, what
        that key opens -- its output and input, its file transfers, ``?config``.  Never
        ``?sessions``, ``?kill``, ``PUT /NAME`` or a new session."""
        if not self.links_open or query is None:
            return False
        if query.action == 'file':
            if request.method not in ('GET', 'HEAD'):
                return False
            if 'link' in request.query:
                return request.path in (self.base_path, self.base_path + 'index.html')
            return request.path.lower().endswith(PAGE_ASSETS)
        if query.action in ('poll', 'config', 'upload', 'download'):
            return self.sessions.link_admits(request.query)
        return False

    async def _file(self, request):
        if self.docroot is None:
            return _error(404, 'not found')
        raw_path = '/' + request.raw_path[len(self.base_path):]
        try:
            path, content_type = docroot.resolve(self.docroot, raw_path)
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
        polled = self.polling.clients_by_session()
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

    async def _recordings(self, query):
        """``?recordings``: the list, newest first; ``?recording=NAME``: one file."""
        if self.recorder is None:
            return _error(404, 'no recordings: the server records with --record DIR')
        if query.action == 'recordings':
            listing = await get_running_loop().run_in_executor(None, self.recorder.listing)
            return _json_response(protocol.json_dumps(listing))
        path = await get_running_loop().run_in_executor(None, self.recorder.path, query.name)
        if path is None:
            return _error(404, 'no such recording')
        return web.FileResponse(path, chunk_size=FILE_CHUNK, headers={
            'Content-Type': record.CONTENT_TYPE, 'Cache-Control': 'no-store',
            'Content-Disposition': 'attachment; filename="%s"' % query.name,
            'X-Content-Type-Options': 'nosniff'})

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
        if self.polling.check_token(hub, attach.token) != WRITE or self.readonly:
            raise ReadOnlyError('a read-only token cannot transfer files')
        return hub

    async def _kill(self, session_id):
        if not await self.sessions.kill(session_id):
            return _error(404, 'no session %s' % session_id)
        return _json_response(protocol.json_dumps({'killed': session_id}))

    # -- long-polling (xwterm.polling) ---------------------------------------

    def _poll_request(self, request):
        return PollRequest(
            query=request.query, cookie_session=request.cookies.get(COOKIE),
            remote=request.remote, content_type=request.headers.get('Content-Type'),
            content_length=request.content_length,
            read_chunk=lambda: request.content.read(BODY_CHUNK))

    async def _poll(self, request, query):
        poll_request = self._poll_request(request)
        poll_request.permit = await self._permit(request)
        return _answer(await self.polling.poll(poll_request, query), self.base_path)

    async def _post(self, request, query):
        if not self._allowed(request):
            return _error(403, 'origin or host not allowed')
        poll_request = self._poll_request(request)
        poll_request.permit = await self._permit(request)
        return _answer(await self.polling.post(poll_request, query), self.base_path)

    async def _permit(self, request):
        """The embedding host's decision for this request (full access without a hook)."""
        if self.authorize is None:
            return None
        info = pump.ConnectionInfo(path=request.path_qs, headers=request.headers,
                                   peer=request.remote)
        try:
            return await pump.decide(self.authorize, info)
        except pump.Refusal:
            raise AccessDeniedError('not allowed')

    def _origins(self, request):
        """The page's own origin (this listener's scheme, host and port) and
        ``--allow-origin``'s."""
        return browsercheck.OriginPolicy(secure=request.scheme == 'https',
                                         allowed=self.allow_origins)

    def _allowed(self, request):
        """The browser checks: the page's own ``Origin``, and no DNS rebinding.  Behind a
        trusted proxy the host is the one the proxy was asked for; the rebinding check is
        then the proxy's (a hostile page cannot add X-Forwarded-* headers without CORS)."""
        origin = request.headers.get('Origin')
        forwarded_host = self._forwarded_host(request)
        if forwarded_host is not None:
            return browsercheck.origin_allowed(origin, forwarded_host, self._origins(request))
        return browsercheck.request_allowed(origin, request.headers.get('Host'), self.bind,
                                            self._origins(request))

    def _forwarded_host(self, request):
        if not self.trust_proxy:
            return None
        return self._forwarded(request).host

    def _forwarded(self, request):
        return browsercheck.forwarded(request.headers, self.proxy_hops, self.trust_forwarded)

    def _host(self, request):
        """The Host the client used: a trusted proxy's forwarded host, else ``Host``."""
        return self._forwarded_host(request) or request.headers.get('Host')


def mount(app, prefix='/term/', sessions=None, page=True, docroot_dir=None, authorize=None,
          command=None, env=None, cwd=None, readonly=False,
          detach_timeout=DEFAULT_DETACH_TIMEOUT):
    """Add xwterm to an existing aiohttp ``web.Application`` under ``prefix``: the page
    (unless ``page`` is false; from ``docroot_dir``, default the packaged ``web/``),
    long-polling and ``<prefix>ws``.  ``command``/``env``/``cwd``: what new sessions
    run; ``authorize``: the host's per-request decision (see ``pump.serve_connection``).
    The host's login, if any, is the host's: this adds none.  Sessions end, and shells
    are reaped, when the application shuts down.  Returns the ``HttpListener``."""
    if sessions is None:
        registry = SessionRegistry(factory=session_factory(command, env, cwd))
        sessions = SharedSessions(registry, detach_timeout=detach_timeout)
    if page and docroot_dir is None:
        docroot_dir = docroot.packaged()
    listener = HttpListener(sessions, docroot_dir if page else None, base_path=prefix,
                            authorize=authorize, readonly=readonly)
    listener.add_routes(app.router)

    async def end_sessions(app):
        listener.polling.close()
        await sessions.close_all()
    app.on_shutdown.append(end_sessions)
    return listener


def _repeated_header(request):
    """400 for a request that repeats Host or Origin (the browser checks read them), with
    one warning line; else None."""
    repeated = browsercheck.repeated_header(request.headers)
    if repeated is None:
        return None
    log.warning('HTTP %s %s from %s refused: %s header given twice', request.method,
                request.path, request.remote, repeated)
    return _error(400, 'malformed request: %s given twice' % repeated)


def _answer(answer, cookie_path='/'):
    response = _json_response(answer.body, status=answer.status)
    if answer.cookie is not None:
        response.headers.add('Set-Cookie', '%s=%s; Path=%s; HttpOnly; SameSite=Strict'
                             % (COOKIE, answer.cookie, cookie_path))
    return response


def _runner_options():
    """AppRunner options, as far as the installed aiohttp has them (3.8 lacks some)."""
    options = {'access_log': None, 'keepalive_timeout': KEEPALIVE_TIMEOUT}
    if 'handler_cancellation' in inspect.signature(web.Server.__init__).parameters:
        # a handler whose client went away is cancelled (aiohttp >= 3.9)
        options['handler_cancellation'] = True
    return options
