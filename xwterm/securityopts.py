"""The command line's security options: the login, TLS, and what browsers, reverse proxies
and uploads may do (docs/security.md); their usage errors, the ``Authenticator`` and TLS
material they make, and ``--hash-password``."""

import argparse
import getpass
import json
import os
import sys

from . import auth, banner, browsercheck, tls, unixsocket
from .optiontypes import count, size_in_bytes
from .upload import DEFAULT_MAX_UPLOAD_TOTAL, DEFAULT_MIN_FREE_SPACE, format_size


def add_options(parser):
    """The groups 'security' and 'browsers, proxies and uploads'."""
    _add_login_and_tls_options(parser)
    _add_hardening_options(parser)


def _add_login_and_tls_options(parser):
    group = parser.add_argument_group(
        'security', 'A login token protects every endpoint unless --no-auth is given. '
        'Bound to a network address, use TLS: the token travels in clear otherwise.')
    add = group.add_argument
    add('--token', metavar='TOKEN',
        help='login token (default: a random one per run, printed in the URLs); the '
             '%s environment variable does the same without showing in process '
             'listings' % auth.TOKEN_ENV)
    add('--password-file', metavar='FILE',
        help='log in with a password instead of a token: FILE holds its hash, as printed '
             'by --hash-password')
    add('--hash-password', action='store_true',
        help='ask for a password on the terminal, print its hash for --password-file, exit')
    add('--no-auth', action='store_true',
        help='no login at all: anyone who reaches the ports gets a shell')
    add('--readonly', action='store_true',
        help='every client may watch, none may type or resize')
    add('--links-need-login', action='store_true',
        help="a session's share and read-only links also need the login (by default a "
             "link alone opens its session, and nothing else)")
    add('--certfile', metavar='FILE',
        help='TLS certificate chain (PEM): serve HTTPS and WSS on both listeners')
    add('--keyfile', metavar='FILE',
        help='TLS private key (PEM; default: in --certfile)')
    add('--keyfile-password-file', metavar='FILE',
        help='file whose first line is the passphrase of an encrypted --keyfile')
    add('--self-signed', action='store_true',
        help='TLS with a certificate made at start (needs the cryptography package)')


def _add_hardening_options(parser):
    group = parser.add_argument_group(
        'browsers, proxies and uploads', 'Who may drive a shell from a web page, what a '
        'reverse proxy is believed, and how much uploads may take.')
    add = group.add_argument
    add('--allow-origin', action='append', default=[], metavar='ORIGIN',
        dest='allow_origins',
        help='also accept pages of ORIGIN (scheme://host[:port]; repeatable); by default '
             'only the page\'s own origin may open a shell')
    add('--proxy-hops', type=count, default=1, metavar='N',
        help='with --trust-proxy: how many proxies in a row are trusted; the client is '
             'the address the farthest of them saw (default: %(default)s)')
    add('--trust-forwarded', action='store_true',
        help='with --trust-proxy: read the RFC 7239 Forwarded header instead of '
             'X-Forwarded-* (only if your proxy sets it and drops the client\'s)')
    add('--max-upload-total', type=size_in_bytes, default=DEFAULT_MAX_UPLOAD_TOTAL,
        metavar='SIZE', help='bytes all uploads in progress may hold together (default: '
                             '%s)' % format_size(DEFAULT_MAX_UPLOAD_TOTAL))
    add('--min-free-space', type=size_in_bytes, default=None, metavar='SIZE',
        help='free space an upload must leave on its file system (default: %s, or a '
             'tenth of a smaller file system; 0: no floor)'
             % format_size(DEFAULT_MIN_FREE_SPACE))
    add('--csp', metavar='POLICY', default=None,
        help='Content-Security-Policy of the HTML pages of --docroot (default: scripts '
             'from this server, plus the page\'s own inline scripts and event handlers '
             'by hash; "" sends none)')
    add('--page-port', type=int, help=argparse.SUPPRESS)


