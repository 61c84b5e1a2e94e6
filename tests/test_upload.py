"""File transfer over real listeners: PUT uploads into the upload folder and into a
shell's current directory, downloads, and xwterm-get's escape sequence."""

import asyncio
import base64
import hashlib
import json
import os
import re
import time
import urllib.parse

import aiohttp
import pytest

import serverutil
from serverutil import GUARD, http_base, run, serving
from xwterm.upload import TEMP_PREFIX

#: Login headers once the servers require them (issue 9); none before.
HEADERS = getattr(serverutil, 'AUTH_HEADERS', {})


def client():
    return aiohttp.ClientSession(headers=HEADERS)


async def put(http, url, data, status=200):
    async with http.put(url, data=data) as response:
        assert response.status == status, await response.text()
        return await response.json()


async def raw_request(port, head, body=b''):
    """One request over a plain socket (paths exactly as written): (status, JSON body)."""
    reader, writer = await asyncio.open_connection('127.0.0.1', port)
    try:
        headers = ''.join('%s: %s\r\n' % item for item in HEADERS.items())
        writer.write(head.encode('latin-1') + b'\r\nHost: 127.0.0.1\r\n' +
                     headers.encode('latin-1') + b'Content-Length: %d\r\n'
                     b'Connection: close\r\n\r\n' % len(body) + body)
        answer = await reader.read()
    finally:
        writer.close()
    status = int(answer.split(b' ', 2)[1])
    return status, json.loads(answer.split(b'\r\n\r\n', 1)[1].decode())


def listing(folder):
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


async def wait_for(predicate, what):
    deadline = time.monotonic() + GUARD
    while not predicate():
        assert time.monotonic() < deadline, 'timed out waiting for ' + what
        await asyncio.sleep(0.02)


def test_put_stores_the_body_under_its_name(tmp_path):
    folder = str(tmp_path / 'uploads')
    body = os.urandom(5 * 1024 * 1024 + 7)  # above the 4 MiB POST bound: streamed

    async def scenario():
        async with serving(upload_dir=folder) as server, client() as http:
            answer = await put(http, http_base(server) + 'r%C3%A9sum%C3%A9%20v2.bin', body)
            assert answer == {'name': 'résumé v2.bin', 'bytes': len(body),
                              'path': os.path.join(folder, 'résumé v2.bin')}
    run(scenario())
    assert listing(folder) == ['résumé v2.bin']
    with open(os.path.join(folder, 'résumé v2.bin'), 'rb') as handle:
        assert hashlib.sha256(handle.read()).digest() == hashlib.sha256(body).digest()
    assert os.stat(folder).st_mode & 0o777 == 0o700


def test_put_replaces_an_existing_file_unless_overwrite_0(tmp_path):
    """PUT /NAME replaces NAME, as HTTP's PUT (and the original server) does;
    ``?overwrite=0`` keeps an existing file."""
    folder = str(tmp_path)

    async def scenario():
        async with serving(upload_dir=folder) as server, client() as http:
            base = http_base(server)
            await put(http, base + 'notes.txt', b'first')
            await put(http, base + 'notes.txt', b'second')
            with open(os.path.join(folder, 'notes.txt'), 'rb') as handle:
                assert handle.read() == b'second'
            refused = await put(http, base + 'notes.txt?overwrite=0', b'third', status=409)
            assert 'already exists' in refused['error']
    run(scenario())
    assert listing(folder) == ['notes.txt']
    with open(os.path.join(folder, 'notes.txt'), 'rb') as handle:
        assert handle.read() == b'second'


