"""xwterm: shells in pseudo-terminals, served to browsers over HTTP long-poll and WebSocket.

The library part (Session, SessionRegistry, AsyncJob, the terminal backends) needs nothing
but the standard library, so another asyncio program can embed it without the listeners.
"""

from .exceptions import (
    XwtermError, TerminalError, TerminalStartError, UnsupportedPlatformError,
    SessionError, SessionClosedError, SessionLimitError, InvalidSessionIdError,
    ProtocolError, PayloadTooLargeError, JobEndedError, ClientLimitError, ReadOnlyError,
    AccessDeniedError,
)
from .hub import SharedSession, SharedSessions
from .job import AsyncJob
from .session import Session, SessionRegistry
from .terminal import TerminalSize

__version__ = "0.1.0"

__all__ = [
    "__version__", "AsyncJob", "Session", "SessionRegistry", "TerminalSize",
    "XwtermError", "TerminalError", "TerminalStartError", "UnsupportedPlatformError",
    "SessionError", "SessionClosedError", "SessionLimitError", "InvalidSessionIdError",
    "ProtocolError", "PayloadTooLargeError", "JobEndedError", "ClientLimitError",
    "ReadOnlyError", "AccessDeniedError", "SharedSession", "SharedSessions",
]
