"""The pump between one message channel (a WebSocket) and one attached hub Client.

Every WebSocket adapter (the websockets listener, aiohttp's ``/ws``, ASGI) wraps
its connection in a :class:`Channel` and calls :func:`serve`; the behaviour lives
here once.  Three loops run as one AsyncJob:

* output: ``client.next()`` -> frames; the next take only after the send was
  accepted, so a client that stops reading fills its own bounded backlog and
  (when it paces the session) stops the shell.
* input: frames -> ``client.write`` / ``client.resize``.  While a write waits for
  the shell's input queue, no frame is read: backpressure reaches the client.
* watch: ends the job once the connection is closed or its peer is found gone.

When the session ends the rest of the output is sent and the channel closes with
1000 and ``exit STATUS``.  When the client goes away the client detaches.
"""

import asyncio
import logging

from . import browsercheck, protocol
from .compat import get_running_loop
from .exceptions import (ClientLimitError, ProtocolError, ReadOnlyError, SessionClosedError,
                         SessionLimitError, TerminalError)
from .hub import READ
from .job import AsyncJob

log = logging.getLogger(__name__)

#: Seconds between checks that a peer whose frames are not being read is still there.
PEER_CHECK_INTERVAL = 2.0


class ChannelClosed(Exception):
    """The peer went away; adapters raise it from send/receive."""


class Channel(object):
    """What a WebSocket adapter provides (all coroutines keep the loop free)."""

    async def receive(self):
        """The next message (str or bytes); None once the peer has closed."""
        raise NotImplementedError

    async def send(self, message):
        """Send a str as a text frame, bytes as a binary frame; ChannelClosed if gone."""
        raise NotImplementedError

    async def close(self, code, reason):
        """Close with ``code``/``reason`` (bounded in time by the adapter)."""
        raise NotImplementedError

    def closed_future(self):
        """A future done once the connection is closed, whoever closed it (shared by
        its waiters: never cancel it)."""
        raise NotImplementedError

    def peer_gone(self):
        """Whether the peer has left although the connection does not know it yet (it
        stopped reading the peer's frames while the shell's input was full)."""
        return False


class ClosedByFlag(Channel):
    """A Channel whose adapter notices the close itself (its library has no future
    for it): it calls ``_mark_closed()`` when it sees one."""

    _closed = None

    def closed_future(self):
        if self._closed is None:
            self._closed = get_running_loop().create_future()
        return self._closed

    def _mark_closed(self):
        closed = self.closed_future()
        if not closed.done():
            closed.set_result(None)


async def serve(channel, client, framing):
    """Run ``client`` over ``channel`` until either ends; the client is detached after."""
    job = AsyncJob(name='pump:%s' % client.hub.id)
    job.add(_output(channel, client, framing), name='output')
    job.add(_input(channel, client), name='input')
    job.add(_watch_connection(channel), name='watch')
    try:
        await job.wait()
    finally:
        await job.close()
        client.detach()
        log.info('session %s: %s left', client.hub.id, client.label)
    error = job.exception()
    if error is not None and not isinstance(error, ChannelClosed):
        log.error('session %s: %s failed: %r', client.hub.id, client.label, error,
                  exc_info=error)


async def _watch_connection(channel):
    """Return once the connection is closed; raise ChannelClosed once the peer is found
    gone (checked every ``PEER_CHECK_INTERVAL`` seconds): the input loop may be blocked in
    a write the shell never drains, and then no frame, not even a close, is read.  One
    task for both, waiting on the channel's own future: no task of its own per wait."""
    closed = channel.closed_future()
    while not closed.done():
        if channel.peer_gone():
            log.info('peer gone while its input waited for the shell: closing the '
                     'connection')
            raise ChannelClosed()
        await asyncio.wait([closed], timeout=PEER_CHECK_INTERVAL)


async def _output(channel, client, framing):
    while True:
        delivery = await client.next()
        for message in framing.frames(delivery):
            await channel.send(message)
        if delivery.end is not None:
            break
    status = client.hub.session.exit_status
    await channel.close(protocol.CLOSE_NORMAL, protocol.close_reason(status))


async def _input(channel, client):
    while True:
        message = await channel.receive()
        if message is None:
            return
        parsed = protocol.parse_ws_message(message)
        try:
            if parsed.renew:
                client.renew_keys()
            if parsed.size is not None:
                client.resize(parsed.size)
            if parsed.text:
                await client.write(parsed.text)
        except ReadOnlyError:
            continue
        except SessionClosedError:
            log.debug('input for session %s after its shell ended', client.hub.id)


class ConnectionInfo(object):
    """What an adapter knows of a WebSocket request: for the checks, the logs and the
    embedding host's ``authorize`` hook."""

    __slots__ = ('path', 'headers', 'peer', 'subprotocol')

    def __init__(self, path, headers, peer, subprotocol=None):
        self.path = path
        self.headers = headers
        self.peer = peer
        self.subprotocol = subprotocol


class Permit(object):
    """What an ``authorize`` hook grants a request: ``readonly`` access, and for a new
    session its ``command``, ``env`` and ``cwd`` (None: the host's defaults)."""

    __slots__ = ('readonly', 'command', 'env', 'cwd')

    def __init__(self, readonly=False, command=None, env=None, cwd=None):
        self.readonly = readonly
        self.command = command
        self.env = env
        self.cwd = cwd

    def session_options(self):
        options = {}
        for name in ('command', 'env', 'cwd'):
            if getattr(self, name) is not None:
                options[name] = getattr(self, name)
        return options


