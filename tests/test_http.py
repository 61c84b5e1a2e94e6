"""HTTP listener over real ptys and a real aiohttp client."""

import asyncio
import hashlib
import json
import re

import aiohttp
import websockets

from serverutil import (AUTH_HEADERS, ROOT, ws_connect, http_base, poll_until, process_state, run, serving,
                        wait_gone_async, ws_read_until, ws_url)
from test_ws import payload

from xwterm import compat
from xwterm.server import Server, ServerConfig


def client():
    # the default jar ignores cookies from IP addresses; browsers do not
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), headers=AUTH_HEADERS)


async def get_json(http, url, status=200):
    async with http.get(url) as response:
        assert response.status == status, await response.text()
        assert response.content_type == 'application/json'
        return await response.json()


async def post(http, url, data, status=200, **kwargs):
    async with http.post(url, data=data, **kwargs) as response:
        assert response.status == status, await response.text()
        return await response.json()


def test_size_starts_the_shell_and_answers_like_a_poll(web_root):
    async def scenario():
        async with serving(docroot=str(web_root)) as server, client() as http:
            base = http_base(server)
            frame = await get_json(http, base + '?size=31x99&session=H1')
            assert set(frame) == {'text'}
            (session,) = server.registry.sessions()
            assert session.id == 'H1' and session.started
            # console: answers at once, maybe with ""
            frame = await get_json(http, base + '?console&session=H1')
            assert set(frame) == {'text'} and isinstance(frame['text'], str)
            assert await post(http, base + '?session=H1', b'stty size\n') == {'ok': True}
            await poll_until(http, base, '31 99', session='H1')
            # a second size= resizes the running shell
            await get_json(http, base + '?size=12x34&session=H1')
            await post(http, base + '?session=H1', b'stty size\n')
            await poll_until(http, base, '12 34', session='H1')
    run(scenario())


def test_raw_post_bodies_are_never_json(web_root):
    async def scenario():
        async with serving(docroot=str(web_root)) as server, client() as http:
            base = http_base(server)
            await get_json(http, base + '?size=24x80&session=R')
            for body, content_type in ((b'[]', None), (b'[]', 'text/plain'),
                                       (b'{"text": "zz"}', 'text/plain'),
                                       ('{"size": "1x1"}', 'text/plain;charset=UTF-8')):
                await post(http, base + '?session=R', 'read L; echo "GOT<$L>"\n',
                           headers={'Content-Type': 'text/plain'})
                headers = {'Content-Type': content_type} if content_type else {}
                await post(http, base + '?session=R', body + (b'\n' if isinstance(body, bytes)
                                                              else '\n'), headers=headers)
                shown = body.decode() if isinstance(body, bytes) else body
                await poll_until(http, base, 'GOT<%s>' % shown, session='R')
            # application/json objects are decoded
            await post(http, base + '?session=R',
                       json.dumps({'size': '11x22', 'text': 'stty size\n'}),
                       headers={'Content-Type': 'application/json'})
            await poll_until(http, base, '11 22', session='R')
            await post(http, base + '?session=R', b'[]', status=400,
                       headers={'Content-Type': 'application/json'})
    run(scenario())


def test_cookie_fallback_and_new_ids(web_root):
    async def scenario():
        async with serving(docroot=str(web_root)) as server, client() as http:
            base = http_base(server)
            async with http.get(base + '?size=24x80') as response:
                assert response.status == 200
                cookie = response.cookies['session_id']
            sid = cookie.value
            assert server.registry.get(sid) is not None
            assert cookie['httponly'] and cookie['samesite'] == 'Strict'
            # no session= : the cookie picks the session
            await post(http, base, b'echo COOKIE$((6*7))\n')
            await poll_until(http, base, 'COOKIE42')
            assert len(server.registry) == 1
            # session= wins over the cookie
            await get_json(http, base + '?size=24x80&session=explicit')
            await post(http, base + '?session=explicit', b'echo EXPL$((6*6))\n')
            await poll_until(http, base, 'EXPL36', session='explicit')
            assert {s.id for s in server.registry.sessions()} == {sid, 'explicit'}
            # a client without cookie gets a new id
            async with aiohttp.ClientSession(headers=AUTH_HEADERS) as other:
                async with other.get(base + '?console') as response:
                    assert response.cookies['session_id'].value not in (sid, 'explicit')
    run(scenario())


