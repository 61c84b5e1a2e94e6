"""Ctrl-C, Ctrl-Break and closing the console window on Windows, handed to the event loop.

asyncio has no ``add_signal_handler`` on Windows, and Python's own SIGINT handler runs only
when the main thread executes Python code -- not while a 3.6/3.7 proactor waits in the
kernel, and never once something has switched Ctrl-C processing off for the process (a
child started with CREATE_NEW_PROCESS_GROUP inherits exactly that). Windows calls a
console control handler on a thread of its own; this one passes the stop to the loop with
``call_soon_threadsafe`` and tells Windows the event was handled. The terminal children
run in their own consoles (ConPTY, conhost) or process group (the conhost helper), so a
Ctrl-C typed at the server reaches the server only, however many sessions ran before.
"""

import logging
import sys

from .terminal import winapi

log = logging.getLogger(__name__)

#: The console events that stop the server.
STOP_EVENTS = frozenset((winapi.CTRL_C_EVENT, winapi.CTRL_BREAK_EVENT,
                         winapi.CTRL_CLOSE_EVENT, winapi.CTRL_LOGOFF_EVENT,
                         winapi.CTRL_SHUTDOWN_EVENT))


def make_handler(loop, request_stop):
    """The handler Windows calls with the event type; True means "handled"."""
    def handle(ctrl_type):
        if ctrl_type not in STOP_EVENTS:
            return False
        try:
            loop.call_soon_threadsafe(request_stop)
        except RuntimeError:  # the loop is closed: let Windows' default (exit) act
            return False
        return True
    return handle


def install(loop, request_stop, api=None):
    """Have console events call ``request_stop`` on ``loop``; returns the function that
    removes the handler (which does nothing outside Windows, unless ``api`` is given)."""
    if api is None:
        if sys.platform != "win32":
            return lambda: None
        api = winapi
    try:
        return api.add_console_ctrl_handler(make_handler(loop, request_stop))
    except OSError as error:
        log.warning("no console control handler (%s): Ctrl-C may not stop the server",
                    error)
        return lambda: None
