"""The page behind a real nginx at /term/ (one port), in Chromium: over the same-origin
WebSocket /term/ws, and over long-polling when the server offers no WebSocket."""

import time

import pytest

from proxyutil import start_nginx

TRANSPORTS = {
    'websocket': (),
    'http': ('--no-websocket', '--no-http-websocket'),
}


def wait_for_log(path, text, guard=30):
    """The access log once it holds `text` (or at the guard, for the assertion to show)."""
    deadline = time.monotonic() + guard
    while text not in path.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    return path.read_text()


@pytest.mark.parametrize('transport', sorted(TRANSPORTS))
def test_the_page_works_behind_nginx_under_a_base_path(start_server, open_terminal, transport,
                                                       tmp_path):
    server = start_server('--base-path', '/term/', '--trust-proxy', *TRANSPORTS[transport])
    proxy = start_nginx(tmp_path, server.http_port)
    try:
        term = open_terminal('http://127.0.0.1:%d/term/' % proxy.port)
        term.wait_connected(transport)
        term.run('echo behind-nginx-$((6*7))')
        term.wait_line('behind-nginx-42')
        if transport == 'websocket':
            assert term.page.evaluate('window.termEndpoint') == 'same-origin'
            # nginx logs a WebSocket when it closes
            term.page.close()
            log = wait_for_log(tmp_path / 'access.log', '" 101 ')
            # one port: the WebSocket went through the proxy to the HTTP listener
            assert '"GET /term/ws' in log and '" 101 ' in log, log[-2000:]
        else:
            log = (tmp_path / 'access.log').read_text()
            assert '/term/?console' in log or 'POST /term/' in log, log[-2000:]
    finally:
        proxy.stop()
