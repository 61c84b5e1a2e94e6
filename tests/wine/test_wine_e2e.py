"""The reference server under a Windows CPython in Wine, checked from Linux on loopback.

.ci/leg-windows-wine runs these with XWTERM_WINE_PYTHON (the Linux path of the Windows
python.exe) and the Wine environment set; elsewhere they skip. The server runs
``example/miniserver.py`` of this checkout with its default command, cmd.exe, on the
backend it chooses itself (WinPTY under Wine); the clients are the real aiohttp and
websockets clients of the test's Python. Wine's console draws with escape sequences of its
own, so output is compared with the escape sequences taken out, and every check looks for
a number only the command's output contains (cmd echoes what is typed). Keys end with
"\\r", as Enter does on Windows.
"""

import json
import os
import re
import signal
import subprocess

import aiohttp
import pytest
import websockets

from xwterm import protocol

from serverutil import GUARD, ServerProcess, run, ws_auth

WINDOWS_PYTHON = os.environ.get('XWTERM_WINE_PYTHON')
WINE = os.environ.get('XWTERM_WINE', '/usr/lib/wine/wine64')
pytestmark = pytest.mark.skipif(not WINDOWS_PYTHON,
                                reason='needs .ci/leg-windows-wine (XWTERM_WINE_PYTHON)')

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SERVER_ARGS = ['--bind', '127.0.0.1', '--http', '0', '--ws', '0', '--log-level', 'INFO']
ESCAPES = re.compile(r'\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07]*\x07|[@-Z\\-_])')
#: The Windows processes a session or the server start; none may outlive the server.
SESSION_PROGRAMS = ('python.exe', 'cmd.exe', 'winpty-agent.exe', 'conhost.exe')


def windows_path(path):
    """A Linux path as Wine's Z: drive shows it."""
    return 'Z:' + path.replace('/', '\\')


def size_command():
    """cmd.exe has no ``stty size``: the Windows Python prints its console's size."""
    return ('%s -c "import os; print(\'size=%%d:%%d\' %% tuple(os.get_terminal_size()))"\r'
            % windows_path(WINDOWS_PYTHON))


def plain(text):
    return ESCAPES.sub('', text).replace('\r', '')


def server_env():
    return dict((k, v) for k, v in os.environ.items() if k != 'PYTHONPATH')


@pytest.fixture(scope='module')
def server():
    """One server for the module; the last test stops it and checks what is left."""
    process = ServerProcess(SERVER_ARGS, command=[WINE, WINDOWS_PYTHON, 'example/miniserver.py'],
                            env=server_env(), auth=True)
    with process:
        yield process


def headers(server):
    return {'Authorization': 'token %s' % server.token}


def ws_base(server):
    return server.urls['WebSocket']


async def json_until(ws, needle, collected=''):
    """JSON framing: read ``{"text"}`` frames until ``needle`` shows in the plain text."""
    while needle not in plain(collected):
        collected += json.loads(await ws.recv())['text']
    return collected


async def binary_until(ws, needle, collected=b''):
    """Binary framing: read until ``needle`` shows; control frames go to the caller's list."""
    controls = []
    while needle not in plain(collected.decode('utf-8', 'replace')):
        frame = await ws.recv()
        if isinstance(frame, bytes):
            collected += frame
        else:
            controls.append(json.loads(frame))
    return collected, controls


async def closed(ws):
    with pytest.raises(websockets.ConnectionClosed) as info:
        while True:
            await ws.recv()
    rcvd = getattr(info.value, 'rcvd', None)
    return (rcvd.code, rcvd.reason) if rcvd is not None else (info.value.code,
                                                              info.value.reason)


def test_websocket_json_round_trip_resize_and_exit_status(server):
    async def scenario():
        async with websockets.connect(ws_base(server) + '?size=30x100',
                                      **ws_auth(server.token)) as ws:
            await ws.send(json.dumps({'text': 'set /a 1234+4321\r'}))
            await json_until(ws, '5555')
            await ws.send(json.dumps({'text': size_command()}))
            await json_until(ws, 'size=100:30')
            await ws.send(json.dumps({'size': '40x120', 'text': size_command()}))
            await json_until(ws, 'size=120:40')
            await ws.send(json.dumps({'text': 'exit 3\r'}))
            return await closed(ws)
    assert run(scenario()) == (1000, 'exit 3')


