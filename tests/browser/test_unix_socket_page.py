"""The page in Chromium through real nginx to xwterm on a UNIX socket (--bind unix:PATH,
example/proxy/nginx-xwterm-unix.conf), over the same-origin WebSocket and over
long-polling, with the login required, and a reload that reattaches; with --once too."""

import os
import shutil
import subprocess
import tempfile
import time

import pytest

from conftest import PLAIN_SHELL, REPO, SERVER_START_GUARD_S, server_command
from proxyutil import snippet, start_nginx
from test_lifecycle import reload_keeps_the_screen, wait_attached

TOKEN = 'unix-socket-browser-token-0123'


class SocketServer(object):
    """xwterm on a UNIX socket in a subprocess (the fixtures' servers listen on ports)."""

    def __init__(self, *extra_args):
        self.directory = tempfile.mkdtemp(prefix='xw-')
        self.path = os.path.join(self.directory, 'page.sock')
        self.log = tempfile.TemporaryFile()
        args = server_command() + ['--bind', 'unix:' + self.path, '--token', TOKEN,
                                   '--base-path', '/term/', '--trust-proxy'] + list(extra_args)
        self.process = subprocess.Popen(args + ['--'] + list(PLAIN_SHELL), cwd=REPO,
                                        env=dict(os.environ, SHELL='/bin/bash'),
                                        stdin=subprocess.DEVNULL, stdout=self.log,
                                        stderr=subprocess.STDOUT)
        deadline = time.monotonic() + SERVER_START_GUARD_S
        while not os.path.exists(self.path):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.log.seek(0)
                raise RuntimeError('server did not make its socket:\n%s' % self.log.read())
            time.sleep(0.05)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(15)
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def behind_nginx(tmp_path):
    started = []

    def start(*extra_args):
        server = SocketServer(*extra_args)
        started.append(server)
        proxy = start_nginx(tmp_path, None, lambda port: snippet('nginx-xwterm-unix.conf', port,
                                                                 server.path))
        started.append(proxy)
        return server, 'http://127.0.0.1:%d/term/' % proxy.port

    yield start
    for item in reversed(started):
        item.stop()


@pytest.mark.parametrize('transport', ['websocket', 'http'])
def test_page_through_nginx_to_the_socket_reattaches_on_reload(behind_nginx, open_terminal,
                                                               transport):
    server, base = behind_nginx()
    query = '&transport=http' if transport == 'http' else ''
    term = open_terminal(base + '?token=' + TOKEN + query)
    term.wait_connected(transport)
    session = wait_attached(term)['session']
    term.run('echo via-socket-$((6*7))')
    term.wait_line('via-socket-42')
    reload_keeps_the_screen(term, session)
    term.run('echo after-reload-$((7*7))')
    term.wait_line('after-reload-49')
    assert os.path.exists(server.path)
    # without the login cookie, nginx passes the refusal on
    bare = term.page.context.browser.new_context()
    try:
        response = bare.request.get(base + '?config')
        assert response.status == 401
    finally:
        bare.close()


def test_once_behind_nginx_exits_0_after_reloads(behind_nginx, open_terminal):
    server, base = behind_nginx('--once')
    term = open_terminal(base + '?token=' + TOKEN)
    term.wait_connected('websocket')
    session = wait_attached(term)['session']
    term.run('echo once-$((6*7))')
    term.wait_line('once-42')
    reload_keeps_the_screen(term, session)
    term.run('exit')
    assert server.process.wait(30) == 0
    assert not os.path.exists(server.path)
