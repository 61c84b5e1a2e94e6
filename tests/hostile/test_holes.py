"""The holes of issue 18 (and HTTP Basic of issue 22), one attack each, against real server
processes on loopback.  Each attack succeeded on the server before the fix; the figures are
the issue's.  Bounds are hang or count guards, never timings.
"""

import asyncio
import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import aiohttp
import pytest
import websockets

from proxyutil import start_nginx
from serverutil import (GUARD, ROOT, SERVER_PYTHON, ServerProcess, children, process_state,
                        python_env, run, ws_refusal_status)

from xwterm import auth

TOKEN = 'hostile-test-token-0123456789'
PORTS = ['--bind', '127.0.0.1', '--http', '0', '--ws', '0', '--log-level', 'WARNING']
LOGIN = ['--token', TOKEN]
SHELL = ['--', '/bin/sh']
HEADER = {'Authorization': 'token %s' % TOKEN}
WRONG = {'Authorization': 'token wrong-token-0123456789'}
_WS_HEADERS = ('additional_headers' if int(websockets.__version__.split('.')[0]) >= 14
               else 'extra_headers')


def serve(*args, **kwargs):
    return ServerProcess(PORTS + list(args), auth=True, **kwargs)


async def statuses(requests, source=None):
    """Send ``(method, url, headers, body)`` requests at once (from the local address
    ``source``, if given): their statuses, in order."""
    connector = aiohttp.TCPConnector(local_addr=(source, 0)) if source else None
    async with aiohttp.ClientSession(connector=connector) as http:
        async def one(method, url, headers, body):
            async with http.request(method, url, headers=headers, data=body,
                                    allow_redirects=False) as response:
                await response.read()
                return response.status
        return await asyncio.gather(*[one(*request) for request in requests])


async def raw_request(port, head, read=65536):
    """Send ``head`` (bytes) on a new connection; the first ``read`` bytes answered."""
    reader, writer = await asyncio.open_connection('127.0.0.1', port)
    try:
        writer.write(head)
        return await asyncio.wait_for(reader.read(read), GUARD)
    finally:
        writer.close()


def ws_headers(headers):
    return {_WS_HEADERS: headers}


async def login_cookie(base):
    """The cookie a browser gets for ``?token=``."""
    async with aiohttp.ClientSession() as http:
        async with http.get(base + '?token=' + TOKEN, allow_redirects=False) as response:
            assert response.status == 303
            return response.cookies[auth.COOKIE_NAME].value


# -- 2: --trust-proxy believes only what the proxy appended ----------------------------


def test_spoofed_forwarded_for_cannot_dodge_or_frame_the_failure_limit(tmp_path):
    """Through real nginx ($proxy_add_x_forwarded_for appends the real address to what the
    client sent): rotating spoofed first entries (and a client's own ``Forwarded``) still
    hit 429 after 10 failures, and failures sent in the name of 127.0.0.2 lock out the
    sender, not a real client at 127.0.0.2."""
    with serve('--base-path', '/term/', '--trust-proxy', '--no-websocket', *LOGIN + SHELL,
               expect=('HTTP',)) as server:
        proxy = start_nginx(tmp_path, server.port('HTTP'))
        try:
            base = 'http://127.0.0.1:%d/term/?config' % proxy.port
            spoofed = [('GET', base, dict(WRONG, **{
                'X-Forwarded-For': '198.51.100.%d' % number,
                'Forwarded': 'for=203.0.113.%d' % number}), None) for number in range(15)]
            answers = []
            for request in spoofed:
                answers.extend(run(statuses([request])))
            assert answers[:10] == [403] * 10
            assert answers[10:] == [429] * 5
            victim = run(statuses([('GET', base, HEADER, None)], source='127.0.0.2'))
            assert victim == [200]
        finally:
            proxy.stop()


