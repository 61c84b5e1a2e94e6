"""Fixtures for the browser end-to-end tests: the real xwterm server in a subprocess and
Debian's Chromium driven by Playwright (never a Playwright-downloaded browser)."""

import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zlib

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHROMIUM = os.environ.get('XWTERM_CHROMIUM', '/usr/bin/chromium')
CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
                 '--disable-component-update', '--disable-sync', '--no-first-run']
# Generous limits that only stop a hung test; nothing is timed.
HANG_GUARD_MS = 30000
SERVER_START_GUARD_S = 30

playwright_sync = pytest.importorskip('playwright.sync_api')
if not os.path.exists(CHROMIUM):
    pytest.skip('Chromium not found at %s (apt-get install chromium)' % CHROMIUM,
                allow_module_level=True)


def server_command():
    """The server to test: XWTERM_SERVER (a launcher script) or the repository's own."""
    override = os.environ.get('XWTERM_SERVER')
    if override:
        return [sys.executable, override]
    launcher = os.path.join(REPO, 'example', 'miniserver.py')
    if os.path.exists(launcher):
        return [sys.executable, launcher]
    return [sys.executable, '-m', 'xwterm']


def free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


# The shell skips the user's startup files: they can be slow or block (a pyenv rehash waiting
# for a lock held by a concurrent pip), and they are not what these tests are about.
PLAIN_SHELL = ('bash', '--norc', '--noprofile')


class Server(object):
    """One xwterm server process on 127.0.0.1; restartable on the same ports.

    Without ``auth`` it runs with ``--no-auth`` (the tests of the page); with it, the
    server generates its login token (tests/browser/test_login.py reads the banner).
    """

    def __init__(self, extra_args, command=PLAIN_SHELL, auth=False):
        self.extra_args = ([] if auth else ['--no-auth']) + list(extra_args)
        self.command = list(command)
        self.http_port = free_port()
        self.ws_port = free_port()
        self.process = None
        self.log = tempfile.TemporaryFile()

    @property
    def url(self):
        return 'http://127.0.0.1:%d/' % self.http_port

    def start(self):
        env = dict(os.environ, SHELL='/bin/bash')
        args = server_command() + ['--bind', '127.0.0.1', '--http', str(self.http_port),
                                   '--ws', str(self.ws_port)] + self.extra_args + ['--'] + self.command
        self.process = subprocess.Popen(args, cwd=REPO, env=env, stdin=subprocess.DEVNULL,
                                        stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + SERVER_START_GUARD_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError('server exited with %s:\n%s' % (self.process.returncode, self.output()))
            try:
                self.get('?config')
                return self
            except urllib.error.HTTPError:
                return self             # it answers: listening, and wants a login
            except OSError:
                time.sleep(0.1)
        raise RuntimeError('server did not answer /?config:\n%s' % self.output())

    def stop(self):
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def get(self, query):
        with urllib.request.urlopen(self.url + query, timeout=10) as response:
            return json.loads(response.read().decode('utf-8'))

    def output(self):
        self.log.seek(0)
        return self.log.read().decode('utf-8', 'replace')


@pytest.fixture
def start_server():
    servers = []

    def start(*extra_args, **kwargs):
        server = Server(extra_args, **kwargs).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope='module')
def module_server():
    """An HTTP-only server shared by a module's tests that need it only to serve the page."""
    server = Server(['--no-websocket']).start()
    yield server
    server.stop()


# Pages of tests/browser/ (original_page.html, phone_page.html) served beside a copy of web/
# by a real server (--docroot), so they load ./xwterm.js from the server that carries the
# terminal, as a user's page would (a page Playwright fulfils itself may not open a WebSocket
# to the loopback address).
TEST_PAGES = ('original_page.html', 'phone_page.html')


@pytest.fixture(scope='module')
def docroot(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('docroot') / 'web')
    shutil.copytree(os.path.join(REPO, 'web'), root)
    here = os.path.dirname(os.path.abspath(__file__))
    for name in TEST_PAGES:
        if os.path.exists(os.path.join(here, name)):
            shutil.copy(os.path.join(here, name), root)
    return root


@pytest.fixture(scope='module')
def page_server(docroot):
    """An HTTP-only server for the tests that need it only to serve the test pages."""
    server = Server(['--no-websocket', '--docroot', docroot]).start()
    yield server
    server.stop()


@pytest.fixture
def start_page_server(docroot):
    servers = []

    def start(*extra_args, **kwargs):
        server = Server(list(extra_args) + ['--docroot', docroot], **kwargs).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


