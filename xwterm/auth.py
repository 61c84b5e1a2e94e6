"""Who may use the server: the login token or password, the cookie, the failure limit.

Sans-I/O apart from one executor call: the listeners hand in what a request carries
(headers, cookies, query) and get a verdict; nothing here touches a socket.

* A login token (``TOKEN_BYTES`` random bytes, URL-safe) is generated per run unless
  ``--token`` or ``XWTERM_TOKEN`` gives one; or a password whose PBKDF2-SHA256 hash
  sits in a ``--password-file``.
* A browser that logged in holds the cookie ``xwterm_auth``: an HMAC of the credential
  under a key derived from the credential, never the credential itself (the token cannot
  be read back from it).  So a fixed token or password keeps its logins across restarts,
  and changing it (or a generated token's next run) ends every login.
* Every comparison is constant-time.  Wrong tokens or passwords count against the
  client's address: ``MAX_FAILURES`` within ``FAILURE_WINDOW`` seconds, then every
  request from it is answered 429 until the oldest failure leaves the window.
* Logs name the peer and the kind of failure, never a token, password or cookie.
"""

import asyncio
import base64
import binascii
import collections
import hashlib
import hmac
import html
import ipaddress
import logging
import re
import secrets
import time
import urllib.parse

from .compat import get_running_loop

log = logging.getLogger(__name__)

#: Environment variable that may hold the login token.
TOKEN_ENV = 'XWTERM_TOKEN'
#: Cookie that carries the proof of a login.
COOKIE_NAME = 'xwterm_auth'
#: Random bytes of a generated token (256 bits).
TOKEN_BYTES = 32
#: Shortest token accepted from --token / XWTERM_TOKEN.
MIN_TOKEN_LENGTH = 16
#: Failed logins allowed per client address within FAILURE_WINDOW seconds.
MAX_FAILURES = 10
FAILURE_WINDOW = 60.0
#: Client addresses whose failures are tracked at once (the oldest is forgotten first).
MAX_TRACKED_ADDRESSES = 4096
#: PBKDF2-SHA256 iterations of new password hashes (the stored string carries its own).
PBKDF2_ITERATIONS = 600000
HASH_SCHEME = 'pbkdf2_sha256'
#: Correct passwords remembered (as HMACs) so a script's header does not cost a PBKDF2 run
#: per request.
PASSWORD_CACHE_SIZE = 16
#: PBKDF2 runs at once (each takes a core for a fraction of a second) and waiting for one;
#: more password attempts than that are answered as limited, not queued.
MAX_HASHING = 2
MAX_HASH_WAITING = 32
#: Query of the login form's POST.
LOGIN_QUERY = 'login'

#: Verdicts of :meth:`Authenticator.authenticate`.
ALLOWED = 'allowed'
MISSING = 'missing'
DENIED = 'denied'
LIMITED = 'limited'

#: Where a credential came from (for logs and for the listeners' decisions).
FROM_HEADER = 'header'
FROM_QUERY = 'query'
FROM_COOKIE = 'cookie'
FROM_FORM = 'form'

_TOKEN_CHARS = re.compile(r'\A[\x21-\x7e]+\Z')


class AuthConfigError(ValueError):
    """A token, password hash or password file that cannot be used (message says why)."""


