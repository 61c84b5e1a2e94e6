"""Runs the enabled listeners over one SessionRegistry until SIGINT/SIGTERM.

Start-up order: listen on every port, print the URLs, then import the listener
packages and serve (connections made meanwhile wait in the accept queue).
Shutdown order: stop listening, end every session, reap every shell.  With
``aiohttp_workaround`` the WebSocket listener runs in a child process
(``wschild``).
"""

import asyncio
import errno
import gc
import json
import logging
import os
import signal
import socket

from . import quietlog
from .auth import Authenticator, generate_token
from .browsercheck import OriginPolicy
from .compat import create_task, get_running_loop
from .exceptions import SessionLimitError
from .hub import DEFAULT_DETACH_TIMEOUT, SharedSessions, session_factory
from .limits import (DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_PER_ADDRESS, ConnectionLimits,
                     GuardedSocket, descriptor_budget)
from .get import helper_env
from .session import DEFAULT_SIZE, SessionRegistry
from .unixsocket import DEFAULT_MODE, UnixListeningSocket, socket_path
from .upload import DEFAULT_MAX_UPLOAD, DEFAULT_MAX_UPLOAD_TOTAL, DEFAULT_UPLOAD_DIR
from .vendored import attempted, import_optional

log = logging.getLogger(__name__)

#: Seconds the sessions' end notices get to reach the clients before the listeners close.
END_NOTICE_TIME = 0.5
#: Seconds the listeners get to close on shutdown before it is forced (the shells are
#: then reaped, which takes at most the terminal's close grace of 2 s more).
SHUTDOWN_TIMEOUT = 5.0


class ServerConfig(object):
    """What to serve; attribute names follow the command-line options.

    ``auth``: True (the default) generates a login token, an ``auth.Authenticator``
    checks the one it holds, None or False is ``--no-auth``.  ``tls``: a
    ``tls.TlsMaterial`` for HTTPS/WSS, or None.  ``readonly``: no client may type.
    ``bind`` ``unix:PATH``: the HTTP listener on a UNIX socket of ``unix_socket_mode``
    (and group ``unix_socket_gid``), no WebSocket port.  ``cwd``: where shells start;
    ``once``: serve one session, stop when it ends; ``recorder``: a ``record.Recorder``
    that writes every session (None: no recording).
    ``page_port``: the HTTP listener's port, for the workaround child's Origin check.
    ``links_need_login``: a session link (its id and key) needs the login too.
    """

    def __init__(self, bind='127.0.0.1', http_port=8000, ws_port=8001, http=True,
                 websocket=True, aiohttp_workaround=False, command=None,
                 initial_size=DEFAULT_SIZE, docroot=None, idle_timeout=120.0,
                 log_level='INFO', ws_fd=None, parent_fd=None,
                 detach_timeout=DEFAULT_DETACH_TIMEOUT, compression=False,
                 max_connections=DEFAULT_MAX_CONNECTIONS,
                 max_per_address=DEFAULT_MAX_PER_ADDRESS, upload=True,
                 upload_dir=DEFAULT_UPLOAD_DIR, max_upload=DEFAULT_MAX_UPLOAD,
                 auth=True, tls=None, readonly=False, base_path='/', trust_proxy=False,
                 http_websocket=True, appearance=None, cwd=None, once=False,
                 unix_socket_mode=DEFAULT_MODE, unix_socket_gid=None, recorder=None,
                 proxy_hops=1, trust_forwarded=False, allow_origins=(), page_port=None,
                 max_upload_total=DEFAULT_MAX_UPLOAD_TOTAL, min_free_space=None, csp=None,
                 event_loop='auto', links_need_login=False):
        self.bind = bind
        self.appearance = appearance
        self.cwd = cwd
        self.once = once
        self.unix_socket_mode = unix_socket_mode
        self.unix_socket_gid = unix_socket_gid
        self.recorder = recorder
        self.event_loop = event_loop
        self.proxy_hops = proxy_hops
        self.trust_forwarded = trust_forwarded
        self.allow_origins = tuple(allow_origins)
        self.page_port = page_port
        self.max_upload_total = max_upload_total
        self.min_free_space = min_free_space
        self.csp = csp
        self.links_need_login = links_need_login
        self.base_path = base_path
        self.trust_proxy = trust_proxy
        self.http_websocket = http_websocket
        self.auth = auth
        self.tls = tls
        self.readonly = readonly
        self.upload = upload
        self.upload_dir = upload_dir
        self.max_upload = max_upload
        self.http_port = http_port
        self.ws_port = ws_port
        self.http = http
        self.websocket = websocket
        self.aiohttp_workaround = aiohttp_workaround
        self.command = command
        self.initial_size = initial_size
        self.docroot = docroot
        self.idle_timeout = idle_timeout
        self.log_level = log_level
        self.ws_fd = ws_fd
        self.parent_fd = parent_fd
        self.detach_timeout = detach_timeout
        self.compression = compression
        self.max_connections = max_connections
        self.max_per_address = max_per_address


