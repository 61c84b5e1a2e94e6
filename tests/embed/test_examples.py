"""The embedding examples of docs/embedding.md, run as they are: each serves on a free loopback
port, a real client gets a shell round trip, the shell ends with its client, and the
host's shutdown (SIGTERM) leaves no process behind."""

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys

import pytest
import websockets

from serverutil import ROOT, run, wait_gone, ws_read_until
from test_server import descendants

HEADERS_KEYWORD = ('additional_headers' if int(websockets.__version__.split('.')[0]) >= 14
                   else 'extra_headers')


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class Example(object):
    def __init__(self, name, *args):
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, 'example', name), '--port', str(self.port)]
            + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    async def wait_listening(self):
        for _ in range(300):
            try:
                reader, writer = await asyncio.open_connection('127.0.0.1', self.port)
                writer.close()
                return
            except OSError:
                assert self.process.poll() is None, self.process.stderr.read().decode()
                await asyncio.sleep(0.1)
        raise AssertionError('the example never listened')

    def stop(self):
        tree = descendants(self.process.pid)
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(60)
        for pid in tree:
            wait_gone(pid)
        self.process.stdout.close()
        self.process.stderr.close()
        return code


async def round_trip(url, headers=None):
    kwargs = {HEADERS_KEYWORD: headers} if headers else {}
    async with websockets.connect(url, **kwargs) as ws:
        await ws.send(json.dumps({'text': 'echo EMBED$((3*14))\n'}))
        await ws_read_until(ws, 'EMBED42')


@pytest.mark.parametrize('name,path,headers,needs', [
    ('embed_aiohttp.py', '/term/ws', {'X-User': 'alice'}, 'aiohttp'),
    ('embed_websockets.py', '/', None, 'websockets'),
    ('embed_asgi.py', '/term/ws', {'X-User': 'alice'}, 'uvicorn'),
])
def test_an_embedding_example_serves_shells_and_leaves_nothing(name, path, headers, needs):
    pytest.importorskip(needs)
    if name == 'embed_asgi.py':
        pytest.importorskip('starlette')
    example = Example(name)
    try:
        async def scenario():
            await example.wait_listening()
            url = 'ws://127.0.0.1:%d%s' % (example.port, path)
            await round_trip(url, headers)
            if headers:
                with pytest.raises(Exception):     # the host's authorize hook said no
                    await round_trip(url)
            await round_trip(url, headers)
        run(scenario())
    finally:
        example.stop()


def test_documented_embedding_snippets_are_the_tested_examples():
    with open(os.path.join(ROOT, 'docs', 'embedding.md')) as handle:
        page = handle.read()
    section = page.split('## Embedding in your application', 1)[1].split('\n## ', 1)[0]
    blocks = section.split('```python\n')[1:]
    assert len(blocks) == 3
    examples = ''
    for name in ('embed_aiohttp.py', 'embed_websockets.py', 'embed_asgi.py'):
        with open(os.path.join(ROOT, 'example', name)) as handle:
            examples += handle.read()
    for block in blocks:
        assert block.split('```', 1)[0].strip() in examples
