"""Issue 18, items 1 and 6, against real server processes on loopback: a read-only key never
types or resizes through a long-poll slot opened with the full key, and ``?token=`` logs in
on every WebSocket endpoint.  Both failed before the fix (18.1: the slot was handed to any
request with a valid key of either level, or with none; 18.6: 401 on ``/ws?token=``)."""

import asyncio
import json

import aiohttp
import pytest
import websockets

from serverutil import ServerProcess, run, ws_refusal_status

PORTS = ['--bind', '127.0.0.1', '--http', '0', '--ws', '0', '--log-level', 'WARNING']
SHELL = ['--', '/bin/sh']


async def owner_session(server):
    """A session opened over the WebSocket port with the binary framing: (socket, attach info)."""
    owner = await websockets.connect(server.urls['WebSocket'] + '?size=24x80',
                                     subprotocols=['xwterm.binary'])
    return owner, json.loads(await owner.recv())


async def output_until(ws, needle):
    """The binary framing's output until ``needle`` (bytes) has arrived."""
    seen = b''
    while needle not in seen:
        message = await ws.recv()
        if isinstance(message, bytes):
            seen += message
    return seen


async def status(http, method, url, **kwargs):
    async with http.request(method, url, allow_redirects=False, **kwargs) as response:
        await response.read()
        return response.status


@pytest.mark.parametrize('name', ['key', 'token'])
def test_a_read_only_key_never_types_or_resizes_through_a_writers_slot(name):
    """18.1, with the session secret under its name and under the old spelling."""
    with ServerProcess(PORTS + SHELL) as server:
        base = server.urls['HTTP']

        async def scenario():
            owner, info = await owner_session(server)
            session, full, readonly = info['session'], info['token'], info['readonly_token']
            attach = '?session=%s&%s=' % (session, name)
            async with aiohttp.ClientSession() as http:
                # a writer's slot without client= and one with client=w1
                assert await status(http, 'GET', base + attach + full + '&console') == 200
                assert await status(http, 'GET', base + attach + full + '&client=w1') == 200
                for url in (attach + readonly, '?session=%s' % session,
                            attach + readonly + '&client=w1', '?session=%s&client=w1' % session):
                    assert await status(http, 'POST', base + url,
                                        data=b'echo PWNED-$((6*7))\n') == 403, url
                    assert await status(http, 'GET', base + url + '&size=7x77') == 403, url
                # the writer's slots still work with the full key
                assert await status(http, 'POST', base + attach + full,
                                    data=b'echo writer-$((6*7))\n') == 200
            seen = await output_until(owner, b'writer-42')
            await owner.send(json.dumps({'text': 'stty size; echo done-$((6*7))\n'}))
            seen += await output_until(owner, b'done-42')
            await owner.close()
            return seen
        seen = run(scenario())
        assert b'PWNED-42' not in seen
        assert b'24 80' in seen and b'7 77' not in seen


@pytest.mark.parametrize('options', [[], ['--links-need-login']])
def test_query_token_logs_in_on_every_websocket_endpoint(options):
    """18.6: ``?token=`` (the login) on the WebSocket port and on the one-port ``/ws``;
    beside ``session=&key=`` it is the login, not the session's key."""
    with ServerProcess(PORTS + options + SHELL, auth=True) as server:
        token = server.token
        assert token
        http_ws = server.urls['HTTP'].replace('http://', 'ws://') + 'ws'

        async def scenario():
            for url in (server.urls['WebSocket'], http_ws):
                with pytest.raises(Exception) as refused:
                    await websockets.connect(url)
                assert ws_refusal_status(refused.value) == 401
                ws = await websockets.connect(url + '?token=' + token,
                                              subprotocols=['xwterm.binary'])
                info = json.loads(await ws.recv())
                # the login and the session's key side by side: both are read as meant
                both = '%s?session=%s&key=%s&token=%s' % (url, info['session'], info['token'],
                                                          token)
                joined = await websockets.connect(both, subprotocols=['xwterm.binary'])
                assert json.loads(await joined.recv())['session'] == info['session']
                await joined.send(json.dumps({'text': 'echo joined-$((6*7))\n'}))
                await output_until(ws, b'joined-42')
                await joined.close()
                await ws.close()
        run(scenario())


