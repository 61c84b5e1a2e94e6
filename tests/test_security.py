"""Authentication, TLS, read-only access and headers, end to end over real listeners.

In-process servers for most tests (their log is caplog's); subprocess servers for the
banner, the environment, the --aiohttp-workaround child and the usage errors.
Timeouts are hang guards only; nothing asserts on elapsed time.
"""

import json
import logging
import os
import re
import shutil
import ssl
import subprocess
import time
import urllib.parse

import aiohttp
import pytest
import websockets

from serverutil import (GUARD, SERVER_PYTHON, TEST_TOKEN, ServerProcess, children, cli, run,
                        serving, ws_auth, ws_read_until, ws_refusal_status)
from test_tls import make_certificate

from xwterm import auth, csp, protocol, tls

BASH = ['/bin/bash', '--norc', '--noprofile']
HEADER = {'Authorization': 'token %s' % TEST_TOKEN}
PAGE = {'Accept': 'text/html,application/xhtml+xml'}
needs_openssl = pytest.mark.skipif(shutil.which('openssl') is None,
                                   reason='the openssl command is not installed')


def jar_client(**kwargs):
    # the default jar ignores cookies from IP addresses; browsers do not
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), **kwargs)


def base(server, scheme='http'):
    return '%s://127.0.0.1:%d/' % (scheme, server.http_port)


def ws_base(server, scheme='ws'):
    return '%s://127.0.0.1:%d/' % (scheme, server.ws_port)


#: Every HTTP endpoint: (method, query) -- the page, the API and input.
ENDPOINTS = [('GET', ''), ('GET', 'index.html'), ('GET', '?config'),
             ('GET', '?sessions'), ('GET', '?kill=nobody'), ('GET', '?size=24x80&session=A'),
             ('GET', '?console&session=A'), ('POST', '?session=A')]
#: Requests with a session's key (a session link's): without any login they are told that
#: the link no longer works (403, no session is named A or S), never sent to a login.
LINK_REQUESTS = [('GET', '?client=c1&session=S&key=abc'), ('GET', '?client=c1&session=S&token=abc'),
                 ('PUT', '?upload&session=A&key=t'), ('GET', '?download&session=A&key=t&path=x')]


async def status_of(http, method, url, **kwargs):
    async with http.request(method, url, allow_redirects=False, **kwargs) as response:
        await response.read()
        return response.status


def patient():
    """The test token, with a failure limit the many wrong tries of one test stay below."""
    return auth.Authenticator(token=TEST_TOKEN, limiter=auth.FailureLimiter(max_failures=100))


def test_every_http_endpoint_refuses_without_credentials(web_root):
    async def scenario():
        async with serving(docroot=str(web_root), auth=patient()) as server, \
                aiohttp.ClientSession() as http:
            for method, query in ENDPOINTS:
                url = base(server) + query
                assert await status_of(http, method, url, data=b'x') == 401, url
                wrong = {'Authorization': 'token wrong-wrong-wrong-wrong'}
                assert await status_of(http, method, url, data=b'x', headers=wrong) == 403, url
                assert await status_of(http, method, url, data=b'x', headers={
                    'Cookie': '%s=%s' % (auth.COOKIE_NAME, TEST_TOKEN)}) == 401, url
            assert await status_of(http, 'PUT', base(server) + 'upload.txt', data=b'x') == 401
            for method, query in LINK_REQUESTS:
                assert await status_of(http, method, base(server) + query, data=b'x') == 403
            # the page's own files: a link's holder loads them before its key is used
            assert await status_of(http, 'GET', base(server) + 'app.js') == 200
            assert await status_of(http, 'GET', base(server) + '?link') == 200
            assert await status_of(http, 'GET', base(server) + 'index.html?link') == 200
            assert server.registry.sessions() == []            # never a shell
    run(scenario())


