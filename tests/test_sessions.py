"""Shared sessions over real servers, ptys and clients: reattach, fan-out, skip-ahead,
read-only, the client cap, the size rule, the detach timeout (issue 7).

Timeouts are hang guards only; no test asserts on elapsed time.
"""

import asyncio
import json
import os
import shutil
import subprocess
import tempfile

import aiohttp
import pytest
import websockets

from xwterm import SessionRegistry, protocol
from xwterm.hub import SharedSessions
from xwterm.hubclient import CLIENT_BACKLOG_LIMIT

from serverutil import (AUTH_HEADERS, ROOT, http_base, process_state, run, serving,
                        wait_gone_async, ws_connect, ws_url)

BINARY = protocol.BINARY_SUBPROTOCOL
BASH = ['/bin/bash', '--norc', '--noprofile']


class BinaryClient(object):
    """A ``xwterm.binary`` WebSocket client that keeps every output byte it received."""

    def __init__(self, ws, info):
        self.ws = ws
        self.info = info
        self.data = b''
        self.controls = []

    @classmethod
    async def open(cls, server, query='', **kwargs):
        ws = await ws_connect(ws_url(server, '/' + query), subprotocols=[BINARY],
                                      max_size=None, **kwargs)
        assert ws.subprotocol == BINARY
        return cls(ws, json.loads(await ws.recv()))

    def attach_query(self, readonly=False):
        token = self.info['readonly_token'] if readonly else self.info['token']
        return '?session=%s&token=%s' % (self.info['session'], token)

    async def receive(self, timeout=None):
        message = await asyncio.wait_for(self.ws.recv(), timeout)
        if isinstance(message, bytes):
            self.data += message
        else:
            self.controls.append(json.loads(message))
        return message

    async def read_until(self, needle):
        while needle not in self.data:
            await self.receive()

    async def until_live(self):
        while {'live': True} not in self.controls:
            await self.receive()

    async def quiet(self, seconds=0.8):
        """Read until nothing arrives for ``seconds``."""
        while True:
            try:
                await self.receive(seconds)
            except asyncio.TimeoutError:
                return

    async def type(self, text):
        await self.ws.send(json.dumps({'text': text}))


async def quiet_all(clients, seconds=0.8):
    await asyncio.gather(*[c.quiet(seconds) for c in clients])


def screen_of(data, columns, lines):
    """The AnsiTerm core's dump of ``data`` fed to a fresh terminal (node, no DOM)."""
    with tempfile.NamedTemporaryFile(suffix='.bin', delete=False) as handle:
        handle.write(data)
    try:
        output = subprocess.check_output(
            ['node', os.path.join(ROOT, 'tests', 'js', 'screen_of.mjs'),
             str(columns), str(lines), handle.name], timeout=60)
    finally:
        os.unlink(handle.name)
    return json.loads(output.decode('utf-8'))


def test_a_binary_client_learns_its_session_and_reattaches_with_history():
    async def scenario():
        async with serving(command=BASH) as server:
            first = await BinaryClient.open(server, '?size=24x80')
            assert first.info['size'] == '24x80' and not first.info['readonly']
            await first.type('echo ONE$((1+1))\n')
            await first.read_until(b'ONE2')
            await first.ws.close()
            hub = server.sessions.get(first.info['session'])
            while hub.clients:
                await asyncio.sleep(0.02)
            assert hub.session.alive          # detached, not ended
            again = await BinaryClient.open(server, first.attach_query())
            await again.until_live()
            assert again.data.startswith(b'\x1bc') and b'ONE2' in again.data
            await again.type('echo TWO$((1+1))\n')
            await again.read_until(b'TWO2')
            await again.ws.close()
    run(scenario())


def test_a_json_client_session_ends_with_its_connection():
    # The original page never learns a token, so nobody could come back: no detaching.
    async def scenario():
        async with serving(command=BASH) as server:
            async with ws_connect(ws_url(server)) as ws:
                await ws.send('{"text": "echo $$\\n"}')
                session = server.registry.sessions()[0]
            await wait_gone_async(session.pid)
            while len(server.sessions):
                await asyncio.sleep(0.02)
            assert server.sessions.ended(session.id) == 'its client left'
    run(scenario())


