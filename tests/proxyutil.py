"""Real reverse proxies (Debian's nginx and Caddy) started by the tests on free loopback
ports, configured from the snippets docs/deployment.md shows (example/proxy/).  The upstream
is a port (the TCP snippets) or, for the ``-unix`` snippets of docs/options.md, the path of
xwterm's UNIX socket."""

import json
import os
import shutil
import socket
import subprocess
import time

import aiohttp
import pytest
import websockets

from serverutil import AUTH_HEADERS, TEST_TOKEN, long_poll_typed, ws_auth, ws_read_until

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SNIPPETS = os.path.join(ROOT, 'example', 'proxy')
NGINX = shutil.which('nginx') or '/usr/sbin/nginx'
CADDY = shutil.which('caddy') or '/usr/bin/caddy'


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def wait_listening(port, process, guard=30):
    deadline = time.monotonic() + guard
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError('proxy exited: %s' % process.stderr.read().decode())
        try:
            socket.create_connection(('127.0.0.1', port), 0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError('proxy never listened on %d' % port)


#: The socket path the ``-unix`` snippets show.
SNIPPET_SOCKET = '/run/xwterm/xwterm.sock'


def snippet(name, proxy_port, upstream):
    """The docs' snippet with this test's ports (it says 8080 and 8000) or socket."""
    with open(os.path.join(SNIPPETS, name)) as handle:
        text = handle.read()
    if isinstance(upstream, str):
        text = text.replace(SNIPPET_SOCKET, upstream)
    else:
        text = text.replace('127.0.0.1:8000', '127.0.0.1:%d' % upstream)
    return text.replace('listen 8080;', 'listen 127.0.0.1:%d;' % proxy_port).replace(
        ':8080 {', 'http://127.0.0.1:%d {' % proxy_port)


class Proxy(object):
    def __init__(self, process, port, directory):
        self.process = process
        self.port = port
        self.directory = directory

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(15)
        for stream in (self.process.stdout, self.process.stderr):
            stream.close()


def fleet_snippet(proxy_port, upstream_ports, certfile, keyfile):
    """The docs/deployment.md fleet snippet with this test's ports and certificate (it says
    443 and boards at 192.0.2.11:8000, 192.0.2.12:8000)."""
    with open(os.path.join(SNIPPETS, 'nginx-fleet.conf')) as handle:
        text = handle.read()
    for number, upstream_port in enumerate(upstream_ports, start=11):
        text = text.replace('192.0.2.%d:8000' % number, '127.0.0.1:%d' % upstream_port)
    return (text.replace('listen 443 ssl;', 'listen 127.0.0.1:%d ssl;' % proxy_port)
            .replace('/etc/nginx/tls/gateway.pem', certfile)
            .replace('/etc/nginx/tls/gateway.key', keyfile))


def start_nginx(tmp_path, upstream_port, make_snippet=None):
    """Debian's nginx with the one-board snippet, or ``make_snippet(port)``'s."""
    if not os.path.exists(NGINX):
        pytest.skip('nginx is not installed')
    port = free_port()
    text = (make_snippet(port) if make_snippet is not None
            else snippet('nginx-xwterm.conf', port, upstream_port))
    for name in ('client', 'proxy', 'fastcgi', 'uwsgi', 'scgi'):
        (tmp_path / name).mkdir()
    conf = tmp_path / 'nginx.conf'
    conf.write_text('''
%(user)s
worker_processes 1;
daemon off;
pid %(dir)s/nginx.pid;
error_log %(dir)s/error.log warn;
events { worker_connections 256; }
http {
    access_log %(dir)s/access.log;
    client_body_temp_path %(dir)s/client;
    proxy_temp_path %(dir)s/proxy;
    fastcgi_temp_path %(dir)s/fastcgi;
    uwsgi_temp_path %(dir)s/uwsgi;
    scgi_temp_path %(dir)s/scgi;
%(snippet)s
}
''' % {'dir': tmp_path, 'snippet': text,
       'user': 'user root;' if os.geteuid() == 0 else ''})
    process = subprocess.Popen([NGINX, '-c', str(conf), '-p', str(tmp_path)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_listening(port, process)
    return Proxy(process, port, tmp_path)


def start_caddy(tmp_path, upstream_port, snippet_name='Caddyfile'):
    if not os.path.exists(CADDY):
        pytest.skip('caddy is not installed')
    port = free_port()
    caddyfile = tmp_path / 'Caddyfile'
    caddyfile.write_text('{\n\tadmin off\n\tauto_https off\n}\n'
                         + snippet(snippet_name, port, upstream_port))
    env = dict(os.environ, HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path),
               XDG_CONFIG_HOME=str(tmp_path))
    process = subprocess.Popen([CADDY, 'run', '--config', str(caddyfile),
                                '--adapter', 'caddyfile'],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    wait_listening(port, process)
    return Proxy(process, port, tmp_path)


async def page_poll_and_websocket_through(proxy):
    """Through ``proxy`` in front of xwterm under /term/ (login ``TEST_TOKEN``): the page
    loads, a long-polled shell runs what is posted, and so does one at /term/ws."""
    base = 'http://127.0.0.1:%d/term/' % proxy.port
    async with aiohttp.ClientSession(headers=AUTH_HEADERS) as http:
        async with http.get(base) as response:
            assert response.status == 200
            assert '<html' in (await response.text()).lower()
        await long_poll_typed(http, base, b'echo PROXY$((6*7))\n', lambda text: 'PROXY42' in text)
    url = 'ws://127.0.0.1:%d/term/ws' % proxy.port
    async with websockets.connect(url, **ws_auth(TEST_TOKEN)) as ws:
        await ws.send(json.dumps({'text': 'echo ONEPORT$((2*3))\n'}))
        await ws_read_until(ws, 'ONEPORT6')
