"""The browser checks of a request (sans-I/O): whether its ``Origin`` is a page that may
drive a shell, whether its ``Host`` is a DNS-rebinding attack, what a trusted reverse proxy
says of the client, and whether a header the checks read is repeated.

The listeners (http.py, ws.py, pump.py) ask these; nothing here touches a socket.
"""

import ipaddress


def _hostname(authority):
    """``host[:port]`` or ``[v6]:port`` -> lower-case host without port."""
    authority = authority.strip().lower()
    if authority.startswith('['):
        return authority[1:].split(']', 1)[0]
    if authority.count(':') == 1:
        return authority.split(':', 1)[0]
    return authority


_DEFAULT_PORTS = {'http': 80, 'https': 443, 'ws': 80, 'wss': 443}


def _authority(authority, scheme):
    """``host[:port]`` or ``[v6][:port]`` -> (lower-case host, port or None)."""
    authority = authority.strip().lower()
    if authority.startswith('['):
        host, _, rest = authority[1:].partition(']')
        port = rest[1:] if rest.startswith(':') else ''
    elif authority.count(':') == 1:
        host, _, port = authority.partition(':')
    else:
        host, port = authority, ''
    if port and not port.isdigit():
        return host, -1
    return host, int(port) if port else None


def parse_origin(origin):
    """``scheme://host[:port]`` -> ``(scheme, host, port)`` (the port filled in from the
    scheme), or None if it is not such an origin (``null``, a path, garbage)."""
    scheme, sep, rest = (origin or '').strip().lower().partition('://')
    if not sep or scheme not in _DEFAULT_PORTS or not rest or '/' in rest.rstrip('/'):
        return None
    host, port = _authority(rest.rstrip('/'), scheme)
    if not host or port == -1:
        return None
    return scheme, host, port if port is not None else _DEFAULT_PORTS[scheme]


class OriginPolicy(object):
    """Which browser pages may drive a shell: the page's own origin, and ``allowed``
    (``--allow-origin`` values).

    ``page_port``: the port the page was served from -- ``SAME_PORT`` (the request's own
    listener serves the page: HTTP, ``<base>ws``), a number (the WebSocket port, whose
    page comes from the HTTP listener), or None (any port of the same host: a host
    program's own page, or ``--no-http``), or a function returning one of these.
    ``secure``: the page is served over TLS, so its origin is ``https``.
    """

    SAME_PORT = 'same'

    def __init__(self, page_port=SAME_PORT, secure=False, allowed=()):
        self.page_port = page_port
        self.secure = secure
        self.allowed = set(filter(None, (parse_origin(value) for value in allowed)))

    def allows(self, origin, host):
        """Whether a request with ``Origin: origin`` for ``Host: host`` may pass.

        Requests without ``Origin`` (curl, scripts, same-origin GETs) pass.
        """
        if not origin:
            return True
        parsed = parse_origin(origin)
        if parsed is None:
            return False
        if parsed in self.allowed:
            return True
        scheme, origin_host, origin_port = parsed
        if not host or (self.secure and scheme != 'https'):
            return False
        request_host, request_port = _authority(host, scheme)
        if origin_host != request_host:
            return False
        page_port = self.page_port() if callable(self.page_port) else self.page_port
        if page_port is None:
            return True
        if page_port == self.SAME_PORT:
            # no port in Host: whichever default the browser's scheme implies (a TLS
            # proxy in front of a plain listener)
            expected = request_port if request_port is not None else _DEFAULT_PORTS[scheme]
        else:
            expected = page_port
        return origin_port == expected


#: The policy of host programs' own listeners: the same host name, any port.
ANY_PORT = OriginPolicy(page_port=None)


def origin_allowed(origin, host, policy=ANY_PORT):
    """Whether a browser request from ``origin`` may drive a shell (see OriginPolicy);
    this stops other web sites the user visits from typing into a shell."""
    return policy.allows(origin, host)