def generate_token():
    """A fresh login token: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def check_token(token, origin):
    """A configured token, if usable; AuthConfigError naming ``origin`` otherwise."""
    if not isinstance(token, str) or not _TOKEN_CHARS.match(token):
        raise AuthConfigError('%s: a token must be printable ASCII without spaces' % origin)
    if len(token) < MIN_TOKEN_LENGTH:
        raise AuthConfigError('%s: a token needs at least %d characters (a generated one '
                              'has %d)' % (origin, MIN_TOKEN_LENGTH,
                                           len(generate_token())))
    return token


# -- passwords ---------------------------------------------------------------


def _b64(data):
    return base64.urlsafe_b64encode(data).decode('ascii').rstrip('=')


def _unb64(text):
    return base64.urlsafe_b64decode(text + '=' * (-len(text) % 4))


def hash_password(password, iterations=PBKDF2_ITERATIONS, salt=None):
    """``pbkdf2_sha256$ITERATIONS$SALT$HASH`` for ``password`` (a str)."""
    if not password:
        raise AuthConfigError('an empty password is no protection')
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac('sha256', password.encode('utf-8'), salt, iterations)
    return '%s$%d$%s$%s' % (HASH_SCHEME, iterations, _b64(salt), _b64(digest))


def parse_password_hash(stored):
    """``(iterations, salt, digest)`` of a stored hash; AuthConfigError if malformed."""
    parts = stored.strip().split('$') if isinstance(stored, str) else []
    if len(parts) != 4 or parts[0] != HASH_SCHEME:
        raise AuthConfigError('not a password hash of xwterm --hash-password '
                              '(%s$ITERATIONS$SALT$HASH)' % HASH_SCHEME)
    try:
        iterations = int(parts[1])
        salt, digest = _unb64(parts[2]), _unb64(parts[3])
    except (ValueError, binascii.Error):
        raise AuthConfigError('the password hash is damaged')
    if iterations < 1000 or len(salt) < 8 or len(digest) != 32:
        raise AuthConfigError('the password hash is too weak or damaged')
    return iterations, salt, digest


def verify_password(password, stored):
    """Whether ``password`` matches the stored hash (slow on purpose: run it off the loop)."""
    iterations, salt, digest = parse_password_hash(stored)
    given = hashlib.pbkdf2_hmac('sha256', password.encode('utf-8', 'replace'), salt,
                                iterations)
    return hmac.compare_digest(given, digest)


def read_password_file(path):
    """The hash stored in ``path`` (its first non-empty line)."""
    try:
        with open(path) as handle:
            lines = [line.strip() for line in handle if line.strip()]
    except (OSError, UnicodeDecodeError) as error:
        raise AuthConfigError('cannot read the password file %s: %s' % (path, error))
    if not lines:
        raise AuthConfigError('the password file %s is empty' % path)
    parse_password_hash(lines[0])
    return lines[0]


# -- where a request keeps its credential ---------------------------------------


class Credential(object):
    """A secret a request presents: ``kind`` (FROM_*) and ``value``."""

    __slots__ = ('kind', 'value')

    def __init__(self, kind, value):
        self.kind = kind
        self.value = value

    def __repr__(self):
        return 'Credential(%s, <hidden>)' % self.kind


def parse_cookies(header):
    """A ``Cookie:`` header -> dict (first value of each name wins; lenient)."""
    cookies = {}
    for part in (header or '').split(';'):
        name, sep, value = part.strip().partition('=')
        if sep and name and name not in cookies:
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            cookies[name] = value
    return cookies


def header_secret(value):
    """The secret of ``Authorization: token X``, ``Bearer X``, or ``Basic`` with any user
    name and X as the password (``curl -u :X``); else None."""
    scheme, _, secret = (value or '').strip().partition(' ')
    secret = secret.strip()
    if scheme.lower() in ('token', 'bearer') and secret:
        return secret
    if scheme.lower() == 'basic' and secret:
        try:
            decoded = base64.b64decode(secret.encode('ascii'), validate=True).decode('utf-8')
        except (ValueError, UnicodeError):
            return None
        _, colon, password = decoded.partition(':')
        return password if colon and password else None
    return None


def query_secret(query):
    """``?token=`` when it is the login token: always beside a session's ``key=``, never
    beside ``session=`` alone (the old spelling of a session's key)."""
    if 'session' in query and 'key' not in query:
        return None
    value = query.get('token')
    return value or None


def extract(headers, cookies, query=None):
    """The credential a request presents: the header first, then ``?token=`` (when
    ``query`` is given: only where the listener allows it), then the cookie."""
    secret = header_secret(headers.get('Authorization'))
    if secret is not None:
        return Credential(FROM_HEADER, secret)
    if query is not None:
        secret = query_secret(query)
        if secret is not None:
            return Credential(FROM_QUERY, secret)
    cookie = cookies.get(COOKIE_NAME)
    if cookie:
        return Credential(FROM_COOKIE, cookie)
    return None


def without_token(raw_path):
    """``raw_path`` with its ``token=`` parameters removed, other parameters (and a
    fragment) untouched."""
    raw_path, hash_sign, fragment = raw_path.partition('#')
    path, sep, query = raw_path.partition('?')
    if sep:
        kept = [part for part in query.split('&')
                if part and urllib.parse.unquote_plus(part.partition('=')[0]) != 'token']
        path += '?' + '&'.join(kept) if kept else ''
    return path + hash_sign + fragment


def local_target(value):
    """A redirect target that stays on this server (a path), else ``/``: never ``//host``
    or ``/\\host`` (browsers read a backslash as a slash)."""
    if (not isinstance(value, str) or not value.startswith('/') or value.startswith('//')
            or '\\' in value or any(ord(ch) < 0x20 for ch in value)):
        return '/'
    return without_token(value)


def parse_login_form(body):
    """``(secret, next)`` of the login form's urlencoded body."""
    try:
        fields = urllib.parse.parse_qs(bytes(body).decode('utf-8'), keep_blank_values=True)
    except UnicodeDecodeError:
        fields = {}
    secret = (fields.get('secret') or [''])[0]
    return secret, local_target((fields.get('next') or ['/'])[0])


# -- the failure limit ------------------------------------------------------------


def client_key(address):
    """Whose failures count together: an IPv4 address, or the /64 of an IPv6 one
    (one host easily holds a whole /64)."""
    try:
        ip = ipaddress.ip_address((address or '').split('%', 1)[0])
    except ValueError:
        return address or '?'
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network('%s/64' % ip, strict=False))
    return str(ip)