class ListenError(OSError):
    """A listener cannot listen; the message names the listener and the address."""


def _listen_failure(error):
    """Why binding failed, in words (the errno names alone confuse new users)."""
    if error.errno == errno.EADDRINUSE:
        return 'address already in use'
    if error.errno == errno.EADDRNOTAVAIL:
        return 'not an address of this machine'
    if error.errno == errno.EACCES:
        return 'permission denied (ports below 1024 need privileges)'
    return error.strerror or str(error)


async def bind_socket(host, port, listener='listener', hint=''):
    """A bound, listening TCP socket for ``host:port`` (port 0: any free port).

    The name is resolved through the loop (a worker thread): a host name given to
    ``--bind`` must not stall a loop that is already serving, e.g. in an embedding program.
    Failures raise ListenError naming ``listener`` and the address, plus ``hint``.
    """
    where = '%s: cannot listen on %s' % (listener, _url(None, host, port))
    try:
        infos = await get_running_loop().getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        raise ListenError('%s: not an IP address or a known host name (%s)'
                          % (where, error.strerror))
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
        sock.setblocking(False)
    except OSError as error:
        sock.close()
        raise ListenError('%s: %s%s' % (where, _listen_failure(error), hint))
    return sock


def socket_from_fd(spec):
    """``"FD:FAMILY"`` (as passed to the workaround child) -> socket object."""
    fd, family = (int(part) for part in spec.split(':'))
    return socket.socket(family, socket.SOCK_STREAM, 0, fd)


def _url(scheme, host, port):
    """``scheme://host:port/``, or ``host:port`` without a scheme."""
    if ':' in host:
        host = '[%s]' % host
    if scheme is None:
        return '%s:%d' % (host, port)
    return '%s://%s:%d/' % (scheme, host, port)


