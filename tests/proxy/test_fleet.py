"""A fleet behind one nginx (docs/deployment.md, example/proxy/nginx-fleet.conf): two
servers, each under its own base path with its own token, behind one real nginx that ends
TLS.  Each board's login stays its own (a cookie per base path), the page, long-polling and
the WebSocket pass for each, and one board's token opens nothing on the other."""

import json
import os
import shutil
import ssl
import subprocess

import aiohttp
import pytest
import websockets
from yarl import URL

from proxyutil import fleet_snippet, start_nginx
from serverutil import GUARD, ROOT, long_poll_typed, run, serving, ws_auth, ws_read_until

from xwterm import auth

TOKENS = {'/board-a/': 'token-of-board-a-0123456789', '/board-b/': 'token-of-board-b-0123456789'}

pytestmark = pytest.mark.skipif(shutil.which('openssl') is None,
                                reason='the openssl command is not installed')


def _certificate(tmp_path):
    certfile, keyfile = str(tmp_path / 'gateway.pem'), str(tmp_path / 'gateway.key')
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
                    '-subj', '/CN=gateway', '-addext', 'subjectAltName=IP:127.0.0.1',
                    '-keyout', keyfile, '-out', certfile],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                   timeout=GUARD)
    return certfile, keyfile


def _board(base_path):
    return serving(base_path=base_path, trust_proxy=True,
                   docroot=os.path.join(ROOT, 'web'),
                   auth=auth.Authenticator(token=TOKENS[base_path], source='XWTERM_TOKEN'))


async def _log_in(client, gateway, base_path, token):
    async with client.get(gateway + base_path + '?token=' + token,
                          allow_redirects=False) as response:
        assert response.status == 303, await response.text()
        assert response.headers['Location'] == base_path
        cookie = response.headers['Set-Cookie']
    assert 'Path=%s;' % base_path in cookie and 'Secure' in cookie and 'HttpOnly' in cookie


async def _status(client, url):
    async with client.get(url, allow_redirects=False) as response:
        return response.status


def test_two_boards_behind_one_nginx_keep_their_logins_apart(tmp_path):
    certfile, keyfile = _certificate(tmp_path)
    tls = ssl.create_default_context(cafile=certfile)

    async def scenario():
        async with _board('/board-a/') as board_a, _board('/board-b/') as board_b:
            proxy = start_nginx(tmp_path, None, lambda port: fleet_snippet(
                port, [board_a.http_port, board_b.http_port], certfile, keyfile))
            gateway = 'https://127.0.0.1:%d' % proxy.port
            try:
                jar = aiohttp.CookieJar(unsafe=True)     # the gateway is an IP address here
                connector = aiohttp.TCPConnector(ssl=tls)
                async with aiohttp.ClientSession(cookie_jar=jar, connector=connector) as client:
                    assert await _status(client, gateway + '/board-a/') == 401
                    await _log_in(client, gateway, '/board-a/', TOKENS['/board-a/'])
                    assert await _status(client, gateway + '/board-a/') == 200
                    # board A's login is no login on board B, nor is its token
                    assert await _status(client, gateway + '/board-b/') == 401
                    assert await _status(client, gateway + '/board-b/?token='
                                         + TOKENS['/board-a/']) == 403
                    await _log_in(client, gateway, '/board-b/', TOKENS['/board-b/'])
                    assert await _status(client, gateway + '/board-b/') == 200
                    assert await _status(client, gateway + '/board-a/') == 200   # still in
                    # the base path without its slash leads to the board
                    async with client.get(gateway + '/board-a', allow_redirects=False) as r:
                        assert r.status == 301
                        assert r.headers['Location'].endswith('/board-a/')
                    for base_path, board in (('/board-a/', board_a), ('/board-b/', board_b)):
                        marker = '%s6' % base_path
                        await long_poll_typed(client, gateway + base_path,
                                              ('echo %s$((2*3))\n' % base_path).encode(),
                                              lambda text: marker in text, client='fleet')
                        cookie = jar.filter_cookies(URL(gateway + base_path))[auth.COOKIE_NAME]
                        url = 'wss://127.0.0.1:%d%sws' % (proxy.port, base_path)
                        async with websockets.connect(url, ssl=tls,
                                                      **ws_auth(cookie=cookie.value)) as ws:
                            await ws.send(json.dumps({'text': 'echo %s$((6*7))\n' % base_path}))
                            await ws_read_until(ws, '%s42' % base_path)
                        assert len(board.sessions.registry) >= 1
            finally:
                proxy.stop()
    run(scenario())