def test_failures_in_another_clients_name_lock_out_only_the_sender(tmp_path):
    with serve('--base-path', '/term/', '--trust-proxy', '--no-websocket', *LOGIN + SHELL,
               expect=('HTTP',)) as server:
        proxy = start_nginx(tmp_path, server.port('HTTP'))
        try:
            base = 'http://127.0.0.1:%d/term/?config' % proxy.port
            framing = dict(WRONG, **{'X-Forwarded-For': '127.0.0.2'})
            for _ in range(auth.MAX_FAILURES):
                assert run(statuses([('GET', base, framing, None)])) == [403]
            victim = run(statuses([('GET', base, HEADER, None)], source='127.0.0.2'))
            sender = run(statuses([('GET', base, HEADER, None)]))
        finally:
            proxy.stop()
    assert victim == [200]
    assert sender == [429]


# -- 3: concurrent password guesses do not outrun the limit -----------------------------


def test_concurrent_wrong_passwords_get_at_most_ten_tries(tmp_path):
    password_file = tmp_path / 'password'
    password_file.write_text(auth.hash_password('right password', iterations=200000) + '\n')
    with serve('--password-file', str(password_file), '--no-websocket', *SHELL,
               expect=('HTTP',)) as server:
        url = server.urls['HTTP'] + '?config'
        assert run(statuses([('GET', url, basic('', 'right password'), None)])) == [200]
        guesses = [('GET', url, {'Authorization': 'token guess-%d' % number}, None)
                   for number in range(60)]
        answers = run(statuses(guesses))
        assert answers.count(403) <= auth.MAX_FAILURES, answers
        assert answers.count(429) >= 60 - auth.MAX_FAILURES, answers
        assert set(answers) <= {403, 429}


# -- 4: a request head larger than 4 KiB in one read -----------------------------------


def test_a_big_request_head_in_one_read_is_not_cut_at_the_head_deadline():
    """A 5 KB cookie (browsers send every cookie of localhost from every port): the
    keep-alive connection and a same-origin /ws outlive the 10 s first-head deadline."""
    cookie = 'other_app=%s' % ('c' * 5000)
    with serve(*LOGIN + SHELL) as server:
        port = server.port('HTTP')

        async def keep_alive():
            reader, writer = await asyncio.open_connection('127.0.0.1', port)
            head = ('GET /?config HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: token %s'
                    '\r\nCookie: %s\r\n\r\n' % (port, TOKEN, cookie)).encode('ascii')
            answers = []
            try:
                for number in range(2):
                    if number:
                        await asyncio.sleep(12)     # past the 10 s deadline of the first head
                    writer.write(head)          # one write, one read on the server side
                    status = await asyncio.wait_for(reader.readline(), GUARD)
                    answers.append(status)
                    length = 0
                    while True:
                        line = await asyncio.wait_for(reader.readline(), GUARD)
                        if line.lower().startswith(b'content-length:'):
                            length = int(line.split(b':')[1])
                        if line in (b'\r\n', b''):
                            break
                    await reader.readexactly(length)
            finally:
                writer.close()
            return answers

        async def same_origin_websocket():
            url = 'ws://127.0.0.1:%d/ws' % port
            headers = {'Authorization': 'token %s' % TOKEN, 'Cookie': cookie}
            async with websockets.connect(url, **ws_headers(headers)) as ws:
                await ws.recv()
                await asyncio.sleep(12)
                await ws.send(json.dumps({'text': 'echo BIG$((40+2))\n'}))
                text = ''
                while 'BIG42' not in text:
                    text += json.loads(await asyncio.wait_for(ws.recv(), GUARD))['text']
                return True

        async def both():
            return await asyncio.gather(keep_alive(), same_origin_websocket())
        answers, websocket_lived = run(both())
        assert [line.split()[1] for line in answers] == [b'200', b'200']
        assert websocket_lived


# -- 5: the given-up workaround port -----------------------------------------------------


def test_the_workaround_port_closes_when_the_child_is_given_up():
    with serve('--aiohttp-workaround', *LOGIN + SHELL) as server:
        ws_port = server.port('WebSocket')

        killed = set()

        def child():
            """The running child, not one killed already (a zombie until reaped)."""
            for _ in range(GUARD * 10):
                kids = [pid for pid in children(server.pid)
                        if pid not in killed and process_state(pid) not in (None, 'Z')]
                if kids:
                    return kids[0]
                time.sleep(0.1)
            raise AssertionError('no workaround child')

        async def scenario():
            loop = asyncio.get_event_loop()
            async with aiohttp.ClientSession(headers=HEADER) as http:
                config_url = server.urls['HTTP'] + '?config'
                for _ in range(20):
                    async with http.get(config_url) as response:
                        config = await response.json()
                    if config['websocket'] is None:
                        break
                    pid = await loop.run_in_executor(None, child)
                    killed.add(pid)
                    os.kill(pid, signal.SIGKILL)
                    await asyncio.sleep(0.3)
                assert config['websocket'] is None
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection('127.0.0.1', ws_port), GUARD)
            except ConnectionRefusedError:
                return 'refused'
            writer.close()
            return 'accepted'
        assert run(scenario()) == 'refused'


