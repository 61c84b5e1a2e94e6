"""``xwterm --check``: what can run here, from where, and what to do about the rest.

``run_check()`` prints a report and returns the exit status (0 when a shell
can be started and at least one listener can run, else 1);
``banner_line()`` is the one-line summary printed when the server starts.
"""

import os
import platform
import re
import sys

from . import __version__, aiohttp6978
from .vendored import attempted, import_optional, origin_of, vendor_dir, vendor_tag

# (import name, distribution name) of each listener's dependencies, as far as
# they are imported at all by the installed version.
AIOHTTP_DEPENDENCIES = (
    ('multidict', 'multidict'), ('yarl', 'yarl'), ('frozenlist', 'frozenlist'),
    ('aiosignal', 'aiosignal'), ('async_timeout', 'async-timeout'),
    ('attr', 'attrs'), ('charset_normalizer', 'charset-normalizer'),
    ('idna', 'idna'), ('idna_ssl', 'idna-ssl'),
    ('typing_extensions', 'typing-extensions'),
    ('aiohappyeyeballs', 'aiohappyeyeballs'), ('propcache', 'propcache'),
)

LISTENERS = (('HTTP', 'aiohttp'), ('WebSocket', 'websockets'))

# "aiohttp-3.8.6.dist-info", "websockets-8.1-py3.9.egg-info"
_METADATA_DIR = re.compile(
    r'^(?P<name>[^-]+)-(?P<version>[^-]+?)(?:-py\d[^-]*)?\.(?:dist|egg)-info$')


def _origin_word(origin):
    """``vendored`` or ``installed`` (the packages found on sys.path, venv or system)."""
    word = origin.split(' ', 1)[0]
    return 'installed' if word == 'system' else word


def _normalize(dist):
    return re.sub(r'[-_.]+', '_', dist).lower()


def distribution_version(module, dist):
    """Version of a top-level module, from the dist-info/egg-info beside it.

    Reading the metadata folder works on every Python (3.6 has no
    importlib.metadata) and avoids ``__version__`` attributes that newer
    releases deprecate; ``__version__`` is the fallback.
    """
    version = _version_beside(getattr(module, '__file__', None), dist)
    if version:
        return version
    version = getattr(module, '__version__', None)
    return str(version) if version else 'unknown'


def _version_beside(path, dist):
    """The version in the metadata folder beside the module file ``path``, or None."""
    if path:
        path = os.path.abspath(path)
        site = os.path.dirname(path)
        if os.path.basename(path).startswith('__init__.'):
            site = os.path.dirname(site)
        wanted = _normalize(dist)
        try:
            entries = sorted(os.listdir(site))
        except OSError:
            entries = []
        for entry in entries:
            match = _METADATA_DIR.match(entry)
            if match and _normalize(match.group('name')) == wanted:
                return match.group('version')
    return None


def _package_status(name):
    """``(module or None, version or None, origin or error)``."""
    module, origin = import_optional(name)
    if module is None:
        return None, None, origin
    return module, distribution_version(module, name), origin


def _listener_problem(package):
    """Why an importable package still cannot serve, or None."""
    if package != 'aiohttp':
        return None
    try:
        __import__('aiohttp.web')
    except ImportError as error:
        return 'cannot import aiohttp.web: %s' % error
    return None


def _install_hint(package):
    tag = vendor_tag()
    if tag is None:
        return 'pip install %s' % package
    if vendor_dir() is None:
        return ('pip install %s, or run "python3 vendor/build.py" on any machine '
                'with pip and copy vendor/%s here' % (package, tag))
    return ('pip install %s, or use the full embedded bundle '
            '(xwterm-embedded-%s.tar.gz), which vendors it' % (package, tag))