def test_a_session_key_opens_its_session_and_nothing_else():
    """Links are capabilities (issue 17): without the login, a session's keys open exactly
    that session -- the full key to type, the read-only key to watch -- over the WebSocket
    port, ``/ws`` and long-polling; never ``?sessions``, ``?kill``, a new shell or an
    upload with the read-only key."""
    with ServerProcess(PORTS + SHELL, auth=True) as server:
        base = server.urls['HTTP']
        http_ws = base.replace('http://', 'ws://') + 'ws'
        login = {'Authorization': 'token %s' % server.token}

        async def scenario():
            owner = await websockets.connect(server.urls['WebSocket'] + '?size=24x80',
                                             subprotocols=['xwterm.binary'],
                                             **_headers(login))
            info = json.loads(await owner.recv())
            link = '?session=%s&key=' % info['session']
            for url in (server.urls['WebSocket'], http_ws):
                writer = await websockets.connect(url + link + info['token'],
                                                  subprotocols=['xwterm.binary'])
                assert json.loads(await writer.recv())['readonly'] is False
                await writer.send(json.dumps({'text': 'echo typed-$((6*7))\n'}))
                await output_until(owner, b'typed-42')
                await writer.close()
                viewer = await websockets.connect(url + link + info['readonly_token'],
                                                  subprotocols=['xwterm.binary'])
                attached = json.loads(await viewer.recv())
                assert attached['readonly'] is True and attached['token'] is None
                await viewer.send(json.dumps({'text': 'echo VIEWER-$((6*7))\n'}))
                await owner.send(json.dumps({'text': 'echo owner-$((6*7))\n'}))
                assert b'VIEWER-42' not in await output_until(viewer, b'owner-42')
                await viewer.close()
            async with aiohttp.ClientSession() as http:
                polled = base + link + info['token'] + '&client=c1'
                assert await status(http, 'GET', polled + '&console') == 200
                assert await status(http, 'POST', polled, data=b'echo polled-$((6*7))\n') == 200
                assert await status(http, 'GET', base + '?config&' + link[1:]
                                    + info['readonly_token']) == 200
                for method, url in (('GET', '?sessions'), ('GET', '?kill=' + info['session']),
                                    ('GET', '?size=24x80&client=new'), ('GET', '?config'),
                                    ('PUT', 'file.txt')):
                    assert await status(http, method, base + url, data=b'x') == 401, url
                for url in ('?sessions&session=%s&key=%s' % (info['session'], info['token']),
                            '?kill=%s&session=%s&key=%s' % (info['session'], info['session'],
                                                            info['token'])):
                    assert await status(http, 'GET', base + url) == 401, url
                upload = '?upload&session=%s&key=%s&name=x.txt' % (info['session'],
                                                                   info['readonly_token'])
                assert await status(http, 'PUT', base + upload, data=b'x') == 403
            await output_until(owner, b'polled-42')
            await owner.close()
        run(scenario())


def test_renewed_keys_end_every_link_and_detach_its_holders():
    with ServerProcess(PORTS + SHELL, auth=True) as server:
        login = {'Authorization': 'token %s' % server.token}

        async def scenario():
            url = server.urls['WebSocket']
            owner = await websockets.connect(url, subprotocols=['xwterm.binary'],
                                             **_headers(login))
            info = json.loads(await owner.recv())
            old = '?session=%s&key=%s' % (info['session'], info['readonly_token'])
            viewer = await websockets.connect(url + old, subprotocols=['xwterm.binary'])
            json.loads(await viewer.recv())
            await owner.send(json.dumps({'renew': True}))
            controls = []
            while not any('token' in control for control in controls):
                message = await owner.recv()
                if isinstance(message, str):
                    controls.append(json.loads(message))
            renewed = [control for control in controls if 'token' in control][0]
            assert renewed['session'] == info['session']
            assert renewed['token'] != info['token']
            assert renewed['readonly_token'] != info['readonly_token']
            # the holder of the old link is told and detached
            told = []
            async for message in viewer:
                if isinstance(message, str):
                    told.append(json.loads(message))
            assert {'end': 'the owner stopped sharing this session'} in told
            with pytest.raises(Exception) as refused:
                await websockets.connect(url + old)
            assert ws_refusal_status(refused.value) == 403
            fresh = await websockets.connect(
                url + '?session=%s&key=%s' % (info['session'], renewed['readonly_token']),
                subprotocols=['xwterm.binary'])
            assert json.loads(await fresh.recv())['readonly'] is True
            await fresh.close()
            # the owner's connection goes on, with the new keys
            await owner.send(json.dumps({'text': 'echo still-$((6*7))\n'}))
            await output_until(owner, b'still-42')
            await owner.send(json.dumps({'text': 'exit\n'}))
            await asyncio.wait_for(owner.wait_closed(), 30)
            # a link to the ended session says so
            ended = await websockets.connect(
                url + '?session=%s&key=%s' % (info['session'], renewed['token']),
                subprotocols=['xwterm.binary'])
            await asyncio.wait_for(ended.wait_closed(), 30)
            assert ended.close_code == 4404 and 'session ended' in ended.close_reason
        run(scenario())


def _headers(headers):
    name = ('additional_headers' if int(websockets.__version__.split('.')[0]) >= 14
            else 'extra_headers')
    return {name: headers}