def test_every_http_endpoint_accepts_the_header_and_the_cookie(web_root):
    async def scenario():
        async with serving(docroot=str(web_root)) as server:
            cookie = {'Cookie': '%s=%s' % (auth.COOKIE_NAME, server.auth.cookie_value())}
            for headers in (HEADER, {'Authorization': 'Bearer %s' % TEST_TOKEN}, cookie):
                async with aiohttp.ClientSession(headers=headers) as http:
                    for method, query in ENDPOINTS[:-1]:
                        status = await status_of(http, method, base(server) + query,
                                                 data=b'true\n')
                        assert status in (200, 404), (query, status)   # ?kill=nobody: 404
    run(scenario())


def test_bare_visit_gets_the_login_page_never_a_shell(web_root):
    async def scenario():
        async with serving(docroot=str(web_root)) as server, aiohttp.ClientSession() as http:
            async with http.get(base(server) + '?x=1', headers=PAGE) as response:
                assert response.status == 401
                assert response.content_type == 'text/html'
                page = await response.text()
                assert 'name="secret"' in page and 'value="/?x=1"' in page
                assert "script-src 'self'" in response.headers['Content-Security-Policy']
                assert response.headers['Cache-Control'] == 'no-store'
            assert server.registry.sessions() == []
    run(scenario())


def test_token_visit_sets_the_cookie_and_redirects_without_the_token(web_root):
    async def scenario():
        async with serving(docroot=str(web_root)) as server, jar_client() as http:
            url = base(server) + 'index.html?transport=http&token=%s&fontSize=9' % TEST_TOKEN
            async with http.get(url, allow_redirects=False) as response:
                assert response.status == 303
                assert response.headers['Location'] == '/index.html?transport=http&fontSize=9'
                cookie = response.headers['Set-Cookie']
            assert TEST_TOKEN not in cookie
            assert re.match(r'xwterm_auth=[0-9a-f]{64}; Path=/; HttpOnly; SameSite=Strict$',
                            cookie), cookie
            async with http.get(base(server) + 'index.html', headers=PAGE) as response:
                assert response.status == 200
                assert 'xwterm test' in await response.text()
            async with http.get(base(server) + '?size=24x80&session=C') as response:
                assert response.status == 200
            async with http.get(base(server) + '?token=%s' % TEST_TOKEN) as response:
                assert str(response.url) == base(server)       # followed to the bare URL
    run(scenario())


def test_login_form(web_root):
    async def scenario():
        async with serving(docroot=str(web_root)) as server, jar_client() as http:
            login = base(server) + '?login'
            form = {'secret': 'not-the-token-at-all', 'next': '/index.html?a=1'}
            async with http.post(login, data=form, allow_redirects=False) as response:
                assert response.status == 403
                assert 'wrong' in await response.text()
                assert 'Set-Cookie' not in response.headers
            form['secret'] = TEST_TOKEN
            async with http.post(login, data=form, allow_redirects=False) as response:
                assert response.status == 303
                assert response.headers['Location'] == '/index.html?a=1'
            async with http.get(base(server) + '?config') as response:
                assert response.status == 200
            form['next'] = 'https://evil.example/'
            async with http.post(login, data=form, allow_redirects=False) as response:
                assert response.headers['Location'] == '/'
            async with http.post(login, data=form, headers={'Origin': 'http://evil.example'},
                                 allow_redirects=False) as response:
                assert response.status == 403               # the Origin check stays
    run(scenario())


def test_websocket_handshake_needs_credentials():
    async def scenario():
        async with serving() as server:
            for kwargs, status in (({}, 401), (ws_auth('wrong-wrong-wrong-wrong'), 403),
                                   (ws_auth(cookie='bad'), 401)):
                with pytest.raises(Exception) as refused:
                    await websockets.connect(ws_base(server), **kwargs)
                assert ws_refusal_status(refused.value) == status
            with pytest.raises(Exception) as refused:
                await websockets.connect(ws_base(server) + '?token=wrong-wrong-wrong-wrong')
            assert ws_refusal_status(refused.value) == 403
            assert server.registry.sessions() == []
            for url, kwargs in ((ws_base(server), ws_auth(TEST_TOKEN)),
                                (ws_base(server) + '?token=' + TEST_TOKEN, {}),
                                (ws_base(server), ws_auth(cookie=server.auth.cookie_value()))):
                async with websockets.connect(url, **kwargs) as ws:
                    await ws.send('echo W$((3*4))\n')
                    await ws_read_until(ws, 'W12')
    run(scenario())


