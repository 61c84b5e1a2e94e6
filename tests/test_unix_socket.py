"""--bind unix:PATH: the HTTP listener (page, long-polling, /ws) on a UNIX socket of mode
0600, through curl --unix-socket, aiohttp, websockets.unix_connect and real nginx and Caddy
configured from example/proxy/*-unix; the login is still required; the socket goes at exit
(SIGTERM too); a live socket or another file is never replaced, a stale socket is."""

import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import tempfile

import aiohttp
import pytest
import websockets

from proxyutil import (SNIPPETS, page_poll_and_websocket_through, snippet, start_caddy,
                       start_nginx)
from serverutil import (AUTH_HEADERS, ROOT, TEST_TOKEN, ServerProcess, cli, long_poll_typed, run,
                        serving, ws_auth, ws_read_until)


def start_nginx_on_socket(tmp_path, path):
    return start_nginx(tmp_path, None, lambda port: snippet('nginx-xwterm-unix.conf', port,
                                                            path))


def start_caddy_on_socket(tmp_path, path):
    return start_caddy(tmp_path, path, 'Caddyfile-unix')


PROXIES = {'nginx': start_nginx_on_socket, 'caddy': start_caddy_on_socket}
CURL = shutil.which('curl')


@pytest.fixture
def socket_dir():
    """A short directory (socket paths are limited to about 100 bytes)."""
    directory = tempfile.mkdtemp(prefix='xw-')
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def curl(path, url, *options):
    """``curl --unix-socket``: (status, body)."""
    result = subprocess.run([CURL, '-s', '-w', '\n%{http_code}', '--unix-socket', path]
                            + list(options) + [url], stdout=subprocess.PIPE,
                            universal_newlines=True, timeout=60)
    body, _, status = result.stdout.rpartition('\n')
    return int(status), body


async def shell_over_unix_websocket(path, base='/'):
    async with websockets.unix_connect(path, 'ws://localhost%sws?size=24x80' % base,
                                       **ws_auth(TEST_TOKEN)) as ws:
        await ws.send(json.dumps({'text': 'echo UNIX$((6*7))\n'}))
        await ws_read_until(ws, 'UNIX42')


async def long_poll_over_unix(path, base='/'):
    connector = aiohttp.UnixConnector(path=path)
    async with aiohttp.ClientSession(connector=connector, headers=AUTH_HEADERS) as http:
        await long_poll_typed(http, 'http://localhost%s' % base, b'echo POLL$((6*7))\n',
                              lambda text: 'POLL42' in text, client='u1')


@pytest.mark.parametrize('channel', ['websocket', 'long-poll'])
def test_both_channels_and_the_login_over_the_socket(socket_dir, channel):
    path = os.path.join(socket_dir, 'x.sock')

    async def scenario():
        async with serving(bind='unix:' + path) as server:
            assert stat.S_ISSOCK(os.lstat(path).st_mode) and mode(path) == 0o600
            assert server.http_port is None and server.ws_port is None
            connector = aiohttp.UnixConnector(path=path)
            async with aiohttp.ClientSession(connector=connector) as anonymous:
                async with anonymous.get('http://localhost/?config') as response:
                    assert response.status == 401
            if channel == 'websocket':
                await shell_over_unix_websocket(path)
            else:
                await long_poll_over_unix(path)
        assert not os.path.exists(path)
    run(scenario())


@pytest.mark.skipif(CURL is None, reason='curl is not installed')
def test_cli_serves_curl_and_removes_the_socket_on_sigterm(socket_dir):
    path = os.path.join(socket_dir, 'x.sock')
    args = ['--bind', 'unix:' + path, '--command', '/bin/sh']
    with ServerProcess(args, expect=('HTTP',), auth=True) as server:
        assert 'curl --unix-socket %s http://localhost/?token=' % path in server.output
        assert 'WebSocket' not in server.urls and 'WARNING' not in server.output
        assert mode(path) == 0o600
        status, _ = curl(path, 'http://localhost/?config')
        assert status == 401
        status, body = curl(path, 'http://localhost/?config', '-H',
                            'Authorization: token %s' % server.token)
        assert status == 200 and json.loads(body)['same_origin_websocket'] == 'ws'
        status, page = curl(path, 'http://localhost/?token=%s' % server.token, '-L',
                            '-c', os.path.join(socket_dir, 'jar'))
        assert status == 200 and '<html' in page.lower()
        server.signal(signal.SIGTERM)
        assert server.wait() == 0
    assert not os.path.exists(path)


