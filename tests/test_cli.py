"""The command line, run as a user would: subprocesses, real listeners on port 0."""

import json
import os
import signal
import socket
import subprocess
import urllib.parse
import urllib.request

import pytest
import websockets

from serverutil import ROOT, SERVER_PYTHON, ServerProcess, cli, run

POISON_AIOHTTP = "import sys\nsys.modules['aiohttp'] = None\n"
POISON_WEBSOCKETS = "import sys\nsys.modules['websockets'] = None\n"
PORTS = ['--http', '0', '--ws', '0', '--command', '/bin/sh']

OPTIONS = ['--bind', '--http', '--ws', '--no-http', '--no-websocket', '--aiohttp-workaround',
           '--use-conpty', '--use-conhost', '--initial-size', '--command', '--docroot',
           '--idle-timeout', '--log-level', '--quiet', '--version', '--check',
           '--allow-origin', '--proxy-hops', '--trust-forwarded', '--max-upload-total',
           '--min-free-space', '--csp']


def test_help_lists_every_option():
    result = cli(['--help'])
    assert result.returncode == 0
    for option in OPTIONS:
        assert option in result.stdout
    assert '--conhost-helper' not in result.stdout     # hidden
    assert '--page-port' not in result.stdout           # the workaround child's


def test_version():
    result = cli(['--version'])
    assert result.returncode == 0
    assert result.stdout.startswith('xwterm ')


@pytest.mark.parametrize('args, message', [
    (['--bogus'], 'unrecognized arguments'),
    (['--http', 'eighty'], 'not a port'),
    (['--ws', '70000'], 'port must be'),
    (['--initial-size', '120'], 'COLUMNSxLINES'),
    (['--idle-timeout', '-1'], 'negative'),
    (['--log-level', 'LOUD'], 'invalid choice'),
    (['--use-conpty'], 'only available on Windows'),
    (['--use-conhost'], 'only available on Windows'),
    (['--conhost-helper', 'pipe'], 'only available on Windows'),
    (['--use-conpty', '--use-conhost'], 'not allowed with'),
    (['--command', 'sh', '--', 'bash'], 'not both'),
    (['--proxy-hops', '2'], 'need --trust-proxy'),
    (['--trust-forwarded'], 'need --trust-proxy'),
    (['--allow-origin', 'evil.example'], 'is not an origin'),
    (['--max-upload-total', 'lots'], 'not a size'),
])
def test_usage_errors_exit_2(args, message):
    result = cli(args)
    assert result.returncode == 2
    assert 'usage:' not in result.stderr and message in result.stderr
    assert result.stderr.splitlines()[-1].endswith("--help' for the options.")


def test_check_runs():
    result = cli(['--check'])
    assert result.returncode in (0, 1)
    assert 'Traceback' not in result.stderr and result.stdout.strip()


def test_nothing_to_run_exits_2():
    result = cli(['--no-http', '--no-websocket'])
    assert result.returncode == 2 and 'nothing to run' in result.stderr
    result = cli(PORTS, prelude=POISON_AIOHTTP + POISON_WEBSOCKETS)
    assert result.returncode == 2 and 'nothing to run' in result.stderr
    assert 'pip install aiohttp' in result.stderr and 'pip install websockets' in result.stderr
    result = cli(['--no-websocket'] + PORTS, prelude=POISON_AIOHTTP)
    assert result.returncode == 2 and 'nothing to run' in result.stderr


def get_json(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read().decode())


def stop(server):
    server.signal(signal.SIGTERM)
    assert server.wait() == 0
    return server.stderr


def test_missing_aiohttp_leaves_websocket_running():
    with ServerProcess(PORTS, prelude=POISON_AIOHTTP, expect=('WebSocket',)) as server:
        async def talk():
            async with websockets.connect(server.urls['WebSocket']) as ws:
                await ws.send('echo ALIVE$((1+1))\n')
                text = ''
                while 'ALIVE2' not in text:
                    text += json.loads(await ws.recv())['text']
        run(talk())
        stderr = stop(server)
        assert 'HTTP' not in server.urls
        lines = [line for line in stderr.splitlines() if 'aiohttp' in line]
        assert len(lines) == 1 and 'pip install aiohttp' in lines[0]


