"""Terminal backends: a child process attached to a pseudo-terminal.

``default_backend()`` picks the backend for this OS: the pty on Linux/Unix; on Windows the
first of conhost, ConPTY and WinPTY that can run here, unless ``select_backend(name)`` chose
one (the CLI's --use-conhost, --use-conpty, --use-winpty).
``get_backend(name)`` returns a backend class by name, for ``Session(backend=...)``.
``TerminalSize`` is shared by all.
"""

import sys

from ..exceptions import UnsupportedPlatformError
from .base import Terminal, TerminalSize
from .winshared import CONHOST, CONPTY, WINDOWS_BACKENDS, WINPTY

__all__ = ["Terminal", "TerminalSize", "default_backend", "get_backend", "select_backend",
           "CONHOST", "CONPTY", "PTY", "WINPTY"]

#: The name of the Linux/Unix backend.
PTY = "pty"

_selected = None


def get_backend(name):
    """The Terminal class called ``name`` ("pty", "conhost", "conpty", "winpty"), on any OS (the
    Windows ones only start on Windows, or with the stand-ins of the tests)."""
    if name == PTY:
        from .posix import PtyTerminal
        return PtyTerminal
    from .windows import backend_class
    return backend_class(name)


def select_backend(name):
    """Make ``name`` the backend ``default_backend()`` returns (None: the OS default).

    UnsupportedPlatformError for a Windows backend outside Windows (and vice versa).
    """
    global _selected
    if name is not None:
        windows_backend = name in WINDOWS_BACKENDS
        if windows_backend != (sys.platform == "win32"):
            raise UnsupportedPlatformError("the %s terminal backend is not available on %s"
                                           % (name, sys.platform))
        get_backend(name)  # ValueError for an unknown name
    _selected = name


def default_backend():
    """The Terminal class for this operating system (or the one selected)."""
    if _selected is not None:
        return get_backend(_selected)
    if sys.platform == "win32":
        from .windows import best_backend
        select_backend(best_backend())
        return get_backend(_selected)
    return get_backend(PTY)
