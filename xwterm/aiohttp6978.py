"""Immunity to aiohttp issue 6978 on aiohttp < 3.10.6.

The bug: aiohttp's server closes idle keep-alive connections from a timer,
``RequestHandler._process_keepalive``, and takes "idle" to mean "the handler
task waits for the next request" (``self._waiter`` is set). When a request
arrives in the same loop iteration as the timer fires, ``data_received``
has already completed that waiter but the handler task has not run yet: the
timer still sees a waiter, closes the connection (``transport = None``), and
the handler task then builds a request on a closed connection and dies on
``assert transport is not None`` ("Task exception was never retrieved"; the
client sees its request dropped). Upstream fixed it in 3.10.6 by counting a
completed waiter as busy; :func:`apply` gives older releases that same rule,
whatever their timer code looks like, by letting their own busy path run
(reschedule on 3.8/3.9, re-arm after the request on 3.10).

``apply()`` is called by the HTTP listener before it creates its runner;
``--aiohttp-workaround`` (the WebSocket listener in a child process) remains
as a fallback for anything this does not cover.
"""

import functools
import logging
import re

log = logging.getLogger(__name__)

FIXED_IN = (3, 10, 6)
_MARK = '_xwterm_issue_6978'


def parse_version(text):
    """``"3.8.6"`` -> ``(3, 8, 6)``; pre-release suffixes are ignored."""
    match = re.match(r'(\d+)(?:\.(\d+))?(?:\.(\d+))?', text.strip())
    if not match:
        return ()
    return tuple(int(n) for n in match.groups() if n is not None)


def needs_fix(version):
    """True if aiohttp ``version`` (a string) has the keep-alive race."""
    return parse_version(version) < FIXED_IN


def _busy_if_request_arrived(original):
    @functools.wraps(original)
    def _process_keepalive(self):
        waiter = self._waiter
        if waiter is None or not waiter.done():
            return original(self)
        # A request completed the waiter and the handler task has yet to
        # run: the connection is busy, so take the original's busy path.
        self._waiter = None
        try:
            return original(self)
        finally:
            self._waiter = waiter
    setattr(_process_keepalive, _MARK, True)
    return _process_keepalive


def is_applied():
    """True once :func:`apply` has patched the running aiohttp."""
    from aiohttp import web_protocol
    return getattr(web_protocol.RequestHandler._process_keepalive, _MARK, False)


def apply():
    """Make the imported aiohttp immune to issue 6978. True if it was patched.

    Idempotent; does nothing on aiohttp >= 3.10.6, which has the upstream fix.
    """
    import aiohttp
    from aiohttp import web_protocol
    if not needs_fix(aiohttp.__version__):
        return False
    handler = web_protocol.RequestHandler
    if not getattr(handler._process_keepalive, _MARK, False):
        handler._process_keepalive = _busy_if_request_arrived(
            handler._process_keepalive)
        log.debug('aiohttp %s: keep-alive race (aiohttp issue 6978) fixed',
                  aiohttp.__version__)
    return True


def status(version):
    """One phrase for ``--check``: how aiohttp ``version`` stands with 6978."""
    if needs_fix(version):
        return ('aiohttp issue 6978 (keep-alive race, fixed upstream in 3.10.6): '
                'patched by xwterm when the HTTP listener starts; '
                '--aiohttp-workaround is the fallback')
    return 'aiohttp issue 6978: fixed upstream (3.10.6 or newer)'
