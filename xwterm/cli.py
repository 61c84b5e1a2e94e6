"""Command line: ``xwterm``, ``python -m xwterm`` and example/miniserver.py.

Exit status: 0 after a clean shutdown (SIGINT/SIGTERM), 1 if a port cannot
be bound, 2 for a usage error or when no listener can run.
"""

import argparse
import logging
import os
import shlex
import sys

from . import (__version__, appearance, auth, banner, docroot, doctor, preflight, securityopts,
               servingopts, tls, unixsocket)
from .compat import EVENT_LOOPS, run, uvloop_module
from .hub import DEFAULT_DETACH_TIMEOUT
from .limits import DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_PER_ADDRESS, guarded_loop_factory
from .optiontypes import base_path, count, port, seconds, size_in_bytes, terminal_size
from .securityopts import hash_password_interactively, security_settings
from .server import ListenError, Server, ServerConfig
from .upload import DEFAULT_MAX_UPLOAD, DEFAULT_UPLOAD_DIR, format_size
from .vendored import find_optional

log = logging.getLogger('xwterm')

LOG_LEVELS = ('DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL')


def default_docroot():
    """``web/`` of the installed package or of a source checkout."""
    package_dir = os.path.dirname(os.path.abspath(__file__))
    return docroot.packaged() or os.path.join(os.path.dirname(package_dir), 'web')


#: The original sample server's spellings of our options, accepted but not shown by --help.
ORIGINAL_SPELLINGS = {
    '--bind': ('-b', '-bind', '-bindaddr', '--bindaddr'),
    '--http': ('-http', '-httpport', '--httpport'),
    '--ws': ('-ws', '-wsport', '-websocket', '-websocketport', '--wsport', '--websocket',
             '--websocketport'),
    '--docroot': ('-docroot', '-docdir', '-wwwroot', '-root', '-doc', '--docdir', '--wwwroot',
                  '--root', '--doc'),
    '--initial-size': ('-initial-size', '-default-size', '--default-size'),
    '--no-http': ('-no-http',),
    '--no-websocket': ('-no-websocket',),
    '--aiohttp-workaround': ('-aiohttp-workaround', '-fix-aiohttp', '--fix-aiohttp'),
    '--no-welcome': ('-no-welcome',),
    '--use-conhost': ('-use-conhost',),
    '--use-conpty': ('-use-conpty',),
    '--use-winpty': ('-use-winpty',),
    '--quiet': ('-q', '-quiet'),
    '--help': ('-help',),
}


def program_name(argv0=None):
    """The name --help shows: how this program was started (miniserver.py, xwterm, ...)."""
    name = os.path.basename(sys.argv[0] if argv0 is None else argv0)
    if name == '__main__.py':
        return 'python3 -m xwterm'
    if not name or name.startswith('-'):
        return 'xwterm'
    return name


def _add(container, names, **kwargs):
    """Add an option, plus its original spellings as hidden aliases of the same ``dest``."""
    container.add_argument(*names, **kwargs)
    aliases = ORIGINAL_SPELLINGS.get(names[-1], ())
    if aliases:
        hidden = dict(kwargs, help=argparse.SUPPRESS, default=argparse.SUPPRESS)
        if 'dest' not in hidden and kwargs.get('action') != 'help':
            hidden['dest'] = names[-1].lstrip('-').replace('-', '_')
        container.add_argument(*aliases, **hidden)


class _Parser(argparse.ArgumentParser):
    """A usage error is one line and a pointer to --help, not the whole usage."""

    def error(self, message):
        self.exit(2, "%s: error: %s\nTry '%s --help' for the options.\n"
                  % (self.prog, message, self.prog))