async def serve_connection(channel, sessions, info, bind=None, authorize=None,
                           origins=browsercheck.ANY_PORT):
    """Everything a WebSocket connection gets, whichever library accepted it: the
    browser checks, the host's decision, attaching, the first control message, the pump.

    ``authorize(info)`` (a function or coroutine function) returns a :class:`Permit`, or
    None to refuse (close 1008); without it every request gets full access.  ``origins``:
    the ``browsercheck.OriginPolicy`` of the browser check.
    """
    repeated = browsercheck.repeated_header(info.headers)
    if repeated is not None:
        log.warning('WebSocket from %s refused: %s header given twice', info.peer, repeated)
        await channel.close(protocol.CLOSE_POLICY, 'malformed request')
        return
    origin, host = info.headers.get('Origin'), info.headers.get('Host')
    if not browsercheck.request_allowed(origin, host, bind, origins):
        log.warning('WebSocket from %s refused: origin %r, host %r', info.peer, origin, host)
        await channel.close(protocol.CLOSE_POLICY, 'origin or host not allowed')
        return
    try:
        request = attach_request(info.path, info.peer)
        permit = await decide(authorize, info)
        binary = info.subprotocol == protocol.BINARY_SUBPROTOCOL
        hub, client = await open_client(sessions, request, binary,
                                        'WebSocket client %s' % (info.peer,), permit)
    except Refusal as refusal:
        await channel.close(refusal.code, refusal.reason)
        return
    if binary:
        framing = protocol.BinaryOutput()
        try:
            await channel.send(protocol.attach_info(
                hub.id, hub.size, hub.token, hub.readonly_token, client.readonly))
        except ChannelClosed:
            client.detach()
            return
    else:
        framing = protocol.JsonOutput()
    await serve(channel, client, framing)


async def decide(authorize, info):
    """The host's :class:`Permit` for ``info`` (full access without a hook); Refusal if
    it says no."""
    if authorize is None:
        return Permit()
    permit = authorize(info)
    if asyncio.iscoroutine(permit):
        permit = await permit
    if permit is None:
        log.warning('%s from %s refused by the host application', info.path, info.peer)
        raise Refusal(protocol.CLOSE_POLICY, 'not allowed')
    return permit


class Refusal(Exception):
    """A client cannot be attached: close with ``code`` and ``reason``."""

    def __init__(self, code, reason):
        super(Refusal, self).__init__(reason)
        self.code = code
        self.reason = reason


def attach_request(path, peer):
    """The ``protocol.AttachRequest`` of a WebSocket request path; :class:`Refusal` if it
    cannot be understood.  A malformed size alone is ignored (the shell starts at the
    default size), as a page cannot be blamed for its window."""
    try:
        query = protocol.ws_query(path)
        query.pop('size', None)
        request = protocol.parse_attach(query)
    except ProtocolError as error:
        log.warning('WebSocket from %s refused: %s', peer, error)
        raise Refusal(protocol.CLOSE_POLICY, _short(str(error)))
    try:
        request.size = protocol.ws_initial_size(path)
    except ProtocolError as error:
        log.warning('WebSocket from %s: ignoring the size in the URL: %s', peer, error)
    return request


async def open_client(sessions, request, binary, label, permit=None):
    """Attach a new client per ``request`` (a ``protocol.AttachRequest``): to the
    session it names, with its token, or to a new session (with the ``permit``'s
    command, environment and directory).  Raises :class:`Refusal`.

    New sessions are resumable only for ``binary`` clients: only they learn the
    tokens that let anyone come back to a detached session.
    """
    permit = permit or Permit()
    if request.session_id is None:
        if request.token is not None:
            raise Refusal(protocol.CLOSE_POLICY, 'a token needs a session')
        try:
            hub = await sessions.create(size=request.size, resumable=binary,
                                        **permit.session_options())
        except SessionLimitError as error:
            raise Refusal(protocol.CLOSE_TRY_AGAIN, str(error)[:120])
        except TerminalError as error:
            log.error('cannot start a shell: %s', error)
            raise Refusal(protocol.CLOSE_INTERNAL, 'cannot start the shell: %s'
                          % _short(str(error)))
        client = hub.attach(readonly=permit.readonly, label=label)
        log.info('session %s: created for %s%s', hub.id, label,
                 ' (read-only)' if client.readonly else '')
        return hub, client
    hub = sessions.get(request.session_id)
    if hub is None:
        ended = sessions.ended(request.session_id)
        raise Refusal(protocol.CLOSE_NO_SESSION,
                      'session ended: %s' % ended if ended else 'no such session')
    access = hub.access(request.token)
    if access is None:
        log.warning('%s: wrong or missing token for session %s', label, hub.id)
        raise Refusal(protocol.CLOSE_POLICY, 'wrong or missing session token')
    try:
        client = hub.attach(readonly=access == READ or permit.readonly, label=label)
    except ClientLimitError as error:
        raise Refusal(protocol.CLOSE_TRY_AGAIN, str(error)[:120])
    except SessionClosedError:
        raise Refusal(protocol.CLOSE_NO_SESSION, 'session ended: %s' % hub.end_reason)
    log.info('session %s: %s attached%s', hub.id, label,
             ' (read-only)' if client.readonly else '')
    return hub, client


def _short(text, limit=90):
    """A close reason must fit 123 bytes."""
    encoded = text.encode('utf-8')[:limit]
    return encoded.decode('utf-8', 'ignore')