def test_mode_and_group_options(socket_dir):
    path = os.path.join(socket_dir, 'g.sock')
    group = os.getgid()
    args = ['--bind', 'unix:' + path, '--unix-socket-mode', '660', '--unix-socket-group',
            str(group), '--command', '/bin/sh']
    with ServerProcess(args, expect=('HTTP',), auth=True) as server:
        assert mode(path) == 0o660 and os.lstat(path).st_gid == group
        server.signal(signal.SIGINT)
        assert server.wait() == 0
    assert not os.path.exists(path)


def test_a_live_socket_or_another_file_is_not_replaced(socket_dir):
    path = os.path.join(socket_dir, 'x.sock')
    args = ['--bind', 'unix:' + path, '--command', '/bin/sh']
    with ServerProcess(args, expect=('HTTP',), auth=True):
        second = cli(args)
        assert second.returncode == 1
        assert 'in use by a running server' in second.stderr
        assert stat.S_ISSOCK(os.lstat(path).st_mode)
    plain = os.path.join(socket_dir, 'plain')
    with open(plain, 'w') as handle:
        handle.write('keep me')
    result = cli(['--bind', 'unix:' + plain, '--command', '/bin/sh'])
    assert result.returncode == 1 and 'not a socket' in result.stderr
    with open(plain) as handle:
        assert handle.read() == 'keep me'


def test_a_stale_socket_is_replaced(socket_dir):
    path = os.path.join(socket_dir, 'stale.sock')
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(path)
    dead.close()                    # the file stays, nobody listens: a killed server's

    async def scenario():
        async with serving(bind='unix:' + path):
            await shell_over_unix_websocket(path)
    run(scenario())
    assert not os.path.exists(path)


@pytest.mark.parametrize('args, message', [
    (['--bind', 'unix:'], 'needs a path'),
    (['--unix-socket-mode', '999'], 'octal mode'),
    (['--unix-socket-group', 'no-such-group-xw'], 'no such group'),
    (['--unix-socket-group', '0'], 'needs --bind unix:PATH'),
    (['--bind', 'unix:/tmp/x.sock', '--no-http'], 'cannot be combined with --no-http'),
])
def test_usage_errors(args, message):
    result = cli(args)
    assert result.returncode == 2 and message in result.stderr


def test_without_aiohttp_nothing_runs(socket_dir):
    path = os.path.join(socket_dir, 'x.sock')
    result = cli(['--bind', 'unix:' + path, '--command', '/bin/sh'],
                 prelude="import sys\nsys.modules['aiohttp'] = None\n")
    assert result.returncode == 2 and 'needs aiohttp' in result.stderr
    assert not os.path.exists(path)


@pytest.mark.parametrize('name', sorted(PROXIES))
def test_behind_a_real_proxy_on_the_socket(name, tmp_path, socket_dir):
    path = os.path.join(socket_dir, 'p.sock')
    start = PROXIES[name]

    async def scenario():
        async with serving(bind='unix:' + path, base_path='/term/', trust_proxy=True,
                           docroot=os.path.join(ROOT, 'web')) as server:
            assert server.http_port is None
            proxy = start(tmp_path, path)
            try:
                base = 'http://127.0.0.1:%d/term/' % proxy.port
                async with aiohttp.ClientSession() as anonymous:
                    async with anonymous.get(base + '?config') as response:
                        assert response.status == 401
                await page_poll_and_websocket_through(proxy)
            finally:
                proxy.stop()
    run(scenario())


def test_docs_show_the_snippets_the_tests_use():
    with open(os.path.join(ROOT, 'docs', 'options.md')) as handle:
        docs = handle.read()
    for name in ('nginx-xwterm-unix.conf', 'Caddyfile-unix'):
        with open(os.path.join(SNIPPETS, name)) as handle:
            assert handle.read().strip() in docs, name
