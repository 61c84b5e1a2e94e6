"""Whole-server behaviour in subprocesses: shutdown, flow control and memory, the
--aiohttp-workaround child."""

import asyncio
import json
import os
import signal
import time

import aiohttp
import pytest
import websockets

from serverutil import (AUTH_HEADERS, GUARD, ServerProcess, children, rss_kib, run, serving, wait_gone,
                        ws_read_until)

from xwterm.http import DEFAULT_POLL_PACE

PORTS = ['--http', '0', '--ws', '0', '--command', '/bin/sh', '--log-level', 'WARNING']

#: How much the server process may grow while a client stalls under a flood.
#: Without flow control it would grow by the shell's whole output (hundreds of MB).
FLOOD_GROWTH_KIB = 16 * 1024


def descendants(pid):
    found = []
    todo = [pid]
    while todo:
        kids = children(todo.pop())
        found.extend(kids)
        todo.extend(kids)
    return found


@pytest.mark.parametrize('signum', [signal.SIGTERM, signal.SIGINT])
def test_signal_shutdown_leaves_no_child(signum):
    with ServerProcess(PORTS) as server:
        async def open_sessions():
            ws = await websockets.connect(server.urls['WebSocket'])
            await ws.send('echo WS$((1+1))\n')
            await ws_read_until(ws, 'WS2')
            async with aiohttp.ClientSession() as http:
                async with http.get(server.urls['HTTP'] + '?size=24x80&session=S') as r:
                    assert r.status == 200
                async with http.get(server.urls['HTTP'] + '?sessions') as r:
                    sessions = await r.json()
            return ws, sessions

        async def scenario():
            ws, sessions = await open_sessions()
            pids = [item['pid'] for item in sessions]
            assert len(pids) == 2 and set(pids) <= set(descendants(server.pid))
            server.signal(signum)
            # the open WebSocket is closed by the server, not left hanging
            try:
                while True:
                    await ws.recv()
            except websockets.ConnectionClosed:
                pass
            return pids

        pids = run(scenario())
        assert server.wait() == 0
        for pid in pids:
            wait_gone(pid)
        assert 'Traceback' not in server.stderr


def test_stalled_client_flood_keeps_memory_flat_and_ctrl_c_recovers():
    with ServerProcess(['--no-http'] + PORTS, expect=('WebSocket',)) as server:
        url = server.urls['WebSocket']

        async def scenario():
            # max_queue=1: the client library stops reading the socket as soon as
            # one frame is waiting, so nothing but TCP buffers what we do not read
            ws = await websockets.connect(url, max_queue=1)
            await ws.send('echo START$((1+1))\n')
            await ws_read_until(ws, 'START2')
            baseline = rss_kib(server.pid)
            await ws.send('yes 0123456789abcdefghijklmnopqrstuvwxyz\n')
            peak = baseline
            for _ in range(30):               # ~3 s of flooding while we do not read
                await asyncio.sleep(0.1)
                peak = max(peak, rss_kib(server.pid))
            assert peak - baseline < FLOOD_GROWTH_KIB, (baseline, peak)
            # another session is not held up by the stalled one
            async with websockets.connect(url) as other:
                await other.send('echo OTHER$((3+3))\n')
                await ws_read_until(other, 'OTHER6')
            # read again: Ctrl-C brings the prompt back
            await ws.send('\x03')
            await ws.send('echo BACK$((4+4))\n')
            text = ''
            while 'BACK8' not in text:
                text = (text + json.loads(await ws.recv())['text'])[-4096:]
            await ws.close()

        run(scenario(), timeout=180)
        server.signal(signal.SIGTERM)
        assert server.wait() == 0


