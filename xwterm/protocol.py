"""Sans-I/O wire protocol: client messages in, output frames out.

Nothing here touches a socket, so every rule of the wire format is tested by
feeding strings (tests/test_protocol.py).  The adapters (ws.py, http.py) only
move bytes between the network and these functions.

WebSocket client -> server (text frames):
    {"text": "..."}                  input
    {"size": "LINESxCOLUMNS"}        resize
    {"text": "...", "size": "..."}   both (size applied first)
    anything else                    raw input, the frame as typed
Server -> client: ``{"text": "..."}``; on shell exit the socket closes with
code 1000 and reason ``exit STATUS`` (see :func:`close_reason`).

With the ``xwterm.binary`` subprotocol (our page), output travels as binary
frames of raw terminal bytes and text frames carry JSON control objects (see
:class:`BinaryOutput`); client binary frames are raw input.
"""

import codecs
import json
import json.encoder
import re
import urllib.parse

from .exceptions import PayloadTooLargeError, ProtocolError
from .session import SESSION_ID_PATTERN
from .terminal import TerminalSize
from .terminal.base import MAX_COLUMNS, MAX_LINES

#: Longest long-poll wait a client may ask for with ``&wait=SECONDS``.
MAX_WAIT = 60.0

#: WebSocket close code for a normal end (the shell exited).
CLOSE_NORMAL = 1000
#: Close codes for refusals: a wrong token, a full session, an unknown or ended session.
CLOSE_POLICY = 1008
CLOSE_INTERNAL = 1011
CLOSE_TRY_AGAIN = 1013
CLOSE_NO_SESSION = 4404

#: The WebSocket subprotocol of the binary framing.
BINARY_SUBPROTOCOL = 'xwterm.binary'

_SIZE_RE = re.compile(r'\A *([0-9]{1,5}) *[xX] *([0-9]{1,5}) *\Z')
_CLOSE_REASON_RE = re.compile(r'^exit (-?\d+)$')


class ClientMessage(object):
    """What one client message asks for: input to type and/or a new size.

    ``text`` is ``None`` (no input), a ``str`` or, for raw HTTP bodies,
    ``bytes`` passed through untouched.  ``size`` is a ``TerminalSize`` or
    ``None``.
    """

    __slots__ = ('text', 'size', 'renew')

    def __init__(self, text=None, size=None, renew=False):
        self.text = text
        self.size = size
        self.renew = renew

    def __eq__(self, other):
        return (isinstance(other, ClientMessage)
                and (self.text, self.size) == (other.text, other.size))

    def __ne__(self, other):
        return not self == other

    def __repr__(self):
        return 'ClientMessage(text=%r, size=%r)' % (self.text, self.size)


def _dimension(value, what, largest):
    number = int(value)
    if not 1 <= number <= largest:
        raise ProtocolError('%s must be between 1 and %d, got %d'
                            % (what, largest, number))
    return number


def http_status(error):
    """The HTTP status for a refused request: 413 for sizes, else 400."""
    return 413 if isinstance(error, PayloadTooLargeError) else 400


def parse_size(value):
    """``"LINESxCOLUMNS"`` (the wire order) -> ``TerminalSize``.

    Raises ``ProtocolError`` for anything else.
    """
    match = _SIZE_RE.match(value) if isinstance(value, str) else None
    if match is None:
        raise ProtocolError('size must look like LINESxCOLUMNS, got %r' % (value,))
    lines = _dimension(match.group(1), 'lines', MAX_LINES)
    columns = _dimension(match.group(2), 'columns', MAX_COLUMNS)
    return TerminalSize(columns, lines)


def parse_initial_size(value):
    """``"COLUMNSxLINES"`` (the ``--initial-size`` order) -> ``TerminalSize``."""
    match = _SIZE_RE.match(value) if isinstance(value, str) else None
    if match is None:
        raise ProtocolError('size must look like COLUMNSxLINES, got %r' % (value,))
    columns = _dimension(match.group(1), 'columns', MAX_COLUMNS)
    lines = _dimension(match.group(2), 'lines', MAX_LINES)
    return TerminalSize(columns, lines)


def format_size(size):
    """``TerminalSize`` -> ``"LINESxCOLUMNS"`` (the wire order)."""
    return '%dx%d' % (size.lines, size.columns)


