"""Terminal backends: a child process attached to a pseudo-terminal.

``default_backend()`` picks the backend for this OS; ``TerminalSize`` is shared by all.
"""

import sys

from ..exceptions import UnsupportedPlatformError
from .base import Terminal, TerminalSize

__all__ = ["Terminal", "TerminalSize", "default_backend"]


def default_backend():
    """The Terminal class for this operating system."""
    if sys.platform == "win32":
        raise UnsupportedPlatformError(
            "no Windows terminal backend is available in this version of xwterm")
    from .posix import PtyTerminal
    return PtyTerminal