def test_long_poll_wakes_up_on_output(web_root):
    async def scenario():
        async with serving(docroot=str(web_root)) as server, client() as http:
            base = http_base(server)
            await get_json(http, base + '?size=24x80&session=W')
            await poll_until(http, base, '', session='W')
            buffer = server.http.polling.get('W').client
            # drain the prompt, then hold a poll
            while True:
                frame = await get_json(http, base + '?console&session=W')
                await asyncio.sleep(0.2)
                if not frame['text'] and not buffer.backlog:
                    break
            poll = asyncio.ensure_future(get_json(http, base + '?console&session=W&wait=60'))
            while buffer._waiter is None:
                await asyncio.sleep(0.01)
            assert not poll.done()
            await post(http, base + '?session=W', b'echo WOKE$((9+9))\n')
            frame = await poll                 # woken by output, long before 60 s
            assert frame['text']
            await poll_until(http, base, 'WOKE18', session='W', collected=frame['text'])
    run(scenario())


def test_newer_poll_completes_the_older(web_root):
    async def scenario():
        async with serving(docroot=str(web_root)) as server, client() as http:
            base = http_base(server)
            await get_json(http, base + '?size=24x80&session=T')
            buffer = server.http.polling.get('T').client
            await asyncio.sleep(0.3)
            buffer.take()
            older = asyncio.ensure_future(get_json(http, base + '?console&session=T&wait=60'))
            while buffer._waiter is None:
                await asyncio.sleep(0.01)
            first_waiter = buffer._waiter
            newer = asyncio.ensure_future(get_json(http, base + '?console&session=T&wait=60'))
            assert await older == {'text': ''}  # completed at once by the newer poll
            assert buffer._waiter is not None and buffer._waiter is not first_waiter
            assert not newer.done()
            await post(http, base + '?session=T', b'echo NEW$((5*5))\n')
            collected = (await newer)['text']
            assert collected
            await poll_until(http, base, 'NEW25', session='T', collected=collected)
    run(scenario())