def check_options(parser, options):
    """Usage errors among the security options (exit 2 through ``parser.error``)."""
    if options.no_auth and (options.token is not None or options.password_file):
        parser.error('--no-auth cannot be combined with --token or --password-file')
    if options.token is not None and options.password_file:
        parser.error('give either --token or --password-file, not both')
    if options.self_signed and options.certfile:
        parser.error('give either --certfile or --self-signed, not both')
    if (options.keyfile or options.keyfile_password_file) and not options.certfile:
        parser.error('--keyfile and --keyfile-password-file need --certfile')
    if (options.proxy_hops != 1 or options.trust_forwarded) and not options.trust_proxy:
        parser.error('--proxy-hops and --trust-forwarded need --trust-proxy')
    for origin in options.allow_origins:
        if browsercheck.parse_origin(origin) is None:
            parser.error('--allow-origin: %r is not an origin (scheme://host[:port])'
                         % origin)


def security_settings(options, environ):
    """``(Authenticator or None, TlsMaterial or None)`` for the options.

    The token taken from ``environ`` is removed from it, so the shells do not inherit
    it.  AuthConfigError / TlsConfigError for unusable values.
    """
    if options.secrets_fd is not None:
        return _settings_from_parent(options.secrets_fd)
    authenticator = auth.from_options(options.token, options.password_file,
                                      options.no_auth, environ)
    environ.pop(auth.TOKEN_ENV, None)
    material = None
    if options.certfile:
        password = None
        if options.keyfile_password_file:
            password = tls.read_secret_file(options.keyfile_password_file)
        material = tls.TlsMaterial.from_files(options.certfile, options.keyfile, password)
    elif options.self_signed:
        hosts = ['localhost', '127.0.0.1', '::1'] + banner.interface_addresses()
        if unixsocket.socket_path(options.bind) is None:
            hosts.append(options.bind)
        material = tls.TlsMaterial.self_signed(hosts)
    return authenticator, material


def _settings_from_parent(fd):
    """The workaround child's auth and TLS settings, as its parent wrote them to ``fd``."""
    chunks = []
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    settings = json.loads(b''.join(chunks).decode('utf-8'))
    authenticator = (auth.Authenticator.from_dict(settings['auth'])
                     if settings.get('auth') else None)
    material = tls.TlsMaterial.from_dict(settings['tls']) if settings.get('tls') else None
    return authenticator, material


#: The most ``--hash-password`` reads from a pipe: a password, perhaps twice.
PASSWORD_PIPE_LIMIT = 64 * 1024


def _passwords_from_pipe(stream):
    """``(first, second)`` from piped input (``echo PW | xwterm --hash-password``): the
    first line, and the second if there is one (a confirmation), else the first again."""
    lines = stream.read(PASSWORD_PIPE_LIMIT).splitlines()
    if not lines:
        raise EOFError
    return lines[0], lines[1] if len(lines) > 1 else lines[0]


def hash_password_interactively(ask=None, stdin=None):
    """``--hash-password``: the password twice on the terminal (``ask``), or from a pipe
    on stdin; then its hash on stdout (exit status)."""
    if ask is None:
        ask = getpass.getpass
        stdin = sys.stdin if stdin is None else stdin
    try:
        if stdin is not None and not stdin.isatty():
            first, second = _passwords_from_pipe(stdin)
        else:
            first = ask('Password: ')
            second = ask('Again: ')
    except (EOFError, KeyboardInterrupt):
        print('xwterm: no password given', file=sys.stderr)
        return 1
    if not first:
        print('xwterm: no password given', file=sys.stderr)
        return 1
    if first != second:
        print('xwterm: the two passwords differ', file=sys.stderr)
        return 1
    try:
        print(auth.hash_password(first))
    except auth.AuthConfigError as error:
        print('xwterm: %s' % error, file=sys.stderr)
        return 1
    return 0