def test_session_attach_needs_the_login_too_with_links_need_login():
    """(Without the option a session key alone opens it: tests/hostile/test_capabilities.py.)"""
    async def scenario():
        async with serving(command=BASH, links_need_login=True) as server:
            owner = await websockets.connect(ws_base(server), subprotocols=[
                protocol.BINARY_SUBPROTOCOL], **ws_auth(TEST_TOKEN))
            info = json.loads(await owner.recv())
            attach = '?session=%s&token=%s' % (info['session'], info['token'])
            with pytest.raises(Exception) as refused:
                await websockets.connect(ws_base(server) + attach)
            assert ws_refusal_status(refused.value) == 401
            async with aiohttp.ClientSession() as http:
                url = base(server) + attach + '&client=tab1&console'
                assert await status_of(http, 'GET', url) == 401
                assert await status_of(http, 'GET', url, headers=HEADER) == 200
            async with websockets.connect(ws_base(server) + attach, **ws_auth(TEST_TOKEN)):
                pass
            await owner.close()
    run(scenario())


def test_wrong_tokens_are_rate_limited_on_both_listeners(caplog):
    caplog.set_level(logging.INFO)

    async def scenario():
        async with serving() as server, aiohttp.ClientSession() as http:
            wrong = {'Authorization': 'token guess-guess-guess-guess'}
            for _ in range(auth.MAX_FAILURES):
                assert await status_of(http, 'GET', base(server) + '?config',
                                       headers=wrong) == 403
            async with http.get(base(server) + '?config', headers=HEADER) as response:
                assert response.status == 429
                assert 1 <= int(response.headers['Retry-After']) <= auth.FAILURE_WINDOW + 1
            async with http.get(base(server) + '?token=%s' % TEST_TOKEN, headers=PAGE,
                                allow_redirects=False) as response:
                assert response.status == 429
                assert 'too many' in (await response.text()).lower()
            with pytest.raises(Exception) as refused:
                await websockets.connect(ws_base(server), **ws_auth(TEST_TOKEN))
            assert ws_refusal_status(refused.value) == 429
    run(scenario())
    failures = [r.getMessage() for r in caplog.records if 'refused at' in r.getMessage()]
    assert len([m for m in failures if 'wrong token' in m]) == auth.MAX_FAILURES
    assert all('127.0.0.1' in message for message in failures)
    everything = '\n'.join(r.getMessage() for r in caplog.records)
    assert TEST_TOKEN not in everything and 'guess-guess' not in everything


def test_no_auth_restores_open_access(web_root):
    async def scenario():
        async with serving(docroot=str(web_root), auth=None) as server, \
                aiohttp.ClientSession() as http:
            assert server.auth is None
            for method, query in ENDPOINTS[:-1]:
                status = await status_of(http, method, base(server) + query, data=b'true\n')
                assert status in (200, 404), (query, status)
            async with websockets.connect(ws_base(server)) as ws:
                await ws.send('echo N$((5*5))\n')
                await ws_read_until(ws, 'N25')
    run(scenario())


def test_security_headers_on_pages(web_root):
    (web_root / 'inline.html').write_text(
        '<html><script type="module">\nwindow.ok = 1;\n</script></html>')

    async def scenario():
        async with serving(docroot=str(web_root)) as server, \
                aiohttp.ClientSession(headers=HEADER) as http:
            async with http.get(base(server) + 'inline.html') as response:
                policy = response.headers['Content-Security-Policy']
                assert csp.inline_script_hashes(await response.read())[0] in policy
            for path in ('', 'index.html'):
                async with http.get(base(server) + path) as response:
                    assert response.status == 200
                    policy = response.headers['Content-Security-Policy']
                    assert "script-src 'self'" in policy and "frame-ancestors 'self'" in policy
                    assert response.headers['X-Content-Type-Options'] == 'nosniff'
                    assert response.headers['Referrer-Policy'] == 'no-referrer'
            async with http.get(base(server) + 'app.js') as response:
                assert response.headers['X-Content-Type-Options'] == 'nosniff'
    run(scenario())


