"""What the two Windows backends share: the default command, command lines, the child's
environment, backend names, and the report ``--check`` prints about them.

Pure functions and lazy imports only: this module imports (and is tested) on every OS.
"""

import os
import shlex
import subprocess
import sys

#: Backend names, as the command line spells them (--use-conhost, --use-conpty).
CONHOST = "conhost"
CONPTY = "conpty"
WINDOWS_BACKENDS = (CONHOST, CONPTY)
#: The backend Windows uses unless told otherwise (the specification's default).
DEFAULT_WINDOWS_BACKEND = CONHOST

FALLBACK_COMMAND = r"C:\Windows\System32\cmd.exe"


def default_command(environ=None):
    """``[%COMSPEC%]``, else ``[C:\\Windows\\System32\\cmd.exe]``."""
    environ = os.environ if environ is None else environ
    return [environ.get("COMSPEC") or FALLBACK_COMMAND]


def command_line(argv):
    """``argv`` as one Windows command line (the quoting the C runtime undoes)."""
    return subprocess.list2cmdline(list(argv))


def split_command_line(text):
    """A ``--command`` string typed on Windows -> argument list.

    ``shlex`` in POSIX mode would eat the backslashes of ``C:\\Windows\\...``; in its
    non-POSIX mode it keeps them and the quotes around arguments, which are dropped here.
    """
    words = shlex.split(text, posix=False)
    return [word[1:-1] if len(word) >= 2 and word[0] == word[-1] == '"' else word
            for word in words]


def child_environment(extra=None):
    """The server's environment plus ``extra``; terminals want TERM like on Linux."""
    env = dict(os.environ)
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    env.setdefault("TERM", "xterm-256color")
    if extra:
        env.update(extra)
    return env


def backend_class(name):
    """The Terminal class of a Windows backend name (imports only that backend)."""
    if name == CONPTY:
        from .conpty import ConPtyTerminal
        return ConPtyTerminal
    if name == CONHOST:
        from .conhost import ConhostTerminal
        return ConhostTerminal
    raise ValueError("unknown Windows terminal backend %r (one of: %s)"
                     % (name, ", ".join(WINDOWS_BACKENDS)))


def use_proactor_loop():
    """Python 3.6/3.7 default to the selector loop on Windows, which cannot run
    subprocesses (the conhost backend's helper); 3.8+ use the proactor already."""
    if sys.platform != "win32" or sys.version_info >= (3, 8):
        return
    import asyncio

    class ProactorPolicy(asyncio.DefaultEventLoopPolicy):
        _loop_factory = asyncio.ProactorEventLoop

    asyncio.set_event_loop_policy(ProactorPolicy())


def backend_report(api=None, platform=None, import_pywinpty=None):
    """``[(name, can_run, why)]`` for each Windows backend, for ``--check``.

    ``api`` is the OS layer (xwterm.terminal.winapi), ``import_pywinpty`` a function
    returning ``(module or None, error text)``; both can be stand-ins in tests.
    """
    platform = sys.platform if platform is None else platform
    if platform != "win32":
        return [(name, False, "Windows only") for name in WINDOWS_BACKENDS]
    if api is None:
        from . import winapi as api
    if import_pywinpty is None:
        import_pywinpty = _import_pywinpty
    report = []
    conhost = api.conhost_argv()[0]
    if os.path.isfile(conhost):
        report.append((CONHOST, True, "%s, helper %s -m xwterm --conhost-helper"
                       % (conhost, sys.executable)))
    else:
        report.append((CONHOST, False, "%s not found" % conhost))
    have_conpty, why = api.conpty_available()
    module, error = import_pywinpty()
    if not have_conpty:
        report.append((CONPTY, False, why))
    elif module is None:
        report.append((CONPTY, False, "pywinpty is missing (%s); pip install pywinpty"
                       % error))
    else:
        report.append((CONPTY, True, "pywinpty %s" % getattr(module, "__version__", "?")))
    return report


def _import_pywinpty():
    try:
        import winpty
    except ImportError as error:
        return None, str(error)
    return winpty, None
