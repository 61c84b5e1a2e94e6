"""Reproduce aiohttp issue 6978 deterministically and print the outcome as JSON.

    python aiohttp6978_repro.py [--fix] [--xwterm]

Runs on Python 3.6 (with vendor/py36) as well as on current Pythons. A real
aiohttp server on 127.0.0.1 gets two requests over one keep-alive connection
from a raw socket client. When the second request's bytes have been parsed
(its waiter completed) and before the handler task has run, the keep-alive
timer is made due and run, as when the timer fires in the same loop
iteration as the request arrives. On aiohttp < 3.10.6 without the fix the
connection is dropped and the handler task dies on ``assert transport is not
None``; with ``--fix`` (xwterm.aiohttp6978.apply) the request is served.
With ``--xwterm`` the server is xwterm's own HTTP listener (which applies the
fix itself) instead of a bare aiohttp application.
"""

import asyncio
import json
import os
import socket
import sys
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from xwterm import aiohttp6978  # noqa: E402
from xwterm.vendored import import_optional  # noqa: E402

aiohttp, ORIGIN = import_optional('aiohttp')
if aiohttp is None:
    sys.exit('aiohttp is not available: %s' % ORIGIN)

from aiohttp import web, web_protocol  # noqa: E402

#: The request sent twice on one connection: a plain in-memory answer on both servers (on
#: xwterm's, ``?config``; a file would be sent by sendfile, whose extra yields let the
#: second request arrive before the handler waits for it, and the race would not be met).
REQUESTS = {
    'plain': b'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n',
    'xwterm': b'GET /?config HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n',
}


def make_timer_due(protocol):
    """Cancel the keep-alive timer and run its callback as if it were due now."""
    loop = protocol._loop
    if protocol._keepalive_handle is not None:
        protocol._keepalive_handle.cancel()
        protocol._keepalive_handle = None
    now = loop.time()
    # 3.10+ keeps the deadline; 3.8/3.9 keep the time of the last response.
    for name, value in (('_next_keepalive_close_time', now - 1.0),
                        ('_keepalive_time', now - protocol._keepalive_timeout - 1.0)):
        try:
            setattr(protocol, name, value)
        except AttributeError:
            pass
    protocol._process_keepalive()


def install_race(state):
    """Wrap data_received so the second request meets a due keep-alive timer.

    A request "arrives" when data_received completes the handler's waiter; the
    test client sends its requests one at a time on one connection.
    """
    original = web_protocol.RequestHandler.data_received

    def data_received(self, data):
        original(self, data)
        waiter = self._waiter
        if waiter is not None and waiter.done():
            state['arrived'] += 1
            if state['arrived'] == 2:
                state['handler_task'] = self._task_handler
                make_timer_due(self)

    web_protocol.RequestHandler.data_received = data_received


async def read_response(reader):
    """Status code of one HTTP/1.1 response with Content-Length, None on EOF."""
    try:
        head = await reader.readuntil(b'\r\n\r\n')
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    lines = head.decode('latin-1').split('\r\n')
    length = 0
    for line in lines[1:]:
        if line.lower().startswith('content-length:'):
            length = int(line.split(':', 1)[1])
    await reader.readexactly(length)
    return int(lines[0].split()[1])


def describe(error):
    """``"AssertionError at web_request.py:188: assert transport is not None"``."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return type(error).__name__
    last = frames[-1]
    return '%s at %s:%d: %s' % (type(error).__name__, os.path.basename(last[0]),
                                last[1], last[3])


async def start_plain():
    """A bare aiohttp application: (port, stop coroutine function)."""
    async def hello(request):
        return web.Response(text='hello')

    app = web.Application()
    app.router.add_get('/', hello)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    await web.SockSite(runner, sock).start()
    return sock.getsockname()[1], runner.cleanup


async def start_xwterm():
    """xwterm's own server, HTTP listener only: (port, stop coroutine function)."""
    from xwterm.server import Server, ServerConfig
    server = Server(ServerConfig(http_port=0, websocket=False, command=['/bin/sh'],
                                 docroot=os.path.join(ROOT, 'web'), auth=None))
    await server.start()
    return server.http_port, server.stop


async def scenario(kind, fix):
    loop = asyncio.get_event_loop()
    loop_errors = []
    loop.set_exception_handler(
        lambda _loop, context: loop_errors.append(context.get('message', '')))
    state = {'arrived': 0, 'handler_task': None}
    if fix:
        aiohttp6978.apply()
    install_race(state)
    port, stop = await (start_xwterm() if kind == 'xwterm' else start_plain())
    try:
        reader, writer = await asyncio.open_connection('127.0.0.1', port)
        writer.write(REQUESTS[kind])
        first = await read_response(reader)
        writer.write(REQUESTS[kind])
        second = await read_response(reader)
        writer.close()
        handler_error = None
        task = state['handler_task']
        if task is not None:
            result = (await asyncio.gather(task, return_exceptions=True))[0]
            if isinstance(result, BaseException):
                handler_error = describe(result)
    finally:
        await stop()
    return {
        'python': '%d.%d.%d' % sys.version_info[:3],
        'aiohttp': aiohttp.__version__,
        'origin': ORIGIN,
        'server': kind,
        'fix_requested': fix,
        'patched': aiohttp6978.is_applied(),
        'race_injected': state['handler_task'] is not None,
        'first_status': first,
        'second_status': second,
        'handler_error': handler_error,
        'loop_errors': loop_errors,
    }


def main():
    fix = '--fix' in sys.argv[1:]
    kind = 'xwterm' if '--xwterm' in sys.argv[1:] else 'plain'
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        outcome = loop.run_until_complete(scenario(kind, fix))
    finally:
        loop.close()
    sys.stdout.write(json.dumps(outcome) + '\n')


if __name__ == '__main__':
    main()
