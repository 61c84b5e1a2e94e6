"""aiohttp issue 6978 (keep-alive race): reproduced on aiohttp 3.8.6, fixed by xwterm.

The race is reproduced against a bare aiohttp application (bug without the
fix, none with it) and against xwterm's own HTTP listener, which must be
immune by itself.

The reproduction runs tests/aiohttp6978_repro.py in a child interpreter:
Python 3.6 with the vendored aiohttp 3.8.6 (vendor/py36, built by
vendor/build.py), and the default Python with whatever aiohttp it has.
Python 3.6 is taken from $XWTERM_PY36, else python3.6 on PATH, else pyenv.
Without it or without vendor/py36 those tests skip, unless
XWTERM_REQUIRE_PY36=1 (the py36 CI leg) makes that a failure.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest

from xwterm import aiohttp6978

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPRO = os.path.join(ROOT, 'tests', 'aiohttp6978_repro.py')
VENDOR_PY36 = os.path.join(ROOT, 'vendor', 'py36')


def _runs(python):
    return subprocess.run([python, '-c', 'import sys; assert sys.version_info[:2] == (3, 6)'],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def find_python36():
    """$XWTERM_PY36, else a pyenv 3.6.x, else a working python3.6 on PATH."""
    explicit = os.environ.get('XWTERM_PY36')
    if explicit:
        return explicit
    candidates = []
    if shutil.which('pyenv'):
        def pyenv(*args):
            return subprocess.run(('pyenv',) + args, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, universal_newlines=True).stdout
        root = pyenv('root').strip()
        for version in pyenv('versions', '--bare').split():
            if version.startswith('3.6.'):
                candidates.append(os.path.join(root, 'versions', version, 'bin', 'python3.6'))
    if shutil.which('python3.6'):
        candidates.append(shutil.which('python3.6'))
    for python in candidates:
        if os.path.exists(python) and _runs(python):
            return python
    return None


@pytest.fixture(scope='module')
def python36():
    python = find_python36()
    missing = None
    if python is None:
        missing = 'no Python 3.6 (set XWTERM_PY36)'
    elif not os.path.isdir(VENDOR_PY36):
        missing = 'no vendor/py36 (run python3 vendor/build.py)'
    if missing:
        if os.environ.get('XWTERM_REQUIRE_PY36') == '1':
            pytest.fail(missing)
        pytest.skip(missing)
    return python


def run_repro(python, fix, isolated=False, xwterm=False):
    cmd = ([python] + (['-I'] if isolated else []) + [REPRO] + (['--fix'] if fix else [])
           + (['--xwterm'] if xwterm else []))
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.splitlines()[-1])
    assert outcome['race_injected'], outcome
    assert outcome['first_status'] == 200, outcome
    return outcome


def test_reproduced_on_aiohttp_3_8_6(python36):
    outcome = run_repro(python36, fix=False, isolated=True)
    assert outcome['aiohttp'] == '3.8.6'
    assert outcome['origin'].startswith('vendored ')
    # The request that met the timer is dropped and the handler task dies
    # exactly as in the issue.
    assert outcome['second_status'] is None, outcome
    assert outcome['handler_error'] == (
        'AssertionError at web_request.py:188: assert transport is not None'), outcome


def test_fixed_on_aiohttp_3_8_6(python36):
    outcome = run_repro(python36, fix=True, isolated=True)
    assert outcome['aiohttp'] == '3.8.6'
    assert outcome['patched'] is True
    assert outcome['second_status'] == 200, outcome
    assert outcome['handler_error'] is None, outcome
    assert outcome['loop_errors'] == []


def test_xwterm_server_immune_on_aiohttp_3_8_6(python36):
    # No explicit fix: xwterm's HTTP listener applies it when it starts.
    outcome = run_repro(python36, fix=False, isolated=True, xwterm=True)
    assert outcome['aiohttp'] == '3.8.6'
    assert outcome['patched'] is True
    assert outcome['second_status'] == 200, outcome
    assert outcome['handler_error'] is None, outcome


def test_xwterm_server_immune_installed_aiohttp():
    pytest.importorskip('aiohttp')
    outcome = run_repro(sys.executable, fix=False, xwterm=True)
    assert outcome['patched'] is aiohttp6978.needs_fix(outcome['aiohttp'])
    assert outcome['second_status'] == 200, outcome
    assert outcome['handler_error'] in (None, 'CancelledError'), outcome


@pytest.mark.parametrize('fix', [False, True], ids=['without-fix', 'with-fix'])
def test_installed_aiohttp(fix):
    pytest.importorskip('aiohttp')
    outcome = run_repro(sys.executable, fix=fix)
    racy = aiohttp6978.needs_fix(outcome['aiohttp'])
    assert outcome['patched'] is (fix and racy)
    if racy and not fix:
        assert outcome['second_status'] is None, outcome
        assert outcome['handler_error'].startswith('AssertionError'), outcome
    else:
        assert outcome['second_status'] == 200, outcome
        # Closing the client may cancel the idle handler, never fail it.
        assert outcome['handler_error'] in (None, 'CancelledError'), outcome


@pytest.mark.parametrize('version, racy', [
    ('3.8.6', True), ('3.9.1', True), ('3.10.5', True), ('3.10.6', False),
    ('3.11.13', False), ('3.14.5', False), ('4.0.0a1', False), ('3.9.0b0', True),
])
def test_needs_fix(version, racy):
    assert aiohttp6978.needs_fix(version) is racy


def test_apply_is_idempotent_and_version_gated():
    aiohttp = pytest.importorskip('aiohttp')
    from aiohttp import web_protocol
    before = web_protocol.RequestHandler._process_keepalive
    first = aiohttp6978.apply()
    patched = web_protocol.RequestHandler._process_keepalive
    second = aiohttp6978.apply()
    assert first is second is aiohttp6978.needs_fix(aiohttp.__version__)
    assert web_protocol.RequestHandler._process_keepalive is patched
    assert aiohttp6978.is_applied() is first
    if not first:
        assert patched is before