def test_binary_framing_and_reattach_after_a_dropped_connection(server):
    async def scenario():
        ws = await websockets.connect(ws_base(server), subprotocols=[protocol.BINARY_SUBPROTOCOL],
                                      **ws_auth(server.token))
        hello = json.loads(await ws.recv())
        await ws.send(json.dumps({'text': 'set /a 2345+5432\r'}))
        await binary_until(ws, '7777')
        ws.transport.abort()  # the network drops: no close handshake
        url = '%s?session=%s&token=%s' % (ws_base(server), hello['session'], hello['token'])
        async with websockets.connect(url, subprotocols=[protocol.BINARY_SUBPROTOCOL],
                                      **ws_auth(server.token)) as again:
            first = json.loads(await again.recv())
            assert first['session'] == hello['session']
            await again.send(json.dumps({'text': 'set /a 3456+5543\r'}))
            _, controls = await binary_until(again, '8999')
            await again.send(json.dumps({'text': 'exit 5\r'}))
            while {'end': 'exit 5'} not in controls:
                frame = await again.recv()
                if isinstance(frame, str):
                    controls.append(json.loads(frame))
            return await closed(again)
    assert run(scenario()) == (1000, 'exit 5')


def test_long_polling_round_trip_resize_and_kill(server):
    async def scenario():
        base = server.urls['HTTP']
        async with aiohttp.ClientSession(headers=headers(server)) as client:
            async def poll_until(needle):
                text = ''
                while needle not in plain(text):
                    async with client.get(base + '?console&wait=5&session=lp') as response:
                        assert response.status == 200
                        frame = await response.json()
                    assert 'exit' not in frame, plain(text)
                    text += frame['text']

            async with client.get(base + '?size=24x80&session=lp') as response:
                assert response.status == 200
            async with client.post(base + '?session=lp', data='set /a 4321+2345\r') as response:
                assert response.status == 200
            await poll_until('6666')
            async with client.get(base + '?size=30x90&session=lp') as response:
                assert response.status == 200
            async with client.post(base + '?session=lp', data=size_command()) as response:
                assert response.status == 200
            await poll_until('size=90:30')
            async with client.get(base + '?kill=lp') as response:
                assert response.status == 200
    run(scenario())


def test_one_port_websocket_on_the_http_listener(server):
    url = server.urls['HTTP'].replace('http://', 'ws://').rstrip('/') + '/ws'

    async def scenario():
        async with websockets.connect(url, **ws_auth(server.token)) as ws:
            await ws.send(json.dumps({'text': 'set /a 1111*3\r'}))
            await json_until(ws, '3333')
            await ws.send(json.dumps({'text': 'exit 0\r'}))
            return await closed(ws)
    assert run(scenario()) == (1000, 'exit 0')


def test_ctrl_c_reaches_the_program(server):
    program = ('%s -c "import time; print(\'sle\' + \'eping\'); time.sleep(120)"\r'
               % windows_path(WINDOWS_PYTHON))

    async def scenario():
        async with websockets.connect(ws_base(server), **ws_auth(server.token)) as ws:
            await ws.send(json.dumps({'text': program}))
            text = await json_until(ws, 'sleeping')
            await ws.send(json.dumps({'text': '\x03'}))
            await json_until(ws, 'KeyboardInterrupt', text)
    run(scenario())


def wine_processes():
    """The executables in Wine's process list (winedbg's ``info proc``)."""
    result = subprocess.run([WINE, 'winedbg', '--command', 'info proc'],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, universal_newlines=True, timeout=GUARD)
    names = re.findall(r"'([^']+)'", result.stdout)
    assert 'winedbg.exe' in names, result.stdout
    return names


def test_stopping_the_server_leaves_no_windows_process(server):
    """A session still running, then Ctrl-C (SIGINT, which Wine hands to the server as
    Ctrl-C): the server exits 0 and Wine lists none of the programs it started."""
    async def scenario():
        async with websockets.connect(ws_base(server), subprotocols=[protocol.BINARY_SUBPROTOCOL],
                                      **ws_auth(server.token)) as ws:
            await ws.recv()
            await ws.send(json.dumps({'text': 'set /a 5000+1234\r'}))
            await binary_until(ws, '6234')
    run(scenario())  # closing a binary-framing client detaches: the session runs on
    running = wine_processes()
    assert 'cmd.exe' in running and 'winpty-agent.exe' in running, running
    server.signal(signal.SIGINT)
    assert server.wait() == 0, server.stderr
    left = [name for name in wine_processes() if name in SESSION_PROGRAMS]
    assert left == [], left