class FailureLimiter(object):
    """Counts failed logins per client address: ``max_failures`` within ``window``
    seconds, then :meth:`blocked` says for how long.  At most ``max_addresses`` are
    tracked; the one that failed least recently is forgotten first."""

    def __init__(self, max_failures=MAX_FAILURES, window=FAILURE_WINDOW,
                 max_addresses=MAX_TRACKED_ADDRESSES, clock=time.monotonic):
        self.max_failures = max_failures
        self.window = window
        self.max_addresses = max_addresses
        self.clock = clock
        self._failures = collections.OrderedDict()

    def __len__(self):
        return len(self._failures)

    def _recent(self, key, now):
        times = self._failures.get(key)
        if times is None:
            return None
        while times and now - times[0] >= self.window:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times

    def blocked(self, address):
        """Seconds until ``address`` may try again; 0 when it may now."""
        now = self.clock()
        times = self._recent(client_key(address), now)
        if times is None or len(times) < self.max_failures:
            return 0
        return max(times[0] + self.window - now, 0.001)

    def record(self, address):
        """Count one failure of ``address``."""
        key = client_key(address)
        now = self.clock()
        times = self._recent(key, now)
        if times is None:
            times = self._failures[key] = collections.deque(maxlen=self.max_failures)
        self._failures.move_to_end(key)
        times.append(now)
        # Oldest last failure first: drop whole addresses whose failures all expired.
        while now - next(iter(self._failures.values()))[-1] >= self.window:
            self._failures.popitem(last=False)
        while len(self._failures) > self.max_addresses:
            self._failures.popitem(last=False)

    def forgive(self, address):
        """Take back the failure counted last for ``address`` (a reserved attempt that
        turned out right)."""
        times = self._failures.get(client_key(address))
        if times:
            times.pop()
            if not times:
                del self._failures[client_key(address)]


# -- the authenticator ------------------------------------------------------------


def cookie_key(credential):
    """The cookie's HMAC key for a token or a stored password hash (which holds its salt)."""
    return hashlib.sha256(b'xwterm-cookie-key\0' + credential.encode('utf-8')).digest()


