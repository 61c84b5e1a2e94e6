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
import logging
import socket

from aiohttp import web

from . import __version__, aiohttp6978, docroot, protocol
from .compat import create_task, get_running_loop
from .exceptions import (InvalidSessionIdError, ProtocolError, SessionClosedError,
                         SessionError, SessionLimitError, TerminalError)
from .outbuf import DEFAULT_LIMIT, SUPERSEDED, OutputBuffer

log = logging.getLogger(__name__)

#: Largest request body (bytes): a 1 MiB paste fits with room to spare.
MAX_BODY = 4 * 1024 * 1024

#: Largest file served from the document root (bytes).
MAX_FILE = 32 * 1024 * 1024

#: Ended sessions remembered so that the next request for one reports the end (at most).
MAX_ENDED = 1024

#: Default seconds without a request after which an HTTP session is closed.
DEFAULT_IDLE_TIMEOUT = 120.0

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


class PolledSession(object):
    """The HTTP side of one session: its output buffer, reader task and clock."""

    __slots__ = ('session', 'buffer', 'reader', 'started', 'last_seen', 'active')

    def __init__(self, session, buffer_limit, now):
        self.session = session
        self.buffer = OutputBuffer(buffer_limit)
        self.reader = None
        self.started = get_running_loop().create_future()
        self.last_seen = now
        self.active = 0


