"""The ASGI application under a real uvicorn, alone and mounted in Starlette: round trip,
exit close code, a client that leaves (shell reaped), host shutdown (no shell left)."""

import asyncio
import contextlib
import json
import os

import pytest
import websockets

uvicorn = pytest.importorskip('uvicorn')

from xwterm import protocol  # noqa: E402
from xwterm.asgi import XwtermApp  # noqa: E402

from serverutil import process_state, run, wait_gone_async, ws_read_until  # noqa: E402

SH = ['/bin/sh']


class Uvicorn(object):
    """A uvicorn server in this loop on 127.0.0.1, port chosen by the kernel."""

    def __init__(self, app):
        self.server = uvicorn.Server(uvicorn.Config(app, host='127.0.0.1', port=0,
                                                    log_level='warning', lifespan='auto'))
        self.task = None

    async def __aenter__(self):
        self.task = asyncio.ensure_future(self.server.serve())
        while not self.server.started:
            await asyncio.sleep(0.02)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc):
        self.server.should_exit = True
        await asyncio.wait_for(self.task, 30)


def shells_of(app):
    return [session.pid for session in app.sessions.registry.sessions()]


def test_round_trip_exit_and_disconnect_under_uvicorn():
    async def scenario():
        app = XwtermApp(command=SH)
        async with Uvicorn(app) as server:
            url = 'ws://127.0.0.1:%d/' % server.port
            async with websockets.connect(url) as ws:
                await ws.send(json.dumps({'text': 'echo ASGI$((6*7))\n'}))
                await ws_read_until(ws, 'ASGI42')
                await ws.send(json.dumps({'text': 'exit 3\n'}))
                with pytest.raises(websockets.ConnectionClosed) as closed:
                    while True:
                        await ws.recv()
                assert closed.value.rcvd.code == 1000
                assert closed.value.rcvd.reason == 'exit 3'
            # a client that leaves: its session ends, its shell is reaped
            ws = await websockets.connect(url)
            await ws.send(json.dumps({'text': 'echo UP\n'}))
            await ws_read_until(ws, 'UP')
            pid = shells_of(app)[0]
            await ws.close()
            await wait_gone_async(pid)
            # the binary framing and attach work here too
            ws = await websockets.connect(url, subprotocols=[protocol.BINARY_SUBPROTOCOL])
            info = json.loads(await ws.recv())
            assert ws.subprotocol == protocol.BINARY_SUBPROTOCOL and info['token']
            await ws.close()
            again = await websockets.connect(
                url + '?session=%s&token=%s' % (info['session'], info['token']),
                subprotocols=[protocol.BINARY_SUBPROTOCOL])
            assert json.loads(await again.recv())['session'] == info['session']
            pid = shells_of(app)[0]
        # uvicorn's lifespan shutdown ended the session and reaped its shell
        assert process_state(pid) is None
        assert not shells_of(app)
    run(scenario())


def test_mounted_in_starlette_with_an_authorize_hook():
    starlette = pytest.importorskip('starlette')
    from starlette.applications import Starlette
    from starlette.routing import Mount
    from xwterm.pump import Permit

    def authorize(info):
        if info.headers.get('X-User') != 'alice':
            return None
        return Permit(command=['/bin/sh', '-c', 'echo "hello $GREETING"; exec /bin/sh'],
                      env=dict(os.environ, GREETING='alice'))

    async def scenario():
        terminal = XwtermApp(command=SH, authorize=authorize)

        @contextlib.asynccontextmanager
        async def lifespan(app):
            yield
            await terminal.close()      # a mounted app gets no lifespan events of its own
        host = Starlette(routes=[Mount('/term', app=terminal)], lifespan=lifespan)
        async with Uvicorn(host) as server:
            url = 'ws://127.0.0.1:%d/term/ws' % server.port
            with pytest.raises(Exception):
                async with websockets.connect(url) as ws:
                    await ws.recv()
            headers = {'X-User': 'alice'}
            try:
                ws = await websockets.connect(url, additional_headers=headers)
            except TypeError:
                ws = await websockets.connect(url, extra_headers=headers)
            await ws_read_until(ws, 'hello alice')
            pid = shells_of(terminal)[0]
        assert process_state(pid) is None
    run(scenario())


def test_long_polling_under_uvicorn():
    aiohttp = pytest.importorskip('aiohttp')

    async def scenario():
        app = XwtermApp(command=SH)
        async with Uvicorn(app) as server, aiohttp.ClientSession() as http:
            base = 'http://127.0.0.1:%d/' % server.port
            async with http.get(base + '?config') as response:
                assert (await response.json())['same_origin_websocket'] == 'ws'
            async with http.get(base + '?console&client=tab1&size=24x80') as response:
                first = await response.json()
            query = 'client=tab1&session=%s&token=%s' % (first['session'], first['token'])
            async with http.post(base + '?' + query, data=b'echo POLL$((5*5))\n') as response:
                assert response.status == 200
            text = first['text']
            while 'POLL25' not in text:
                async with http.get(base + '?console&wait=5&' + query) as response:
                    text += (await response.json())['text']
            async with http.get(base + '?console&client=tab1&session=%s&token=bad'
                                % first['session']) as response:
                assert response.status == 403
            pid = shells_of(app)[0]
        assert process_state(pid) is None
    run(scenario())


@pytest.mark.parametrize('origin,allowed', [
    (None, True),                                   # not a browser: no Origin
    ('http://127.0.0.1:{port}', True),              # the app's own page
    ('http://127.0.0.1:{other}', False),            # another app on the same host
    ('http://evil.example', False),
    ('https://app.example:8443', True),             # listed in allowed_origins
])
def test_browser_requests_come_from_the_apps_own_origin_or_the_allowed_ones(origin, allowed):
    aiohttp = pytest.importorskip('aiohttp')

    async def scenario():
        app = XwtermApp(command=SH, allowed_origins=['https://app.example:8443'])
        async with Uvicorn(app) as server, aiohttp.ClientSession() as http:
            headers = {}
            if origin is not None:
                headers['Origin'] = origin.format(port=server.port, other=server.port + 1)
            base = 'http://127.0.0.1:%d/' % server.port
            async with http.get(base + '?console&client=tab1&size=24x80',
                                headers=headers) as response:
                assert (response.status == 200) == allowed, response.status
            if allowed:
                async with http.ws_connect(base + 'ws', headers=headers) as ws:
                    await ws.send_str(json.dumps({'text': 'echo ORIGIN$((6*7))\n'}))
                    text = ''
                    while 'ORIGIN42' not in text:
                        text += json.loads((await asyncio.wait_for(ws.receive(), 10)).data)['text']
            else:
                with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                    await http.ws_connect(base + 'ws', headers=headers)
                assert refused.value.status == 403
        assert not shells_of(app) or all(process_state(pid) is None for pid in shells_of(app))
    run(scenario())