class Authenticator(object):
    """Checks the credentials of requests against the token or the password hash.

    ``source`` says where the credential came from, for the banner (``generated``,
    ``--token``, ``XWTERM_TOKEN``, ``--password-file PATH``).  ``secret`` keys the
    cookie; by default it is derived from the credential (see the module's docstring).
    """

    def __init__(self, token=None, password_hash=None, source='generated', secret=None,
                 limiter=None):
        if (token is None) == (password_hash is None):
            raise AuthConfigError('give exactly one of a token and a password hash')
        if password_hash is not None:
            parse_password_hash(password_hash)
        self.token = token
        self.password_hash = password_hash
        self.source = source
        self.secret = secret if secret is not None else cookie_key(token or password_hash)
        self.limiter = limiter if limiter is not None else FailureLimiter()
        self._good_passwords = collections.OrderedDict()
        self._hashing = None
        self._hash_waiting = 0

    @property
    def mode(self):
        """``token`` or ``password``: what the login page asks for."""
        return 'token' if self.token is not None else 'password'

    @property
    def generated(self):
        return self.source == 'generated'

    def cookie_value(self):
        """What the cookie holds: an HMAC of the credential under this run's secret."""
        credential = self.token if self.token is not None else self.password_hash
        return hmac.new(self.secret, b'xwterm-cookie\0' + credential.encode('utf-8'),
                        hashlib.sha256).hexdigest()

    def set_cookie(self, secure=False, path='/'):
        """The ``Set-Cookie`` value that logs a browser in, for ``path`` (the base path:
        servers under one host name, each under its own path, keep their logins apart)."""
        return '%s=%s; Path=%s; HttpOnly; SameSite=Strict%s' % (
            COOKIE_NAME, self.cookie_value(), path, '; Secure' if secure else '')

    def _password_key(self, password):
        return hmac.new(self.secret, b'xwterm-password\0' + password.encode('utf-8', 'replace'),
                        hashlib.sha256).digest()

    async def _secret_matches(self, given):
        """Whether ``given`` is the token or the password; None when too many password
        checks are waiting already (the caller answers as limited)."""
        if self.token is not None:
            return hmac.compare_digest(given.encode('utf-8', 'replace'),
                                       self.token.encode('utf-8'))
        key = self._password_key(given)
        if key in self._good_passwords:
            return True
        if self._hash_waiting >= MAX_HASH_WAITING:
            return None
        loop = get_running_loop()
        if self._hashing is None or self._hashing[0] is not loop:
            self._hashing = (loop, asyncio.Semaphore(MAX_HASHING))
        self._hash_waiting += 1
        try:
            async with self._hashing[1]:
                matched = await loop.run_in_executor(
                    None, verify_password, given, self.password_hash)
        finally:
            self._hash_waiting -= 1
        if matched:
            self._good_passwords[key] = True
            while len(self._good_passwords) > PASSWORD_CACHE_SIZE:
                self._good_passwords.popitem(last=False)
        return matched

    async def authenticate(self, credential, peer, where):
        """``ALLOWED``, ``MISSING`` (nothing usable presented: no credential, or a cookie
        of another run), ``DENIED`` (a wrong token or password) or ``LIMITED``.

        ``peer`` is the client's address (the failure limit's key); ``where`` names the
        endpoint in the log line of a failure.  A valid cookie passes even a locked-out
        address (it proves an earlier login: behind NAT one guesser must not lock everyone
        out).  A guess is counted as a failure before it is checked, and taken back if
        right: concurrent guesses cannot outrun the limit.
        """
        address = peer_address(peer)
        if credential is None:
            return MISSING
        if credential.kind == FROM_COOKIE:
            if hmac.compare_digest(credential.value.encode('utf-8', 'replace'),
                                   self.cookie_value().encode('ascii')):
                return ALLOWED
            # Most likely a cookie of an earlier run: ask for a login, count no guess.
            log.warning('auth: %s refused at %s: stale or forged cookie', peer, where)
            return MISSING
        if self.limiter.blocked(address):
            log.warning('auth: %s refused at %s: too many failed logins', peer, where)
            return LIMITED
        if credential.kind == FROM_QUERY and self.password_hash is not None:
            return MISSING          # a password never travels in a URL (history, logs)
        self.limiter.record(address)
        matched = await self._secret_matches(credential.value)
        if matched:
            self.limiter.forgive(address)
            return ALLOWED
        if matched is None:
            self.limiter.forgive(address)
            log.warning('auth: %s refused at %s: too many password checks waiting', peer,
                        where)
            return LIMITED
        log.warning('auth: %s refused at %s: wrong %s (from the %s)', peer, where,
                    self.mode, credential.kind)
        return DENIED

    def to_dict(self):
        """What a child process needs to accept the same credentials and cookies."""
        return {'token': self.token, 'password_hash': self.password_hash,
                'source': self.source, 'secret': binascii.hexlify(self.secret).decode()}

    @classmethod
    def from_dict(cls, fields):
        return cls(token=fields.get('token'), password_hash=fields.get('password_hash'),
                   source=fields.get('source', 'generated'),
                   secret=binascii.unhexlify(fields['secret']))

    def retry_after(self, peer):
        """Whole seconds a limited client should wait (for ``Retry-After``)."""
        return int(self.limiter.blocked(peer_address(peer))) + 1


