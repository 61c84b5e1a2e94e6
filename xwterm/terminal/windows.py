"""The Windows backends by name: which class, which one runs by default, and the report
``--check`` prints about them.

The top of the terminal package's Windows layer: it imports the shared pieces (winshared)
and, lazily, the backends and the OS layer; none of them imports this module. Importing it
never touches Windows, so it is tested on every OS.
"""

import os
import sys

from .winshared import CONHOST, CONPTY, WINDOWS_BACKENDS, WINPTY


def backend_class(name):
    """The Terminal class of a Windows backend name (imports only that backend)."""
    if name == CONPTY:
        from .conpty import ConPtyTerminal
        return ConPtyTerminal
    if name == WINPTY:
        from .conpty import WinPtyTerminal
        return WinPtyTerminal
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
    """``[(name, can_run, why)]`` for each Windows backend, in the order the default
    prefers them, for ``--check`` and ``best_backend``.

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
    have_conpty, no_conpty = api.conpty_available()
    wine = api.wine_version()
    module, error = import_pywinpty()
    report = []
    conhost = api.conhost_argv()[0]
    if not os.path.isfile(conhost):
        report.append((CONHOST, False, "%s not found" % conhost))
    elif not have_conpty:  # a headless conhost is the server behind ConPTY
        report.append((CONHOST, False, "%s has no headless mode: %s" % (conhost, no_conpty)))
    elif wine is not None:
        report.append((CONHOST, False, "Wine %s: its conhost.exe is only the console server "
                       "of CreatePseudoConsole (it starts no command and exits 1)" % wine))
    else:
        report.append((CONHOST, True, "%s, helper %s" % (conhost, sys.executable)))
    if module is None:
        missing = "pywinpty is missing (%s); pip install pywinpty" % error
        report.append((CONPTY, False, no_conpty if not have_conpty else missing))
        report.append((WINPTY, False, missing))
        return report
    version = getattr(module, "__version__", "?")
    if not have_conpty:
        report.append((CONPTY, False, no_conpty))
    elif wine is not None:
        report.append((CONPTY, False, "Wine %s: CreatePseudoConsole succeeds but no output "
                       "comes back (pywinpty would fall back to WinPTY)" % wine))
    else:
        report.append((CONPTY, True, "pywinpty %s" % version))
    report.append((WINPTY, True, "pywinpty %s, its winpty-agent (for Windows before 10 1809)"
                   % version))
    return report


def best_backend(report=None):
    """The name of the first backend of ``report`` (default: this machine's) that can
    run; the first one's name when none can (its start then says why)."""
    report = backend_report() if report is None else report
    for name, can_run, _ in report:
        if can_run:
            return name
    return report[0][0]


def _import_pywinpty():
    try:
        import winpty
    except ImportError as error:
        return None, str(error)
    return winpty, None