def test_size_limit_with_and_without_content_length(tmp_path):
    folder = str(tmp_path)

    async def chunked(total):
        for _ in range(total // 1000):
            yield b'x' * 1000

    async def scenario():
        async with serving(upload_dir=folder, max_upload=10000) as server, client() as http:
            base = http_base(server)
            refused = await put(http, base + 'big', b'y' * 10001, status=413)
            assert 'larger than' in refused['error']
            await put(http, base + 'streamed', chunked(20000), status=413)
            assert await put(http, base + 'fits', b'z' * 10000) == {
                'name': 'fits', 'bytes': 10000, 'path': os.path.join(folder, 'fits')}
    run(scenario())
    assert listing(folder) == ['fits']


def test_aborted_upload_leaves_nothing(tmp_path):
    folder = str(tmp_path)

    async def scenario():
        async with serving(upload_dir=folder) as server:
            reader, writer = await asyncio.open_connection('127.0.0.1', server.http_port)
            headers = ''.join('%s: %s\r\n' % item for item in HEADERS.items())
            writer.write(('PUT /partial.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n%s'
                          'Content-Length: 10000000\r\n\r\n' % headers).encode('latin-1'))
            writer.write(b'p' * 300000)
            await writer.drain()
            await wait_for(lambda: any(name.startswith(TEMP_PREFIX) for name in listing(folder)),
                           'the upload to start')
            writer.transport.abort()
            await wait_for(lambda: listing(folder) == [], 'the partial upload to vanish')
    run(scenario())
    assert listing(folder) == []


@pytest.mark.parametrize('path', [
    '/..', '/.', '/.hidden', '/%2e%2e', '/a%2Fb', '/a/b', '/a%5Cb', '/a%01b', '/a%7Fb',
    '/%C2%85x', '/', '/' + 'n' * 256, '/%ff', '/' + TEMP_PREFIX + 'x.part',
])
def test_odd_names_are_refused(tmp_path, path):
    folder = str(tmp_path / 'uploads')

    async def scenario():
        async with serving(upload_dir=folder) as server:
            return await raw_request(server.http_port, 'PUT %s HTTP/1.1' % path, b'data')
    status, answer = run(scenario())
    assert status == 400, answer
    assert 'error' in answer
    assert listing(folder) == []
    assert listing(str(tmp_path)) in ([], ['uploads'])


def test_no_upload_refuses_with_403(tmp_path):
    folder = str(tmp_path / 'uploads')

    async def scenario():
        async with serving(upload_dir=folder, upload=False) as server, client() as http:
            refused = await put(http, http_base(server) + 'file.txt', b'data', status=403)
            assert '--no-upload' in refused['error']
            shell = await Shell.open(http, http_base(server))
            await put(http, shell.url('upload', name='file.txt'), b'data', status=403)
    run(scenario())
    assert not os.path.exists(folder)


class Shell(object):
    """A session of our page's HTTP protocol (``client=``), with its token."""

    def __init__(self, http, base, frame):
        self.http = http
        self.base = base
        self.id = frame['session']
        self.token = frame['token']
        self.readonly_token = frame['readonly_token']
        self.output = ''

    @classmethod
    async def open(cls, http, base):
        async with http.get(base + '?size=24x80&client=T1') as response:
            assert response.status == 200, await response.text()
            return cls(http, base, await response.json())

    def url(self, action, token=None, **params):
        params.update(session=self.id, token=token or self.token)
        return '%s?%s&%s' % (self.base, action, urllib.parse.urlencode(sorted(params.items())))

    async def type(self, text):
        async with self.http.post(self.url('console', client='T1'), data=text.encode()) as r:
            assert r.status == 200, await r.text()

    async def wait_output(self, pattern):
        while not re.search(pattern, self.output):
            async with self.http.get(self.url('console', client='T1', wait='5')) as response:
                assert response.status == 200, await response.text()
                frame = await response.json()
            assert 'exit' not in frame, self.output
            self.output += frame['text']
        return re.search(pattern, self.output)


def test_upload_into_the_shells_current_directory(tmp_path):
    work = tmp_path / 'work'
    (work / 'inner').mkdir(parents=True)

    async def scenario():
        async with serving(upload_dir=str(tmp_path / 'unused')) as server, client() as http:
            shell = await Shell.open(http, http_base(server))
            await shell.type('cd %s && echo CD-$((40+2))\n' % work)
            await shell.wait_output('CD-42')
            answer = await put(http, shell.url('upload', name='dropped.bin'), b'\x00\x01drop')
            assert answer['path'] == os.path.join(str(work), 'dropped.bin')
            await shell.type('ls; echo LS-$((1+1))\n')
            await shell.wait_output(r'dropped\.bin[\s\S]*LS-2')
            # a program in the foreground: its directory counts
            await shell.type('(cd inner && exec sleep 60)\n')
            inner = os.path.join(str(work), 'inner', 'during-sleep.txt')
            deadline = time.monotonic() + GUARD
            while True:
                answer = await put(http, shell.url('upload', name='during-sleep.txt',
                                                   overwrite='1'), b'fg')
                if answer['path'] == inner or time.monotonic() > deadline:
                    break
                os.unlink(answer['path'])
                await asyncio.sleep(0.05)
            assert answer['path'] == inner
            await shell.type('\x03')
            # only the session's full token opens it
            await put(http, shell.url('upload', token=shell.readonly_token, name='ro'), b'',
                      status=403)
            await put(http, shell.url('upload', token='wrong', name='wrong'), b'', status=403)
            await put(http, shell.url('upload', name='../escape'), b'', status=400)
    run(scenario())
    assert sorted(os.listdir(str(work))) == ['dropped.bin', 'inner']
    assert not os.path.exists(str(tmp_path / 'unused'))


def test_download_sends_the_file_as_an_attachment(tmp_path):
    body = os.urandom(300 * 1024)
    with open(str(tmp_path / 'data file.bin'), 'wb') as handle:
        handle.write(body)

    async def scenario():
        async with serving(upload_dir=str(tmp_path)) as server, client() as http:
            shell = await Shell.open(http, http_base(server))
            await shell.type('cd %s && echo CD-$((40+2))\n' % tmp_path)
            await shell.wait_output('CD-42')
            for path in ('data file.bin', str(tmp_path / 'data file.bin')):
                async with http.get(shell.url('download', path=path)) as response:
                    assert response.status == 200
                    assert response.headers['Content-Disposition'].startswith(
                        'attachment; filename="data file.bin"')
                    assert await response.read() == body
            for path, status in (('missing.bin', 404), (str(tmp_path), 400)):
                async with http.get(shell.url('download', path=path)) as response:
                    assert response.status == status
            async with http.get(shell.url('download', token=shell.readonly_token,
                                          path='data file.bin')) as response:
                assert response.status == 403
            server.http.transfers.max_download = 1000
            async with http.get(shell.url('download', path='data file.bin')) as response:
                assert response.status == 413
    run(scenario())


def test_xwterm_get_prints_the_download_request(tmp_path):
    target = tmp_path / 'wanted.txt'
    target.write_bytes(b'wanted')

    async def scenario():
        async with serving(upload_dir=str(tmp_path)) as server, client() as http:
            shell = await Shell.open(http, http_base(server))
            await shell.type('cd %s && xwterm-get wanted.txt nothing-here\n' % tmp_path)
            match = await shell.wait_output('\x1b\\]7799;download;([A-Za-z0-9+/=]+)\x07')
            await shell.wait_output('nothing-here: no such file')
            return match.group(1)
    encoded = run(scenario())
    assert base64.b64decode(encoded).decode() == str(target)


def test_stalled_uploader_gets_408_and_leaves_nothing(tmp_path):
    folder = str(tmp_path)

    async def scenario():
        async with serving(upload_dir=folder) as server:
            server.http.transfers.chunk_timeout = 0.5
            reader, writer = await asyncio.open_connection('127.0.0.1', server.http_port)
            headers = ''.join('%s: %s\r\n' % item for item in HEADERS.items())
            writer.write(('PUT /slow.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n%s'
                          'Content-Length: 1000\r\n\r\n' % headers).encode('latin-1') + b's' * 10)
            head = await reader.readuntil(b'\r\n\r\n')
            length = int(re.search(br'Content-Length: (\d+)', head).group(1))
            answer = head + await reader.readexactly(length)
            writer.close()
            return answer
    answer = run(scenario())
    assert answer.startswith(b'HTTP/1.1 408 '), answer[:200]
    assert b'no upload data for 0.5 s' in answer
    assert listing(folder) == []


def test_stalled_downloader_is_cut_off(tmp_path):
    size = 64 * 1024 * 1024
    with open(str(tmp_path / 'big.bin'), 'wb') as handle:
        handle.truncate(size)

    async def scenario():
        async with serving(upload_dir=str(tmp_path)) as server, client() as http:
            shell = await Shell.open(http, http_base(server))
            server.http.transfers.chunk_timeout = 0.5
            url = shell.url('download', path=str(tmp_path / 'big.bin'))
            reader, writer = await asyncio.open_connection('127.0.0.1', server.http_port)
            headers = ''.join('%s: %s\r\n' % item for item in HEADERS.items())
            writer.write(('GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n'
                          % (url[url.index('/', 8):], headers)).encode('latin-1'))
            await asyncio.sleep(3)      # read nothing: the server's writes stall
            received = 0
            try:
                while True:
                    chunk = await reader.read(1024 * 1024)
                    if not chunk:
                        break
                    received += len(chunk)
            except ConnectionError:
                pass
            writer.close()
            return received
    assert run(scenario()) < 64 * 1024 * 1024


def test_free_space_floor_default_rule(tmp_path):
    """By default an upload must leave 64 MiB, or a tenth of a smaller file system, free."""
    from xwterm.upload import DEFAULT_MIN_FREE_SPACE, TransferRefused, check_free_space
    status = os.statvfs(str(tmp_path))
    free = status.f_bavail * status.f_frsize
    floor = min(DEFAULT_MIN_FREE_SPACE, status.f_blocks * status.f_frsize // 10)
    margin = 64 * 1024 * 1024      # other programs write meanwhile
    if free < floor + 2 * margin:
        pytest.skip('this file system is nearly full already')
    check_free_space(str(tmp_path), free - floor - margin)
    with pytest.raises(TransferRefused) as refused:
        check_free_space(str(tmp_path), free - floor + margin)
    assert refused.value.status == 507 and 'not enough free space' in str(refused.value)
    check_free_space(str(tmp_path), free - margin, min_free=0)