def build_parser(prog=None):
    parser = _Parser(
        prog=prog or program_name(), add_help=False,
        description='Serve shells to browsers over HTTP long-poll and WebSocket. '
                    'Every endpoint needs the login token printed at start (see security).',
        epilog='Trailing arguments are the command to run, e.g. '
               '"xwterm --http 0 -- htop -d 5". The original sample server\'s '
               'single-dash spellings are accepted too (see docs/options.md).')

    def add(*names, **kwargs):
        _add(parser, names, **kwargs)

    add('-h', '--help', action='help', help='show this help message and exit')
    add('--bind', default='127.0.0.1', metavar='ADDRESS',
        help='address to listen on (default: %(default)s)')
    add('--http', type=port, default=8000, metavar='PORT',
        help='HTTP port (default: %(default)s; 0: any free port)')
    add('--ws', type=port, default=8001, metavar='PORT',
        help='WebSocket port (default: %(default)s; 0: any free port)')
    add('--no-http', action='store_true', help='disable the HTTP listener')
    add('--no-websocket', action='store_true', help='disable the WebSocket listener')
    add('--aiohttp-workaround', action='store_true',
        help='run the WebSocket listener in a supervised child process '
             '(aiohttp issue 6978)')
    backend = parser.add_mutually_exclusive_group()
    _add(backend, ('--use-conpty',), action='store_true',
         help='(Windows only) use the ConPTY API for terminals')
    _add(backend, ('--use-conhost',), action='store_true',
         help='(Windows only) use conhost.exe for terminals')
    _add(backend, ('--use-winpty',), action='store_true',
         help='(Windows only) use WinPTY (pywinpty) for terminals, for Windows before '
              '10 1809 (default: the first of conhost, ConPTY, WinPTY that can run here)')
    add('--initial-size', type=terminal_size, default='120x40', metavar='COLUMNSxLINES',
        help='terminal size until the client sends its own (default: %(default)s)')
    add('--conhost-helper', nargs='*', default=None, help=argparse.SUPPRESS)
    add('--command', metavar='COMMAND',
        help='command line to run in each terminal (default: $SHELL, '
             'else /bin/bash, else /bin/sh; on Windows %%COMSPEC%%)')
    add('--docroot', metavar='DIR', default=None,
        help='directory of the web page (default: web/ of the source tree)')
    add('--idle-timeout', type=seconds, default=120.0, metavar='SECONDS',
        help='detach an HTTP client that has not polled for this long (default: '
             '%(default)s; 0: never)')
    add('--detach-timeout', type=seconds, default=DEFAULT_DETACH_TIMEOUT, metavar='SECONDS',
        help='end a session that has had no client for this long (default: %(default)s; '
             '0: when its last client leaves)')
    add('--upload-dir', metavar='DIR', default=DEFAULT_UPLOAD_DIR,
        help='folder for uploads (PUT /NAME), created on the first one (default: %(default)s)')
    add('--no-upload', action='store_true',
        help='refuse every upload (403), also into a session\'s current directory')
    add('--max-upload', type=size_in_bytes, default=DEFAULT_MAX_UPLOAD, metavar='SIZE',
        help='largest upload, e.g. 500K, 100M, 2G (default: %s)'
             % format_size(DEFAULT_MAX_UPLOAD))
    add('--base-path', default='/', metavar='PATH', type=base_path,
        help='serve the page, long-polling and the same-origin WebSocket under PATH, '
             'e.g. /term/ behind a reverse proxy (default: %(default)s)')
    add('--trust-proxy', action='store_true',
        help='believe what your reverse proxy adds to X-Forwarded-For/-Proto/-Host (client '
             'address in logs and login limits, scheme, Origin/Host checks); only behind a '
             'proxy you run (see --proxy-hops, --trust-forwarded)')
    add('--no-http-websocket', action='store_false', dest='http_websocket',
        help='no WebSocket on the HTTP listener (<base>/ws); the page then uses the '
             'WebSocket port or long-polling')
    add('--compression', action='store_true',
        help='offer permessage-deflate on WebSocket (off by default: it costs CPU '
             'and memory per connection; it pays only on slow links)')
    add('--max-connections', type=count, default=DEFAULT_MAX_CONNECTIONS, metavar='N',
        help='open connections per listener (default: %(default)s, lowered to fit the '
             'open-file limit)')
    add('--max-connections-per-address', type=count, default=DEFAULT_MAX_PER_ADDRESS,
        metavar='N', dest='max_per_address',
        help='open connections per client address and listener (default: %(default)s)')
    securityopts.add_options(parser)
    add('--event-loop', choices=EVENT_LOOPS, default='auto',
        help='asyncio event loop: uvloop where it is installed (pip install xwterm[fast]; '
             'faster keystroke echo and output), else the standard one (default: %(default)s)')
    servingopts.add_options(parser)
    _add_appearance_options(parser)
    add('--log-level', default='INFO', type=str.upper, choices=LOG_LEVELS,
        help='logging threshold (default: %(default)s)')
    add('-d', '-debug', '--debug', action='store_const', const='DEBUG', dest='log_level',
        help=argparse.SUPPRESS)
    add('--quiet', action='store_true', help='log errors only')
    add('--no-welcome', action='store_true',
        help='do not print the startup banner (version and URLs); logs still go to stderr')
    add('--version', action='version', version='xwterm %s' % __version__)
    add('--check', action='store_true',
        help='check the installation (Python, packages, pty) and exit')
    add('--ws-fd', help=argparse.SUPPRESS)
    add('--parent-fd', type=int, help=argparse.SUPPRESS)
    add('--secrets-fd', type=int, help=argparse.SUPPRESS)
    add('args', nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    parser.usage = _usage_with_command(parser)
    return parser


def _usage_with_command(parser):
    """argparse's usage line plus the trailing command it cannot show (it is REMAINDER)."""
    generated = parser.format_usage().rstrip('\n')
    prefix = 'usage: '
    if generated.startswith(prefix):
        generated = generated[len(prefix):]
    return generated.replace('%', '%%') + ' [-- COMMAND ...]'


def _command(parser, options):
    args = list(options.args)
    if args and args[0] == '--':
        args.pop(0)
    if options.command and args:
        parser.error('give the command either with --command or as trailing '
                     'arguments, not both')
    if options.command:
        try:
            return _split_command(options.command)
        except ValueError as error:
            parser.error('--command: %s' % error)
    return args or None


def _split_command(text):
    """``--command`` as arguments; Windows paths keep their backslashes."""
    if sys.platform == 'win32':
        from .terminal.winshared import split_command_line
        return split_command_line(text)
    return shlex.split(text)


def _select_windows_backend(options):
    """--use-conhost, --use-conpty or --use-winpty, else the best one that can run here;
    and a loop that runs subprocesses."""
    from .terminal import CONHOST, CONPTY, WINPTY, select_backend
    from .terminal.windows import best_backend, use_proactor_loop
    chosen = [name for name, given in ((CONHOST, options.use_conhost),
                                       (CONPTY, options.use_conpty),
                                       (WINPTY, options.use_winpty)) if given]
    name = chosen[0] if chosen else best_backend()
    logging.getLogger(__name__).info('terminal backend: %s', name)
    select_backend(name)
    use_proactor_loop()


def _configure_logging(level):
    logging.basicConfig(level=level, stream=sys.stderr,
                        format='%(asctime)s %(name)s %(levelname)s: %(message)s')
    quiet = max(level, logging.WARNING)
    for noisy in ('aiohttp.access', 'websockets', 'asyncio'):
        logging.getLogger(noisy).setLevel(quiet)


def _available(options):
    """``(have_aiohttp, have_websockets)``; one line per missing package.  Found, not
    imported: the server imports them once it listens."""
    have = {}
    for package, wanted, listener in (('aiohttp', not options.no_http, 'HTTP'),
                                      ('websockets', not options.no_websocket,
                                       'WebSocket')):
        if not wanted:
            have[package] = False
            continue
        found, origin = find_optional(package)
        have[package] = found is not None
        if found is None:
            log.warning('%s listener disabled: cannot import %s (%s); install it '
                        'with: pip install %s', listener, package, origin, package)
    return have['aiohttp'], have['websockets']


def _add_appearance_options(parser):
    group = parser.add_argument_group(
        'appearance', 'The page\'s look, sent to it in ?config; a page may override each by '
        'its query: ?theme=light&font-size=16&font-family=monospace.')
    add = group.add_argument
    add('--theme', default=appearance.DEFAULT_THEME,
        metavar='NAME', help='colour theme: %s (default: %%(default)s)'
        % ', '.join(appearance.THEMES))
    add('--font-size', default=None,
        metavar='PIXELS', help='font size in CSS pixels, %d-%d (default: the page\'s, 15)'
        % (appearance.MIN_FONT_SIZE, appearance.MAX_FONT_SIZE))
    add('--font-family', default=None,
        metavar='FAMILIES', help='CSS font-family list, e.g. "\'Fira Code\', monospace" '
        '(default: the page\'s, DejaVu Sans Mono and other monospace fonts)')


def _appearance(options):
    """The page's look from the options; ValueError naming the option if one is bad."""
    for option, check, value in (('--theme', appearance.check_theme, options.theme),
                                 ('--font-size', appearance.check_font_size, options.font_size),
                                 ('--font-family', appearance.check_font_family,
                                  options.font_family)):
        if value is not None:
            try:
                check(value)
            except ValueError as error:
                raise ValueError('%s: %s' % (option, error))
    return appearance.Appearance(options.theme, options.font_size, options.font_family)


def main(argv=None):
    parser = build_parser()
    options = parser.parse_args(argv)
    if options.check:
        return doctor.run_check()
    if options.hash_password:
        return hash_password_interactively()
    securityopts.check_options(parser, options)
    servingopts.check_options(parser, options)
    cwd = servingopts.start_directory(options.cwd)
    if cwd is False:
        return 2
    try:
        look = _appearance(options)
    except ValueError as error:
        print('xwterm: %s' % error, file=sys.stderr)
        return 2
    try:
        authenticator, tls_material = security_settings(options, os.environ)
    except (auth.AuthConfigError, tls.TlsConfigError) as error:
        parser.error(str(error))
    windows = sys.platform == 'win32'
    for flag, given in (('--use-conpty', options.use_conpty),
                        ('--use-conhost', options.use_conhost),
                        ('--use-winpty', options.use_winpty),
                        ('--conhost-helper', options.conhost_helper is not None)):
        if given and not windows:
            parser.error('%s is only available on Windows' % flag)
    if options.conhost_helper is not None:
        from .terminal.conhost_helper import main as conhost_helper
        return conhost_helper(options.conhost_helper)
    if windows:
        _select_windows_backend(options)
    command = _command(parser, options)
    problem = _startup_problem(options, command)
    if problem:
        print('xwterm: %s' % problem, file=sys.stderr)
        return 2
    level = logging.ERROR if options.quiet else getattr(logging, options.log_level)
    _configure_logging(level)

    have_aiohttp, have_websockets = _available(options)
    if unixsocket.socket_path(options.bind) is not None and not have_aiohttp:
        print('xwterm: nothing to run: --bind unix:PATH serves the HTTP listener, which '
              'needs aiohttp (pip install aiohttp)', file=sys.stderr)
        return 2
    if not (have_aiohttp or have_websockets):
        print('xwterm: nothing to run: %s' % _why_nothing_runs(options), file=sys.stderr)
        return 2
    recorder = servingopts.recorder(options)
    if recorder is False:
        return 2
    config = ServerConfig(
        bind=options.bind, http_port=options.http, ws_port=options.ws,
        http=not options.no_http, websocket=not options.no_websocket,
        aiohttp_workaround=options.aiohttp_workaround, command=command,
        initial_size=options.initial_size, docroot=options.docroot or default_docroot(),
        idle_timeout=options.idle_timeout, log_level=logging.getLevelName(level),
        detach_timeout=options.detach_timeout, compression=options.compression,
        base_path=options.base_path, trust_proxy=options.trust_proxy,
        proxy_hops=options.proxy_hops, trust_forwarded=options.trust_forwarded,
        allow_origins=options.allow_origins, page_port=options.page_port,
        max_upload_total=options.max_upload_total, min_free_space=options.min_free_space,
        csp=options.csp,
        http_websocket=options.http_websocket,
        max_connections=options.max_connections, max_per_address=options.max_per_address,
        ws_fd=options.ws_fd, parent_fd=options.parent_fd, upload=not options.no_upload,
        upload_dir=options.upload_dir, max_upload=options.max_upload,
        auth=authenticator, tls=tls_material, readonly=options.readonly,
        appearance=look, links_need_login=options.links_need_login,
        cwd=cwd, once=options.once, unix_socket_mode=options.unix_socket_mode,
        unix_socket_gid=options.unix_socket_group, recorder=recorder,
        event_loop=options.event_loop)
    try:
        loop_module = uvloop_module(options.event_loop, tls=tls_material is not None)
    except ImportError as error:
        parser.error('--event-loop uvloop: cannot import uvloop (%s); pip install uvloop'
                     % error)
    if loop_module is not None and tls_material is not None:
        log.warning('uvloop with TLS: connections are counted against the connection '
                    'limits only after their TLS handshake')
    log.info('event loop: %s', 'uvloop %s' % loop_module.__version__ if loop_module
             else 'asyncio (standard library)')
    loop_factory = guarded_loop_factory(loop_module.Loop) if loop_module else None
    server = Server(config, have_aiohttp=have_aiohttp, have_websockets=have_websockets)
    try:
        quiet_start = options.parent_fd is not None or options.no_welcome
        run(server.run(ready=None if quiet_start else _announce), loop_factory)
    except ListenError as error:
        print('xwterm: %s' % error, file=sys.stderr)
        return 1
    except OSError as error:
        print('xwterm: cannot listen: %s' % error, file=sys.stderr)
        return 1
    return 0


def _startup_problem(options, command):
    """The first thing that would make the server fail later, as one line (or None).
    The default upload folder is not probed: a board with a read-only home still starts."""
    checks = [lambda: preflight.command_problem(command)]
    if options.docroot and not options.no_http:
        checks.append(lambda: preflight.docroot_problem(options.docroot))
    explicit_upload_dir = options.upload_dir != DEFAULT_UPLOAD_DIR
    if explicit_upload_dir and not options.no_upload and not options.no_http:
        checks.append(lambda: preflight.upload_dir_problem(options.upload_dir))
    for check in checks:
        problem = check()
        if problem:
            return problem
    return None


def _why_nothing_runs(options):
    """Both listeners off on purpose needs no install hint; missing packages do."""
    missing = [package for package, wanted in (('aiohttp', not options.no_http),
                                               ('websockets', not options.no_websocket))
               if wanted]
    if not missing:
        return 'both listeners are switched off (--no-http and --no-websocket)'
    return ('no listener is both enabled and importable (pip install %s; on Debian or '
            'Ubuntu: apt install %s)' % (' '.join(missing),
                                         ' '.join('python3-' + name for name in missing)))


def _announce(server):
    """Print the URLs, how to log in and the warnings (the CLI's own output, on stdout),
    in one write."""
    lines = banner.banner_lines(
        server.config.bind, server.http_port, server.ws_port,
        tls=server.ssl_context is not None, auth=server.auth,
        readonly=server.config.readonly, base_path=server.config.base_path,
        unix_path=server.unix_path if server.http_listening else None,
        certificate=server.config.tls)
    lines.extend(banner.serving_lines(server.config))
    text = ['xwterm %s: %s' % (__version__, doctor.banner_line())]
    text.extend(banner.format_lines(lines))
    sys.stdout.write('\n'.join(text) + '\n')
    sys.stdout.flush()