def test_readonly_refuses_input_on_both_channels_and_admin_actions(caplog):
    caplog.set_level(logging.INFO)

    async def scenario():
        async with serving(command=BASH, readonly=True) as server, \
                aiohttp.ClientSession(headers=HEADER) as http:
            written = []
            async with websockets.connect(ws_base(server), **ws_auth(TEST_TOKEN)) as ws:
                (hub,) = list(server.sessions)
                original = hub.session.write

                async def record(data):
                    written.append(data)
                    await original(data)
                hub.session.write = record
                await ws.send('echo typed\n')
                await ws.send(json.dumps({'size': '10x40'}))
                await ws.send(b'binary input\n')
            url = base(server) + '?size=24x80&session=RO'
            assert await status_of(http, 'GET', url) == 200      # watching works
            assert await status_of(http, 'POST', base(server) + '?session=RO',
                                   data=b'echo typed\n') == 403
            assert await status_of(http, 'GET', base(server) + '?sessions') == 403
            assert await status_of(http, 'GET', base(server) + '?kill=RO') == 403
            assert server.sessions.get('RO') is not None and written == []
            assert all(client.readonly for hub in server.sessions for client in hub.clients)
    run(scenario())
    assert any('read-only' in r.getMessage() and 'refused' in r.getMessage()
               for r in caplog.records)


@needs_openssl
def test_tls_round_trips_on_both_listeners(tmp_path, web_root):
    certfile, keyfile = make_certificate(tmp_path)
    client_tls = ssl.create_default_context(cafile=certfile)

    async def scenario():
        material = tls.TlsMaterial.from_files(certfile, keyfile)
        async with serving(docroot=str(web_root), tls=material) as server, \
                jar_client(connector=aiohttp.TCPConnector(ssl=client_tls)) as http:
            assert [url for _, url in server.urls()] == [
                'https://127.0.0.1:%d/' % server.http_port,
                'wss://127.0.0.1:%d/' % server.ws_port]
            async with http.get(base(server, 'https') + '?token=' + TEST_TOKEN,
                                allow_redirects=False) as response:
                assert response.status == 303
                assert response.headers['Set-Cookie'].endswith('; Secure')
            async with http.get(base(server, 'https') + '?size=24x80&session=T',
                                headers=HEADER) as response:
                assert response.status == 200
            async with websockets.connect(ws_base(server, 'wss'), ssl=client_tls,
                                          **ws_auth(TEST_TOKEN)) as ws:
                await ws.send('echo T$((7*6))\n')
                await ws_read_until(ws, 'T42')
            plain = ws_base(server)
            with pytest.raises(Exception):
                await websockets.connect(plain, open_timeout=5, **ws_auth(TEST_TOKEN))
    run(scenario())


def test_password_mode(tmp_path):
    stored = tmp_path / 'password.hash'
    stored.write_text(auth.hash_password('open sesame', iterations=2000) + '\n')

    async def scenario():
        checker = auth.Authenticator(password_hash=auth.read_password_file(str(stored)))
        async with serving(auth=checker) as server, jar_client() as http:
            async with http.get(base(server), headers=PAGE) as response:
                assert 'current-password' in await response.text()
            async with http.get(base(server) + '?token=open%20sesame', headers=PAGE) as response:
                assert response.status == 401                  # no passwords in URLs
            async with http.post(base(server) + '?login', allow_redirects=False,
                                 data={'secret': 'open sesame', 'next': '/'}) as response:
                assert response.status == 303
            async with http.get(base(server) + '?config') as response:
                assert response.status == 200
            async with websockets.connect(ws_base(server), **ws_auth('open sesame')) as ws:
                await ws.send('echo P$((2*4))\n')
                await ws_read_until(ws, 'P8')
    run(scenario())