def test_sessions_whose_clients_left_end_after_a_session_opened_meanwhile():
    # 100 tabs closed at once: their shells are ended in the background, one at a time, so
    # a session opened right then starts before they have all ended; every one is reaped.
    async def scenario():
        sessions = SharedSessions(SessionRegistry(max_sessions=101))
        try:
            left = []
            for _ in range(100):
                hub = await sessions.create(command=BASH, resumable=False)
                left.append((hub, hub.session.pid))
            clients = [hub.attach() for hub, _ in left]
            for client in clients:
                client.detach()
            fresh = await sessions.create(command=BASH, resumable=False)
            viewer = fresh.attach()
            while not (await asyncio.wait_for(viewer.next(), 20)).data:
                pass                # its prompt, while some of the others still run
            assert any(not hub.session.closed for hub, _ in left)
            for hub, pid in left:
                assert await asyncio.wait_for(hub.wait_ended(), 20) == 'its client left'
                await wait_gone_async(pid)
        finally:
            await sessions.close_all()
        assert len(sessions) == 0
    run(scenario())


def test_a_session_reattached_while_its_end_was_queued_goes_on():
    async def scenario():
        sessions = SharedSessions(SessionRegistry(), detach_timeout=0.2)
        try:
            hub = await sessions.create(command=BASH)
            hub.attach().detach()
            while not (sessions._to_end or hub.finished):
                await asyncio.sleep(0)          # no task between: the queue is seen at once
            assert not hub.finished             # queued, not yet ended
            client = hub.attach()               # a client comes back just in time
            await asyncio.sleep(0.3)
            assert not hub.finished and hub.session.alive
            client.detach()                     # its leaving starts the timeout again
            assert await asyncio.wait_for(hub.wait_ended(), 10) == 'detach timeout'
        finally:
            await sessions.close_all()
    run(scenario())


def test_wrong_or_missing_tokens_never_attach():
    async def scenario():
        async with serving(command=BASH) as server:
            owner = await BinaryClient.open(server)
            sid = owner.info['session']
            for query in ('?session=%s' % sid, '?session=%s&token=wrong' % sid,
                          '?session=%s&token=%s' % (sid, owner.info['token'][:-1])):
                async with ws_connect(ws_url(server, '/' + query)) as ws:
                    with pytest.raises(websockets.ConnectionClosed) as closed:
                        await ws.recv()
                    assert closed.value.rcvd.code == protocol.CLOSE_POLICY
            async with ws_connect(ws_url(server, '/?session=nope&token=abc')) as ws:
                with pytest.raises(websockets.ConnectionClosed) as closed:
                    await ws.recv()
                assert closed.value.rcvd.code == protocol.CLOSE_NO_SESSION
            async with aiohttp.ClientSession(headers=AUTH_HEADERS) as http:
                url = http_base(server) + '?console&client=c1&session=%s&token=bad' % sid
                async with http.get(url) as response:
                    assert response.status == 403
            assert len(server.sessions.get(sid).clients) == 1
            await owner.ws.close()
    run(scenario())


def test_several_clients_see_identical_output_and_read_only_cannot_type():
    async def scenario():
        async with serving(command=BASH) as server:
            writer = await BinaryClient.open(server)
            viewers = [await BinaryClient.open(server, writer.attach_query(readonly=True))
                       for _ in range(3)]
            assert all(v.info['readonly'] and v.info['token'] is None for v in viewers)
            for viewer in viewers:
                await viewer.until_live()
            await quiet_all([writer] + viewers)
            for client in [writer] + viewers:
                client.data = b''
            await writer.type('seq 1 3000; echo DONE$((3*3))\n')
            await asyncio.gather(*[c.read_until(b'DONE9') for c in [writer] + viewers])
            await quiet_all([writer] + viewers)
            assert all(v.data == writer.data for v in viewers)
            # a read-only client's keystrokes never reach the shell
            await viewers[0].type('echo SHOULD$((6*7))NOT\n')
            await writer.type('echo AFTER$((5*5))\n')
            await writer.read_until(b'AFTER25')
            assert b'SHOULD42NOT' not in writer.data
            for client in [writer] + viewers:
                await client.ws.close()
    run(scenario())