def test_sessions_list_in_the_original_shape(web_root):
    """The original sample server's page reads an array of {sid, ty, sz, dt, tm}."""
    async def scenario():
        async with serving(docroot=str(web_root)) as server, client() as http:
            base = http_base(server)
            await get_json(http, base + '?size=31x99&session=O1')
            async with ws_connect(ws_url(server) + '?size=20x70') as ws:
                await ws.send('echo WS$((1+1))\n')
                await ws_read_until(ws, 'WS2')
                listed = await get_json(http, base + '?sessions')
            assert isinstance(listed, list) and len(listed) == 2
            by_type = {item['ty']: item for item in listed}
            polled, websocket = by_type[False], by_type[True]
            assert polled['sid'] == polled['id'] == 'O1' and polled['http']
            assert polled['sz'] == '99x31' and websocket['sz'] == '70x20'
            assert 0 <= polled['tm'] < 30 and websocket['tm'] == 0
            for item in listed:
                assert re.match(r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$', item['dt'])
            assert await get_json(http, base + '?kill=O1') == {'killed': 'O1'}
    run(scenario())


def test_sessions_kill_and_exit_reporting(web_root):
    async def scenario():
        async with serving(docroot=str(web_root)) as server, client() as http:
            base = http_base(server)
            await get_json(http, base + '?size=24x80&session=K1')
            await get_json(http, base + '?size=24x80&session=K2')
            listed = await get_json(http, base + '?sessions')
            by_id = {item['id']: item for item in listed}
            assert set(by_id) == {'K1', 'K2'}
            assert by_id['K1']['running'] and by_id['K1']['size'] == '24x80'
            pid = by_id['K1']['pid']
            assert await get_json(http, base + '?kill=K1') == {'killed': 'K1'}
            await wait_gone_async(pid)
            listed = await get_json(http, base + '?sessions')
            assert [item['id'] for item in listed] == ['K2']
            await get_json(http, base + '?kill=K1', status=404)
            # a WebSocket session's id cannot be polled (it has its own reader)
            ws_session = server.registry.create()
            await get_json(http, base + '?console&session=%s' % ws_session.id, status=409)
            await ws_session.close()
            # the shell exits: polls say so next to the text, and keep saying so
            await post(http, base + '?session=K2', b'echo LAST$((8*8)); exit 5\n')
            text, frame = await poll_until(http, base, '\x00', session='K2',
                                           predicate=lambda f: 'exit' in f)
            assert frame['exit'] == 5 and set(frame) == {'text', 'exit'}
            assert 'LAST64' in text
            assert await get_json(http, base + '?console&session=K2') == {'text': '', 'exit': 5}
            await post(http, base + '?session=K2', b'ls\n', status=409)
    run(scenario())


def test_one_mib_paste_through_post(web_root):
    data = payload(1024 * 1024)
    expected = hashlib.md5(data.encode()).hexdigest()

    async def scenario():
        async with serving(docroot=str(web_root)) as server, client() as http:
            base = http_base(server)
            await get_json(http, base + '?size=24x80&session=P')
            await post(http, base + '?session=P', 'stty raw -echo; echo READY$((5+5)); '
                       'head -c %d | md5sum; stty sane\n' % len(data))
            await poll_until(http, base, 'READY10', session='P')
            await post(http, base + '?session=P', data.encode(),
                       headers={'Content-Type': 'text/plain'})
            await poll_until(http, base, expected, session='P')
    run(scenario(), timeout=120)


def test_bad_requests_get_clear_errors(web_root):
    async def scenario():
        async with serving(docroot=str(web_root)) as server, client() as http:
            base = http_base(server)
            for url in ('?size=big', '?console&session=bad%20id', '?console&wait=-3',
                        '?kill='):
                frame = await get_json(http, base + url, status=400)
                assert frame['error']
            async with http.post(base + '?session=B', data=b'x' * (4 * 1024 * 1024 + 1)) as r:
                assert r.status == 413
                assert 'larger than' in (await r.json())['error']
            async with http.delete(base) as r:
                assert r.status == 405
            async with http.put(base) as r:     # an upload needs a name: PUT /NAME
                assert r.status == 400
            async with http.head(base + '?console&session=B') as r:
                assert r.status == 405
            async with http.head(base + 'app.js') as r:
                assert r.status == 200
            async with http.post(base + '?session=B', data=b'ls\n',
                                 headers={'Origin': 'http://evil.example'}) as r:
                assert r.status == 403
            assert len(server.registry) == 0
    run(scenario())


def test_files_and_config(web_root):
    async def scenario():
        async with serving(docroot=str(web_root)) as server, client() as http:
            base = http_base(server)
            async with http.get(base) as r:
                assert r.status == 200 and r.content_type == 'text/html'
                assert 'xwterm test' in await r.text()
            async with http.get(base + 'app.js') as r:
                assert r.status == 200 and r.content_type == 'text/javascript'
                assert r.headers['X-Content-Type-Options'] == 'nosniff'
            async with http.get(base + 'nope.css') as r:
                assert r.status == 404
            config = await get_json(http, base + '?config')
            assert config['websocket'] == {'port': server.ws_port, 'path': '/'}
            assert isinstance(config['version'], str) and config['version']
        async with serving(docroot=str(web_root), websocket=False) as server, client() as http:
            config = await get_json(http, http_base(server) + '?config')
            assert config['websocket'] is None
    run(scenario())


async def raw_get(port, target, host='127.0.0.1'):
    """Send a request line as is (clients normalise ``..`` away)."""
    reader, writer = await asyncio.open_connection('127.0.0.1', port)
    writer.write(('GET %s HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\n'
                  'Connection: close\r\n\r\n'
                  % (target, host, AUTH_HEADERS['Authorization'])).encode('latin-1'))
    response = await reader.read()
    writer.close()
    status = int(response.split(b' ', 2)[1]) if response.startswith(b'HTTP/') else None
    return status, response


def test_traversal_over_the_wire(web_root):
    async def scenario():
        async with serving(docroot=str(web_root)) as server:
            for target in ('/../secret.txt', '/%2e%2e/secret.txt', '/%2E%2E%2Fsecret.txt',
                           '/sub/../../secret.txt', '/..%5csecret.txt', '//etc/passwd',
                           '/outside-link.txt', '/outside-dir/secret.txt', '/.hidden',
                           '/app.js%00', '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
                           '/static/..%2f..%2fsecret.txt'):
                status, response = await raw_get(server.http_port, target)
                assert status != 200, target
                assert b'TOP-SECRET' not in response and b'root:' not in response
            status, response = await raw_get(server.http_port, '/sub/')
            assert status == 200 and b'sub index' in response
            # a rebound name: refused, even for files
            status, response = await raw_get(server.http_port, '/?sessions',
                                             host='evil.example:8000')
            assert status == 403
    run(scenario())


def test_idle_sessions_are_reaped(web_root):
    async def scenario():
        async with serving(docroot=str(web_root), idle_timeout=0.3) as server, \
                client() as http:
            base = http_base(server)
            await get_json(http, base + '?size=24x80&session=I')
            pid = server.registry.get('I').pid
            reaper = server.http.polling._reaper
            assert reaper is not None          # one timer, armed for the expiry
            await wait_gone_async(pid)
            while len(server.registry):
                await asyncio.sleep(0.05)
            assert server.http.polling._reaper is None  # nothing left: no timer at all
            assert process_state(pid) is None
    run(scenario())


def test_unstartable_command_answers_500(web_root):
    async def scenario():
        async with serving(docroot=str(web_root), command=['/nonexistent/shell']) as server, \
                client() as http:
            frame = await get_json(http, http_base(server) + '?size=24x80&session=U',
                                   status=500)
            assert 'cannot start' in frame['error']
            while len(server.registry):
                await asyncio.sleep(0.05)
            assert not server.http.polling.clients_by_session()
    run(scenario())


def test_a_killed_session_reports_its_end_once_then_starts_over(web_root):
    async def scenario():
        async with serving(docroot=str(web_root)) as server, client() as http:
            base = http_base(server)
            for sid in ('G1', 'G2'):
                await get_json(http, base + '?size=24x80&session=%s' % sid)
                await get_json(http, base + '?kill=%s' % sid)
            # the next poll for a killed id says the shell ended (no new shell), with the
            # output it had not delivered yet ...
            frame = await get_json(http, base + '?console&session=G1')
            assert set(frame) == {'text', 'exit'}
            assert 'G1' not in [s['id'] for s in await get_json(http, base + '?sessions')]
            # ... and the one after it starts a new session under the same id
            frame = await get_json(http, base + '?console&session=G1')
            assert 'exit' not in frame
            listed = await get_json(http, base + '?sessions')
            assert [s['running'] for s in listed if s['id'] == 'G1'] == [True]
            # keystrokes for a killed id are refused once, then start over too
            await post(http, base + '?session=G2', b'ls\n', status=409)
            await post(http, base + '?session=G2', b'echo NEW$((2*3))\n')
            await poll_until(http, base, 'NEW6', session='G2')
    run(scenario())


def test_ended_sessions_are_remembered_within_a_bound(web_root, monkeypatch):
    import xwterm.polling
    monkeypatch.setattr(xwterm.polling, 'MAX_ENDED', 2)

    async def scenario():
        async with serving(docroot=str(web_root)) as server, client() as http:
            base = http_base(server)
            for sid in ('B1', 'B2', 'B3'):
                await get_json(http, base + '?size=24x80&session=%s' % sid)
                await get_json(http, base + '?kill=%s' % sid)
            oldest = await get_json(http, base + '?console&session=B1')
            newest = await get_json(http, base + '?console&session=B3')
        return oldest, newest

    oldest, newest = run(scenario())
    assert 'exit' not in oldest      # forgotten: a new session
    assert 'exit' in newest


def test_stop_does_not_wait_for_a_post_blocked_on_a_full_input_queue():
    # A paste bigger than the input bound, into a shell that does not read it, keeps the
    # POST waiting; stopping the server must end that session instead of waiting for it.
    async def scenario():
        server = Server(ServerConfig(http_port=0, websocket=False, docroot=ROOT, auth=None,
                                     command=['/bin/sh', '-c', 'sleep 100']))
        await server.start()
        base = http_base(server)
        async with client() as http:
            paste = (b'x' * 1000 + b'\n') * 1000
            posting = compat.create_task(http.post(base + '?session=P1', data=paste))
            await asyncio.sleep(1.0)
            assert not posting.done()
            started = asyncio.get_event_loop().time()
            await asyncio.wait_for(server.stop(), 15)
            assert asyncio.get_event_loop().time() - started < 15
            await asyncio.wait([posting])
            if not posting.cancelled() and posting.exception() is None:
                posting.result().release()

    run(scenario())
