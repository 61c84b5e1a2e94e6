"""One port (issue 10): WebSocket on the HTTP listener at <base>/ws, --base-path,
--trust-proxy; real servers on 127.0.0.1 port 0, real aiohttp and websockets clients."""

import json
import logging

import aiohttp
import pytest
import websockets

from xwterm import browsercheck, protocol

from serverutil import (AUTH_HEADERS, process_state, run, serving, wait_gone_async,
                        ws_connect, ws_read_until)

SH = ['/bin/sh']


def http_ws_url(server, base='/', query=''):
    return 'ws://127.0.0.1:%d%sws%s' % (server.http_port, base, query)


async def closed_with(ws):
    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            await ws.recv()
    return closed.value.rcvd.code, closed.value.rcvd.reason


def test_same_origin_websocket_round_trip_exit_and_disconnect():
    async def scenario():
        async with serving(command=SH) as server:
            async with ws_connect(http_ws_url(server)) as ws:
                await ws.send(json.dumps({'text': 'echo SAME$((20+1))\n'}))
                await ws_read_until(ws, 'SAME21')
                await ws.send(json.dumps({'text': 'exit 4\n'}))
                assert await closed_with(ws) == (1000, 'exit 4')
            # the binary framing and reattach, as on the WebSocket port
            ws = await ws_connect(http_ws_url(server),
                                  subprotocols=[protocol.BINARY_SUBPROTOCOL])
            info = json.loads(await ws.recv())
            pid = server.registry.get(info['session']).pid
            await ws.close()
            again = await ws_connect(http_ws_url(
                server, query='?session=%s&token=%s' % (info['session'], info['token'])),
                subprotocols=[protocol.BINARY_SUBPROTOCOL])
            assert json.loads(await again.recv())['session'] == info['session']
            await server.sessions.kill(info['session'])
            await closed_with(again)
            await wait_gone_async(pid)
            # the JSON framing's session ends with its connection
            ws = await ws_connect(http_ws_url(server))
            await ws.send(json.dumps({'text': 'echo UP\n'}))
            await ws_read_until(ws, 'UP')
            pid = server.registry.sessions()[0].pid
            await ws.close()
            await wait_gone_async(pid)
            assert process_state(pid) is None
    run(scenario())


def test_everything_lives_under_the_base_path(tmp_path):
    (tmp_path / 'index.html').write_text('<!doctype html><title>page</title>')
    (tmp_path / 'app.js').write_text('export default 1;\n')

    async def scenario():
        async with serving(command=SH, docroot=str(tmp_path), base_path='/term/') as server, \
                aiohttp.ClientSession(headers=AUTH_HEADERS) as http:
            base = 'http://127.0.0.1:%d' % server.http_port
            for path, status in (('/term/', 200), ('/term/app.js', 200),
                                 ('/term/index.html', 200), ('/', 404), ('/app.js', 404),
                                 ('/terminal/', 404), ('/other/term/', 404)):
                async with http.get(base + path) as response:
                    assert response.status == status, path
            async with http.get(base + '/term/?config') as response:
                config = await response.json()
            assert config['same_origin_websocket'] == 'ws'
            async with http.get(base + '/term/?console&client=c1&size=24x80') as response:
                first = await response.json()
            assert first['session']
            async with ws_connect(http_ws_url(server, '/term/')) as ws:
                await ws.send(json.dumps({'text': 'echo BASE$((2*21))\n'}))
                await ws_read_until(ws, 'BASE42')
            with pytest.raises(Exception):
                async with ws_connect(http_ws_url(server, '/')) as ws:
                    await ws.recv()
    run(scenario())


def test_forwarded_headers_count_only_behind_a_trusted_proxy(caplog):
    proxy_headers = {'X-Forwarded-For': '203.0.113.7', 'X-Forwarded-Proto': 'https',
                     'X-Forwarded-Host': 'term.example.org',
                     'Origin': 'https://term.example.org'}

    async def ask(server):
        async with aiohttp.ClientSession(headers=AUTH_HEADERS) as http:
            url = 'http://127.0.0.1:%d/?console&session=PX' % server.http_port
            async with http.get(url, headers=proxy_headers) as response:
                return response.status

    async def scenario():
        async with serving(command=SH) as server:
            untrusted = await ask(server)
        async with serving(command=SH, trust_proxy=True) as server:
            trusted = await ask(server)
            await server.sessions.kill('PX')
        return untrusted, trusted

    with caplog.at_level(logging.INFO):
        untrusted, trusted = run(scenario())
    # without --trust-proxy the forwarded host is ignored: the Origin is another host
    assert untrusted == 403
    # with it, the browser's Origin matches the host it used, and logs name the client
    assert trusted == 200
    assert '203.0.113.7' in caplog.text


def test_spoofed_forwarded_for_is_ignored_without_trust(caplog):
    async def scenario():
        async with serving(command=SH) as server, \
                aiohttp.ClientSession(headers=AUTH_HEADERS) as http:
            url = 'http://127.0.0.1:%d/?console&session=SP' % server.http_port
            async with http.get(url, headers={'X-Forwarded-For': '198.51.100.9'}) as r:
                assert r.status == 200
            await server.sessions.kill('SP')
    with caplog.at_level(logging.INFO):
        run(scenario())
    assert '198.51.100.9' not in caplog.text


def test_forwarded_header_parsing():
    """The address the farthest trusted proxy saw, counted from the right; ``Forwarded``
    only when asked for."""
    standard = {'Forwarded': 'for=192.0.2.66, for="[2001:db8::1]:4711";proto=https;'
                             'host=a.example'}
    parsed = browsercheck.forwarded(standard, standard=True)
    assert (parsed.client, parsed.scheme, parsed.host) == ('2001:db8::1', 'https', 'a.example')
    assert browsercheck.forwarded(standard, hops=2, standard=True).client == '192.0.2.66'
    ignored = browsercheck.forwarded(standard)
    assert (ignored.client, ignored.scheme, ignored.host) == (None, None, None)
    chain = {'X-Forwarded-For': '192.0.2.1, 10.0.0.2', 'X-Forwarded-Host': 'b.example'}
    parsed = browsercheck.forwarded(chain)
    assert (parsed.client, parsed.scheme, parsed.host) == ('10.0.0.2', None, 'b.example')
    assert browsercheck.forwarded(chain, hops=2).client == '192.0.2.1'
    assert browsercheck.forwarded(chain, hops=5).client == '192.0.2.1'
    assert browsercheck.forwarded({'X-Forwarded-For': '10.0.0.1, not-an-address'}).client is None
    assert protocol.check_base_path('/term') == '/term/'
    for bad in ('term/', '/a/../b/', '//', '/a b/', '/a//b/'):
        with pytest.raises(protocol.ProtocolError):
            protocol.check_base_path(bad)