def test_missing_websockets_leaves_http_running():
    with ServerProcess(PORTS, prelude=POISON_WEBSOCKETS, expect=('HTTP',)) as server:
        config = get_json(server.urls['HTTP'] + '?config')
        assert config['websocket'] is None
        stderr = stop(server)
        assert 'WebSocket' not in server.urls
        lines = [line for line in stderr.splitlines() if 'websockets' in line]
        assert len(lines) == 1 and 'pip install websockets' in lines[0]


def test_a_package_found_but_broken_closes_its_port(tmp_path):
    # The listener packages are found before the ports listen and imported after the URLs
    # are printed: one that then fails to import closes its port (clients are refused at
    # once instead of waiting), says why, and the other listener serves.
    broken = tmp_path / 'websockets'
    broken.mkdir()
    (broken / '__init__.py').write_text("raise ImportError('broken on purpose')\n")
    prelude = 'import sys\nsys.path.insert(0, %r)\n' % str(tmp_path)
    with ServerProcess(PORTS, prelude=prelude) as server:
        config = get_json(server.urls['HTTP'] + '?config')
        assert config['websocket'] is None
        address = urllib.parse.urlsplit(server.urls['WebSocket'])
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((address.hostname, address.port), timeout=30).close()
        stderr = stop(server)
    lines = [line for line in stderr.splitlines() if 'cannot import websockets' in line]
    assert len(lines) == 1 and 'broken on purpose' in lines[0]


def test_listener_switches():
    with ServerProcess(['--no-http'] + PORTS, expect=('WebSocket',)) as server:
        stop(server)
        assert list(server.urls) == ['WebSocket']
    with ServerProcess(['--no-websocket'] + PORTS, expect=('HTTP',)) as server:
        assert get_json(server.urls['HTTP'] + '?config')['websocket'] is None
        stop(server)
        assert list(server.urls) == ['HTTP']
    with ServerProcess(PORTS) as server:
        config = get_json(server.urls['HTTP'] + '?config')
        assert config['websocket'] == {'port': server.port('WebSocket'), 'path': '/'}
        stop(server)


async def ws_session_output(url):
    """Everything a session prints, and the close reason."""
    text = ''
    async with websockets.connect(url) as ws:
        try:
            while True:
                text += json.loads(await ws.recv())['text']
        except websockets.ConnectionClosed as closed:
            return text, closed.rcvd.code, closed.rcvd.reason


@pytest.mark.parametrize('command', [
    ['--command', "/bin/sh -c 'echo FROM-COMMAND; exit 4'"],
    ['--', '/bin/sh', '-c', 'echo FROM-COMMAND; exit 4'],
    ['/bin/sh', '-c', 'echo FROM-COMMAND; exit 4'],
])
def test_command_and_trailing_arguments(command):
    with ServerProcess(['--no-http', '--ws', '0'] + command, expect=('WebSocket',)) as server:
        text, code, reason = run(ws_session_output(server.urls['WebSocket']))
        assert 'FROM-COMMAND' in text and (code, reason) == (1000, 'exit 4')
        stop(server)


def test_initial_size_is_columns_by_lines():
    with ServerProcess(['--no-http', '--ws', '0', '--initial-size', '91x17', '--',
                        '/bin/sh', '-c', 'stty size'], expect=('WebSocket',)) as server:
        text, code, _ = run(ws_session_output(server.urls['WebSocket']))
        assert '17 91' in text
        stop(server)


def test_quiet_still_prints_urls():
    with ServerProcess(['--quiet'] + PORTS) as server:
        stderr = stop(server)
        assert set(server.urls) == {'HTTP', 'WebSocket'}
        assert 'INFO' not in stderr


def test_miniserver_runs_from_the_checkout():
    """From another directory, with no PYTHONPATH: the launcher finds the package."""
    env = {key: value for key, value in os.environ.items() if key != 'PYTHONPATH'}
    result = subprocess.run([SERVER_PYTHON, os.path.join(ROOT, 'example', 'miniserver.py'),
                             '--version'], cwd='/', env=env, stdout=subprocess.PIPE,
                            universal_newlines=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith('xwterm ')


def test_port_in_use_exits_1():
    import socket
    with socket.socket() as busy:
        busy.bind(('127.0.0.1', 0))
        busy.listen(1)
        port = str(busy.getsockname()[1])
        result = cli(['--http', port, '--ws', '0', '--command', '/bin/sh'])
    assert result.returncode == 1 and 'cannot listen' in result.stderr