def _is_ip(name):
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _is_loopback(address):
    if address == 'localhost':
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def host_allowed(host, bind):
    """DNS-rebinding guard: whether a request for ``Host: host`` may be served.

    When the server is bound to a loopback address, a browser can only reach
    it legitimately as ``localhost`` or by IP; any other name resolving to
    127.0.0.1 is a hostile page rebinding its name to us.  Other binds (a
    LAN address, ``0.0.0.0``) are reached by names we cannot know: allowed.
    Requests without ``Host`` (HTTP/1.0 tools) pass.
    """
    if not host or not bind or not _is_loopback(bind):
        return True
    name = _hostname(host)
    return name == 'localhost' or name.endswith('.localhost') or _is_ip(name)


def request_allowed(origin, host, bind, policy=ANY_PORT):
    """Both browser checks: the page's own ``Origin`` and no DNS rebinding."""
    return origin_allowed(origin, host, policy) and host_allowed(host, bind)


class Forwarded(object):
    """What a reverse proxy says of the original request (None where it says nothing)."""

    __slots__ = ('client', 'scheme', 'host')

    def __init__(self, client=None, scheme=None, host=None):
        self.client = client
        self.scheme = scheme
        self.host = host


def _nth_from_right(values, hops):
    """The entry ``hops`` from the right of a list that each proxy appended to: the one
    the farthest trusted proxy wrote (everything left of it came from the client)."""
    values = [value.strip() for value in values if value.strip()]
    if not values:
        return None
    return values[-hops] if len(values) >= hops else values[0]


def _forwarded_address(value):
    """An address of ``X-Forwarded-For`` or ``Forwarded: for=``, or None if it is not an
    IP address (``unknown``, obfuscated names, garbage)."""
    value = (value or '').strip().strip('"')
    if value.startswith('['):
        value = value[1:].split(']', 1)[0]
    elif value.count(':') == 1:
        value = value.split(':', 1)[0]
    return value if _is_ip(value) else None


def header_lines(headers, name):
    """Every value of header ``name`` (aiohttp, websockets or a plain mapping)."""
    if hasattr(headers, 'getall'):
        lines = headers.getall(name, [])
    elif hasattr(headers, 'get_all'):
        lines = headers.get_all(name)
    else:
        lines = [headers.get(name)]
    return [line for line in lines if line is not None]


#: Headers a browser check reads: a request that repeats one is malformed.
SINGLE_HEADERS = ('Host', 'Origin')


def repeated_header(headers):
    """The name of a header of SINGLE_HEADERS given more than once, else None."""
    for name in SINGLE_HEADERS:
        if len(header_lines(headers, name)) > 1:
            return name
    return None


def _header_items(headers, name):
    """The comma-separated items of every ``name`` header line, in order."""
    return [item.strip() for line in header_lines(headers, name)
            for item in line.split(',') if item.strip()]


def _last_value(headers, name):
    """The right-most value of a header (the last proxy's word), or None."""
    items = _header_items(headers, name)
    return items[-1] if items else None


def forwarded(headers, hops=1, standard=False):
    """What the trusted proxies say of the original request (only behind a proxy the
    user runs).  ``hops``: how many proxies in a row are trusted; the client is the
    address the farthest of them saw, counted from the right, so addresses a client
    put in front itself are never believed.  ``standard``: read RFC 7239 ``Forwarded``
    (its element ``hops`` from the right) instead of ``X-Forwarded-For``, ``-Proto`` and
    ``-Host`` (their right-most values for the scheme and host)."""
    if standard:
        element = _nth_from_right(_header_items(headers, 'Forwarded'), hops) or ''
        fields = {}
        for pair in element.split(';'):
            name, _, value = pair.strip().partition('=')
            fields[name.strip().lower()] = value.strip().strip('"')
        return Forwarded(_forwarded_address(fields.get('for')),
                         fields.get('proto') or None, fields.get('host') or None)
    chain = _header_items(headers, 'X-Forwarded-For')
    return Forwarded(_forwarded_address(_nth_from_right(chain, hops)),
                     _last_value(headers, 'X-Forwarded-Proto'),
                     _last_value(headers, 'X-Forwarded-Host'))
