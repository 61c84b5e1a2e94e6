"""WebSocket listener over real ptys and a real websockets client."""

import asyncio
import hashlib
import json
import random
import string

import pytest
import websockets

from serverutil import (process_state, run, serving, wait_gone_async, ws_connect,
                        ws_read_until, ws_refusal_status, ws_url)

from xwterm import protocol


async def closed_with(ws):
    """Drain until the server closes; return (code, reason)."""
    try:
        while True:
            await ws.recv()
    except websockets.ConnectionClosed as closed:
        frame = closed.rcvd
        return (frame.code, frame.reason) if frame is not None else (None, None)


def test_round_trip_exact_formats():
    async def scenario():
        async with serving(http=False) as server:
            async with ws_connect(ws_url(server, '/any/path?x=1')) as ws:
                # raw text frame: typed as is
                await ws.send('echo RAW$((40+2))\n')
                await ws_read_until(ws, 'RAW42')
                # {"text"} frame
                await ws.send(json.dumps({'text': 'echo TXT$((1+1))\n'}))
                await ws_read_until(ws, 'TXT2')
                # {"size"} frame, then stty sees it
                await ws.send(json.dumps({'size': '33x101'}))
                await ws.send(json.dumps({'text': 'stty size\n'}))
                await ws_read_until(ws, '33 101')
                # both keys at once: the size applies before the text runs
                await ws.send(json.dumps({'size': '20x70', 'text': 'stty size\n'}))
                await ws_read_until(ws, '20 70')
                # JSON-looking raw frames are typed too
                await ws.send('read L; echo "GOT<$L>"\n')
                await ws.send('[]\n')
                await ws_read_until(ws, 'GOT<[]>')
                await ws.send('read L; echo "GOT<$L>"\n')
                await ws.send('{"other": 1}\n')
                await ws_read_until(ws, 'GOT<{"other": 1}>')
    run(scenario())


def test_shell_exit_closes_with_1000_and_status():
    async def scenario():
        async with serving(http=False) as server:
            async with ws_connect(ws_url(server)) as ws:
                await ws.send('echo BYE$((2+2)); exit 3\n')
                out = ''
                try:
                    while True:
                        out += json.loads(await ws.recv())['text']
                except websockets.ConnectionClosed as closed:
                    assert closed.rcvd.code == 1000
                    assert closed.rcvd.reason == 'exit 3'
                    assert protocol.parse_close_reason(closed.rcvd.reason) == 3
                assert 'BYE4' in out           # remaining output came before the close
            while len(server.registry):
                await asyncio.sleep(0.05)
    run(scenario())


def test_client_disconnect_leaves_no_process_and_no_zombie():
    async def scenario():
        async with serving(http=False) as server:
            ws = await ws_connect(ws_url(server))
            await ws.send('echo UP$((3+3))\n')
            await ws_read_until(ws, 'UP6')
            (session,) = server.registry.sessions()
            pid = session.pid
            assert process_state(pid) is not None
            await ws.close()
            await wait_gone_async(pid)         # neither running nor a zombie
            while len(server.registry):
                await asyncio.sleep(0.05)
    run(scenario())


def test_abrupt_disconnect_is_cleaned_up_too():
    async def scenario():
        async with serving(http=False) as server:
            ws = await ws_connect(ws_url(server))
            await ws.send('echo UP$((3+4))\n')
            await ws_read_until(ws, 'UP7')
            (session,) = server.registry.sessions()
            ws.transport.abort()               # no closing handshake at all
            await wait_gone_async(session.pid)
    run(scenario())


def payload(size):
    rng = random.Random(1234)
    line = string.ascii_letters + string.digits
    chunks = []
    total = 0
    while total < size:
        piece = ''.join(rng.choice(line) for _ in range(63)) + '\n'
        chunks.append(piece)
        total += len(piece)
    return ''.join(chunks)[:size]


def test_one_mib_paste_arrives_intact():
    data = payload(1024 * 1024)
    expected = hashlib.md5(data.encode()).hexdigest()

    async def scenario():
        async with serving(http=False) as server:
            async with ws_connect(ws_url(server), max_size=None) as ws:
                # raw mode: no 4096-byte canonical line limit, no echo
                await ws.send('stty raw -echo; echo READY$((5+5)); '
                              'head -c %d | md5sum; stty sane\n' % len(data))
                await ws_read_until(ws, 'READY10')
                await ws.send(json.dumps({'text': data}))
                await ws_read_until(ws, expected)
    run(scenario(), timeout=120)