class Server(object):
    """The listeners of one xwterm process.

    ``aiohttp`` / ``websockets`` say whether each package could be imported
    (the CLI decides, through ``xwterm.vendored``); a listener whose package
    is missing is not started.
    """

    def __init__(self, config, have_aiohttp=True, have_websockets=True):
        self.config = config
        self.unix_path = socket_path(config.bind)
        self.run_http = config.http and have_aiohttp
        # on a UNIX socket the page's WebSocket is <base>ws on that socket: no TCP port
        self.run_ws = config.websocket and have_websockets and self.unix_path is None
        #: The Authenticator every listener checks requests against (None: --no-auth).
        self.auth = (Authenticator(token=generate_token()) if config.auth is True
                     else config.auth or None)
        self.ssl_context = config.tls.context if config.tls is not None else None
        factory = session_factory(config.command, helper_env(), cwd=config.cwd,
                                  size=config.initial_size)
        self.registry = SessionRegistry(factory=self._one_session(factory) if config.once
                                        else factory)
        self.sessions = SharedSessions(self.registry, detach_timeout=config.detach_timeout)
        if config.recorder is not None:
            config.recorder.attach(self.sessions)
        if config.once:
            self.sessions.end_callbacks.append(self._once_over)
        self._unix_socket = None
        self.http = None
        self.ws = None
        self.ws_child = None
        self._stop_event = None
        self._force_event = None
        # listening sockets between listen() and serve()
        self._ws_socket = None
        self._http_socket = None

    @property
    def http_port(self):
        if self.unix_path is not None:
            return None
        if self.http is not None:
            return self.http.port
        if self._http_socket is not None:
            return self._http_socket.getsockname()[1]
        return None

    @property
    def http_listening(self):
        """True once the HTTP listener's socket listens (served or about to be)."""
        return self.http is not None or self._http_socket is not None

    def _one_session(self, factory):
        """``--once``: the factory makes the first session only; any later one is refused
        (reloads and share links attach to that first one)."""
        made = []

        def first_only(**kwargs):
            if made:
                raise SessionLimitError('this server serves one session (--once): '
                                        'attach to it, or start the server again')
            made.append(True)
            return factory(**kwargs)
        return first_only

    def _once_over(self, hub):
        if self._stop_event is not None and not self._stop_event.is_set():
            log.info('--once: session %s is over: stopping', hub.id)
            self.request_stop()

    @property
    def ws_port(self):
        if self.ws is not None:
            return self.ws.port
        if self.ws_child is not None and not self.ws_child.failed:
            return self.ws_child.port
        if self._ws_socket is not None:
            return self._ws_socket.getsockname()[1]
        return None

    def websocket_info(self):
        port = self.ws_port
        return {'port': port, 'path': '/'} if port is not None else None

    def urls(self):
        """``[(label, url)]`` of the running listeners."""
        secure = self.ssl_context is not None
        urls = []
        if self.http_listening and self.unix_path is not None:
            urls.append(('HTTP', self.config.bind))
        elif self.http_listening:
            urls.append(('HTTP', _url('https' if secure else 'http', self.config.bind,
                                      self.http_port)))
        if self.ws_port is not None:
            urls.append(('WebSocket', _url('wss' if secure else 'ws', self.config.bind,
                                           self.ws_port)))
        return urls

    async def start(self):
        """Bind and start the listeners (OSError if a port cannot be bound)."""
        await self.listen()
        try:
            await self.serve()
        except BaseException:
            await self.stop()
            raise

    async def listen(self):
        """Bind and listen on every listener's socket (OSError if a port cannot be bound).

        From here on the ports and URLs are known and connections wait in the kernel's
        accept queue; ``serve`` imports the listener packages (aiohttp, websockets: most
        of the start-up time) and takes them. ``run`` prints the URLs in between."""
        self._stop_event = asyncio.Event()
        try:
            if self.run_ws:
                self._ws_socket = await self._ws_listening_socket()
            if self.run_http:
                self._http_socket = await self._http_listening_socket()
        except BaseException:
            await self.stop()
            raise

    async def serve(self):
        """Start the listeners on the sockets ``listen`` opened (the caller stops the
        server if this fails)."""
        quietlog.install()
        if self._ws_socket is not None:
            sock, self._ws_socket = self._ws_socket, None
            await self._start_ws(sock)
        if self._http_socket is not None:
            sock, self._http_socket = self._http_socket, None
            await self._start_http(sock)
        if self.ws_child is not None:
            await self.ws_child.start(self.http_port)
        if self.config.parent_fd is not None:
            get_running_loop().add_reader(self.config.parent_fd, self._parent_gone)

    async def _start_http(self, sock):
        if import_optional('aiohttp')[0] is None:
            self._listener_lost('HTTP', 'aiohttp', sock)
            return
        from .http import HttpListener
        if not os.path.isdir(self.config.docroot or ''):
            log.warning('document root %r is not a directory: no page will be '
                        'served (use --docroot DIR)', self.config.docroot)
        from .transfer import Transfers
        transfers = Transfers(self.config.upload_dir, enabled=self.config.upload,
                              max_upload=self.config.max_upload,
                              max_total=self.config.max_upload_total,
                              min_free=self.config.min_free_space)
        self.http = HttpListener(self.sessions, self.config.docroot,
                                 idle_timeout=self.config.idle_timeout,
                                 websocket_info=self.websocket_info,
                                 bind=self.config.bind, transfers=transfers,
                                 authenticator=self.auth,
                                 secure=self.ssl_context is not None,
                                 readonly=self.config.readonly,
                                 base_path=self.config.base_path,
                                 websocket=self.config.websocket and
                                 self.config.http_websocket,
                                 trust_proxy=self.config.trust_proxy,
                                 proxy_hops=self.config.proxy_hops,
                                 trust_forwarded=self.config.trust_forwarded,
                                 allow_origins=self.config.allow_origins,
                                 csp=self.config.csp,
                                 appearance=self.config.appearance,
                                 compression=self.config.compression,
                                 recorder=self.config.recorder,
                                 links_need_login=self.config.links_need_login)
        await self.http.start(self._guard('HTTP', sock), self.ssl_context)

    def _listener_lost(self, name, package, sock):
        """A package found before listening that then fails to import: that listener's
        port is closed (its clients are refused), the other one serves."""
        log.error('%s listener stopped: cannot import %s (%s)', name, package,
                  attempted()[package][1])
        sock.close()

    async def _http_listening_socket(self):
        if self.unix_path is None:
            return await bind_socket(self.config.bind, self.config.http_port,
                                     'HTTP listener', self._shared_port_hint())
        self._unix_socket = UnixListeningSocket(self.unix_path, self.config.unix_socket_mode,
                                                self.config.unix_socket_gid)
        try:
            return self._unix_socket.open()
        except OSError as error:
            self._unix_socket = None
            raise ListenError('HTTP listener: %s' % error)

    async def _ws_listening_socket(self):
        if self.config.ws_fd is not None:
            return socket_from_fd(self.config.ws_fd)
        return await bind_socket(self.config.bind, self.config.ws_port, 'WebSocket listener')

    async def _start_ws(self, sock):
        if self.config.aiohttp_workaround and self.run_http:
            # started once the HTTP listener has its port (the page's, for the Origin check)
            from .wschild import ChildListener
            self.ws_child = ChildListener(self.config, sock, self.child_secrets())
            return
        if import_optional('websockets')[0] is None:
            self._listener_lost('WebSocket', 'websockets', sock)
            return
        from .ws import WebSocketListener
        self.ws = WebSocketListener(self.sessions, bind=self.config.bind,
                                    compression=self.config.compression,
                                    authenticator=self.auth,
                                    readonly=self.config.readonly,
                                    origins=self._page_origins(),
                                    links_need_login=self.config.links_need_login)
        await self.ws.start(self._guard('WebSocket', sock), self.ssl_context)

    def _page_origins(self):
        """The WebSocket port's Origin check: pages of the HTTP listener's port (any port
        of the same host without one: the page is then another server's), and
        ``--allow-origin``."""
        def page_port():
            if self.config.page_port is not None:
                return self.config.page_port
            return self.http_port if self.run_http else None
        return OriginPolicy(page_port=page_port, secure=self.ssl_context is not None,
                            allowed=self.config.allow_origins)

    def child_secrets(self):
        """The auth and TLS settings of the workaround child, as JSON bytes: they go
        through a pipe, never its command line or environment."""
        return json.dumps({
            'auth': self.auth.to_dict() if self.auth is not None else None,
            'tls': self.config.tls.to_dict() if self.config.tls is not None else None,
        }).encode('utf-8')

    def _guard(self, name, sock):
        """The listening socket with this listener's connection limits."""
        listeners = int(self.run_http) + int(self.run_ws)
        budget = descriptor_budget(listeners, self.registry.max_sessions)
        limit = min(self.config.max_connections, budget)
        if limit < self.config.max_connections:
            log.info('%s listener: at most %d connections (the open-file limit allows no '
                     'more)', name, limit)
        return GuardedSocket.wrap(sock, ConnectionLimits(name, limit,
                                                         self.config.max_per_address))

    def _shared_port_hint(self):
        if self.config.http_port and self.config.http_port == self.ws_port:
            return ' (the WebSocket listener has it: give --http and --ws different ports)'
        return ''

    def _parent_gone(self):
        log.info('parent process gone: shutting down')
        get_running_loop().remove_reader(self.config.parent_fd)
        self.request_stop()

    def request_stop(self):
        """Stop serving; asked again while stopping, stop at once (shells still reaped)."""
        if self._stop_event is None:
            return
        if self._stop_event.is_set() and self._force_event is not None:
            self._force_event.set()
        self._stop_event.set()

    async def stop(self):
        """Stop listening, end every session, reap every shell.

        The sessions end first, so that every client still reading is told why
        (``server stopped``) before its listener closes the connection; the listeners
        then close while the shells are reaped, so nothing a listener waits for (a poll,
        a POST blocked on a full input queue) outlives them.
        """
        for sock in (self._ws_socket, self._http_socket):
            if sock is not None:
                sock.close()
        self._ws_socket = self._http_socket = None
        listeners = [item for item in (self.http, self.ws, self.ws_child) if item is not None]
        self.http = self.ws = self.ws_child = None
        ending = create_task(self.sessions.close_all(), name='end-sessions')
        await asyncio.wait([ending], timeout=END_NOTICE_TIME)
        results = await asyncio.gather(ending, *(item.stop() for item in listeners),
                                       return_exceptions=True)
        for result in results:
            if isinstance(result, Exception):
                log.error('stopping a listener failed: %r', result)
        await self.sessions.close_all()
        await self.registry.close_all()
        self._remove_unix_socket()
        if self.config.recorder is not None:
            await self.config.recorder.drain()

    def _remove_unix_socket(self):
        if self._unix_socket is not None:
            self._unix_socket.remove()
            self._unix_socket = None

    async def run(self, ready=None):
        """Serve until SIGINT/SIGTERM (or ``request_stop``); then stop.

        ``ready()`` is called once the listeners listen, before their packages are
        imported: connections made from then on wait in the accept queue.
        """
        await self.listen()
        restore = self._handle_signals()
        try:
            if ready is not None:
                ready(self)
            await self.serve()
            _freeze_startup_objects()
            await self._stop_event.wait()
            log.info('shutting down')
        finally:
            try:
                await self._stop_within(SHUTDOWN_TIMEOUT)
            finally:
                restore()

    async def _stop_within(self, timeout):
        """``stop()``, but at most ``timeout`` seconds (or until asked again): then the
        listeners are abandoned and only the shells are ended and reaped."""
        self._force_event = asyncio.Event()
        stopping = create_task(self.stop(), name='server-stop')
        forced = create_task(self._force_event.wait(), name='server-force')
        try:
            await asyncio.wait([stopping, forced], timeout=timeout,
                               return_when=asyncio.FIRST_COMPLETED)
        finally:
            forced.cancel()
        if stopping.done():
            stopping.result()
            return
        log.warning('shutdown forced: not waiting for the listeners any longer')
        stopping.cancel()
        await asyncio.wait([stopping])
        await self.registry.close_all()
        self._remove_unix_socket()

    def _handle_signals(self):
        """SIGINT/SIGTERM -> request_stop; returns the function that undoes it.

        Loops without ``add_signal_handler`` (Windows) get plain handlers
        that hand over to the loop thread-safely.
        """
        loop = get_running_loop()
        signals = (signal.SIGINT, signal.SIGTERM)
        try:
            for signum in signals:
                loop.add_signal_handler(signum, self.request_stop)
        except NotImplementedError:
            def handler(signum, frame):
                loop.call_soon_threadsafe(self.request_stop)
            previous = dict((signum, signal.signal(signum, handler)) for signum in signals)
            from .consolectrl import install
            remove_console_handler = install(loop, self.request_stop)

            def restore():
                remove_console_handler()
                for signum, old_handler in previous.items():
                    signal.signal(signum, old_handler)
            return restore

        def remove():
            for signum in signals:
                loop.remove_signal_handler(signum)
        return remove


def _freeze_startup_objects():
    """Leave the objects of the imports and the set-up out of every later garbage
    collection (Python 3.7+): a full collection then walks only what the sessions made,
    instead of pausing the loop for milliseconds over ~40000 objects that live forever."""
    freeze = getattr(gc, 'freeze', None)
    if freeze is not None:
        freeze()
