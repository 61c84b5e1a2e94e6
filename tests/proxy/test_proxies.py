"""xwterm on one port behind real nginx and Caddy, under /term/: the page, long-polling
and the WebSocket at /term/ws all pass through the proxy; the forwarded client address
reaches the logs (--trust-proxy)."""

import json
import logging
import os

import pytest
import websockets

from proxyutil import SNIPPETS, page_poll_and_websocket_through, start_caddy, start_nginx
from serverutil import ROOT, TEST_TOKEN, run, serving

PROXIES = {'nginx': start_nginx, 'caddy': start_caddy}


@pytest.mark.parametrize('name', sorted(PROXIES))
def test_page_long_poll_and_websocket_through_the_proxy(name, tmp_path, caplog):
    async def scenario():
        async with serving(base_path='/term/', trust_proxy=True,
                           docroot=os.path.join(ROOT, 'web')) as server:
            proxy = PROXIES[name](tmp_path, server.http_port)
            try:
                await page_poll_and_websocket_through(proxy)
            finally:
                proxy.stop()
    with caplog.at_level(logging.INFO):
        run(scenario())
    # the proxy's own address, not a spoofable header, unless --trust-proxy: here it is
    # on, and the client address in the logs is the forwarded one (loopback all the same)
    assert 'HTTP client 127.0.0.1' in caplog.text


def test_deployment_page_shows_the_snippets_the_tests_use():
    with open(os.path.join(ROOT, 'docs', 'deployment.md')) as handle:
        readme = handle.read()
    for name in ('nginx-xwterm.conf', 'Caddyfile', 'nginx-fleet.conf'):
        with open(os.path.join(SNIPPETS, name)) as handle:
            assert handle.read().strip() in readme, name


@pytest.mark.parametrize('links_need_login', [False, True])
def test_query_login_and_session_keys_through_nginx(tmp_path, links_need_login):
    """Issue 18.6 behind nginx: ``?token=`` logs in at /term/ws, and beside a session's
    ``key=`` it is read as the login, not as a session token; a session link's key alone
    attaches unless --links-need-login."""
    async def scenario():
        async with serving(base_path='/term/', trust_proxy=True, links_need_login=links_need_login,
                           docroot=os.path.join(ROOT, 'web')) as server:
            proxy = start_nginx(tmp_path, server.http_port)
            try:
                url = 'ws://127.0.0.1:%d/term/ws' % proxy.port
                owner = await websockets.connect(url + '?token=' + TEST_TOKEN,
                                                 subprotocols=['xwterm.binary'])
                info = json.loads(await owner.recv())
                link = '%s?session=%s&key=%s' % (url, info['session'], info['token'])
                async with websockets.connect(link + '&token=' + TEST_TOKEN,
                                              subprotocols=['xwterm.binary']) as joined:
                    assert json.loads(await joined.recv())['session'] == info['session']
                if links_need_login:
                    with pytest.raises(Exception):
                        await websockets.connect(link)
                else:
                    async with websockets.connect(link, subprotocols=['xwterm.binary']) as guest:
                        assert json.loads(await guest.recv())['session'] == info['session']
                await owner.close()
            finally:
                proxy.stop()
    run(scenario())
