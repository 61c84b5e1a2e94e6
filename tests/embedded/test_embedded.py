"""End-to-end tests of a server command, as a user runs it.

The CI legs point them at the embedded bundle (``python3.6 -I
example/miniserver.py`` in the extracted tarball, nothing installed) and at
``python3.13 -m xwterm`` with the newest aiohttp and websockets; by default
they run ``example/miniserver.py`` of this checkout on the test's Python.
The clients are real aiohttp and websockets clients in the test's Python.

XWTERM_SERVER_CMD      server command line (shell words)
XWTERM_SERVER_CWD      its working directory (default: the checkout)
XWTERM_EXPECT_ORIGIN   "vendored" or "system": where --check must say aiohttp
                       and websockets come from
XWTERM_NO_DEPRECATIONS "1": the server's stderr must have no DeprecationWarning
                       (run it with -W always::DeprecationWarning)

Timeouts are hang guards only; nothing asserts on elapsed time.
"""

import concurrent.futures
import json
import os
import re
import shlex
import shutil
import signal
import ssl
import subprocess
import sys

import aiohttp
import pytest
import websockets

import serverutil
from serverutil import GUARD, ServerProcess, children, poll_until, wait_gone, ws_read_until

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SERVER_ARGS = ['--bind', '127.0.0.1', '--http', '0', '--ws', '0',
               '--command', '/bin/sh', '--log-level', 'WARNING']
PID = re.compile(r'PID=(\d+)')


@pytest.fixture(scope='module')
def command():
    """``(argv, cwd, env)`` of the server under test."""
    words = os.environ.get('XWTERM_SERVER_CMD')
    argv = shlex.split(words) if words else [sys.executable, 'example/miniserver.py']
    cwd = os.environ.get('XWTERM_SERVER_CWD') or ROOT
    env = dict((k, v) for k, v in os.environ.items() if k != 'PYTHONPATH')
    env['SHELL'] = '/bin/sh'
    return argv, cwd, env


