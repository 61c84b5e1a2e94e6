"""HTTP long-polling over shared sessions, whatever the web framework (sans framework).

The aiohttp listener (``http.py``) and the ASGI application (``asgi.py``) turn their
requests into a :class:`PollRequest` and the :class:`PollAnswer` back into a response;
the behaviour lives here once.

* ``poll``: ``GET ?console|size=...&session=...[&wait=SECONDS]`` -> ``{"text": ...}``
  (``"exit"`` once the shell has exited and everything was delivered).
* ``post``: keystrokes, typed as the body arrives (one chunk in memory), or an
  ``application/json`` body ``{"text", "size"}``.

The original protocol names a session by ``session=`` or the ``session_id`` cookie, and
that session has one polled client.  Our page sends ``client=`` (one per tab) and the
session's token; each of its clients has its own position in the output.
"""

import asyncio
import collections
import logging

from . import protocol
from .compat import get_running_loop
from .exceptions import (AccessDeniedError, ClientLimitError, InvalidSessionIdError,
                         PayloadTooLargeError, PeerTimeoutError, ProtocolError, ReadOnlyError,
                         SessionClosedError, SessionError, SessionLimitError, TerminalError)
from .hub import READ, WRITE
from .hubclient import SUPERSEDED

log = logging.getLogger(__name__)

#: Largest request body (bytes): a 1 MiB paste fits with room to spare.
MAX_BODY = 4 * 1024 * 1024
#: Request bodies are read (and typed) in chunks of this many bytes.
BODY_CHUNK = 64 * 1024
#: Seconds a client may pause while sending a request body.
BODY_TIMEOUT = 30.0
#: Seconds a POST may wait for the shell to take its input before it is refused (503).
INPUT_TIMEOUT = 30.0
#: Ended sessions remembered so that the next request for one reports the end (at most).
MAX_ENDED = 1024
#: Default seconds without a request after which a polled client is detached (and a
#: session of the original protocol, which nobody can reattach to, ends).
DEFAULT_IDLE_TIMEOUT = 120.0
#: Backlog (bytes) below which a polled client lets its session read more output.
DEFAULT_POLL_PACE = 256 * 1024
#: Seconds without a request after which a polled client gives its place to a new
#: client of a full session.
STALE_CLIENT = 10.0
#: The cookie that names the session of the original protocol.
COOKIE = 'session_id'


class PollRequest(object):
    """What long-polling needs of one HTTP request.

    ``query``: the query parameters (first values); ``cookie_session``: the
    ``session_id`` cookie or None; ``remote``: the client address for logs;
    ``content_type``/``content_length``: of the body; ``read_chunk``: a coroutine
    function returning the next body chunk (at most ``BODY_CHUNK`` bytes, b'' at the end).
    """

    __slots__ = ('query', 'cookie_session', 'remote', 'content_type', 'content_length',
                 'read_chunk', 'permit')

    def __init__(self, query, cookie_session=None, remote=None, content_type=None,
                 content_length=None, read_chunk=None, permit=None):
        self.query = query
        self.cookie_session = cookie_session
        self.remote = remote
        self.content_type = content_type
        self.content_length = content_length
        self.read_chunk = read_chunk
        self.permit = permit


class PollAnswer(object):
    """``status``, JSON ``body`` text, and the session id to set as the cookie (or None)."""

    __slots__ = ('status', 'body', 'cookie')

    def __init__(self, status, body, cookie=None):
        self.status = status
        self.body = body
        self.cookie = cookie


def error_answer(status, message):
    return PollAnswer(status, protocol.json_dumps({'error': message}))


def refusal_answer(error):
    """The answer for an error raised while serving a poll or a POST; None for an
    error that is not the client's (let it propagate)."""
    if isinstance(error, (ProtocolError, InvalidSessionIdError)):
        return error_answer(protocol.http_status(error), str(error))
    for kinds, status in (((PeerTimeoutError,), 408),
                          ((SessionLimitError, ClientLimitError), 503),
                          ((ReadOnlyError, AccessDeniedError), 403),
                          ((SessionError,), 409)):
        if isinstance(error, kinds):
            return error_answer(status, str(error))
    if isinstance(error, TerminalError):
        return error_answer(500, 'cannot start the shell: %s' % error)
    return None