# -- 7: pages of other origins on the same host ----------------------------------------


@pytest.mark.parametrize('workaround', [[], ['--aiohttp-workaround']])
def test_another_web_app_on_the_same_host_gets_no_shell(tmp_path, workaround):
    """A page on http://127.0.0.1:OTHER with the victim's cookie: refused on the WebSocket
    port (also in the workaround child), on /ws, for POST and PUT; the page's own origin
    and an --allow-origin pass."""
    with serve('--allow-origin', 'http://127.0.0.1:9', '--upload-dir', str(tmp_path),
               *workaround + LOGIN + SHELL) as server:
        http_port, ws_port = server.port('HTTP'), server.port('WebSocket')
        base = server.urls['HTTP']

        async def websocket_status(url, origin, cookie):
            headers = {'Origin': origin, 'Cookie': '%s=%s' % (auth.COOKIE_NAME, cookie)}
            try:
                async with websockets.connect(url, **ws_headers(headers)) as ws:
                    await ws.recv()
                    return 101
            except websockets.exceptions.InvalidHandshake as error:
                return ws_refusal_status(error)

        async def scenario():
            cookie = await login_cookie(base)
            results = {}
            for origin in ('http://127.0.0.1:8888', 'http://127.0.0.1:%d' % ws_port,
                           'http://127.0.0.1:%d' % http_port, 'http://127.0.0.1:9',
                           'https://127.0.0.1:%d' % http_port):
                jar = {'Origin': origin, 'Cookie': '%s=%s' % (auth.COOKIE_NAME, cookie)}
                results[origin] = (
                    await websocket_status('ws://127.0.0.1:%d/' % ws_port, origin, cookie),
                    await websocket_status('ws://127.0.0.1:%d/ws' % http_port, origin, cookie),
                    (await statuses([
                        ('POST', base + '?session=ORIGIN1', jar, b'true\n'),
                        ('PUT', base + 'origin-test.txt?overwrite=0', jar, b'x')])))
            return results
        results = run(scenario())
        for origin in ('http://127.0.0.1:8888', 'http://127.0.0.1:%d' % ws_port):
            assert results[origin] == (403, 403, [403, 403]), (origin, results[origin])
        for origin in ('http://127.0.0.1:%d' % http_port, 'http://127.0.0.1:9',
                       'https://127.0.0.1:%d' % http_port):
            websocket_port, same_port, (post, put) = results[origin]
            assert (websocket_port, same_port) == (101, 101), (origin, results[origin])
            assert post != 403 and put != 403, (origin, results[origin])


# -- 8: a repeated Host or Origin ------------------------------------------------------


def test_a_repeated_host_or_origin_is_a_plain_400():
    with serve(*LOGIN + SHELL) as server:
        http_port, ws_port = server.port('HTTP'), server.port('WebSocket')

        async def scenario():
            answers = []
            for port, path in ((ws_port, '/'), (http_port, '/ws'), (http_port, '/?config')):
                for repeated in ('Host: 127.0.0.1:%d\r\nHost: evil.example' % port,
                                 'Host: 127.0.0.1:%d\r\nOrigin: http://127.0.0.1:%d\r\n'
                                 'Origin: http://evil.example' % (port, http_port)):
                    head = ('GET %s HTTP/1.1\r\n%s\r\nUpgrade: websocket\r\n'
                            'Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n'
                            'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'
                            'Authorization: token %s\r\n\r\n' % (path, repeated, TOKEN))
                    answer = await raw_request(port, head.encode('ascii'))
                    answers.append(answer.split(b'\r\n', 1)[0])
            return answers
        answers = run(scenario())
        server.signal(signal.SIGTERM)
        assert server.wait() == 0
    assert all(line.split()[1] == b'400' for line in answers), answers
    assert 'Traceback' not in server.stderr
    assert 'MultipleValuesError' not in server.stderr
    # one warning line each (aiohttp >= 3.9 refuses a repeated Host itself, in its words)
    warnings = [line for line in server.stderr.splitlines() if 'WARNING' in line]
    assert len(warnings) == len(answers), server.stderr
    assert len(server.stderr.splitlines()) == len(answers), server.stderr