# Module scope, not session: while Playwright's sync API runs it holds an event loop in this
# thread, and the asyncio tests and other Playwright users elsewhere in the suite must not see it.
@pytest.fixture(scope='module')
def browser():
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class TerminalPage(object):
    """index.html in a browser tab, driven like a person would: keyboard in, screen out."""

    def __init__(self, page):
        self.page = page

    def wait_connected(self, transport=None):
        """Waits until the page is connected and, on long-polling, knows its session (keys
        typed before that are dropped by design: they could reach no session)."""
        self.page.wait_for_function(
            'window.term && window.term.connectionState === "connected"'
            ' && (!window.term.driver.clientId || Boolean(window.term.driver.attachment))')
        if transport:
            assert self.page.evaluate('window.termTransport') == transport

    def wait_state(self, predicate):
        """Waits until `predicate` (JavaScript, state => bool) holds for the connection state."""
        self.page.wait_for_function('window.term && (%s)(window.term.connectionState)' % predicate)

    def run(self, command):
        """Types a command with the keyboard, then Enter."""
        self.page.keyboard.type(command)
        self.page.keyboard.press('Enter')

    def wait_line(self, text):
        """Waits until a screen row holds exactly `text` (trailing blanks ignored): a
        command's output, not the echo of the command line that produced it."""
        self.page.wait_for_function(
            'text => window.term.dumpScreen().text.some(row => row.trimEnd() === text)', arg=text)

    def screen_text(self):
        return self.page.evaluate('window.term.dumpScreen().text.join("\\n")')

    def size(self):
        return tuple(self.page.evaluate('[window.term.nLines, window.term.nColumns]'))

    def canvas_pixels(self):
        """The terminal as Chromium composited it (a real screenshot), as rows of (r, g, b)."""
        self.page.evaluate('new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))')
        return decode_png(self.page.locator('canvas').screenshot())


#: The page is attached to its session and has replayed its screen: what is typed now
#: reaches the shell.
ATTACHED = ('window.term && window.term.connectionState === "connected" && window.term.driver.attachment'
            ' && !window.term.driver.replaying')

# Resolves once the screen has not changed for `checks` checks `interval` ms apart: the
# program is idle.
WAIT_QUIET = '''([checks, interval]) => new Promise((done) => {
  let last = '', same = 0;
  const timer = setInterval(() => {
    const now = JSON.stringify(window.term.dumpScreen());
    same = now === last ? same + 1 : 0;
    last = now;
    if (same >= checks) { clearInterval(timer); done(now); }
  }, interval);
})'''


def wait_attached(term):
    """Waits until the page is ATTACHED; returns its attachment (session, tokens)."""
    term.page.wait_for_function(ATTACHED)
    return term.page.evaluate('window.term.driver.attachment')


def quiet_screen(term, checks=5, interval_ms=100):
    """The screen (``dumpScreen``) once it has stopped changing."""
    return json.loads(term.page.evaluate(WAIT_QUIET, [checks, interval_ms]))


@pytest.fixture
def open_terminal(browser):
    """Opens index.html; fails the test on any uncaught JavaScript error in the page."""
    contexts = []
    errors = []

    def open_(url, width=900, height=560, before_load=None, scale=1, csp=False):
        # Playwright's wait_for_function evaluates strings, which the page's
        # Content-Security-Policy forbids; test_login.py runs the page with it (csp=True).
        context = browser.new_context(viewport={'width': width, 'height': height},
                                      device_scale_factor=scale, bypass_csp=not csp)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(HANG_GUARD_MS)
        page.on('pageerror', lambda error: errors.append(str(error)))
        if before_load:
            before_load(page)
        page.goto(url)
        return TerminalPage(page)

    yield open_
    for context in contexts:
        context.close()
    assert errors == [], 'JavaScript errors in the page: %s' % errors


def decode_png(data):
    """Pixels of an 8-bit RGB or RGBA PNG (what Chromium screenshots are) as rows of tuples."""
    assert data[:8] == b'\x89PNG\r\n\x1a\n'
    position = 8
    idat = b''
    width = height = channels = None
    while position < len(data):
        length, kind = struct.unpack('>I4s', data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        position += 12 + length
        if kind == b'IHDR':
            width, height, depth, color_type, _, _, interlace = struct.unpack('>IIBBBBB', body)
            assert depth == 8 and interlace == 0 and color_type in (2, 6)
            channels = 3 if color_type == 2 else 4
        elif kind == b'IDAT':
            idat += body
    raw = zlib.decompress(idat)
    stride = width * channels
    rows = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        line = bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            up_left = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                estimate = left + up - up_left
                pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - up_left)
                predictor = left if pa <= pb and pa <= pc else (up if pb <= pc else up_left)
                line[i] = (line[i] + predictor) & 255
        rows.append([tuple(line[x * channels:x * channels + 3]) for x in range(width)])
        previous = line
    return rows
