"""Asyncio helpers that behave the same on Python 3.6 to 3.13.

Python 3.6 lacks ``asyncio.run``, ``asyncio.create_task`` and ``asyncio.get_running_loop``;
later versions deprecate the older spellings. Code in xwterm calls these instead.
"""

import asyncio
import sys

PY37 = sys.version_info >= (3, 7)
PY38 = sys.version_info >= (3, 8)


def get_running_loop():
    """Return the running loop; RuntimeError when called outside a coroutine or callback."""
    if PY37:
        return asyncio.get_running_loop()
    loop = asyncio._get_running_loop()
    if loop is None:
        raise RuntimeError("no running event loop")
    return loop


def create_task(coro, name=None):
    """Schedule ``coro`` on the running loop; ``name`` is used where tasks have names (3.8+)."""
    loop = get_running_loop()
    task = loop.create_task(coro)
    if name is not None and PY38:
        task.set_name(name)
    return task


def run(main):
    """Run coroutine ``main`` in a new event loop and close it, like ``asyncio.run``."""
    if PY37:
        return asyncio.run(main)
    loop = asyncio.new_event_loop()
    try:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(main)
    finally:
        try:
            _cancel_leftovers(loop)
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(None)
            loop.close()


def _cancel_leftovers(loop):
    tasks = [t for t in asyncio.Task.all_tasks(loop) if not t.done()]
    if not tasks:
        return
    for task in tasks:
        task.cancel()
    loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
    for task in tasks:
        if not task.cancelled() and task.exception() is not None:
            loop.call_exception_handler({
                "message": "unhandled exception during shutdown",
                "exception": task.exception(),
                "task": task,
            })
