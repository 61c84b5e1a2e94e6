"""The server on each event loop it can run on (--event-loop): the standard one and
uvloop (xwterm[fast]), over both WebSocket channels, with a keystroke echo and a flood
whose every line must arrive."""

import asyncio

import pytest
import websockets

from serverutil import GUARD, ServerProcess

PORTS = ['--http', '0', '--ws', '0', '--command', '/bin/sh', '--detach-timeout', '0']


def loop_available(name):
    if name == 'asyncio':
        return True
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return False
    return True


async def read_until(ws, needle, seen=b''):
    while needle not in seen:
        frame = await asyncio.wait_for(ws.recv(), GUARD / 3)
        if isinstance(frame, bytes):
            seen += frame
    return seen


async def echo_and_flood(url):
    """Keys typed one at a time each come back (the pty echoes them); then every line
    of a flood arrives, in order."""
    async with websockets.connect(url, subprotocols=['xwterm.binary'], max_size=None) as ws:
        await ws.send(b'echo READY-$((1+1))\n')
        await read_until(ws, b'READY-2')
        for key in b'abcdef':
            await ws.send(bytes([key]))
            await read_until(ws, bytes([key]))
        await ws.send(b'\x15seq 1 30000; echo END-$((6*7))\n')
        output = await read_until(ws, b'END-42')
    return output


@pytest.mark.parametrize('channel', ['websockets port', 'one-port /ws'])
@pytest.mark.parametrize('loop', ['asyncio', 'uvloop'])
def test_echo_and_flood_on_each_event_loop(loop, channel):
    if not loop_available(loop):
        pytest.skip('uvloop is not installed (pip install xwterm[fast])')
    with ServerProcess(['--event-loop', loop] + PORTS) as server:
        base = server.urls['WebSocket'] if channel == 'websockets port' \
            else server.urls['HTTP'].rstrip('/') + '/ws'
        base = base.replace('http://', 'ws://')
        output = asyncio.run(asyncio.wait_for(echo_and_flood(base), GUARD))
        server.signal()
        assert server.wait() == 0
    flood = b'\r\n'.join(str(n).encode() for n in range(1, 30001)) + b'\r\nEND-42'
    assert flood in output
    expected = 'uvloop' if loop == 'uvloop' else 'asyncio (standard library)'
    assert 'event loop: %s' % expected in server.stderr


def test_uvloop_asked_for_but_missing_is_a_clear_error():
    from serverutil import cli
    prelude = 'import sys\nsys.modules["uvloop"] = None\n'
    done = cli(['--event-loop', 'uvloop'] + PORTS, prelude=prelude)
    assert done.returncode == 2
    assert 'cannot import uvloop' in done.stderr