def run(coro):
    """serverutil.run in a thread of its own, so that an event loop another
    fixture keeps running in the main thread (Playwright's sync API does, for
    the whole session) cannot get in the way."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(serverutil.run, coro).result()


def start(command, *args, **kwargs):
    argv, cwd, env = command
    return ServerProcess(SERVER_ARGS + list(args), command=argv, cwd=cwd, env=env, **kwargs)


def stop(server):
    """SIGTERM: the server must exit 0 and leave no child behind."""
    shells = children(server.pid)
    server.signal(signal.SIGTERM)
    assert server.wait() == 0, server.stderr
    for pid in shells:
        wait_gone(pid)
    if os.environ.get('XWTERM_NO_DEPRECATIONS') == '1':
        assert 'DeprecationWarning' not in server.stderr, server.stderr


@pytest.fixture(scope='module')
def server(command):
    with start(command) as process:
        yield process
        stop(process)


def http_url(server):
    return server.urls['HTTP']


async def ws_read_pid(ws):
    text = ''
    while not PID.search(text):
        text += json.loads(await ws.recv())['text']
    return text


def test_check(command):
    argv, cwd, env = command
    result = subprocess.run(argv + ['--check'], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, universal_newlines=True, timeout=GUARD)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert 'Result: ready (HTTP, WebSocket)' in out, out
    assert 'Terminals: pty ok' in out, out
    origin = os.environ.get('XWTERM_EXPECT_ORIGIN')
    if origin:
        assert re.search(r'^HTTP +can run: aiohttp \S+, %s ' % origin, out, re.M), out
        assert re.search(r'^WebSocket +can run: websockets \S+, %s ' % origin, out, re.M), out


def test_page_and_config(server):
    async def scenario():
        async with aiohttp.ClientSession() as client:
            async with client.get(http_url(server)) as response:
                assert response.status == 200
                assert '<html' in (await response.text()).lower()
            async with client.get(http_url(server) + '?config') as response:
                config = await response.json(content_type=None)
        assert config['websocket']['port'] == server.port('WebSocket')
    run(scenario())


def test_http_round_trip_resize_and_kill(server):
    async def scenario():
        base = http_url(server)
        session = 'embedded-http'
        async with aiohttp.ClientSession() as client:
            async with client.get(base + '?size=24x80&session=' + session) as response:
                assert response.status == 200
            post = base + '?session=' + session
            async with client.post(post, data='echo PID=$$ $((6*7))\n',
                                   headers={'Content-Type': 'text/plain'}) as response:
                assert response.status == 200
            text, _ = await poll_until(client, base, ' 42', session=session)
            pid = int(PID.search(text).group(1))
            async with client.get(base + '?size=30x90&session=' + session) as response:
                assert response.status == 200
            async with client.post(post, data='stty size\n') as response:
                assert response.status == 200
            await poll_until(client, base, '30 90', session=session)
            async with client.get(base + '?sessions') as response:
                listed = json.dumps(await response.json(content_type=None))
            assert session in listed
            async with client.get(base + '?kill=' + session) as response:
                assert response.status == 200
        return pid
    pid = run(scenario())
    wait_gone(pid)


def test_ws_round_trip_resize_and_exit(server):
    async def scenario():
        async with websockets.connect(server.urls['WebSocket']) as ws:
            await ws.send(json.dumps({'size': '30x100'}))
            await ws.send(json.dumps({'text': 'stty size\n'}))
            await ws_read_until(ws, '30 100')
            await ws.send('echo raw-$((1+1))\n')           # a raw text frame is input
            await ws_read_until(ws, 'raw-2')
            await ws.send(json.dumps({'size': '40x120', 'text': 'stty size\n'}))
            await ws_read_until(ws, '40 120')
            await ws.send(json.dumps({'text': 'exit 3\n'}))
            with pytest.raises(websockets.ConnectionClosedOK) as closed:
                while True:
                    await ws.recv()
            return closed.value
    closed = run(scenario())
    rcvd = getattr(closed, 'rcvd', None)
    code = rcvd.code if rcvd is not None else closed.code
    reason = rcvd.reason if rcvd is not None else closed.reason
    assert code == 1000
    assert '3' in reason


def test_ws_disconnect_cleanup(server):
    async def scenario():
        async with websockets.connect(server.urls['WebSocket']) as ws:
            await ws.send(json.dumps({'text': 'echo PID=$$\n'}))
            text = await ws_read_pid(ws)
        return int(PID.search(text).group(1))
    pid = run(scenario())
    wait_gone(pid)


@pytest.mark.parametrize('flag, label', [('--no-http', 'WebSocket'),
                                         ('--no-websocket', 'HTTP')])
def test_one_listener(command, flag, label):
    with start(command, flag, expect=(label,)) as process:
        assert list(process.urls) == [label]
        if label == 'WebSocket':
            async def scenario():
                async with websockets.connect(process.urls['WebSocket']) as ws:
                    await ws.send(json.dumps({'text': 'echo ws-$((2*3))\n'}))
                    await ws_read_until(ws, 'ws-6')
        else:
            async def scenario():
                async with aiohttp.ClientSession() as client:
                    base = process.urls['HTTP']
                    async with client.get(base + '?config') as response:
                        assert (await response.json(content_type=None))['websocket'] is None
                    async with client.post(base + '?session=one', data='echo h-$((2*4))\n'):
                        pass
                    await poll_until(client, base, 'h-8', session='one')
        run(scenario())
        stop(process)


def test_aiohttp_workaround(command):
    """The WebSocket listener in a supervised child process, next to HTTP."""
    with start(command, '--aiohttp-workaround') as process:
        async def scenario():
            async with websockets.connect(process.urls['WebSocket']) as ws:
                await ws.send(json.dumps({'text': 'echo w-$((3*3))\n'}))
                await ws_read_until(ws, 'w-9')
            async with aiohttp.ClientSession() as client:
                base = process.urls['HTTP']
                async with client.post(base + '?session=wa', data='echo a-$((5*5))\n'):
                    pass
                await poll_until(client, base, 'a-25', session='wa')
        run(scenario())
        stop(process)


def login_headers(token):
    return {'Authorization': 'token %s' % token}


@pytest.mark.parametrize('extra', [[], ['--aiohttp-workaround']], ids=['one-process', 'workaround'])
def test_login_end_to_end(command, extra):
    """A generated token: nothing without it, the cookie from ?token=, the header, and
    ?token= on the WebSocket URL (served by the child with --aiohttp-workaround)."""
    with start(command, *extra, auth=True) as process:
        token = process.token
        assert token and process.printed['HTTP'].endswith('/?token=' + token)
        base, ws_url = process.urls['HTTP'], process.urls['WebSocket']

        async def scenario():
            async with aiohttp.ClientSession() as client:
                for query in ('', '?config', '?sessions', '?size=24x80&session=x'):
                    async with client.get(base + query) as response:
                        assert response.status == 401, query
                async with client.get(base + '?config', headers=login_headers('w' * 43)) as r:
                    assert r.status == 403
            jar = aiohttp.CookieJar(unsafe=True)
            async with aiohttp.ClientSession(cookie_jar=jar) as client:
                async with client.get(base + '?token=' + token, allow_redirects=False) as r:
                    assert r.status == 303 and r.headers['Location'] == '/'
                    cookie = r.cookies['xwterm_auth'].value
                assert token not in cookie
                async with client.get(base + '?config') as response:
                    assert response.status == 200
            async with aiohttp.ClientSession(headers=login_headers(token)) as client:
                async with client.post(base + '?session=auth', data='echo h-$((3*5))\n'):
                    pass
                await poll_until(client, base, 'h-15', session='auth')
            with pytest.raises(Exception) as refused:
                await websockets.connect(ws_url)
            assert serverutil.ws_refusal_status(refused.value) == 401
            for url, kwargs in ((ws_url + '?token=' + token, {}),
                                (ws_url, serverutil.ws_auth(cookie=cookie))):
                async with websockets.connect(url, **kwargs) as ws:
                    await ws.send(json.dumps({'text': 'echo w-$((4*4))\n'}))
                    await ws_read_until(ws, 'w-16')
        run(scenario())
        stop(process)
    assert token not in process.stderr


@pytest.mark.skipif(not shutil.which('openssl'), reason='the openssl command is not installed')
def test_tls_end_to_end(command, tmp_path):
    certfile, keyfile = str(tmp_path / 'cert.pem'), str(tmp_path / 'key.pem')
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
                    '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1',
                    '-keyout', keyfile, '-out', certfile], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client_tls = ssl.create_default_context(cafile=certfile)
    with start(command, '--certfile', certfile, '--keyfile', keyfile, auth=True) as process:
        assert process.urls['HTTP'].startswith('https://127.0.0.1:')
        assert process.urls['WebSocket'].startswith('wss://127.0.0.1:')
        token = process.token

        async def scenario():
            connector = aiohttp.TCPConnector(ssl=client_tls)
            async with aiohttp.ClientSession(connector=connector,
                                             headers=login_headers(token)) as client:
                base = process.urls['HTTP']
                async with client.post(base + '?session=tls', data='echo t-$((6*6))\n'):
                    pass
                await poll_until(client, base, 't-36', session='tls')
            async with websockets.connect(process.urls['WebSocket'], ssl=client_tls,
                                          **serverutil.ws_auth(token)) as ws:
                await ws.send(json.dumps({'text': 'echo s-$((7*7))\n'}))
                await ws_read_until(ws, 's-49')
        run(scenario())
        stop(process)