def _control_message(obj):
    """A decoded JSON value -> ``ClientMessage``, or ``None`` if it is not one.

    A control message is an object whose keys are ``text`` and/or ``size``
    with string values.  An unusable size is dropped rather than typed into
    the shell: the client clearly meant a resize.  ``{"renew": true}`` alone asks
    for new session keys (``hubclient.Client.renew_keys``).
    """
    if obj == {'renew': True}:
        return ClientMessage(renew=True)
    if not isinstance(obj, dict) or not obj or not set(obj) <= {'text', 'size'}:
        return None
    text = obj.get('text')
    size = obj.get('size')
    if text is not None and not isinstance(text, str):
        return None
    if size is not None and not isinstance(size, str):
        return None
    parsed_size = None
    if size is not None:
        try:
            parsed_size = parse_size(size)
        except ProtocolError:
            parsed_size = None
    return ClientMessage(text=text, size=parsed_size)


def parse_ws_message(message):
    """One WebSocket frame -> ``ClientMessage``.

    Text frames holding a control object are decoded; any other text frame,
    and every binary frame, is raw input exactly as received.
    """
    if isinstance(message, (bytes, bytearray, memoryview)):
        return ClientMessage(text=bytes(message))
    if message[:1] == '{' or message.lstrip()[:1] == '{':
        try:
            decoded = json_loads(message)
        except ProtocolError:
            decoded = None
        parsed = _control_message(decoded)
        if parsed is not None:
            return parsed
    return ClientMessage(text=message)


def is_json(content_type):
    """Whether a POST body of this Content-Type is a JSON control message."""
    return (content_type or '').split(';', 1)[0].strip().lower() == 'application/json'


def parse_post_body(body, content_type):
    """An HTTP POST body -> ``ClientMessage``.

    Only ``application/json`` bodies are decoded (an object with ``text``
    and/or ``size``); every other body is raw keystrokes, passed on as bytes
    so that even ``[]`` or ``{"text": 1}`` reach the shell as typed.
    """
    if not is_json(content_type):
        return ClientMessage(text=bytes(body))
    try:
        text = bytes(body).decode('utf-8')
    except ValueError:
        raise ProtocolError('the application/json body is not valid UTF-8')
    decoded = json_loads(text)
    parsed = _control_message(decoded)
    if parsed is None:
        raise ProtocolError('an application/json body must be an object with '
                            'string "text" and/or "size" members')
    return parsed


#: Deepest JSON nesting a client message may have (ours are flat objects).
MAX_JSON_DEPTH = 32


def json_loads(text):
    """Parse a client's JSON, bounded in depth: ProtocolError for anything invalid.

    The depth is checked before parsing (brackets counted, strings skipped, by a
    regular expression in C), so a hostile nesting costs no recursion at all.
    """
    depth = deepest = 0
    for token in _JSON_STRUCTURE.findall(text):
        if token in '[{':
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_JSON_DEPTH:
                    raise ProtocolError('JSON nested deeper than %d levels' % MAX_JSON_DEPTH)
        elif token in ']}':
            depth -= 1
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise ProtocolError('not valid JSON')


_JSON_STRUCTURE = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


#: JSON string literal of a str, non-ASCII kept (the C encoder where Python has it).
_escape_json_string = json.encoder.encode_basestring


def json_dumps(value):
    """JSON text as sent on the wire (UTF-8, not ASCII-escaped)."""
    return json.dumps(value, ensure_ascii=False)


def frame_output(text, exit_status=None, exited=False):
    """Output (and, once the shell has exited, its status) -> JSON text.

    ``{"text": "..."}``; with ``exited`` true, ``"exit": status`` is added
    (``null`` if the status is unknown).
    """
    if not exited:
        # One escape by the C encoder, no encoder object per frame: the hot path.
        return '{"text": ' + _escape_json_string(text) + '}'
    return json_dumps({'text': text, 'exit': exit_status})


def close_reason(exit_status):
    """Exit status -> WebSocket close reason, ``"exit 0"`` / ``"exit -9"``.

    A negative status is the signal that killed the shell.  The reason is
    always far below the 123-byte limit of a close frame.
    """
    if exit_status is None:
        return 'exit'
    return 'exit %d' % exit_status