class HttpListener(object):
    """The aiohttp application over a shared ``SessionRegistry``.

    ``bind`` is the listening address, for the DNS-rebinding check of
    ``protocol.host_allowed``.  ``websocket_info()`` returns ``{"port": N, "path": "/"}`` or ``None``
    for ``/?config``.  ``idle_timeout`` seconds (0: never) without a
    request close a polled session; one timer, set for the earliest expiry,
    does that (no periodic tick).
    """

    def __init__(self, registry, docroot_dir, idle_timeout=DEFAULT_IDLE_TIMEOUT,
                 websocket_info=None, buffer_limit=DEFAULT_LIMIT, bind=None):
        self.registry = registry
        self.bind = bind
        self.docroot = docroot_dir
        self.idle_timeout = idle_timeout
        self.websocket_info = websocket_info or (lambda: None)
        self.buffer_limit = buffer_limit
        self._polled = {}
        self._ended = collections.OrderedDict()
        self._closing = set()
        self._reaper = None
        self._reaper_at = None
        self._runner = None
        self._socket = None

    # -- lifecycle ---------------------------------------------------------

    def make_app(self):
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_route('*', '/{tail:.*}', self._dispatch)
        return app

    @property
    def port(self):
        return self._socket.getsockname()[1] if self._socket is not None else None

    async def start(self, sock):
        """Serve on the bound socket ``sock``."""
        self._socket = sock
        aiohttp6978.apply()
        self._runner = web.AppRunner(self.make_app(), access_log=None)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()

    async def stop(self):
        """Stop listening, answer waiting polls, end every polled session."""
        if self._reaper is not None:
            self._reaper.cancel()
            self._reaper = None
        # End the sessions before the runner's cleanup, which waits for every request in
        # flight: that answers waiting polls and releases POSTs blocked on a full input
        # queue (the shell is hung up); sessions created meanwhile are ended after it.
        for session_id in list(self._polled):
            self._end(session_id)
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
        for session_id in list(self._polled):
            self._end(session_id)
        while self._closing:
            done, _ = await asyncio.wait(list(self._closing))
            self._closing.difference_update(done)

    # -- dispatch ----------------------------------------------------------

    async def _dispatch(self, request):
        _set_nodelay(request)
        try:
            query = protocol.parse_http_query(request.query)
            if request.method == 'POST':
                return await self._post(request, query)
            if request.method not in ('GET', 'HEAD'):
                return _error(405, 'method not allowed')
            if not self._allowed(request):
                return _error(403, 'origin or host not allowed')
            if query.action == 'file':
                return await self._file(request)
            if request.method == 'HEAD':
                return _error(405, 'HEAD would discard output: use GET')
            if query.action == 'config':
                return _json_response(protocol.json_dumps({
                    'version': __version__, 'websocket': self.websocket_info()}))
            if query.action == 'sessions':
                return self._sessions()
            if query.action == 'kill':
                return await self._kill(query.kill)
            return await self._poll(request, query)
        except (ProtocolError, InvalidSessionIdError) as error:
            return _error(protocol.http_status(error), str(error))
        except SessionLimitError as error:
            return _error(503, str(error))
        except SessionError as error:
            return _error(409, str(error))
        except TerminalError as error:
            log.error('cannot start a shell: %s', error)
            return _error(500, 'cannot start the shell: %s' % error)

    async def _file(self, request):
        try:
            path, content_type = docroot.resolve(self.docroot, request.raw_path)
        except docroot.NotFound as refusal:
            log.debug('not serving %r: %s', request.raw_path, refusal.reason)
            return _error(refusal.status, 'not found')
        loop = get_running_loop()
        try:
            body = await loop.run_in_executor(None, _read_file, path)
        except OSError:
            return _error(404, 'not found')
        if body is None:
            return _error(413, 'file larger than %d bytes' % MAX_FILE)
        return web.Response(body=body, headers={
            'Content-Type': content_type, 'Cache-Control': 'no-cache',
            'X-Content-Type-Options': 'nosniff'})

    def _sessions(self):
        listed = []
        for session in self.registry.sessions():
            info = session.info()
            info['http'] = session.id in self._polled
            listed.append(info)
        return _json_response(protocol.json_dumps({'sessions': listed}))

    async def _kill(self, session_id):
        session = self.registry.get(session_id)
        if session is None and session_id not in self._polled:
            return _error(404, 'no session %s' % session_id)
        if session_id in self._polled:
            await self._end(session_id)
        else:
            await session.close()
        return _json_response(protocol.json_dumps({'killed': session_id}))

    # -- polled sessions ---------------------------------------------------

    @staticmethod
    def _requested_id(request, query):
        """``session=``, else a well-formed ``session_id`` cookie, else None."""
        if query.session_id is not None:
            return query.session_id
        cookie = request.cookies.get(COOKIE)
        if cookie is not None and protocol.SESSION_ID_PATTERN.match(cookie):
            return cookie
        return None

    def _take_ended(self, request, query):
        """The Session that was ended (killed, idled out) under the requested id, once.

        The next request for that id learns the shell is gone instead of silently getting a
        new one; the request after it starts a new session, so a page that keeps its id can
        still start over.
        """
        session_id = self._requested_id(request, query)
        if session_id is None or session_id in self._polled:
            return None
        return self._ended.pop(session_id, None)

    async def _session_for(self, request, query):
        """``(PolledSession, cookie to set or None)``, creating it if needed."""
        session_id = self._requested_id(request, query)
        polled = self._polled.get(session_id) if session_id is not None else None
        new_cookie = None
        if polled is None:
            if session_id is not None and session_id in self.registry:
                raise SessionError('session %s is served by the WebSocket listener'
                                   % session_id)
            kwargs = {'size': query.size} if query.size is not None else {}
            session = self.registry.create(session_id, **kwargs)
            polled = PolledSession(session, self.buffer_limit, get_running_loop().time())
            self._polled[session.id] = polled
            polled.reader = create_task(self._read(polled), name='http-reader')
            self._schedule_reaper()
            new_cookie = session.id
            log.info('HTTP session %s created', session.id)
        elif query.size is not None:
            polled.session.resize(query.size)
        await polled.started
        return polled, new_cookie

    async def _read(self, polled):
        """Reader task: pty -> buffer; waits (pty unread) while the buffer is full."""
        session = polled.session
        try:
            await session.start()
        except asyncio.CancelledError:
            polled.started.cancel()
            raise
        except Exception as error:
            polled.started.set_exception(error)
            self._end(session.id)
            return
        polled.started.set_result(None)
        status = None
        try:
            while True:
                text = await session.read()
                if not text:
                    break
                await polled.buffer.put(text)
            status = await session.wait()
        finally:
            polled.buffer.finish(status)

    async def _poll(self, request, query):
        ended = self._take_ended(request, query)
        if ended is not None:
            return _json_response(protocol.frame_output('', ended.exit_status, exited=True))
        polled, new_cookie = await self._session_for(request, query)
        polled.active += 1
        try:
            if query.wait:
                result = await polled.buffer.wait(query.wait)
                if result == SUPERSEDED:
                    return self._answer(protocol.frame_output(''), new_cookie)
            text = polled.buffer.take()
            return self._answer(protocol.frame_output(
                text, polled.buffer.exit_status, exited=polled.buffer.finished),
                new_cookie)
        finally:
            polled.active -= 1
            polled.last_seen = get_running_loop().time()

    def _allowed(self, request):
        return protocol.request_allowed(request.headers.get('Origin'),
                                        request.headers.get('Host'), self.bind)

    async def _post(self, request, query):
        if not self._allowed(request):
            return _error(403, 'origin or host not allowed')
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _error(413, 'request body larger than %d bytes' % MAX_BODY)
        message = protocol.parse_post_body(body, request.headers.get('Content-Type'))
        ended = self._take_ended(request, query)
        if ended is not None:
            return _error(409, 'session %s has ended' % ended.id)
        polled, new_cookie = await self._session_for(request, query)
        polled.active += 1
        try:
            if message.size is not None:
                polled.session.resize(message.size)
            if message.text:
                await polled.session.write(message.text)
        except SessionClosedError:
            return _error(409, 'the shell of session %s has exited' % polled.session.id)
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

    def _end(self, session_id):
        """Forget a polled session and close it; returns the closing task."""
        polled = self._polled.pop(session_id, None)
        if polled is None:
            return None
        if polled.reader is not None:
            polled.reader.cancel()
        polled.buffer.finish(polled.session.exit_status)
        self._ended[session_id] = polled.session
        while len(self._ended) > MAX_ENDED:
            self._ended.popitem(last=False)
        task = create_task(self._close(polled), name='http-close')
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)
        return task

    async def _close(self, polled):
        reader = polled.reader
        if reader is not None:
            await asyncio.wait([reader])
            if not reader.cancelled() and reader.exception() is not None:
                log.error('session %s: output reader failed: %r',
                          polled.session.id, reader.exception())
        await polled.session.close()
        log.info('HTTP session %s closed (exit %s)', polled.session.id,
                 polled.session.exit_status)

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
        for session_id, polled in list(self._polled.items()):
            if not polled.active and now - polled.last_seen >= self.idle_timeout:
                log.info('HTTP session %s idle for %.0f s: closing',
                         session_id, now - polled.last_seen)
                self._end(session_id)
        self._schedule_reaper()


def _read_file(path):
    """Read a document-root file in a worker thread; None if above MAX_FILE."""
    with open(path, 'rb') as handle:
        data = handle.read(MAX_FILE + 1)
    return None if len(data) > MAX_FILE else data