# -- the command line and the child process -----------------------------------------

PORTS = ['--bind', '127.0.0.1', '--http', '0', '--ws', '0', '--command', '/bin/sh']


def token_of(server):
    return urllib.parse.parse_qs(urllib.parse.urlsplit(server.printed['HTTP']).query)['token'][0]


def test_banner_url_carries_a_generated_token_that_never_reaches_the_log():
    with ServerProcess(PORTS + ['--log-level', 'DEBUG'], auth=True) as server:
        token = token_of(server)
        assert len(token) >= 43
        assert server.printed['WebSocket'].endswith('/?token=' + token)

        async def scenario():
            async with jar_client() as http:
                async with http.get(server.printed['HTTP']) as response:
                    assert response.status == 200
                for wrong in ('x' * 43, token[:-1]):
                    async with http.get(server.urls['HTTP'] + '?config', headers={
                            'Authorization': 'token ' + wrong}) as response:
                        assert response.status in (200, 403)
            async with websockets.connect(server.printed['WebSocket']) as ws:
                await ws.send('echo B$((9*9))\n')
                await ws_read_until(ws, 'B81')
        run(scenario())
        server.signal()
        assert server.wait() == 0
    assert token not in server.stderr
    assert 'refused at' in server.stderr


def test_token_from_the_environment_is_not_echoed_nor_inherited():
    env = dict(os.environ, XWTERM_TOKEN=TEST_TOKEN)
    with ServerProcess(PORTS, auth=True, env=env) as server:
        assert TEST_TOKEN not in server.output and 'from XWTERM_TOKEN' in server.output
        assert '?token=' not in server.urls['HTTP']

        async def scenario():
            async with websockets.connect(server.urls['WebSocket'], **ws_auth(TEST_TOKEN)) as ws:
                await ws.send('echo "E=${XWTERM_TOKEN:-unset}"\n')
                await ws_read_until(ws, 'E=unset')
        run(scenario())


def read_proc(pid, name):
    """``/proc/PID/NAME`` (b'' once the process is gone)."""
    try:
        with open('/proc/%d/%s' % (pid, name), 'rb') as handle:
            return handle.read()
    except OSError:
        return b''


def test_aiohttp_workaround_child_gets_the_secrets_off_its_command_line():
    env = dict(os.environ, XWTERM_TOKEN=TEST_TOKEN)
    with ServerProcess(PORTS + ['--aiohttp-workaround'], auth=True, env=env) as server:
        # the child is started once the listeners serve, just after the URLs are printed
        deadline = time.monotonic() + GUARD
        spawned = []
        while not spawned:
            assert time.monotonic() < deadline, 'no WebSocket child process'
            time.sleep(0.05)
            spawned = [child for child in children(server.pid)
                       if b'--no-http' in read_proc(child, 'cmdline')]
        for child in spawned:
            assert TEST_TOKEN.encode() not in read_proc(child, 'cmdline')
            assert TEST_TOKEN.encode() not in read_proc(child, 'environ')

        async def scenario():
            async with jar_client() as http:
                async with http.get(server.urls['HTTP'] + '?token=' + TEST_TOKEN,
                                    allow_redirects=False) as response:
                    cookie = response.cookies[auth.COOKIE_NAME].value
            with pytest.raises(Exception) as refused:
                await websockets.connect(server.urls['WebSocket'])
            assert ws_refusal_status(refused.value) == 401
            async with websockets.connect(server.urls['WebSocket'],
                                          **ws_auth(cookie=cookie)) as ws:
                await ws.send('echo C$((8*8))\n')
                await ws_read_until(ws, 'C64')
        run(scenario())


