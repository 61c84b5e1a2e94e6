"""Every error xwterm raises on purpose derives from :class:`XwtermError`.

Hierarchy::

    XwtermError
    ├── TerminalError                 the pseudo-terminal or its child process
    │   ├── TerminalStartError        the command could not be started (not found, no pty)
    │   └── UnsupportedPlatformError  the chosen backend does not exist on this OS
    ├── SessionError                  a session's lifecycle
    │   ├── SessionClosedError        input for a session whose shell has ended
    │   ├── SessionLimitError         the registry is full
    │   ├── ClientLimitError          a shared session has its maximum of clients
    │   ├── ReadOnlyError             input from a client that may only watch
    │   └── InvalidSessionIdError     a session id that is not acceptable (also a ValueError)
    ├── AccessDeniedError             credentials (a login or session token) missing or wrong
    ├── PeerTimeoutError              a peer did not send what it had to within its deadline
    ├── ProtocolError                 a client message that cannot be understood (also a ValueError)
    │   └── PayloadTooLargeError      a message or body above its documented limit
    └── JobEndedError                 a task added to an AsyncJob that has already ended
"""


class XwtermError(Exception):
    """Base class of xwterm's own errors."""


class TerminalError(XwtermError):
    """The pseudo-terminal or the process in it failed."""


class TerminalStartError(TerminalError):
    """The command could not be started in a pseudo-terminal."""


class UnsupportedPlatformError(TerminalError):
    """The requested terminal backend is not available on this operating system."""


class SessionError(XwtermError):
    """A session cannot do what was asked in its current state."""


class SessionClosedError(SessionError):
    """The session's shell has exited or the session was closed."""


class SessionLimitError(SessionError):
    """No new session can be created: the registry holds its maximum."""


class ClientLimitError(SessionError):
    """No more clients may attach to this session: it has its maximum."""


class ReadOnlyError(SessionError):
    """A read-only client tried to type or resize."""


class InvalidSessionIdError(SessionError, ValueError):
    """A session id is empty, too long or has characters outside [A-Za-z0-9_.-]."""


class AccessDeniedError(XwtermError):
    """The request carries no credentials, or wrong ones."""


class PeerTimeoutError(XwtermError):
    """A peer did not send what it had to (a request body, a handshake) in time."""


class ProtocolError(XwtermError, ValueError):
    """A client sent something the wire protocol does not allow."""


class PayloadTooLargeError(ProtocolError):
    """A message or request body exceeds its limit."""


class JobEndedError(XwtermError):
    """A task was added to an AsyncJob that has already ended."""