def parse_close_reason(reason):
    """The inverse of :func:`close_reason`: status as ``int``, or ``None``."""
    match = _CLOSE_REASON_RE.match(reason or '')
    return int(match.group(1)) if match else None


def check_session_id(value):
    """Validate a client-chosen session id; returns it or raises."""
    if not isinstance(value, str) or not SESSION_ID_PATTERN.match(value):
        raise ProtocolError('session id must be 1 to 128 characters of '
                            'A-Z a-z 0-9 _ . -')
    return value


def parse_wait(value):
    """``wait=SECONDS`` -> float in ``[0, MAX_WAIT]``; ``None`` if absent."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        raise ProtocolError('wait must be a number of seconds, got %r' % (value,))
    if not seconds >= 0:  # also refuses NaN
        raise ProtocolError('wait must not be negative')
    return min(seconds, MAX_WAIT)


class HttpQuery(object):
    """What a GET on ``/`` asks for, decoded from its query string.

    ``action`` is one of ``config``, ``sessions``, ``kill``, ``poll`` (a
    ``size=`` and/or ``console`` request), ``upload`` / ``download`` (file
    transfer in a session, see xwterm.transfer) or ``file`` (no query: serve a
    file).  ``session_id`` is the explicit ``session=`` value (the cookie
    fallback is the adapter's job), ``size`` a ``TerminalSize`` or ``None``,
    ``wait`` seconds or ``None``, ``kill`` the id to end.  ``recordings`` lists the
    session recordings, ``recording`` (``name``) is one of them.
    """

    __slots__ = ('action', 'session_id', 'size', 'wait', 'kill', 'name')

    def __init__(self, action, session_id=None, size=None, wait=None, kill=None, name=None):
        self.action = action
        self.session_id = session_id
        self.size = size
        self.wait = wait
        self.kill = kill
        self.name = name

    def __repr__(self):
        return 'HttpQuery(%s)' % ', '.join(
            '%s=%r' % (name, getattr(self, name)) for name in self.__slots__)


def parse_http_query(query):
    """A mapping of query parameters (first values) -> ``HttpQuery``.

    Raises ``ProtocolError`` for malformed values.
    """
    session_id = query.get('session')
    if session_id is not None:
        check_session_id(session_id)
    wait = parse_wait(query.get('wait'))
    if 'config' in query:
        return HttpQuery('config')
    if 'sessions' in query:
        return HttpQuery('sessions')
    if 'kill' in query:
        return HttpQuery('kill', kill=check_session_id(query.get('kill')))
    if 'recordings' in query:
        return HttpQuery('recordings')
    if 'recording' in query:
        return HttpQuery('recording', name=query.get('recording'))
    if 'upload' in query or 'download' in query:
        return HttpQuery('upload' if 'upload' in query else 'download', session_id=session_id)
    if 'size' in query:
        return HttpQuery('poll', session_id=session_id,
                         size=parse_size(query.get('size')), wait=wait)
    if 'console' in query or session_id is not None:
        return HttpQuery('poll', session_id=session_id, wait=wait)
    return HttpQuery('file')


def ws_initial_size(path):
    """The size a WebSocket client asks for in its URL (``/any/path?size=LINESxCOLUMNS``),
    so the shell starts at the page's size; None when absent.

    Raises ``ProtocolError`` for a malformed size or path.
    """
    value = ws_query(path).get('size')
    return parse_size(value) if value is not None else None


class JsonOutput(object):
    """Output framing of the original protocol: ``{"text": ...}`` text frames.

    Each client decodes on its own (a client that skipped ahead restarts mid-stream),
    incrementally, so a character split across chunks arrives whole.
    """

    binary = False

    def __init__(self):
        self._decoder = codecs.getincrementaldecoder('utf-8')(errors='replace')

    def text(self, delivery):
        """The output of one ``hubclient.Delivery`` as text."""
        if delivery.replayed:
            self._decoder.reset()
        return self._decoder.decode(delivery.data, delivery.end is not None)

    def frames(self, delivery):
        """The messages for one ``hubclient.Delivery``."""
        text = self.text(delivery)
        return [frame_output(text)] if text else []


class BinaryOutput(object):
    """Output framing of ``xwterm.binary``: raw bytes as binary frames, JSON control
    objects as text frames -- ``{"size": "LINESxCOLUMNS"}`` when the session size
    changes, ``{"replay": true}`` before and ``{"live": true}`` after a screen snapshot
    (attaching, or skipping ahead: no terminal query in between may be answered),
    ``{"end": REASON}`` just before the close."""

    binary = True

    @staticmethod
    def frames(delivery):
        messages = []
        if delivery.keys is not None:
            messages.append(json_dumps(delivery.keys))
        if delivery.size is not None:
            messages.append(json_dumps({'size': format_size(delivery.size)}))
        if delivery.replayed:
            messages.append('{"replay": true}')
        if delivery.data:
            messages.append(delivery.data)
        if delivery.replayed:
            messages.append('{"live": true}')
        if delivery.end is not None:
            messages.append(json_dumps({'end': delivery.end}))
        return messages


def attach_fields(session_id, size, token, readonly_token, readonly):
    """Who a client is attached to and the tokens to come back with (a read-only
    client gets only its own)."""
    return {'session': session_id, 'size': format_size(size), 'readonly': readonly,
            'token': None if readonly else token, 'readonly_token': readonly_token}


def attach_info(session_id, size, token, readonly_token, readonly):
    """The first control message of a ``xwterm.binary`` connection."""
    return json_dumps(attach_fields(session_id, size, token, readonly_token, readonly))


#: Query name of a session's own secret (``?session=ID&key=KEY``).  Until 0.3 it was
#: ``token``, the login token's name too; ``session=ID&token=KEY`` (no ``key``) is still
#: read as the session's secret for one release.
SESSION_KEY = 'key'


def session_key(query):
    """The session secret a query presents: ``key=``, else (old spelling) ``token=``
    beside ``session=``; None without one."""
    if SESSION_KEY in query:
        return query.get(SESSION_KEY)
    if 'session' in query:
        return query.get('token')
    return None


class AttachRequest(object):
    """Which session a client asks for: ``session`` + its ``key`` (the ``token`` field) to
    attach to an existing one (both or neither), ``size`` for a new one, ``client`` (HTTP)
    to tell tabs apart."""

    __slots__ = ('session_id', 'token', 'size', 'client_id')

    def __init__(self, session_id=None, token=None, size=None, client_id=None):
        self.session_id = session_id
        self.token = token
        self.size = size
        self.client_id = client_id


_TOKEN_RE = re.compile(r'\A[A-Za-z0-9_-]{1,128}\Z')


def parse_attach(query):
    """A mapping of query parameters (first values) -> ``AttachRequest``."""
    session_id = query.get('session')
    if session_id is not None:
        check_session_id(session_id)
    token = session_key(query)
    if token is not None and not _TOKEN_RE.match(token):
        raise ProtocolError('a session key must be 1 to 128 characters of A-Z a-z 0-9 _ -')
    client_id = query.get('client')
    if client_id is not None:
        check_session_id(client_id)
    size = parse_size(query['size']) if query.get('size') is not None else None
    return AttachRequest(session_id, token, size, client_id)


def ws_query(path):
    """The query parameters of a WebSocket request path, first values only
    (ProtocolError for a path that is not a URL path)."""
    try:
        query = urllib.parse.urlsplit(path or '/').query
    except ValueError:
        raise ProtocolError('the request path is not a valid URL path')
    return dict((key, values[0]) for key, values in
                urllib.parse.parse_qs(query, keep_blank_values=True).items())


_BASE_PATH_RE = re.compile(r'\A/(?:[A-Za-z0-9_.~-]+/)*\Z')


def check_base_path(value):
    """``--base-path``: ``/`` or ``/a/b/`` (a slash is added at the end if missing);
    ProtocolError for anything else (``..``, empty segments, odd characters)."""
    if not isinstance(value, str) or not value.startswith('/'):
        raise ProtocolError('a base path starts with /, got %r' % (value,))
    if not value.endswith('/'):
        value += '/'
    if not _BASE_PATH_RE.match(value) or '/../' in value or '/./' in value:
        raise ProtocolError('a base path is /name/name/ of letters, digits, _ . ~ -, '
                            'got %r' % (value,))
    return value