def test_message_size_is_bounded():
    async def scenario():
        async with serving(http=False) as server:
            ws = await ws_connect(ws_url(server), max_size=None)
            try:
                await ws.send('x' * (4 * 1024 * 1024 + 1))
            except websockets.ConnectionClosed:
                pass                           # the server may close mid-send
            code, _ = await closed_with(ws)
            assert code == 1009                # message too big
            while len(server.registry):
                await asyncio.sleep(0.05)
    run(scenario())


def test_foreign_origin_refused():
    """Refused in the handshake (403): no WebSocket opens."""
    async def scenario():
        async with serving(http=False) as server:
            with pytest.raises(websockets.exceptions.InvalidHandshake) as refused:
                await ws_connect(ws_url(server), origin='http://evil.example')
            assert ws_refusal_status(refused.value) == 403
            assert len(server.registry) == 0
    run(scenario())


def test_sessions_are_independent():
    async def scenario():
        async with serving(http=False) as server:
            async with ws_connect(ws_url(server)) as one, \
                    ws_connect(ws_url(server)) as two:
                await one.send('echo ONE$((1*7))\n')
                await two.send('echo TWO$((2*7))\n')
                out_two = await ws_read_until(two, 'TWO14')
                out_one = await ws_read_until(one, 'ONE7')
                assert 'ONE7' not in out_two and 'TWO14' not in out_one
                pids = {s.pid for s in server.registry.sessions()}
                assert len(pids) == 2
    run(scenario())


def test_unstartable_command_closes_with_1011():
    async def scenario():
        async with serving(http=False, command=['/nonexistent/shell']) as server:
            ws = await ws_connect(ws_url(server))
            code, reason = await closed_with(ws)
            assert code == 1011 and 'cannot start' in reason
            while len(server.registry):
                await asyncio.sleep(0.05)
    run(scenario())


def test_size_in_the_url_is_the_size_the_shell_starts_with():
    async def scenario():
        async with serving(http=False) as server:
            async with ws_connect(ws_url(server, '/?size=37x93')) as ws:
                await ws.send('stty size; echo SIZE$((1+1))\n')
                out = await ws_read_until(ws, 'SIZE2')
            # A malformed size is ignored: the shell starts at the default size.
            async with ws_connect(ws_url(server, '/?size=huge')) as ws:
                await ws.send('stty size; echo DEF$((1+1))\n')
                default = await ws_read_until(ws, 'DEF2')
        return out, default

    out, default = run(scenario())
    assert '37 93' in out
    assert '24 80' in default  # the test server's initial size


def test_an_unexpected_pump_failure_is_logged(caplog):
    # A session pump that fails with anything but a closed connection ends the session;
    # the error must reach the log and the clients must be told, not left waiting.
    from xwterm.hub import SharedSession
    from xwterm.terminal import TerminalSize

    class BrokenSession(object):
        id, pid, command, exit_status = 'broken', None, ['sh'], None
        size, closed = TerminalSize(80, 24), False

        async def start(self):
            pass

        async def read_raw(self):
            raise RuntimeError('pty read failed: boom')

        async def close(self):
            self.closed = True

    async def scenario():
        hub = SharedSession(BrokenSession(), resumable=False)
        client = hub.attach()
        await hub.start()
        delivery = await client.next()
        while delivery.end is None:
            delivery = await client.next()
        return delivery.end

    assert run(scenario()) == 'failed'
    assert any(record.levelname == 'ERROR' and 'boom' in record.getMessage()
               for record in caplog.records), caplog.text


def test_stop_does_not_wait_for_input_blocked_on_a_full_queue():
    # A paste bigger than the input bound, into a shell that does not read it, blocks the
    # input pump in a write; stopping the server must still end the connection and session.
    from xwterm.server import Server, ServerConfig

    async def scenario():
        server = Server(ServerConfig(ws_port=0, http=False, auth=None,
                                     command=['/bin/sh', '-c', 'sleep 100']),
                        have_aiohttp=False)
        await server.start()
        async with ws_connect(ws_url(server), max_size=None) as ws:
            await ws.send((b'x' * 1000 + b'\n') * 1000)
            await asyncio.sleep(1.0)
            await asyncio.wait_for(server.stop(), 15)
            code, _ = await closed_with(ws)
            assert code in (1000, 1001)   # told the end (1000), or cut by the listener

    run(scenario())
