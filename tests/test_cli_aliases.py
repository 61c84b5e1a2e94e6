"""The original sample server's command-line spellings: hidden aliases of our options."""

import json
import signal
import socket
import time
import urllib.error
import urllib.request

import pytest

from serverutil import GUARD, ServerProcess, cli
from xwterm.cli import build_parser

#: (original spelling, value or None, our spelling with the same meaning), from the
#: original's documented command line; written out here so that a lost alias fails.
ORIGINAL = [
    ('-b', '10.1.2.3', ['--bind', '10.1.2.3']),
    ('-bind', '10.1.2.3', ['--bind', '10.1.2.3']),
    ('-bindaddr', '10.1.2.3', ['--bind', '10.1.2.3']),
    ('-http', '8123', ['--http', '8123']),
    ('-httpport', '8123', ['--http', '8123']),
    ('-ws', '8124', ['--ws', '8124']),
    ('-wsport', '8124', ['--ws', '8124']),
    ('-websocket', '8124', ['--ws', '8124']),
    ('-websocketport', '8124', ['--ws', '8124']),
    ('-docdir', '/srv/www', ['--docroot', '/srv/www']),
    ('-docroot', '/srv/www', ['--docroot', '/srv/www']),
    ('-wwwroot', '/srv/www', ['--docroot', '/srv/www']),
    ('-root', '/srv/www', ['--docroot', '/srv/www']),
    ('-doc', '/srv/www', ['--docroot', '/srv/www']),
    ('-initial-size', '100x30', ['--initial-size', '100x30']),
    ('-default-size', '100x30', ['--initial-size', '100x30']),
    ('-no-http', None, ['--no-http']),
    ('-no-websocket', None, ['--no-websocket']),
    ('-fix-aiohttp', None, ['--aiohttp-workaround']),
    ('-aiohttp-workaround', None, ['--aiohttp-workaround']),
    ('-no-welcome', None, ['--no-welcome']),
    ('-use-conhost', None, ['--use-conhost']),
    ('-use-conpty', None, ['--use-conpty']),
    ('-d', None, ['--log-level', 'DEBUG']),
    ('-debug', None, ['--log-level', 'DEBUG']),
    ('-q', None, ['--quiet']),
    ('-quiet', None, ['--quiet']),
]

#: Double-dash forms of the original's aliases, accepted as well.
DOUBLE_DASH = [('--bindaddr', '10.1.2.3', ['--bind', '10.1.2.3']),
               ('--wwwroot', '/srv/www', ['--docroot', '/srv/www']),
               ('--fix-aiohttp', None, ['--aiohttp-workaround']),
               ('--default-size', '100x30', ['--initial-size', '100x30']),
               ('--debug', None, ['--log-level', 'DEBUG'])]


def parsed(args):
    return vars(build_parser(prog='xwterm').parse_args(args))


@pytest.mark.parametrize('spelling, value, ours', ORIGINAL + DOUBLE_DASH)
def test_original_spelling_parses_like_ours(spelling, value, ours):
    args = [spelling] + ([value] if value is not None else [])
    assert parsed(args) == parsed(ours)
    assert parsed(args) != parsed([])


def test_aliases_combine_with_a_trailing_command():
    assert parsed(['-b', '0.0.0.0', '-q', 'htop', '-d', '5']) == parsed(
        ['--bind', '0.0.0.0', '--quiet', 'htop', '-d', '5'])


def test_help_shows_only_our_spellings():
    result = cli(['--help'])
    assert result.returncode == 0
    for spelling, _value, _ours in ORIGINAL + DOUBLE_DASH:
        if spelling != '-h':
            assert (' %s ' % spelling) not in result.stdout.replace(',', ' ')
    assert '--no-welcome' in result.stdout


@pytest.mark.parametrize('spelling', ['-h', '-help', '--help'])
def test_help_spellings(spelling):
    result = cli([spelling])
    assert result.returncode == 0 and result.stdout.startswith('usage: ')


@pytest.mark.parametrize('args, message', [
    (['--bogus'], 'unrecognized arguments'),
    (['-zap'], 'unrecognized arguments'),
    (['-use-conpty', '-use-conhost'], 'not allowed with'),
    (['-http', 'eighty'], 'not a port'),
])
def test_unknown_or_bad_original_spellings_exit_2(args, message):
    result = cli(args)
    assert result.returncode == 2 and message in result.stderr


def test_server_runs_with_original_spellings():
    with ServerProcess(['-bind', '127.0.0.1', '-http', '0', '-ws', '0', '-q',
                        '-default-size', '91x17', '--command', '/bin/sh']) as server:
        with urllib.request.urlopen(server.urls['HTTP'] + '?config', timeout=GUARD) as response:
            assert json.loads(response.read().decode())['websocket']['port'] == \
                server.port('WebSocket')
        server.signal(signal.SIGTERM)
        assert server.wait() == 0
        assert 'INFO' not in server.stderr


def _free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def test_no_welcome_prints_no_banner():
    port = _free_port()
    with ServerProcess(['-no-welcome', '--http', str(port), '--no-websocket'],
                       expect=()) as server:
        deadline = time.monotonic() + GUARD
        while True:
            try:
                with urllib.request.urlopen('http://127.0.0.1:%d/?config' % port,
                                            timeout=GUARD) as response:
                    assert json.loads(response.read().decode())['websocket'] is None
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, 'server never answered'
                time.sleep(0.1)
        server.signal(signal.SIGTERM)
        server.process.wait(GUARD)
        assert server.process.stdout.read() == b''
        assert server.wait() == 0
