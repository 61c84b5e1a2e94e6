"""--cwd DIR (shells start there; checked at start) and --once (one session, reattachable;
the server exits 0 when it ends), on every channel."""

import json
import os

import aiohttp
import pytest
import websockets

from serverutil import (AUTH_HEADERS, ROOT, ServerProcess, cli, http_base, long_poll_typed, run,
                        serving, ws_connect, ws_read_until, ws_url)

SH = ['--command', '/bin/sh']


async def pwd_over(channel, server):
    """What ``pwd`` prints in a new session reached over ``channel``."""
    if channel == 'long-poll':
        async with aiohttp.ClientSession(headers=AUTH_HEADERS) as http:
            return await long_poll_typed(http, http_base(server), b'echo "<$(pwd)>"\n',
                                         lambda text: '>\r\n' in text.split('pwd)>')[-1],
                                         client='p1')
    url = ws_url(server) if channel == 'websocket port' else http_base(server).replace(
        'http:', 'ws:') + 'ws'
    async with ws_connect(url) as ws:
        await ws.send(json.dumps({'text': 'echo "<$(pwd)>"; echo DONE$((1+1))\n'}))
        return await ws_read_until(ws, 'DONE2')


@pytest.mark.parametrize('channel', ['websocket port', 'one-port /ws', 'long-poll'])
def test_shells_start_in_cwd(tmp_path, channel):
    start = tmp_path / 'start here'
    start.mkdir()

    async def scenario():
        async with serving(cwd=str(start)) as server:
            return await pwd_over(channel, server)
    assert '<%s>' % start in run(scenario())


def test_cli_cwd_reaches_the_shell(tmp_path):
    with ServerProcess(['--http', '0', '--ws', '0', '--cwd', str(tmp_path)] + SH) as server:
        assert 'Shells:    start in %s' % tmp_path in server.output

        async def scenario():
            async with websockets.connect(server.urls['WebSocket']) as ws:
                await ws.send(json.dumps({'text': 'echo "<$(pwd)>"; echo OK$((2+2))\n'}))
                return await ws_read_until(ws, 'OK4')
        assert '<%s>' % tmp_path in run(scenario())


@pytest.mark.parametrize('kind', ['missing', 'file'])
def test_cwd_that_is_not_a_directory_exits_2_with_one_line(tmp_path, kind):
    path = tmp_path / 'nowhere'
    if kind == 'file':
        path.write_text('a file')
    result = cli(['--http', '0', '--ws', '0', '--cwd', str(path)] + SH)
    assert result.returncode == 2
    assert result.stderr.splitlines() == ['xwterm: --cwd %s: not a directory' % path]


async def poll(http, base, query, needle=None):
    """One long-poll (and more until ``needle`` shows); the last answer and all text."""
    async with http.get(base + '?console&wait=5&' + query) as response:
        assert response.status == 200, await response.text()
        answer = await response.json()
    text = answer['text']
    while needle is not None and needle not in text:
        async with http.get(base + '?console&wait=5&' + query) as response:
            answer = await response.json()
        text += answer['text']
    return answer, text


@pytest.mark.parametrize('ending', ['shell exits', 'killed'])
def test_once_serves_one_reattachable_session_then_exits_0(ending):
    with ServerProcess(['--once', '--http', '0', '--ws', '0'] + SH) as server:
        assert 'Once:' in server.output
        base = server.urls['HTTP']

        async def scenario():
            async with aiohttp.ClientSession() as first_tab:
                first, _ = await poll(first_tab, base, 'client=a&size=24x80')
            session, token = first['session'], first['token']
            attach = 'session=%s&token=%s' % (session, token)
            # a reload (a new page with the session it had) attaches to the same shell
            async with aiohttp.ClientSession() as reloaded:
                async with reloaded.post(base + '?client=b&' + attach,
                                         data=b'echo AGAIN$((3*3))\n') as response:
                    assert response.status == 200
                await poll(reloaded, base, 'client=b&' + attach, 'AGAIN9')
            # ... on the WebSocket port too
            async with websockets.connect(server.urls['WebSocket'] + '?' + attach) as ws:
                await ws.send(json.dumps({'text': 'echo WS$((4*4))\n'}))
                await ws_read_until(ws, 'WS16')
            # a second session is refused, on every channel
            async with aiohttp.ClientSession() as stranger:
                async with stranger.get(base + '?console&client=c&size=24x80') as response:
                    assert response.status == 503
                    assert '--once' in (await response.json())['error']
            async with websockets.connect(server.urls['WebSocket']) as ws:
                with pytest.raises(websockets.ConnectionClosed) as closed:
                    await ws.recv()
            assert '--once' in closed.value.rcvd.reason
            async with aiohttp.ClientSession() as tab:
                if ending == 'killed':
                    async with tab.get(base + '?kill=%s' % session) as response:
                        assert response.status == 200
                else:
                    async with tab.post(base + '?client=d&' + attach,
                                        data=b'exit 3\n') as response:
                        assert response.status == 200
        run(scenario())
        assert server.wait() == 0
        assert '--once: session' in server.stderr


def test_once_with_the_workaround_child_is_a_usage_error():
    result = cli(['--once', '--aiohttp-workaround'] + SH)
    assert result.returncode == 2 and '--once cannot be combined' in result.stderr



FEATURE_OPTIONS = ['--cwd', '--once', '--unix-socket-mode', '--unix-socket-group', '--record',
                   '--record-input', '--record-max-file', '--record-max-total']


def test_help_and_docs_list_the_serving_options():
    shown = cli(['--help']).stdout
    with open(os.path.join(ROOT, 'docs', 'options.md')) as handle:
        documented = handle.read()
    for option in FEATURE_OPTIONS + ['--bind unix:PATH']:
        assert option.split()[0] in shown, option
        assert '`%s' % option in documented, option
