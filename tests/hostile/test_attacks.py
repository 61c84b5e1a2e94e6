"""The attacks of issue 8, one test each, against real server processes on loopback.

Each test would fail on the server before the fix (see the issue for the figures);
bounds below are generous hang or growth guards, not timings.
"""

import asyncio
import json
import os
import resource
import signal
import socket

import aiohttp
import pytest
import websockets

from serverutil import GUARD, ServerProcess, children, rss_kib, run, wait_gone

PORTS = ['--bind', '127.0.0.1', '--http', '0', '--ws', '0', '--log-level', 'WARNING']
SLEEPER = ['--', '/bin/sh', '-c', 'sleep 600']


def descendants(pid):
    found, todo = [], [pid]
    while todo:
        kids = children(todo.pop())
        found.extend(kids)
        todo.extend(kids)
    return found


def wait_exit(server):
    """The server's exit status (a hang fails the test after GUARD seconds)."""
    return server.wait(GUARD)


async def stalled_websocket(url, text='yes\n'):
    """A client that starts a flood and never reads (its library stops reading at once)."""
    ws = await websockets.connect(url, max_queue=1, max_size=None)
    await ws.send(json.dumps({'text': text}))
    return ws


def test_sigterm_finishes_while_a_websocket_client_stalls():
    with ServerProcess(PORTS + ['--', '/bin/sh']) as server:
        async def scenario():
            ws = await stalled_websocket(server.urls['WebSocket'])
            await asyncio.sleep(2.0)
            shells = descendants(server.pid)
            assert shells
            server.signal(signal.SIGTERM)
            code = await asyncio.get_event_loop().run_in_executor(None, wait_exit, server)
            ws.transport.abort()
            return code, shells
        code, shells = run(scenario())
        assert code == 0
        for pid in shells:
            wait_gone(pid)


def test_the_workaround_child_and_its_shells_die_with_a_killed_parent():
    with ServerProcess(['--aiohttp-workaround'] + PORTS + ['--', '/bin/sh']) as server:
        async def scenario():
            ws = await stalled_websocket(server.urls['WebSocket'])
            await asyncio.sleep(2.0)
            tree = descendants(server.pid)
            os.kill(server.pid, signal.SIGKILL)
            await asyncio.get_event_loop().run_in_executor(None, wait_exit, server)
            for pid in tree:
                await asyncio.get_event_loop().run_in_executor(None, wait_gone, pid)
            ws.transport.abort()
            return tree
        assert len(run(scenario())) >= 2     # the child and at least one shell


async def _abandoned_post(port, path, size, seconds):
    """Send a POST of ``size`` bytes as far as the server takes it, give up after
    ``seconds`` and vanish."""
    reader, writer = await asyncio.open_connection('127.0.0.1', port)
    writer.write(('POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n'
                  % (path, size)).encode('ascii'))
    writer.write(b'x' * size)
    try:
        await asyncio.wait_for(writer.drain(), seconds)
    except asyncio.TimeoutError:
        pass
    writer.transport.abort()


def test_abandoned_posts_neither_grow_the_server_nor_keep_the_session_alive():
    prelude = 'import xwterm.polling as p\np.INPUT_TIMEOUT = 3.0\n'
    with ServerProcess(PORTS + ['--idle-timeout', '2'] + SLEEPER, prelude=prelude) as server:
        port = server.port('HTTP')

        async def scenario():
            async with aiohttp.ClientSession() as http:
                async with http.get(server.urls['HTTP'] + '?size=24x80&session=P') as r:
                    assert r.status == 200
            before = rss_kib(server.pid)
            await asyncio.gather(*[_abandoned_post(port, '/?session=P', 4 << 20, 1.0)
                                   for _ in range(20)])
            grown = rss_kib(server.pid) - before
            sessions = None
            async with aiohttp.ClientSession() as http:
                for _ in range(GUARD * 10):
                    async with http.get(server.urls['HTTP'] + '?sessions') as r:
                        sessions = await r.json()
                    if not sessions_of(sessions):
                        break
                    await asyncio.sleep(0.1)
            return grown, sessions
        grown, sessions = run(scenario())
        # 20 x 4 MiB was queued before; now one 64 KiB chunk per POST at most
        assert grown < 24 * 1024, grown
        assert not sessions_of(sessions)


def sessions_of(listing):
    """The session list of a ``?sessions`` answer, whichever shape it has."""
    return listing['sessions'] if isinstance(listing, dict) else listing


