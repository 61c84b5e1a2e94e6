"""The server on each event loop it can run on (--event-loop): the standard one and
uvloop (xwterm[fast]), over both WebSocket channels and HTTP long-polling, with a
keystroke echo and a flood whose every line must arrive."""

import asyncio

import aiohttp
import pytest
import websockets

from serverutil import GUARD, ServerProcess, poll_until

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


async def echo_and_flood_polling(base):
    """The same over HTTP: POST the keys, long-poll the output."""
    async with aiohttp.ClientSession() as http:
        async def post(data):
            async with http.post(base + '?session=EL1', data=data) as response:
                assert response.status == 200, await response.text()
        async with http.get(base + '?size=40x120&session=EL1') as response:
            assert response.status == 200
        await post(b'echo READY-$((1+1))\n')
        seen, _ = await poll_until(http, base, 'READY-2', session='EL1')
        for key in 'abcdef':
            await post(key.encode())
            seen, _ = await poll_until(http, base, key, session='EL1', collected=seen)
        await post(b'\x15seq 1 30000; echo END-$((6*7))\n')
        seen, _ = await poll_until(http, base, 'END-42', session='EL1', collected=seen)
    return seen.encode()


@pytest.mark.parametrize('channel', ['websockets port', 'one-port /ws', 'long-polling'])
@pytest.mark.parametrize('loop', ['asyncio', 'uvloop'])
def test_echo_and_flood_on_each_event_loop(loop, channel):
    if not loop_available(loop):
        pytest.skip('uvloop is not installed (pip install xwterm[fast])')
    with ServerProcess(['--event-loop', loop] + PORTS) as server:
        if channel == 'long-polling':
            work = echo_and_flood_polling(server.urls['HTTP'])
        else:
            base = server.urls['WebSocket'] if channel == 'websockets port' \
                else server.urls['HTTP'].rstrip('/') + '/ws'
            work = echo_and_flood(base.replace('http://', 'ws://'))
        output = asyncio.run(asyncio.wait_for(work, GUARD))
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