@pytest.mark.parametrize('args, message', [
    (['--no-auth', '--token', 'a' * 20], 'cannot be combined'),
    (['--token', 'a' * 20, '--password-file', 'x'], 'not both'),
    (['--token', 'short'], 'at least 16'),
    (['--password-file', '/nonexistent'], 'cannot read the password file'),
    (['--keyfile', 'k.pem'], 'need --certfile'),
    (['--certfile', '/nonexistent.pem'], 'cannot read certificate'),
])
def test_usage_errors(args, message):
    result = cli(PORTS + args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr


@needs_openssl
def test_encrypted_key_without_its_passphrase_is_a_usage_error(tmp_path):
    certfile, keyfile = make_certificate(tmp_path, passphrase='phrase 22')
    result = cli(PORTS + ['--certfile', certfile, '--keyfile', keyfile], input='phrase 22\n')
    assert result.returncode == 2 and 'keyfile-password-file' in result.stderr
    (tmp_path / 'phrase').write_text('phrase 22\n')
    with ServerProcess(PORTS + ['--certfile', certfile, '--keyfile', keyfile,
                                '--keyfile-password-file', str(tmp_path / 'phrase')],
                       auth=True) as server:
        assert server.urls['HTTP'].startswith('https://127.0.0.1:')
        assert server.urls['WebSocket'].startswith('wss://127.0.0.1:')


def test_self_signed_without_cryptography_says_so():
    result = cli(PORTS + ['--self-signed'], prelude="import sys\nsys.modules['cryptography'] = None\n")
    assert result.returncode == 2
    assert 'cryptography' in result.stderr and 'openssl req -x509' in result.stderr


def test_no_auth_on_a_network_bind_is_loud():
    args = ['--bind', '0.0.0.0', '--http', '0', '--ws', '0', '--command', '/bin/sh']
    with ServerProcess(args + ['--no-auth']) as server:
        assert 'NO AUTHENTICATION' in server.output
        assert '0.0.0.0' not in server.urls['HTTP']


def test_self_signed_serves_https_and_wss():
    if subprocess.run([SERVER_PYTHON, '-c', 'import cryptography']).returncode != 0:
        pytest.skip('the server Python has no cryptography package')
    with ServerProcess(PORTS + ['--self-signed'], auth=True) as server:
        assert server.urls['HTTP'].startswith('https://127.0.0.1:')
        unverified = ssl.create_default_context()
        unverified.check_hostname = False
        unverified.verify_mode = ssl.CERT_NONE

        async def scenario():
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=unverified),
                                             headers={'Authorization': 'token ' + server.token}
                                             ) as http:
                async with http.get(server.urls['HTTP'] + '?config') as response:
                    assert response.status == 200
            async with websockets.connect(server.printed['WebSocket'], ssl=unverified) as ws:
                await ws.send('echo S$((6*6))\n')
                await ws_read_until(ws, 'S36')
        run(scenario())


def test_behind_a_trusted_proxy(caplog):
    """Under a base path, with --trust-proxy: the login form posts to its own path, the
    cookie is Secure when the proxy speaks TLS, failures count against the real client."""
    caplog.set_level(logging.INFO)
    proxied = {'X-Forwarded-For': '198.51.100.9', 'X-Forwarded-Proto': 'https',
               'X-Forwarded-Host': 'term.example'}

    async def scenario():
        async with serving(base_path='/term/', trust_proxy=True) as server, \
                aiohttp.ClientSession(headers=proxied) as http:
            url = base(server) + 'term/'
            async with http.get(url, headers=PAGE) as response:
                assert response.status == 401 and 'action="?login"' in await response.text()
            async with http.post(url + '?login', allow_redirects=False,
                                 data={'secret': TEST_TOKEN, 'next': '/term/'}) as response:
                assert response.status == 303 and response.headers['Location'] == '/term/'
                assert response.headers['Set-Cookie'].endswith('; Secure')
            async with http.get(url + '?config', headers={
                    'Authorization': 'token wrong-wrong-wrong-wrong'}) as response:
                assert response.status == 403
    run(scenario())
    assert any('198.51.100.9 refused' in r.getMessage() for r in caplog.records)