class PolledClient(object):
    """The HTTP side of one client of a shared session: its framing and its clock.

    ``client_id`` is the page's ``client=`` (one per tab), or '' for the original
    protocol, where the session id alone names the session's one polled client.
    """

    __slots__ = ('hub', 'client', 'client_id', 'access', 'framing', 'last_seen', 'active',
                 'introduced', '_typing')

    def __init__(self, hub, client, client_id, now, access=None):
        self.hub = hub
        self.client = client
        self.client_id = client_id
        #: The access level of the token this slot was opened with (``WRITE``/``READ``);
        #: None for a session of the original protocol, named by its id alone.
        self.access = access
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
            if delivery.replayed:
                frame['replayed'] = True
            if delivery.keys is not None:
                frame.update(delivery.keys)
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


class LongPolling(object):
    """The polled clients of one listener over ``sessions`` (``hub.SharedSessions``).

    A polled client without a request for ``idle_timeout`` seconds (0: never) is
    detached; one timer, set for the earliest expiry, does that (no periodic tick).
    ``readonly``: nobody may type.
    """

    def __init__(self, sessions, idle_timeout=DEFAULT_IDLE_TIMEOUT,
                 pace_limit=DEFAULT_POLL_PACE, readonly=False):
        self.sessions = sessions
        self.idle_timeout = idle_timeout
        self.pace_limit = pace_limit
        self.readonly = readonly
        self._polled = {}
        self._ended = collections.OrderedDict()
        self._reaper = None
        self._reaper_at = None
        sessions.end_callbacks.append(self._session_ended)

    def clients_by_session(self):
        """``{session id: [PolledClient]}`` of the clients polling now."""
        found = {}
        for polled in self._polled.values():
            found.setdefault(polled.hub.id, []).append(polled)
        return found

    def get(self, session_id, client_id=''):
        return self._polled.get((session_id, client_id))

    def close(self):
        """Detach every polled client and stop the idle timer (the listener stops)."""
        if self._reaper is not None:
            self._reaper.cancel()
            self._reaper = None
        for polled in list(self._polled.values()):
            self._drop(polled)

    async def poll(self, request, query):
        """Answer a poll (``query``: its ``protocol.HttpQuery``)."""
        polled, new_cookie = await self._polled_for(request, query)
        polled.active += 1
        try:
            if query.wait:
                result = await polled.client.wait(query.wait)
                if result == SUPERSEDED:
                    return PollAnswer(200, protocol.frame_output(''), new_cookie)
            delivery = polled.client.take()
            if polled.key not in self._polled and delivery.end is None:
                delivery.end = polled.hub.end_reason or 'ended'
            if delivery.end is not None and not delivery.end.startswith('exit'):
                # An exit keeps being reported (the page may poll again); any other end
                # is reported once, and the next request may start over under the same id.
                self._forget(polled)
            return PollAnswer(200, polled.answer(delivery), new_cookie)
        finally:
            polled.active -= 1
            polled.last_seen = get_running_loop().time()

    async def post(self, request, query):
        """Type a POST's body (or apply its JSON control message)."""
        if query.action not in ('poll', 'file'):
            return error_answer(405, 'use GET for ?%s' % query.action)
        if request.content_length is not None and request.content_length > MAX_BODY:
            return error_answer(413, 'request body larger than %d bytes' % MAX_BODY)
        message = None
        if protocol.is_json(request.content_type):
            message = protocol.parse_post_body(await _read_body(request),
                                               request.content_type)
        polled, new_cookie = await self._polled_for(request, query)
        polled.active += 1
        try:
            if polled.hub.finished:
                raise SessionClosedError('session %s has ended' % polled.hub.id)
            turn = await polled.take_turn_to_type()
            try:
                if message is None:
                    await _stream_keystrokes(request, polled.client)
                elif message.renew:
                    polled.client.renew_keys()
                    polled.access = WRITE
                    return PollAnswer(200, protocol.json_dumps(protocol.attach_fields(
                        polled.hub.id, polled.hub.size, polled.hub.token,
                        polled.hub.readonly_token, polled.client.readonly)), new_cookie)
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
            return error_answer(409, 'the shell of session %s has exited' % polled.hub.id)
        except asyncio.TimeoutError:
            log.warning('session %s: input refused, the shell has not read its input for '
                        '%.0f s', polled.hub.id, INPUT_TIMEOUT)
            return error_answer(503, 'the shell is not reading its input: try again later')
        finally:
            polled.active -= 1
            polled.last_seen = get_running_loop().time()
        return PollAnswer(200, protocol.json_dumps({'ok': True}), new_cookie)

    @staticmethod
    def check_token(hub, token):
        """The access ``token`` grants to ``hub`` (AccessDeniedError if none)."""
        access = hub.access(token)
        if access is None:
            log.warning('HTTP: wrong or missing token for session %s', hub.id)
            raise AccessDeniedError('wrong or missing session token')
        return access

    def _check_slot(self, polled, token):
        """Every request to an existing slot shows the token of the slot's own level:
        a read-only token never reaches a slot that may type, nor does a request without
        one (a session of the original protocol, named by its id alone, needs none)."""
        if polled.access is None and token is None:
            return
        access = self.check_token(polled.hub, token)
        if access != polled.access:
            log.warning('HTTP: a %s token for the %s client %r of session %s refused', access,
                        polled.access or 'original-protocol', polled.client_id, polled.hub.id)
            raise AccessDeniedError('this client was attached with another token')

    # -- which client ------------------------------------------------------

    @staticmethod
    def _requested(request, query):
        """The attach request: ``session=``, else a well-formed ``session_id`` cookie."""
        attach = protocol.parse_attach(request.query)
        if attach.session_id is None:
            cookie = request.cookie_session
            if cookie is not None and protocol.SESSION_ID_PATTERN.match(cookie):
                attach.session_id = cookie
        attach.size = query.size
        return attach

    async def _polled_for(self, request, query):
        """``(PolledClient, cookie to set or None)``, creating or attaching it as asked."""
        attach = self._requested(request, query)
        client_id = attach.client_id or ''
        permit = request.permit
        readonly = self.readonly or (permit is not None and permit.readonly)
        if attach.session_id is not None:
            polled = self._polled.get((attach.session_id, client_id))
            if polled is None:
                polled = self._ended.get((attach.session_id, client_id))
            if polled is not None:
                self._check_slot(polled, attach.token)
                if attach.size is not None and not polled.hub.finished:
                    _resize_unless_readonly(polled.client, attach.size)
                return polled, None
        label = 'HTTP client %s' % (request.remote,)
        if attach.session_id is not None and (attach.token is not None or client_id):
            hub = self.sessions.get(attach.session_id)
            if hub is None:
                ended = self.sessions.ended(attach.session_id)
                raise SessionClosedError('session ended: %s' % ended if ended
                                         else 'no such session')
            access = self.check_token(hub, attach.token)
            client = self._attach(hub, readonly or access == READ, label)
            slot_access = access
            log.info('session %s: %s attached%s', hub.id, label,
                     ' (read-only)' if client.readonly else '')
            new_cookie = None
            if attach.size is not None and not client.readonly:
                # joining does not take the size over; the first keystroke or resize does
                client.requested_size = attach.size
            attach.size = None
        else:
            if attach.session_id is not None and attach.session_id in self.sessions.registry:
                raise SessionError('session %s needs its token' % attach.session_id)
            options = permit.session_options() if permit is not None else {}
            hub = await self.sessions.create(attach.session_id, size=attach.size,
                                             resumable=bool(client_id), **options)
            client = hub.attach(readonly=readonly, pace_limit=self.pace_limit, label=label)
            log.info('session %s: created for %s%s', hub.id, label,
                     ' (read-only)' if client.readonly else '')
            new_cookie = None if client_id else hub.id
            # the page learns the token of its client's level; the original protocol none
            slot_access = (READ if client.readonly else WRITE) if client_id else None
        polled = PolledClient(hub, client, client_id, get_running_loop().time(), slot_access)
        self._polled[polled.key] = polled
        self._schedule_reaper()
        if attach.size is not None:
            _resize_unless_readonly(client, attach.size)
        return polled, new_cookie

    def _attach(self, hub, readonly, label):
        """``hub.attach``; when the session is full, first detach its quietest polled
        client that has not asked for anything in ``STALE_CLIENT`` seconds (a page that
        was reloaded, or closed, leaves one behind until its idle timeout)."""
        try:
            return hub.attach(readonly=readonly, pace_limit=self.pace_limit, label=label)
        except ClientLimitError:
            now = get_running_loop().time()
            stale = [polled for polled in self._polled.values()
                     if polled.hub is hub and not polled.active
                     and now - polled.last_seen >= STALE_CLIENT]
            if not stale:
                raise
            quietest = min(stale, key=lambda polled: polled.last_seen)
            log.info('session %s: full; detaching %s, quiet for %.0f s', hub.id,
                     quietest.client.label, now - quietest.last_seen)
            self._drop(quietest)
            return hub.attach(readonly=readonly, pace_limit=self.pace_limit, label=label)

    # -- ends ----------------------------------------------------------------

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
        return await asyncio.wait_for(request.read_chunk(), BODY_TIMEOUT)
    except asyncio.TimeoutError:
        raise PeerTimeoutError('no request body received for %.0f s' % BODY_TIMEOUT)
