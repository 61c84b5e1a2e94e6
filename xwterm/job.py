"""AsyncJob: a set of related asyncio tasks that live and end as one unit.

A session is served by several tasks (read the shell, write the client, watch for exit...).
When one of them finishes, fails, or someone asks the job to stop, the others are cancelled,
every task is awaited, and an ``on_termination`` callback runs once. Nothing is left behind
and no exception disappears silently: the first one is kept, the rest are logged.
"""

import asyncio
import logging

from .compat import create_task, get_running_loop
from .exceptions import JobEndedError

log = logging.getLogger(__name__)

FIRST_COMPLETED = "first_completed"
ALL_COMPLETED = "all_completed"


class AsyncJob(object):
    """Tasks managed together.

    ``end_when`` is ``FIRST_COMPLETED`` (default: the job ends as soon as any task returns,
    raises or is cancelled from outside) or ``ALL_COMPLETED`` (the job ends when every task
    has finished). ``cancel()`` ends it at any time. ``on_termination(job)`` may be a plain
    function or a coroutine function; it runs once, after every task has finished.
    """

    def __init__(self, name="job", on_termination=None, end_when=FIRST_COMPLETED):
        if end_when not in (FIRST_COMPLETED, ALL_COMPLETED):
            raise ValueError("end_when must be FIRST_COMPLETED or ALL_COMPLETED")
        self.name = name
        self._on_termination = on_termination
        self._end_when = end_when
        self._tasks = set()
        self._ending = False
        self._done = None
        self._exception = None
        self._ended_by = None
        self._finishing = False
        self._callback_task = None

    def add(self, awaitable, name=None):
        """Run ``awaitable`` (a coroutine or future) as part of the job and return its task."""
        if self._ending:
            if asyncio.iscoroutine(awaitable):
                awaitable.close()
            raise JobEndedError("job %r has ended; no task can be added" % self.name)
        if self._done is None:
            self._done = get_running_loop().create_future()
        if asyncio.iscoroutine(awaitable):
            task = create_task(awaitable, name="%s:%s" % (self.name, name or "task"))
        else:
            task = asyncio.ensure_future(awaitable)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def cancel(self):
        """Ask the job to end: every task is cancelled. Safe to call more than once."""
        if self._ending:
            return
        self._ending = True
        for task in list(self._tasks):
            task.cancel()
        if not self._tasks:
            self._finish()

    async def wait(self):
        """Wait until every task has finished and ``on_termination`` has run."""
        if self._done is None:
            self._done = get_running_loop().create_future()
            if self._ending:
                self._finish()
        await asyncio.shield(self._done)

    async def close(self):
        """Cancel the job and wait for it to end."""
        self.cancel()
        await self.wait()

    def done(self):
        """True once the job has ended and its callback has run."""
        return self._done is not None and self._done.done()

    @property
    def ending(self):
        """True from the moment the job started ending."""
        return self._ending

    @property
    def tasks(self):
        """The tasks still running."""
        return frozenset(self._tasks)

    @property
    def ended_by(self):
        """The task whose completion ended the job, or None if it was cancelled or is running."""
        return self._ended_by

    def exception(self):
        """The first exception raised by a task of the job, or None."""
        return self._exception

    def _task_done(self, task):
        self._tasks.discard(task)
        if not task.cancelled():
            exc = task.exception()
            if exc is not None:
                if self._exception is None:
                    self._exception = exc
                    log.debug("job %s: task %r failed", self.name, task, exc_info=exc)
                else:
                    log.error("job %s: another task failed", self.name, exc_info=exc)
        if not self._ending and (self._end_when == FIRST_COMPLETED or not self._tasks):
            self._ended_by = task
            self.cancel()
        elif self._ending and not self._tasks:
            self._finish()

    def _finish(self):
        if self._done is None or self._finishing:
            return
        self._finishing = True
        callback = self._on_termination
        if callback is None:
            self._done.set_result(None)
            return
        try:
            result = callback(self)
        except Exception:
            log.exception("job %s: on_termination failed", self.name)
            self._done.set_result(None)
            return
        if asyncio.iscoroutine(result):
            # Kept: the loop holds tasks only weakly, so an unreferenced one may vanish.
            self._callback_task = create_task(result)
            self._callback_task.add_done_callback(self._callback_done)
        else:
            self._done.set_result(None)

    def _callback_done(self, task):
        if not task.cancelled() and task.exception() is not None:
            log.error("job %s: on_termination failed", self.name, exc_info=task.exception())
        if not self._done.done():
            self._done.set_result(None)
