"""Bounded pending output of one polled (HTTP) session.

An HTTP client is not connected between polls, so its output has to wait
somewhere.  A reader task moves ``session.read()`` chunks into an
``OutputBuffer``; once the buffer holds ``limit`` characters the reader
waits, so it stops reading the pty and the shell blocks on its own output
instead of the server's memory growing.  Polls drain the buffer.

At most one long-poll waits per buffer: a newer one completes the older at
once (the older answers empty), so a reloaded page never leaves a request
hanging and output is never split between two readers.
"""

from .compat import get_running_loop

#: Characters held before the reader stops reading the pty.  One chunk
#: (at most 64 KiB of output) may land on top, so a buffer never holds more
#: than ``limit + 65536`` characters.
DEFAULT_LIMIT = 256 * 1024

#: Results of :meth:`OutputBuffer.wait`.
READY = 'ready'
TIMEOUT = 'timeout'
SUPERSEDED = 'superseded'


def _settle(future, result):
    if not future.done():
        future.set_result(result)


class OutputBuffer(object):
    """Output waiting for the next poll, plus the exit status once known.

    Asyncio objects are created lazily, inside the coroutines, so a buffer
    may be built anywhere.
    """

    def __init__(self, limit=DEFAULT_LIMIT):
        self.limit = limit
        self._chunks = []
        self._size = 0
        self._finished = False
        self.exit_status = None
        self._space = None
        self._waiter = None

    def __len__(self):
        return self._size

    @property
    def finished(self):
        """True once the shell has exited and all its output was put."""
        return self._finished

    @property
    def full(self):
        return self._size >= self.limit

    async def put(self, text):
        """Append output; waits (holding the pty unread) while the buffer is full."""
        while self._size >= self.limit:
            if self._space is None or self._space.done():
                self._space = get_running_loop().create_future()
            await self._space
        if text:
            self._chunks.append(text)
            self._size += len(text)
            self._wake(READY)

    def finish(self, exit_status):
        """The shell has exited: remember its status and wake a waiting poll."""
        self._finished = True
        self.exit_status = exit_status
        self._wake(READY)

    def take(self):
        """Everything pending, as one string (possibly ''); makes room for the reader."""
        text = ''.join(self._chunks)
        del self._chunks[:]
        self._size = 0
        if self._space is not None:
            _settle(self._space, None)
        return text

    async def wait(self, timeout):
        """Wait for output or exit, at most ``timeout`` seconds.

        Returns ``READY`` (something to take), ``TIMEOUT``, or ``SUPERSEDED``
        when a newer ``wait`` took over; a superseded poll must not take the
        output, which belongs to the newer one.
        """
        if self._size or self._finished:
            return READY
        self._wake(SUPERSEDED)
        loop = get_running_loop()
        waiter = loop.create_future()
        self._waiter = waiter
        timer = loop.call_later(timeout, _settle, waiter, TIMEOUT)
        try:
            return await waiter
        finally:
            timer.cancel()
            if self._waiter is waiter:
                self._waiter = None

    def _wake(self, result):
        if self._waiter is not None:
            _settle(self._waiter, result)
            self._waiter = None


__all__ = ['OutputBuffer', 'DEFAULT_LIMIT', 'READY', 'TIMEOUT', 'SUPERSEDED']