def test_the_client_cap_refuses_with_1013(monkeypatch):
    async def scenario():
        async with serving(command=BASH) as server:
            server.sessions.max_clients = 2
            owner = await BinaryClient.open(server)
            second = await BinaryClient.open(server, owner.attach_query())
            async with ws_connect(ws_url(server, '/' + owner.attach_query())) as ws:
                with pytest.raises(websockets.ConnectionClosed) as closed:
                    await ws.recv()
                assert closed.value.rcvd.code == protocol.CLOSE_TRY_AGAIN
            await owner.ws.close()
            await second.ws.close()
    run(scenario())


def test_the_size_follows_the_most_recently_active_writer():
    async def scenario():
        async with serving(command=BASH) as server:
            first = await BinaryClient.open(server, '?size=24x80')
            second = await BinaryClient.open(server, first.attach_query())
            hub = server.sessions.get(first.info['session'])
            await second.ws.send(json.dumps({'size': '30x100'}))
            await second.type('stty size\n')
            await first.read_until(b'30 100')
            # the other client is told the session's size
            while {'size': '30x100'} not in first.controls:
                await first.receive()
            await first.ws.send(json.dumps({'size': '20x70'}))
            await first.type('stty size\n')
            await second.read_until(b'20 70')
            assert (hub.size.lines, hub.size.columns) == (20, 70)
            await first.ws.close()
            await second.ws.close()
    run(scenario())


def test_a_stalled_client_neither_slows_nor_grows_and_is_resynchronised():
    async def scenario():
        async with serving(command=BASH) as server:
            fast = await BinaryClient.open(server)
            slow = await BinaryClient.open(server, fast.attach_query(), max_queue=1)
            await slow.until_live()
            hub = server.sessions.get(fast.info['session'])
            stalled = [c for c in hub.clients if c is not hub.clients[0]][0]
            # the slow client stops reading; the fast one gets 20 MB through regardless
            await fast.type('head -c 15000000 /dev/zero | base64 -w 100; echo END$((7*6))\n')
            received = 0
            while b'END42' not in fast.data[-200:]:
                await fast.receive()
                received += len(fast.data)
                fast.data = fast.data[-200:]
                assert stalled.backlog <= CLIENT_BACKLOG_LIMIT
            assert stalled.skips >= 1
            # once it reads again it gets a snapshot of the screen and then live output
            slow.data = b''
            slow.controls = []
            await fast.type('echo SYNC$((8*8))\n')
            await slow.read_until(b'SYNC64')
            assert b'\x1bc' in slow.data
            await fast.ws.close()
            await slow.ws.close()
    run(scenario(), timeout=180)


def test_a_detached_session_keeps_running_then_ends_after_the_timeout():
    async def scenario():
        async with serving(command=BASH, detach_timeout=2.0) as server:
            client = await BinaryClient.open(server)
            await client.type('n=0; while :; do n=$((n+1)); echo "count $n"; sleep 0.1; done\n')
            await client.read_until(b'count 3')
            hub = server.sessions.get(client.info['session'])
            pid = hub.session.pid
            await client.ws.close()
            again = await BinaryClient.open(server, client.attach_query())
            await again.until_live()
            counted = again.data.count(b'count ')
            await again.read_until(b'count %d' % (counted + 5))   # it kept counting
            await again.ws.close()
            await hub.wait_ended()
            assert hub.end_reason == 'detach timeout'
            await wait_gone_async(pid)
            assert process_state(pid) is None
            late = await ws_connect(ws_url(server, '/' + client.attach_query()))
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await late.recv()
            assert closed.value.rcvd.code == protocol.CLOSE_NO_SESSION
            assert 'detach timeout' in closed.value.rcvd.reason
    run(scenario())


def test_two_http_clients_of_one_session_both_see_all_output():
    async def scenario():
        async with serving(command=BASH) as server, aiohttp.ClientSession(headers=AUTH_HEADERS) as http:
            base = http_base(server)
            async with http.get(base + '?console&client=tabA&size=24x80') as response:
                first = await response.json()
            query = 'session=%s&token=%s' % (first['session'], first['token'])
            texts = {'tabA': first['text'], 'tabB': ''}

            async def poll(tab, needle):
                while needle not in texts[tab]:
                    url = base + '?console&wait=5&client=%s&%s' % (tab, query)
                    async with http.get(url) as response:
                        assert response.status == 200
                        texts[tab] += (await response.json())['text']

            await poll('tabB', 'bash')
            async with http.post(base + '?client=tabA&' + query,
                                 data=b'echo BOTH$((4*4))\n') as response:
                assert response.status == 200
            await asyncio.gather(poll('tabA', 'BOTH16'), poll('tabB', 'BOTH16'))
            hub = server.sessions.get(first['session'])
            assert len(hub.clients) == 2
    run(scenario())


