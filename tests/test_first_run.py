"""A new user's first run (issue 21): a misconfigured server fails at start with one line,
a usage error is one line and a pointer to --help, --hash-password takes a pipe,
xwterm-get names a folder as one, and an embedded /term answers like /term/."""

import os
import subprocess
import sys

import aiohttp
import pytest
from aiohttp import web

from serverutil import GUARD, ROOT, SERVER_PYTHON, ServerProcess, cli, python_env, run

from xwterm import auth
from xwterm.http import mount

PORTS = ['--http', '0', '--ws', '0']


@pytest.mark.parametrize('args, env, message', [
    (['--http', 'notaport'], {}, "argument --http: not a port number: 'notaport'"),
    (['--ws', '-1'], {}, 'argument --ws: port must be 0..65535'),
    (['--no-such-option'], {}, 'unrecognized arguments: --no-such-option'),
    (['--initial-size', 'big'], {}, 'argument --initial-size'),
    (['--max-upload', 'lots'], {}, 'argument --max-upload'),
    ([], {auth.TOKEN_ENV: 'short'}, 'XWTERM_TOKEN: a token needs at least 16 characters'),
])
def test_usage_error_is_one_line_and_a_hint(args, env, message):
    prelude = ''.join('import os; os.environ[%r] = %r\n' % item for item in env.items())
    result = cli(PORTS + args, prelude=prelude)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    assert message in lines[0] and 'error:' in lines[0]
    assert lines[1].startswith('Try ') and lines[1].endswith("--help' for the options.")
    assert 'usage:' not in result.stderr


def _one_line_failure(args):
    result = cli(PORTS + args)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith('xwterm: ')
    return lines[0]


def test_missing_docroot_fails_at_start():
    assert _one_line_failure(['--docroot', '/nonexistent']) == (
        'xwterm: --docroot /nonexistent: no such directory')


def test_docroot_that_is_a_file_fails_at_start(tmp_path):
    page = tmp_path / 'index.html'
    page.write_text('<p>hi</p>')
    assert _one_line_failure(['--docroot', str(page)]) == (
        'xwterm: --docroot %s: not a directory' % page)


@pytest.mark.parametrize('args, line', [
    (['--', '/no/such/program'], 'xwterm: command /no/such/program: no such file'),
    (['--command', 'no-such-program-xw --flag'],
     'xwterm: command no-such-program-xw: not found on PATH'),
    (['--', '/tmp'], 'xwterm: command /tmp: is a directory'),
])
def test_command_that_cannot_run_fails_at_start(args, line):
    assert _one_line_failure(args) == line


def test_unusable_upload_dir_fails_at_start(tmp_path):
    line = _one_line_failure(['--upload-dir', '/proc/nope'])
    assert line.startswith('xwterm: --upload-dir /proc/nope: cannot be created in /proc')
    a_file = tmp_path / 'file'
    a_file.write_text('x')
    assert _one_line_failure(['--upload-dir', str(a_file)]) == (
        'xwterm: --upload-dir %s: not a directory' % a_file)
    assert _one_line_failure(['--upload-dir', str(a_file / 'below')]) == (
        'xwterm: --upload-dir %s: %s is not a directory' % (a_file / 'below', a_file))


def test_upload_dir_that_can_be_made_is_accepted_and_not_made_before_an_upload(tmp_path):
    folder = tmp_path / 'later' / 'uploads'
    with ServerProcess(PORTS + ['--upload-dir', str(folder), '--command', '/bin/sh']) as server:
        assert server.urls['HTTP']
        assert os.listdir(str(tmp_path)) == []         # the probe left nothing behind
        server.signal()
        assert server.wait() == 0


def test_no_upload_and_no_http_skip_the_upload_dir_check():
    for extra in (['--no-upload'], ['--no-http']):
        expect = ('WebSocket',) if extra == ['--no-http'] else ('HTTP', 'WebSocket')
        with ServerProcess(PORTS + ['--upload-dir', '/proc/nope', '--command', '/bin/sh']
                           + extra, expect=expect) as server:
            server.signal()
            assert server.wait() == 0


@pytest.mark.parametrize('piped', ['typed secret\n', 'typed secret\ntyped secret\n',
                                   'typed secret'])
def test_hash_password_reads_a_pipe(piped):
    # A new session: no controlling terminal, so only the pipe can give the password.
    result = subprocess.run(
        [SERVER_PYTHON, '-m', 'xwterm', '--hash-password'], input=piped,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, cwd=ROOT,
        env=python_env(), timeout=GUARD, start_new_session=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ''                           # no getpass warnings
    assert auth.verify_password('typed secret', result.stdout.strip())


@pytest.mark.parametrize('piped, reason', [('', 'no password given'),
                                           ('\n', 'no password given'),
                                           ('one\ntwo\n', 'the two passwords differ')])
def test_hash_password_pipe_refusals(piped, reason):
    result = subprocess.run(
        [SERVER_PYTHON, '-m', 'xwterm', '--hash-password'], input=piped,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, cwd=ROOT,
        env=python_env(), timeout=GUARD, start_new_session=True)
    assert result.returncode == 1
    assert result.stderr == 'xwterm: %s\n' % reason and result.stdout == ''


def test_xwterm_get_names_a_directory_as_one(tmp_path):
    (tmp_path / 'notes.txt').write_text('n')
    result = subprocess.run(
        [os.path.join(ROOT, 'xwterm', 'bin', 'xwterm-get'), str(tmp_path), 'missing',
         'notes.txt'], cwd=str(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        universal_newlines=True, env=dict(python_env(), XWTERM_PYTHON=sys.executable),
        timeout=GUARD, start_new_session=True)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        'xwterm-get: %s: is a directory (only files can be downloaded)' % tmp_path,
        'xwterm-get: missing: no such file']
    assert '\x1b]7799;download;' in result.stdout       # notes.txt was still requested


def test_mounted_prefix_without_its_slash_redirects():
    async def scenario():
        app = web.Application()
        mount(app, '/term/', command=['/bin/sh'])
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, '127.0.0.1', 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        try:
            async with aiohttp.ClientSession() as client:
                for path, target in (('/term', '/term/'), ('/term?a=1', '/term/?a=1')):
                    async with client.get('http://127.0.0.1:%d%s' % (port, path),
                                          allow_redirects=False) as response:
                        assert response.status == 301
                        assert response.headers['Location'] == target
                async with client.get('http://127.0.0.1:%d/term' % port) as response:
                    assert response.status == 200
                    assert '<title>' in await response.text()
        finally:
            await runner.cleanup()
    run(scenario())


def test_checkout_ignores_the_virtual_environment_readme_creates():
    with open(os.path.join(ROOT, '.gitignore')) as handle:
        ignored = handle.read().split()
    assert '/.venv/' in ignored