def test_polled_session_buffer_is_bounded():
    """A flood into an HTTP session nobody polls stops at the buffer bound."""
    async def scenario():
        async with serving() as srv, aiohttp.ClientSession(headers=AUTH_HEADERS) as http:
            base = 'http://127.0.0.1:%d/' % srv.http_port
            async with http.get(base + '?size=24x80&session=F') as r:
                assert r.status == 200
            async with http.post(base + '?session=F', data=b'yes 0123456789\n') as r:
                assert r.status == 200
            client = srv.http.polling.get('F').client
            while client.backlog < DEFAULT_POLL_PACE:
                await asyncio.sleep(0.05)
            for _ in range(10):
                await asyncio.sleep(0.05)
                assert client.backlog <= DEFAULT_POLL_PACE + 65536
            async with http.post(base + '?session=F', data=b'\x03echo BACK$((4+4))\n') as r:
                assert r.status == 200
            text = ''
            while 'BACK8' not in text:
                async with http.get(base + '?console&wait=5&session=F') as r:
                    text = (text + (await r.json())['text'])[-4096:]
    run(scenario(), timeout=120)


def child_listeners(pid):
    found = []
    for child in children(pid):
        try:
            with open('/proc/%d/cmdline' % child, 'rb') as handle:
                argv = handle.read().split(b'\0')
        except OSError:
            continue
        if b'--no-http' in argv and b'xwterm' in argv:
            found.append(child)
    return found


async def ws_round_trip(url, marker):
    async with websockets.connect(url) as ws:
        await ws.send('echo %s$((2+2))\n' % marker)
        await ws_read_until(ws, '%s4' % marker)


async def fetch_json(url):
    async with aiohttp.ClientSession() as http:
        async with http.get(url) as response:
            return await response.json()


def wait_for(predicate, guard=GUARD):
    deadline = time.monotonic() + guard
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError('condition not reached')
        time.sleep(0.05)


def test_aiohttp_workaround_child_is_supervised_and_never_outlives_the_parent():
    with ServerProcess(['--aiohttp-workaround'] + PORTS) as server:
        (child,) = wait_for(lambda: child_listeners(server.pid))
        config = run(fetch_json(server.urls['HTTP'] + '?config'))
        assert config['websocket']['port'] == server.port('WebSocket')
        run(ws_round_trip(server.urls['WebSocket'], 'CHILD'))
        # the child dies: it is restarted on the same port
        os.kill(child, signal.SIGKILL)
        (restarted,) = wait_for(lambda: [p for p in child_listeners(server.pid) if p != child])
        run(ws_round_trip(server.urls['WebSocket'], 'AGAIN'))
        # SIGTERM: the parent stops its child and exits 0
        server.signal(signal.SIGTERM)
        assert server.wait() == 0
        wait_gone(restarted)

    with ServerProcess(['--aiohttp-workaround'] + PORTS) as server:
        (child,) = wait_for(lambda: child_listeners(server.pid))
        server.signal(signal.SIGKILL)          # no chance to clean up
        server.wait()
        wait_gone(child)                       # the child notices and leaves


def test_a_child_that_cannot_be_restarted_marks_the_websocket_listener_down(monkeypatch):
    # The supervisor must report the listener down (config says "websocket": null) when
    # the restart itself fails, not die with the error while the dead port is advertised.
    import socket as socket_module
    from xwterm import server as server_module, wschild

    class DeadProcess(object):
        returncode = 1

        async def wait(self):
            return 1

    async def cannot_spawn(self):
        raise OSError(11, 'Resource temporarily unavailable')

    async def no_pause(seconds):
        pass

    monkeypatch.setattr(wschild.ChildListener, '_spawn', cannot_spawn)
    monkeypatch.setattr(wschild.asyncio, 'sleep', no_pause)
    sock = socket_module.socket()
    try:
        child = wschild.ChildListener(server_module.ServerConfig(), sock, b'{}')
        child.process = DeadProcess()
        run(child._supervise())
        assert child.failed
        # the port is closed: clients are refused at once instead of hanging
        assert sock.fileno() == -1
    finally:
        sock.close()
