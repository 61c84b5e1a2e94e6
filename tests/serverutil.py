"""Helpers for the server tests: in-process listeners, subprocess servers, /proc checks.

Timeouts here are hang guards only; no test asserts on elapsed time.
"""

import asyncio
import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import time
import urllib.parse

import websockets

from xwterm import auth, compat
from xwterm.server import Server, ServerConfig
from xwterm.session import TerminalSize

from procfs import proc_stats

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SH = ['/bin/sh']
GUARD = 60
#: Interpreter for subprocess servers: set XWTERM_TEST_SERVER_PYTHON to run the
#: server under another Python (e.g. 3.6 with websockets 9.1) against these clients.
SERVER_PYTHON = os.environ.get('XWTERM_TEST_SERVER_PYTHON') or sys.executable


#: The login token of the in-process test servers (``serving``).
TEST_TOKEN = 'xwterm-test-token-0123456789'
AUTH_HEADERS = {'Authorization': 'token %s' % TEST_TOKEN}
#: websockets >= 14 calls the handshake's extra request headers additional_headers.
_WS_HEADERS = ('additional_headers' if int(websockets.__version__.split('.')[0]) >= 14
               else 'extra_headers')


def ws_auth(token=None, cookie=None):
    """``websockets.connect`` keyword arguments that log in with the header or the cookie."""
    headers = {}
    if token is not None:
        headers['Authorization'] = 'token %s' % token
    if cookie is not None:
        headers['Cookie'] = '%s=%s' % (auth.COOKIE_NAME, cookie)
    return {_WS_HEADERS: headers}


def ws_connect(url, **kwargs):
    """``websockets.connect`` logged in to a ``serving()`` server with the header."""
    return websockets.connect(url, **dict(ws_auth(TEST_TOKEN), **kwargs))


def ws_refusal_status(error):
    """The HTTP status of a refused WebSocket handshake (any websockets version)."""
    response = getattr(error, 'response', None)
    status = getattr(response, 'status_code', None) or getattr(error, 'status_code', None)
    assert status is not None, 'not a refused handshake: %r' % (error,)
    return status


def run(coro, timeout=GUARD):
    """Run ``coro`` in a fresh event loop, failing instead of hanging."""
    return compat.run(asyncio.wait_for(coro, timeout))


@contextlib.asynccontextmanager
async def serving(docroot=None, **options):
    """An in-process Server on 127.0.0.1, ports chosen by the kernel, whose login token
    is ``TEST_TOKEN`` (``auth=None``: no login)."""
    settings = dict(http_port=0, ws_port=0, command=SH, docroot=docroot or ROOT,
                    initial_size=TerminalSize(80, 24),
                    auth=auth.Authenticator(token=TEST_TOKEN, source='--token'))
    settings.update(options)
    server = Server(ServerConfig(**settings))
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def http_base(server):
    return 'http://127.0.0.1:%d/' % server.http_port


def ws_url(server, path='/'):
    return 'ws://127.0.0.1:%d%s' % (server.ws_port, path)


async def ws_read_until(ws, needle, collected=''):
    """Read ``{"text"}`` frames until ``needle`` appears; return all text."""
    while needle not in collected:
        frame = json.loads(await ws.recv())
        assert set(frame) == {'text'}, frame
        collected += frame['text']
    return collected


async def poll_until(client, base, needle, session=None, predicate=None, collected=''):
    """Long-poll until ``needle`` is in the output; return (text, last frame)."""
    url = base + '?console&wait=5' + ('&session=%s' % session if session else '')
    if needle in collected:
        return collected, None
    while True:
        async with client.get(url) as response:
            assert response.status == 200, await response.text()
            frame = await response.json()
        collected += frame['text']
        if needle in collected or (predicate is not None and predicate(frame)):
            return collected, frame
        if 'exit' in frame:
            raise AssertionError('shell exited before %r: %r' % (needle, collected[-300:]))


async def long_poll_typed(http, base, data, done, client='t1'):
    """A new long-polled session at ``base`` (through the aiohttp session ``http``): ``data``
    posted to it, then polled until ``done(text)`` holds for its output; returns the text."""
    async with http.get(base + '?console&client=%s&size=24x80' % client) as response:
        assert response.status == 200
        first = await response.json()
    query = 'client=%s&session=%s&token=%s' % (client, first['session'], first['token'])
    async with http.post(base + '?' + query, data=data) as response:
        assert response.status == 200
    text = first['text']
    while not done(text):
        async with http.get(base + '?console&wait=5&' + query) as response:
            text += (await response.json())['text']
    return text


