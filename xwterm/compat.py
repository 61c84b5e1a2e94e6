"""Asyncio helpers that behave the same on Python 3.6 to 3.13.

Python 3.6 lacks ``asyncio.run``, ``asyncio.create_task`` and ``asyncio.get_running_loop``;
later versions deprecate the older spellings. Code in xwterm calls these instead.
"""

import asyncio
import sys

PY37 = sys.version_info >= (3, 7)
PY38 = sys.version_info >= (3, 8)

#: ``--event-loop`` choices: uvloop where it can be imported (``xwterm[fast]``), else the
#: standard library's loop; or either one by name.
EVENT_LOOPS = ('auto', 'asyncio', 'uvloop')


def _get_running_loop_36():
    loop = asyncio._get_running_loop()
    if loop is None:
        raise RuntimeError("no running event loop")
    return loop


#: Return the running loop; RuntimeError when called outside a coroutine or callback.
#: asyncio's own function where it exists (it is on the path of every keystroke).
get_running_loop = asyncio.get_running_loop if PY37 else _get_running_loop_36


def create_task(coro, name=None):
    """Schedule ``coro`` on the running loop; ``name`` is used where tasks have names (3.8+)."""
    loop = get_running_loop()
    task = loop.create_task(coro)
    if name is not None and PY38:
        task.set_name(name)
    return task


def uvloop_module(choice='auto', tls=False):
    """The ``uvloop`` module to run on for ``choice`` (one of ``EVENT_LOOPS``), or None for
    the standard loop.  ``auto`` takes it only where it is importable, on Python 3.8+
    (uvloop's own floor), and without ``tls``: uvloop runs the TLS handshake before a
    connection can be counted against the connection limits, so idle TLS connections
    could hold descriptors there.  ``uvloop`` raises ImportError where it cannot be had."""
    if choice == 'asyncio' or (choice == 'auto' and (not PY38 or tls)):
        return None
    try:
        import uvloop
    except ImportError:
        if choice == 'uvloop':
            raise
        return None
    if not hasattr(uvloop, 'run'):      # before 0.18: no loop factory to keep the limits
        if choice == 'uvloop':
            raise ImportError('uvloop %s is too old (0.18 or later needed)'
                              % getattr(uvloop, '__version__', '?'))
        return None
    return uvloop


def run(main, loop_factory=None):
    """Run coroutine ``main`` in a new event loop and close it, like ``asyncio.run``;
    on a loop of ``loop_factory`` (uvloop's) when one is given."""
    if loop_factory is not None:
        import uvloop
        return uvloop.run(main, loop_factory=loop_factory)
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