def _pty_status():
    """``(ok, text)`` for the terminal backend."""
    if sys.platform == 'win32':
        return windows_terminal_status()
    try:
        master, slave = os.openpty()
    except OSError as error:
        return False, 'cannot open a pty: %s (is /dev/pts mounted?)' % error
    os.close(master)
    os.close(slave)
    from .terminal.posix import PtyTerminal
    from .exceptions import TerminalStartError
    try:
        shell = ' '.join(PtyTerminal.default_command())
    except TerminalStartError as error:
        return False, 'pty ok, but %s (use --command)' % error
    return True, 'pty ok, default shell %s' % shell


def windows_terminal_status(report=None):
    """``(ok, text)``: which Windows backends can run here, why the others cannot, and
    which one runs by default."""
    from .terminal.windows import backend_report, best_backend
    if report is None:
        report = backend_report()
    parts = ['%s %s' % (name, ('can run (%s)' % why) if ok else ('cannot run: %s' % why))
             for name, ok, why in report]
    ok = any(can_run for _name, can_run, _why in report)
    if ok:
        parts.append('default: %s (the first that can run; --use-conhost, --use-conpty, '
                     '--use-winpty choose)' % best_backend(report))
    return ok, '; '.join(parts)


def _vendor_status():
    tag = vendor_tag()
    if tag is None:
        return 'not used on Python %d.%d (system packages only)' % sys.version_info[:2]
    folder = vendor_dir()
    if folder is None:
        return 'vendor/%s missing (python3 vendor/build.py creates it)' % tag
    return folder


def run_check():
    """Print the installation report; 0 if a shell and a listener can run."""
    out = []
    out.append('xwterm %s installation check' % __version__)
    out.append('Python %s at %s (%s %s)' % (platform.python_version(), sys.executable,
                                            platform.system(), platform.machine()))
    out.append('Vendored packages: %s' % _vendor_status())
    pty_ok, pty_text = _pty_status()
    out.append('Terminals: %s' % pty_text)
    out.append('')
    runnable = []
    todo = []
    for listener, package in LISTENERS:
        module, version, origin = _package_status(package)
        problem = None if module is None else _listener_problem(package)
        if module is None:
            out.append('%-10s cannot run: %s is missing (%s)' % (listener, package, origin))
            todo.append('%s listener: %s' % (listener, _install_hint(package)))
            continue
        if problem is not None:
            out.append('%-10s cannot run: %s %s is broken: %s' % (
                listener, package, version, problem))
            todo.append('%s listener: reinstall %s (%s)' % (
                listener, package, _install_hint(package)))
            continue
        runnable.append(listener)
        out.append('%-10s can run: %s %s, %s' % (listener, package, version, origin))
        if package == 'aiohttp':
            for name, dist in AIOHTTP_DEPENDENCIES:
                dep = sys.modules.get(name)
                if dep is not None:
                    out.append('%-12s %s %s, %s' % ('', dist, distribution_version(dep, dist),
                                                    origin_of(dep)))
            out.append('%-12s %s' % ('', aiohttp6978.status(version)))
        else:
            from .wscompat import implementation
            out.append('%-12s %s implementation' % ('', implementation()))
    out.append('')
    if not pty_ok:
        todo.append('terminals: ' + pty_text)
    if todo:
        out.append('What to do:')
        out.extend('  - ' + line for line in todo)
    else:
        out.append('Nothing to do: both listeners can run.')
    ok = pty_ok and bool(runnable)
    out.append('Result: %s' % ('ready (%s)' % ', '.join(runnable) if ok else 'NOT ready'))
    sys.stdout.write('\n'.join(out) + '\n')
    sys.stdout.flush()
    return 0 if ok else 1


def banner_line():
    """One line for the startup banner: Python, and each listener package tried."""
    parts = ['Python %s' % platform.python_version()]
    results = attempted()
    for _listener, package in LISTENERS:
        if package not in results:
            continue
        module, origin = results[package]
        if module is None:
            parts.append('%s missing' % package)
        else:
            version = (_version_beside(module, package) or 'unknown'
                       if isinstance(module, str) else distribution_version(module, package))
            parts.append('%s %s (%s)' % (package, version, _origin_word(origin)))
    return ', '.join(parts)