# -- 9: the login redirect stays on this site ------------------------------------------


def test_login_redirect_stays_on_this_site():
    with serve('--no-websocket', *LOGIN + SHELL, expect=('HTTP',)) as server:
        port = server.port('HTTP')

        async def scenario():
            locations = []
            for path in ('//evil.example/', '/\\evil.example/', '/%5Cevil.example/'):
                head = ('GET %s?token=%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close'
                        '\r\n\r\n' % (path, TOKEN, port))
                answer = (await raw_request(port, head.encode('ascii'))).decode('latin-1')
                assert answer.startswith('HTTP/1.1 303'), answer
                location = [line.split(':', 1)[1].strip() for line in answer.split('\r\n')
                            if line.lower().startswith('location:')][0]
                locations.append(location)
            return locations
        for location in run(scenario()):
            assert location.startswith('/') and not location.startswith('//'), location
            assert '\\' not in location


# -- 10: connection limits per /64 -------------------------------------------------------

_NAMESPACE_SCRIPT = r'''
import socket, subprocess, sys, time
for address in ('2001:db8::1', '2001:db8::10', '2001:db8::11', '2001:db8:1::20'):
    subprocess.check_call(['ip', '-6', 'addr', 'add', address + '/48', 'dev', 'lo',
                           'nodad'])
subprocess.check_call(['ip', 'link', 'set', 'lo', 'up'])
server = subprocess.Popen([sys.executable, '-m', 'xwterm', '--no-auth', '--bind',
                           '2001:db8::1', '--http', '18000', '--no-websocket',
                           '--max-connections-per-address', '4', '--', '/bin/sh'],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(300):
        try:
            socket.create_connection(('2001:db8::1', 18000), 1).close()
            break
        except OSError:
            time.sleep(0.1)
    time.sleep(0.5)

    def connect(source):
        sock = socket.socket(socket.AF_INET6)
        sock.bind((source, 0))
        sock.settimeout(5)
        sock.connect(('2001:db8::1', 18000))
        sock.sendall(b'GET /?config HTTP/1.1\r\nHost: x\r\n\r\n')
        try:
            answered = sock.recv(12).startswith(b'HTTP/1.1')
        except OSError:
            answered = False
        return sock, answered
    held = [connect('2001:db8::10') for _ in range(4)]
    same_64 = connect('2001:db8::11')
    other_64 = connect('2001:db8:1::20')
    print('held=%d same64=%s other64=%s' % (sum(ok for _, ok in held), same_64[1],
                                           other_64[1]))
finally:
    server.terminate()
    server.wait(30)
'''


def test_ipv6_clients_of_one_64_share_the_per_address_limit(tmp_path):
    """In a network namespace of our own (unshare -rn) with several IPv6 addresses: 4
    connections from one address of a /64 fill its limit for the whole /64."""
    if shutil.which('unshare') is None or shutil.which('ip') is None:
        pytest.skip('unshare or ip missing')
    probe = subprocess.run(['unshare', '-rn', 'true'], stderr=subprocess.PIPE)
    if probe.returncode != 0:
        pytest.skip('no user network namespaces here: %s' % probe.stderr.decode())
    script = tmp_path / 'namespace.py'
    script.write_text(_NAMESPACE_SCRIPT)
    result = subprocess.run(['unshare', '-rn', SERVER_PYTHON, str(script)], cwd=ROOT,
                            env=python_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, timeout=GUARD * 2)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().split() == ['held=4', 'same64=False', 'other64=True']


# -- 11: the total of uploads -------------------------------------------------------------