SCREENS = [
    ('bash', None, 'for i in $(seq 1 60); do echo "history $i"; done; printf "\\e[1;31mred\\e[0m\\n"\n'),
    ('vim', 'vim', 'vim -u NONE -N -i NONE -n\n'),
    ('less', 'less', 'seq 1 500 | less\n'),
    ('htop', 'htop', 'htop -d 100\n'),
    ('mc', 'mc', 'mc -u\n'),
]


@pytest.mark.parametrize('name,program,command', SCREENS, ids=[s[0] for s in SCREENS])
@pytest.mark.parametrize('replay_limit', [None, 4096], ids=['whole', 'trimmed'])
def test_a_reattached_client_sees_the_screen_of_one_that_never_left(
        name, program, command, replay_limit):
    if shutil.which('node') is None:
        pytest.skip('node is not installed')
    if program is not None and shutil.which(program) is None:
        pytest.skip('%s is not installed' % program)

    async def scenario():
        async with serving(command=BASH) as server:
            if replay_limit is not None:
                server.sessions.replay_limit = replay_limit
            stayed = await BinaryClient.open(server, '?size=24x80')
            await stayed.type('export PS1="$ " TERM=xterm-256color; ' + command)
            await stayed.quiet(1.5)
            if name == 'vim':
                await stayed.type('iline one\rline two\x1b')
                await stayed.quiet(1.0)
            if replay_limit is not None:
                # enough output that the kept part no longer starts at the beginning
                hub = server.sessions.get(stayed.info['session'])
                while not hub.replay.trimmed:
                    await stayed.type('seq 1 2000\n' if name == 'bash' else '\x0c')
                    await stayed.quiet(0.2)
            back = await BinaryClient.open(server, stayed.attach_query())
            await back.until_live()
            await quiet_all([stayed, back], 1.5)
            expected = screen_of(stayed.data, 80, 24)
            actual = screen_of(back.data, 80, 24)
            await stayed.type('\x1b:qa!\r' if name == 'vim' else 'q')
            for client in (stayed, back):
                await client.ws.close()
            return expected, actual

    expected, actual = run(scenario(), timeout=120)
    assert actual['text'] == expected['text']
    assert actual == expected


def test_http_attach_does_not_take_the_size_and_a_full_session_drops_a_quiet_poller(
        monkeypatch):
    import xwterm.polling
    monkeypatch.setattr(xwterm.polling, 'STALE_CLIENT', 0.2)

    async def scenario():
        async with serving(command=BASH) as server, \
                aiohttp.ClientSession(headers=AUTH_HEADERS) as http:
            owner = await BinaryClient.open(server, '?size=24x80')
            hub = server.sessions.get(owner.info['session'])
            server.sessions.max_clients = hub.max_clients = 2
            base = http_base(server) + '?console&session=%s&token=%s' % (
                owner.info['session'], owner.info['token'])
            async with http.get(base + '&client=reload1&size=30x100') as response:
                assert response.status == 200
            assert (hub.size.lines, hub.size.columns) == (24, 80)   # joining is not typing
            await asyncio.sleep(0.3)
            # full (owner + reload1): the quiet reload1 makes room for reload2
            async with http.get(base + '&client=reload2') as response:
                assert response.status == 200
            assert len(hub.clients) == 2
            await owner.ws.close()
    run(scenario())


def test_the_same_origin_endpoint_wants_an_upgrade_and_stopping_tells_every_client():
    async def scenario():
        server_cm = serving(command=BASH)
        server = await server_cm.__aenter__()
        stopping = None
        try:
            async with aiohttp.ClientSession(headers=AUTH_HEADERS) as http:
                async with http.get(http_base(server) + 'ws?size=24x80') as response:
                    assert response.status == 426
            assert len(server.sessions) == 0
            client = await BinaryClient.open(server)
            await client.until_live()
            stopping = asyncio.ensure_future(server_cm.__aexit__(None, None, None))
            with pytest.raises(websockets.ConnectionClosed):
                while True:
                    await client.receive()
            await stopping
        finally:
            if stopping is None:
                await server_cm.__aexit__(None, None, None)
        return client.controls
    assert {'end': 'server stopped'} in run(scenario())
