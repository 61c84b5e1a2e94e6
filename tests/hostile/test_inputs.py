"""Malformed and hostile input on both listeners, against in-process servers: clear 4xx
answers or close codes, one warning line, sessions that survive, bounds in bytes."""

import asyncio
import json
import logging

import aiohttp
import pytest
import websockets

import xwterm.http
from xwterm import protocol
from xwterm.http import DEFAULT_POLL_PACE

from serverutil import (AUTH_HEADERS, http_base, run, serving, ws_connect,
                        ws_read_until, ws_url)

SH = ['/bin/sh']


async def closed_with(ws):
    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            await ws.recv()
    return closed.value.rcvd.code, closed.value.rcvd.reason


def test_malformed_http_input_gets_4xx_and_never_types(caplog):
    async def scenario():
        async with serving(command=SH) as server, aiohttp.ClientSession(headers=AUTH_HEADERS) as http:
            base = http_base(server)
            nested = b'{"text": ' + b'[' * 100000 + b']' * 100000 + b'}'
            async with http.post(base + '?session=J', data=nested,
                                 headers={'Content-Type': 'application/json'}) as r:
                assert r.status == 400
            for size in ('\uff12\uff14x\uff18\uff10', '24x80\n', '24x80x1', '0x80'):
                async with http.get(base, params={'size': size, 'session': 'Z'}) as r:
                    assert r.status == 400, size
            for action in ('?kill=J', '?sessions', '?config'):
                async with http.post(base + action, data=b'echo typed\n') as r:
                    assert r.status == 405
            assert 'Z' not in server.registry and len(server.registry) <= 1
            # a raw request the HTTP parser cannot read: 400 and one warning, no traceback
            reader, writer = await asyncio.open_connection('127.0.0.1', server.http_port)
            writer.write(b'GARBAGE / HTTP/1.1\r\nContent-Length: x\r\n\r\n')
            answer = await reader.read(100)
            writer.close()
            assert answer.startswith(b'HTTP/1.') and b' 400 ' in answer
    with caplog.at_level(logging.INFO):
        run(scenario())
    assert not [r for r in caplog.records if r.exc_info], caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


def test_malformed_websocket_input_is_refused_or_typed_and_the_session_survives():
    async def scenario():
        async with serving(command=SH) as server:
            async with ws_connect(ws_url(server, '//[')) as ws:
                code, reason = await closed_with(ws)
                assert code == protocol.CLOSE_POLICY and 'path' in reason
            async with ws_connect(ws_url(server)) as ws:
                # too deep to be a control message: typed as it came, the session lives on
                await ws.send('{"text": ' + '[' * 1500 + ']' * 1500 + '}\n')
                # fragmented: one message in three frames
                await ws.send(iter(['{"text": "echo FR', 'AG$((1+', '2))\\n"}']))
                await ws_read_until(ws, 'FRAG3')
            ws = await ws_connect(ws_url(server), max_size=None)
            try:
                await ws.send('x' * (5 << 20))
            except websockets.ConnectionClosed:
                pass
            code, _ = await closed_with(ws)
            assert code == 1009
    run(scenario())


def test_a_poll_answer_is_bounded_in_bytes_even_for_emoji():
    async def scenario():
        async with serving(command=SH) as server, aiohttp.ClientSession(headers=AUTH_HEADERS) as http:
            base = http_base(server)
            async with http.get(base + '?size=24x80&session=E') as r:
                assert r.status == 200
            emoji = '\U0001f600' * 200
            async with http.post(base + '?session=E',
                                 data=('while :; do echo %s; done\n' % emoji).encode()) as r:
                assert r.status == 200
            client = server.http.polling.get('E').client
            while client.backlog < DEFAULT_POLL_PACE:
                await asyncio.sleep(0.05)
            async with http.get(base + '?console&session=E') as r:
                body = await r.read()
            assert len(body) <= DEFAULT_POLL_PACE + 65536 + 1024
            assert '\U0001f600' in json.loads(body.decode('utf-8'))['text']
            await http.post(base + '?session=E', data=b'\x03')
    run(scenario(), timeout=120)


def test_slowloris_heads_are_cut_off_on_both_listeners(monkeypatch):
    monkeypatch.setattr(xwterm.http, 'HEAD_TIMEOUT', 1.0)

    async def trickle(port, limit):
        """Send a request head a byte every 0.2 s; return when the server cuts us off."""
        reader, writer = await asyncio.open_connection('127.0.0.1', port)
        head = b'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ' + b'a' * 10000
        try:
            for index in range(len(head)):
                writer.write(head[index:index + 1])
                await writer.drain()
                try:
                    if await asyncio.wait_for(reader.read(1), 0.2) == b'':
                        return index
                except asyncio.TimeoutError:
                    pass
                if index > limit:
                    raise AssertionError('still connected after %d bytes' % index)
        except (ConnectionResetError, BrokenPipeError):
            return index
        finally:
            writer.close()

    async def scenario():
        async with serving(command=SH) as server:
            await asyncio.gather(trickle(server.http_port, 20),
                                 trickle(server.ws_port, 80))   # websockets: 10 s handshake
    run(scenario())


def test_half_closed_and_half_open_connections_end():
    async def scenario():
        async with serving(command=SH) as server:
            # an HTTP client that half-closes: the server ends the connection, it does not
            # keep it open waiting for more
            reader, writer = await asyncio.open_connection('127.0.0.1', server.http_port)
            writer.write(b'GET /?config HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
            writer.write_eof()
            try:
                await asyncio.wait_for(reader.read(), 10)
            finally:
                writer.close()
            # a WebSocket session whose client half-closes ends with it
            ws = await ws_connect(ws_url(server))
            await ws.send('{"text": "echo HALF$((3+4))\\n"}')
            await ws_read_until(ws, 'HALF7')
            session = server.registry.sessions()[0]
            ws.transport.write_eof()
            while not session.closed:
                await asyncio.sleep(0.05)
            ws.transport.abort()
    run(scenario())