def test_concurrent_uploads_cannot_exceed_the_total(tmp_path):
    """40 concurrent 1 MiB uploads at --max-upload 1M --max-upload-total 4M: 4 at a time."""
    folder = str(tmp_path / 'uploads')
    with serve('--no-websocket', '--upload-dir', folder, '--max-upload', '1M',
               '--max-upload-total', '4M', *LOGIN + SHELL, expect=('HTTP',)) as server:
        port = server.port('HTTP')

        async def slow_upload(number, started):
            """The head at once, the body only once every upload has started."""
            reader, writer = await asyncio.open_connection('127.0.0.1', port)
            try:
                writer.write(('PUT /file-%d HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: '
                              'token %s\r\nContent-Length: %d\r\n\r\n'
                              % (number, port, TOKEN, 1 << 20)).encode('ascii'))
                early = asyncio.ensure_future(reader.readline())
                await started.wait()
                if not early.done():
                    writer.write(b'x' * (1 << 20))
                status = await asyncio.wait_for(early, GUARD)
                return int(status.split()[1])
            finally:
                writer.close()

        async def scenario():
            started = asyncio.Event()
            uploads = [asyncio.ensure_future(slow_upload(number, started))
                       for number in range(40)]
            await asyncio.sleep(4)
            started.set()
            return await asyncio.gather(*uploads)
        answers = run(scenario())
        assert answers.count(200) <= 4, answers
        assert answers.count(507) >= 36, answers
    assert len(os.listdir(folder)) == answers.count(200)


def test_an_upload_must_leave_the_free_space_floor(tmp_path):
    folder = str(tmp_path / 'uploads')
    with serve('--no-websocket', '--upload-dir', folder, '--min-free-space', '1000000G',
               *LOGIN + SHELL, expect=('HTTP',)) as server:
        answer = run(statuses([('PUT', server.urls['HTTP'] + 'small.txt', HEADER, b'x')]))
    assert answer == [507]
    assert os.listdir(folder) == []


# -- 12: a valid cookie passes a locked-out address --------------------------------------


def test_a_valid_cookie_passes_a_locked_out_address():
    with serve('--no-websocket', *LOGIN + SHELL, expect=('HTTP',)) as server:
        base = server.urls['HTTP']

        async def scenario():
            cookie = await login_cookie(base)
            wrong = await statuses([('GET', base + '?config', WRONG, None)] * 12)
            assert sorted(wrong) == [403] * auth.MAX_FAILURES + [429] * 2
            with_cookie = {'Cookie': '%s=%s' % (auth.COOKIE_NAME, cookie)}
            after = await statuses([('GET', base + '?config', with_cookie, None),
                                    ('GET', base + '?config', HEADER, None)])
            return wrong, after
        wrong, after = run(scenario())
    # the cookie proves an earlier login; a token is still a guess while locked out
    assert after == [200, 429]


# -- issue 22: HTTP Basic ----------------------------------------------------------------


def basic(user, password):
    credentials = base64.b64encode(('%s:%s' % (user, password)).encode('utf-8'))
    return {'Authorization': 'Basic %s' % credentials.decode('ascii')}


def test_http_basic_logs_in_with_the_token_and_counts_failures():
    with serve(*LOGIN + SHELL) as server:
        base = server.urls['HTTP']
        curl = shutil.which('curl')
        if curl is not None:
            result = subprocess.run([curl, '-s', '-u', ':' + TOKEN, base + '?config'],
                                    stdout=subprocess.PIPE, timeout=GUARD)
            assert json.loads(result.stdout.decode())['websocket']['port'] == \
                server.port('WebSocket')

        async def scenario():
            good = await statuses([('GET', base + '?config', basic('anyone', TOKEN), None),
                                   ('GET', base + '?config', basic('', TOKEN), None)])
            url = 'ws://127.0.0.1:%d/' % server.port('WebSocket')
            async with websockets.connect(url, **ws_headers(basic('me', TOKEN))) as ws:
                await ws.recv()
            wrong = await statuses([('GET', base + '?config', basic('me', 'wrong'), None)]
                                   * 11)
            return good, wrong
        good, wrong = run(scenario())
    assert good == [200, 200]
    assert sorted(wrong) == [403] * auth.MAX_FAILURES + [429]


if __name__ == '__main__':
    sys.exit(pytest.main([__file__]))