def peer_address(peer):
    """The address part of a peer as the listeners have it: ``host``, ``(host, port)``,
    ``host:port``, ``[v6]:port`` or ``v6:port``."""
    if isinstance(peer, (tuple, list)):
        return str(peer[0]) if peer else '?'
    peer = str(peer or '?')
    if peer.startswith('['):
        return peer[1:].split(']', 1)[0]
    if _is_ip(peer):
        return peer
    host, sep, port = peer.rpartition(':')
    if sep and port.isdigit() and (_is_ip(host) or ':' not in host):
        return host
    return peer


def _is_ip(text):
    try:
        ipaddress.ip_address(text.split('%', 1)[0])
    except ValueError:
        return False
    return True


def from_options(token=None, password_file=None, no_auth=False, environ=None):
    """The Authenticator the options ask for; None for ``--no-auth``.

    ``--password-file`` wins over tokens; ``--token`` over ``XWTERM_TOKEN``; else a
    token is generated.  AuthConfigError for unusable values.
    """
    if no_auth:
        return None
    if password_file is not None:
        return Authenticator(password_hash=read_password_file(password_file),
                             source='--password-file %s' % password_file)
    if token is not None:
        return Authenticator(token=check_token(token, '--token'), source='--token')
    from_env = (environ or {}).get(TOKEN_ENV)
    if from_env:
        return Authenticator(token=check_token(from_env, TOKEN_ENV), source=TOKEN_ENV)
    return Authenticator(token=generate_token())


# -- pages and headers --------------------------------------------------------------

_LOGIN_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>xwterm: log in</title>
<style>
body {{ font: 16px sans-serif; background: #111; color: #ddd; margin: 0; }}
form {{ max-width: 26em; margin: 15vh auto; padding: 1.5em; background: #222; }}
input {{ font: inherit; width: 100%; box-sizing: border-box; margin: .5em 0; padding: .4em; }}
p.problem {{ color: #f88; }}
</style>
</head>
<body>
<form method="post" action="?{action}" data-links="{links}">
<h1>xwterm</h1>
<p>{prompt}</p>
{problem}<input type="password" name="secret" autocomplete="{autocomplete}" autofocus required
 aria-label="{label}">
<input type="hidden" name="next" value="{target}">
<input type="submit" value="Log in">
</form>
<script>
(function () {{
  var link = new URLSearchParams(location.hash.slice(1));
  if (!link.get('session') || !link.get('token')) return;
  var page = location.pathname.replace(/[^/]*$/, '') + '?link' + location.hash;
  if (document.forms[0].dataset.links === 'open') location.replace(page);
  else document.forms[0].elements.next.value = page;
}})();
</script>
</body>
</html>
"""

_PROMPTS = {
    'token': ('Paste the login token: the part after <code>?token=</code> in the URL the '
              'server printed when it started.', 'off', 'login token'),
    'password': ('Enter the password.', 'current-password', 'password'),
}


def login_page(mode, target='/', problem=None, links_open=False):
    """The login form.  It posts to ``?login`` of its own path, so it works under a
    --base-path too.  Its one script (admitted by its hash) keeps a session link: the
    fragment ``#session=ID&token=KEY`` never reaches the server, so the script opens the
    link's page (``links_open``: a link needs no login) or makes it the form's target."""
    prompt, autocomplete, label = _PROMPTS[mode]
    return _LOGIN_PAGE.format(
        action=LOGIN_QUERY, prompt=prompt, autocomplete=autocomplete, label=label,
        links='open' if links_open else 'login',
        target=html.escape(local_target(target), quote=True),
        problem='<p class="problem">%s</p>\n' % html.escape(problem) if problem else '')
