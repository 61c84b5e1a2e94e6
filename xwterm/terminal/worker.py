"""A thread of its own for blocking calls that may never return on their own.

A read from a pseudo console blocks until the child writes; run in the loop's default
executor, a few idle sessions would hold every executor thread. A ``BlockingWorker`` is
one thread per purpose (e.g. a session's reads), started on the first call, running one
call at a time: there is never more than one request and one result between the thread
and the loop, so nothing queues up when the loop's side stops asking.
"""

import asyncio
import logging
import queue
import threading

from ..compat import get_running_loop

log = logging.getLogger(__name__)

_STOP = object()


def _settle(future, result, error):
    """Runs on the loop: hand a call's outcome to its future (unless it was cancelled)."""
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


def _post(loop, future, result=None, error=None):
    """From the worker thread to the loop; a loop that is already closed gets nothing."""
    try:
        loop.call_soon_threadsafe(_settle, future, result, error)
    except RuntimeError:
        pass


class BlockingWorker(object):
    """Runs ``function(*args)`` calls in one dedicated daemon thread, one at a time."""

    def __init__(self, name):
        self.name = name
        self._requests = queue.Queue(maxsize=2)  # one call and the stop request, at most
        self._thread = None
        self._finished = None
        self._current = None
        self._stopped = False

    @property
    def busy(self):
        """True while a call is running (or its result has not reached the loop yet)."""
        return self._current is not None and not self._current.done()

    @property
    def thread(self):
        return self._thread

    def submit(self, function, *args):
        """Start ``function(*args)`` in the thread; returns a future for its result.

        RuntimeError if a call is still running or the worker was stopped. The future is
        not tied to any awaiting task: cancelling a waiter leaves the call's result in it.
        """
        if self._stopped:
            raise RuntimeError("worker %s is stopped" % self.name)
        if self.busy:
            raise RuntimeError("worker %s is already running a call" % self.name)
        loop = get_running_loop()
        if self._thread is None:
            self._finished = loop.create_future()
            self._thread = threading.Thread(target=self._serve, args=(loop, self._finished),
                                            name=self.name)
            self._thread.daemon = True  # a call stuck in the OS must not block exit
            self._thread.start()
        self._current = loop.create_future()
        self._requests.put_nowait((self._current, function, args))
        return self._current

    def _serve(self, loop, finished):
        try:
            while True:
                request = self._requests.get()
                if request is _STOP:
                    return
                future, function, args = request
                try:
                    result = function(*args)
                except BaseException as error:  # delivered to the awaiting coroutine
                    _post(loop, future, error=error)
                else:
                    _post(loop, future, result)
        finally:
            _post(loop, finished)

    def stop(self):
        """Let the thread end once its current call (if any) has returned."""
        if not self._stopped:
            self._stopped = True
            if self._thread is not None:
                self._requests.put_nowait(_STOP)

    async def wait_stopped(self, timeout):
        """Wait up to ``timeout`` seconds for the thread to end; True if it has."""
        self.stop()
        if self._finished is None:
            return True
        try:
            await asyncio.wait_for(asyncio.shield(self._finished), timeout)
        except asyncio.TimeoutError:
            log.warning("thread %s is still blocked in a call after %.1f s", self.name,
                        timeout)
            return False
        self._thread.join()  # it has returned from _serve: only the exit is left
        return True
