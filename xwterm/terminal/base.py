"""The interface every terminal backend implements, so Session never sees OS details."""

import collections

TerminalSize = collections.namedtuple("TerminalSize", "columns lines")
TerminalSize.__doc__ = "A terminal size in character cells, ordered like os.terminal_size."

#: Largest size accepted anywhere: bigger values are a typo or an attack, not a screen.
MAX_COLUMNS = 1000
MAX_LINES = 1000


def checked_size(size):
    """Return ``size`` as a TerminalSize, or raise ValueError if a side is out of 1..1000."""
    columns, lines = int(size[0]), int(size[1])
    if not (1 <= columns <= MAX_COLUMNS and 1 <= lines <= MAX_LINES):
        raise ValueError("terminal size %dx%d is outside 1..%d columns, 1..%d lines"
                         % (columns, lines, MAX_COLUMNS, MAX_LINES))
    return TerminalSize(columns, lines)


class Terminal(object):
    """One child process in a pseudo-terminal.

    Backends implement these coroutines and methods; all of them keep the event loop free.
    ``read`` is pull-based: a backend reads from the OS only while a caller waits in
    ``read``, so a consumer that stops reading stops the child (flow control).
    """

    #: Largest chunk a single ``read`` returns.
    READ_SIZE = 64 * 1024

    def __init__(self, argv, size, env=None, cwd=None):
        self.argv = list(argv)
        self.size = checked_size(size)
        self.env = env
        self.cwd = cwd

    @property
    def pid(self):
        """The child's process id, None before start."""
        raise NotImplementedError

    @property
    def returncode(self):
        """Exit status once reaped: the exit code, or -N if killed by signal N; else None."""
        raise NotImplementedError

    async def start(self):
        """Start the child with ``self.size`` already applied; TerminalStartError on failure."""
        raise NotImplementedError

    async def read(self):
        """Return the next output bytes (at most READ_SIZE); ``b''`` once output has ended."""
        raise NotImplementedError

    async def write(self, data):
        """Queue ``data`` for the child in order; return once the queue is below its bound."""
        raise NotImplementedError

    def resize(self, size):
        """Change the terminal size; the child gets SIGWINCH or its OS equivalent."""
        raise NotImplementedError

    async def wait(self):
        """Wait for the child to exit and be reaped; return its exit status."""
        raise NotImplementedError

    async def close(self):
        """End the child (politely, then by force), reap it and release the terminal."""
        raise NotImplementedError

    @classmethod
    def default_command(cls):
        """The command to run when none is given."""
        raise NotImplementedError