def test_a_websocket_paste_into_a_busy_shell_leaks_nothing_when_the_client_vanishes():
    with ServerProcess(PORTS + SLEEPER) as server:
        async def scenario():
            # The server prints its URLs before it imports the listener packages; a
            # connection queued meanwhile gets a smaller kernel receive buffer (TCP
            # autotuning), and the client's FIN would then wait behind megabytes of
            # unsent paste. The vanishing client must be seen through a served socket.
            async with aiohttp.ClientSession() as http:
                async with http.get(server.urls['HTTP'] + '?config') as response:
                    assert response.status == 200
            ws = await websockets.connect(server.urls['WebSocket'], max_size=None)

            async def paste():
                for _ in range(5):
                    await ws.send(b'x' * 1023 + b'\n' * (1 << 10))
                    await ws.send(b'y' * (1 << 20))
            pasting = asyncio.ensure_future(paste())
            await asyncio.sleep(2.0)
            shells = descendants(server.pid)
            ws.transport.abort()
            pasting.cancel()
            await asyncio.wait([pasting])
            for pid in shells:
                await asyncio.get_event_loop().run_in_executor(None, wait_gone, pid)
            return shells
        assert run(scenario())


def _raise_own_fd_limit(wanted):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted <= hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


@pytest.mark.parametrize('event_loop', ['asyncio', 'uvloop'])
def test_idle_connections_cannot_exhaust_descriptors(event_loop):
    # The server runs with 1024 descriptors; an attacker at 127.0.0.2 opens 1100 idle
    # connections to each port; the ports stay usable from 127.0.0.1 and the log stays short.
    # uvloop accepts in C, past GuardedSocket.accept: its limits hold in the protocol.
    if event_loop == 'uvloop':
        pytest.importorskip('uvloop')
    _raise_own_fd_limit(4096)
    prelude = ('import resource\nresource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))\n'
               'import xwterm.http as h\nh.HEAD_TIMEOUT = 3.0\n')
    with ServerProcess(PORTS + ['--event-loop', event_loop, '--', '/bin/sh'],
                       prelude=prelude) as server:
        attackers = []
        try:
            for port in (server.port('HTTP'), server.port('WebSocket')):
                for _ in range(1100):
                    sock = socket.socket()
                    sock.bind(('127.0.0.2', 0))
                    sock.settimeout(5)
                    try:
                        sock.connect(('127.0.0.1', port))
                    except OSError:
                        sock.close()
                        continue
                    attackers.append((port, sock))

            async def still_usable():
                async with aiohttp.ClientSession() as http:
                    async with http.get(server.urls['HTTP'] + '?config') as r:
                        assert r.status == 200
                async with websockets.connect(server.urls['WebSocket']) as ws:
                    await ws.send(json.dumps({'text': 'echo OK$((20+22))\n'}))
                    text = ''
                    while 'OK42' not in text:
                        text += json.loads(await ws.recv())['text']
            run(still_usable())
            # idle HTTP connections that never sent a request are closed by the server
            http_port = server.port('HTTP')
            for sock in [sock for port, sock in attackers if port == http_port][:5]:
                try:
                    assert sock.recv(1) == b''
                except ConnectionResetError:
                    pass
        finally:
            for _, sock in attackers:
                sock.close()
        server.signal(signal.SIGTERM)
        assert wait_exit(server) == 0
        assert len(server.stderr.splitlines()) < 40, server.stderr[-2000:]


def test_slow_readers_of_a_large_file_keep_memory_flat_and_shutdown_bounded(tmp_path):
    (tmp_path / 'big.bin').write_bytes(os.urandom(1 << 20) * 30)
    with ServerProcess(PORTS + ['--docroot', str(tmp_path), '--', '/bin/sh']) as server:
        port = server.port('HTTP')

        async def scenario():
            before = rss_kib(server.pid)
            streams = []
            for _ in range(20):
                reader, writer = await asyncio.open_connection('127.0.0.1', port)
                writer.write(b'GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
                await reader.read(4096)
                streams.append(writer)
            await asyncio.sleep(2.0)
            grown = rss_kib(server.pid) - before
            server.signal(signal.SIGTERM)
            code = await asyncio.get_event_loop().run_in_executor(None, wait_exit, server)
            for writer in streams:
                writer.transport.abort()
            return grown, code
        grown, code = run(scenario())
        assert grown < 64 * 1024, grown      # 20 x 30 MB was held before
        assert code == 0