def process_state(pid):
    """The /proc state letter of ``pid`` ('Z' for a zombie), None if gone."""
    try:
        with open('/proc/%d/stat' % pid) as handle:
            return handle.read().rsplit(')', 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def wait_gone(pid, guard=GUARD):
    """Wait until ``pid`` has no process entry, not even a zombie."""
    deadline = time.monotonic() + guard
    while process_state(pid) is not None:
        if time.monotonic() > deadline:
            raise AssertionError('process %d still there (state %s)'
                                 % (pid, process_state(pid)))
        time.sleep(0.05)


async def wait_gone_async(pid, guard=GUARD):
    deadline = time.monotonic() + guard
    while process_state(pid) is not None:
        if time.monotonic() > deadline:
            raise AssertionError('process %d still there (state %s)'
                                 % (pid, process_state(pid)))
        await asyncio.sleep(0.05)


def children(pid):
    """Pids whose parent is ``pid``."""
    return [child for child, fields in proc_stats() if int(fields[1]) == pid]


def rss_kib(pid):
    with open('/proc/%d/status' % pid) as handle:
        for line in handle:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    raise AssertionError('no VmRSS for %d' % pid)


def python_env(extra_path=None):
    env = dict(os.environ)
    paths = [ROOT] + ([extra_path] if extra_path else [])
    if env.get('PYTHONPATH'):
        paths.append(env['PYTHONPATH'])
    env['PYTHONPATH'] = os.pathsep.join(paths)
    return env


def cli(args, prelude='', guard=GUARD, **kwargs):
    """Run the CLI in a subprocess to completion: CompletedProcess."""
    code = prelude + 'import sys\nfrom xwterm.cli import main\nsys.exit(main(sys.argv[1:]))\n'
    return subprocess.run([SERVER_PYTHON, '-c', code] + list(args), cwd=ROOT,
                          env=python_env(), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True,
                          timeout=guard, **kwargs)


class ServerProcess(object):
    """``python -m xwterm`` (or a -c wrapper with ``prelude``, or ``command``) in a subprocess.

    ``printed`` maps 'HTTP' / 'WebSocket' to the first URL of each in the banner,
    ``urls`` to the same without a query (the token), ``output`` is the banner.
    Without ``auth`` the server runs with ``--no-auth``; with it, ``token`` is the
    generated token of the banner (None for a configured one).
    """

    def __init__(self, args, prelude=None, expect=('HTTP', 'WebSocket'),
                 command=None, cwd=ROOT, env=None, auth=False):
        if not auth:
            args = ['--no-auth'] + list(args)
        if command is not None:
            argv = list(command)
        elif prelude is None:
            argv = [SERVER_PYTHON, '-m', 'xwterm']
        else:
            argv = [SERVER_PYTHON, '-c', prelude + 'import sys\nfrom xwterm.cli import main\n'
                    'sys.exit(main(sys.argv[1:]))\n']
        self.process = subprocess.Popen(
            argv + list(args), cwd=ROOT, env=python_env() if env is None else env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.pid = self.process.pid
        self.urls = {}
        self.printed = {}
        self.stderr = None
        output = b''
        deadline = time.monotonic() + GUARD
        fd = self.process.stdout.fileno()
        while not all(label in self.urls for label in expect):
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([fd], [], [], max(remaining, 0))
            if not ready:
                self.kill()
                raise AssertionError('server did not print its URLs: %r' % output)
            chunk = os.read(fd, 4096)
            if not chunk:
                self.process.wait(GUARD)
                raise AssertionError('server exited early: %s'
                                     % self.process.stderr.read().decode())
            output += chunk
            for line in output.decode().splitlines():
                label, _, url = line.partition(':')
                if url.strip() and label in ('HTTP', 'WebSocket'):
                    self.printed.setdefault(label, url.strip())
                    self.urls.setdefault(label, url.strip().split('?', 1)[0])
        self.output = output.decode()
        query = urllib.parse.urlsplit(self.printed.get('HTTP', '')).query
        self.token = urllib.parse.parse_qs(query).get('token', [None])[0]

    def port(self, label):
        return urllib.parse.urlsplit(self.urls[label]).port

    def signal(self, signum=signal.SIGTERM):
        self.process.send_signal(signum)

    def wait(self, guard=GUARD):
        code = self.process.wait(guard)
        self.stderr = self.process.stderr.read().decode()
        self.process.stdout.close()
        self.process.stderr.close()
        return code

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(GUARD)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()
        for stream in (self.process.stdout, self.process.stderr):
            if not stream.closed:
                stream.close()
