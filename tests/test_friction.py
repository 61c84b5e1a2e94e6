"""A new user's first run: messages that say what failed and where, the usage line,
the banner's wording, the favicon, the log line of a killed session."""

import json
import os
import re
import signal
import socket
import subprocess

import aiohttp
import websockets

import serverutil
from serverutil import GUARD, ROOT, SERVER_PYTHON, ServerProcess, cli, run, serving

#: Login headers once the servers require them (issue 9); none before.
HEADERS = getattr(serverutil, 'AUTH_HEADERS', {})


def _busy_socket():
    busy = socket.socket()
    busy.bind(('127.0.0.1', 0))
    busy.listen(1)
    return busy


def test_http_port_in_use_names_listener_and_address():
    with _busy_socket() as busy:
        port = busy.getsockname()[1]
        result = cli(['--http', str(port), '--ws', '0', '--command', '/bin/sh'])
    assert result.returncode == 1
    assert ('xwterm: HTTP listener: cannot listen on 127.0.0.1:%d: address already in use'
            % port) in result.stderr
    assert 'Errno' not in result.stderr


def test_websocket_port_in_use_names_listener_and_address():
    with _busy_socket() as busy:
        port = busy.getsockname()[1]
        result = cli(['--http', '0', '--ws', str(port), '--command', '/bin/sh'])
    assert result.returncode == 1
    assert ('WebSocket listener: cannot listen on 127.0.0.1:%d: address already in use'
            % port) in result.stderr


def test_same_port_for_both_listeners_says_so():
    with _busy_socket() as probe:
        port = probe.getsockname()[1]
    result = cli(['--http', str(port), '--ws', str(port), '--command', '/bin/sh'])
    assert result.returncode == 1
    assert 'HTTP listener: cannot listen on 127.0.0.1:%d: address already in use' % port \
        in result.stderr
    assert 'give --http and --ws different ports' in result.stderr


def test_bad_bind_address_is_named():
    result = cli(['--bind', '256.1.1.1', '--http', '0', '--ws', '0'])
    assert result.returncode == 1
    assert re.search(r'listener: cannot listen on 256\.1\.1\.1:0: not an IP address or a '
                     r'known host name', result.stderr), result.stderr


def test_both_listeners_off_gives_no_install_hint():
    result = cli(['--no-http', '--no-websocket'])
    assert result.returncode == 2
    assert 'both listeners are switched off' in result.stderr
    assert 'pip' not in result.stderr


def test_usage_shows_trailing_command_and_program_name():
    result = subprocess.run([SERVER_PYTHON, os.path.join(ROOT, 'example', 'miniserver.py'),
                             '--help'], stdout=subprocess.PIPE, universal_newlines=True,
                            timeout=GUARD)
    assert result.returncode == 0
    usage = result.stdout.split('\n\n', 1)[0]
    assert usage.startswith('usage: miniserver.py [-h] [--bind ADDRESS]')
    assert usage.rstrip().endswith('[-- COMMAND ...]')
    result = subprocess.run([SERVER_PYTHON, '-m', 'xwterm', '--bogus'], cwd=ROOT,
                            stderr=subprocess.PIPE, universal_newlines=True, timeout=GUARD)
    assert result.returncode == 2
    assert result.stderr.startswith('python3 -m xwterm: error: unrecognized arguments: --bogus')


def test_banner_says_installed_or_vendored():
    result = subprocess.run(
        [SERVER_PYTHON, '-c', 'import xwterm.vendored as v, xwterm.doctor as d\n'
         'v.import_optional("aiohttp"); v.import_optional("websockets")\n'
         'print(d.banner_line())'], cwd=ROOT, stdout=subprocess.PIPE,
        universal_newlines=True, timeout=GUARD)
    line = result.stdout.strip()
    assert re.search(r'aiohttp \S+ \((installed|vendored)\)', line), line
    assert re.search(r'websockets \S+ \((installed|vendored)\)', line), line
    assert '(system)' not in line


def test_favicon_is_served():
    async def scenario():
        async with serving(docroot=os.path.join(ROOT, 'web')) as server, \
                aiohttp.ClientSession(headers=HEADERS) as http:
            url = 'http://127.0.0.1:%d/favicon.ico' % server.http_port
            async with http.get(url) as response:
                assert response.status == 200
                assert response.content_type == 'image/x-icon'
                body = await response.read()
            assert body[:4] == b'\x00\x00\x01\x00'
    run(scenario())


def test_killed_session_is_logged_with_its_signal():
    with ServerProcess(['--no-http', '--ws', '0', '--command', '/bin/sh'],
                       expect=('WebSocket',)) as server:
        async def kill_own_shell():
            async with websockets.connect(server.urls['WebSocket']) as ws:
                await ws.send(json.dumps({'text': 'kill -9 $$\n'}))
                try:
                    while True:
                        await ws.recv()
                except websockets.ConnectionClosed as closed:
                    return closed.rcvd.reason
        assert run(kill_own_shell()) == 'exit -9'
        server.signal(signal.SIGTERM)
        assert server.wait() == 0
    assert 'killed by signal 9 (SIGKILL)' in server.stderr
    assert 'exit status -' not in server.stderr
