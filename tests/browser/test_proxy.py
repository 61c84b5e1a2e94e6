"""The page behind a real nginx at /term/ (one port), in Chromium: over the same-origin
WebSocket /term/ws, and over long-polling when the server offers no WebSocket."""

import pytest

from proxyutil import start_nginx

TRANSPORTS = {
    'websocket': (),
    'http': ('--no-websocket', '--no-http-websocket'),
}


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
        log = (tmp_path / 'access.log').read_text()
        if transport == 'websocket':
            # one port: the WebSocket went through the proxy to the HTTP listener
            assert '"GET /term/ws' in log and '" 101 ' in log, log[-2000:]
        else:
            assert '/term/?console' in log or 'POST /term/' in log, log[-2000:]
    finally:
        proxy.stop()
