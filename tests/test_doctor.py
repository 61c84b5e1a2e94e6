"""xwterm --check (xwterm.doctor) and the banner line.

Each check runs in a child interpreter, with a package "missing" by putting
None in sys.modules (the import then fails as if it were not installed).
"""

import os
import subprocess
import sys

import pytest

from xwterm import doctor
from xwterm.vendored import origin_of

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CHECK = '''
import sys
for name in sys.argv[1:]:
    sys.modules[name] = None
from xwterm.doctor import run_check
sys.exit(run_check())
'''

BANNER = '''
import sys
for name in sys.argv[1:]:
    sys.modules[name] = None
from xwterm.vendored import import_optional
from xwterm.doctor import banner_line
import_optional('aiohttp')
import_optional('websockets')
print(banner_line())
'''


def origin(module):
    """'system' or 'vendored', as the report words it."""
    return origin_of(module).split(' ', 1)[0]


def banner_origin(module):
    """'installed' or 'vendored', as the banner words it."""
    return origin(module).replace('system', 'installed')


def run(code, *blocked):
    result = subprocess.run([sys.executable, '-c', code] + list(blocked),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True, cwd=ROOT)
    return result.returncode, result.stdout


@pytest.fixture(scope='module')
def packages():
    aiohttp = pytest.importorskip('aiohttp')
    websockets = pytest.importorskip('websockets')
    return aiohttp, websockets


def test_check_everything_present(packages):
    status, out = run(CHECK)
    assert status == 0, out
    assert out.startswith('xwterm ')
    assert 'Terminals: pty ok, default shell ' in out
    version = doctor.distribution_version(packages[0], 'aiohttp')
    assert 'HTTP       can run: aiohttp %s, %s ' % (version, origin(packages[0])) in out
    assert 'WebSocket  can run: websockets ' in out
    assert 'aiohttp issue 6978' in out
    assert 'multidict ' in out
    assert 'Nothing to do: both listeners can run.' in out
    assert out.rstrip().endswith('Result: ready (HTTP, WebSocket)')


def test_check_one_package_missing(packages):
    status, out = run(CHECK, 'aiohttp')
    assert status == 0, out
    assert 'HTTP       cannot run: aiohttp is missing (' in out
    assert 'WebSocket  can run: websockets ' in out
    assert 'What to do:\n  - HTTP listener: pip install aiohttp' in out
    assert out.rstrip().endswith('Result: ready (WebSocket)')


def test_check_nothing_can_run():
    status, out = run(CHECK, 'aiohttp', 'websockets')
    assert status == 1, out
    assert '  - HTTP listener: pip install aiohttp' in out
    assert '  - WebSocket listener: pip install websockets' in out
    assert out.rstrip().endswith('Result: NOT ready')


def test_check_from_the_command_line(packages):
    result = subprocess.run([sys.executable, '-m', 'xwterm', '--check'],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert 'installation check' in result.stdout
    assert 'Result: ready (HTTP, WebSocket)' in result.stdout


def test_banner_line(packages):
    status, out = run(BANNER)
    assert status == 0
    python = '%d.%d.%d' % sys.version_info[:3]
    aiohttp = doctor.distribution_version(packages[0], 'aiohttp')
    websockets = doctor.distribution_version(packages[1], 'websockets')
    assert out.splitlines() == [
        'Python %s, aiohttp %s (%s), websockets %s (%s)' % (
            python, aiohttp, banner_origin(packages[0]), websockets, banner_origin(packages[1]))]


def test_banner_line_missing_package(packages):
    status, out = run(BANNER, 'websockets')
    assert status == 0
    assert out.rstrip().endswith(', websockets missing')


@pytest.mark.parametrize('entry, version', [
    ('xwfake-1.2.3.dist-info', '1.2.3'),
    ('xwfake-8.1-py3.9.egg-info', '8.1'),
    ('XwFake-2.0.dist-info', '2.0'),
])
def test_distribution_version_from_metadata(tmp_path, monkeypatch, entry, version):
    (tmp_path / 'xwfake').mkdir()
    (tmp_path / 'xwfake' / '__init__.py').write_text('__version__ = "0.0"\n')
    (tmp_path / 'xwfake_other-9.9.dist-info').mkdir()
    (tmp_path / entry).mkdir()
    monkeypatch.syspath_prepend(str(tmp_path))
    import xwfake
    try:
        assert doctor.distribution_version(xwfake, 'xwfake') == version
    finally:
        del sys.modules['xwfake']


def test_distribution_version_fallback(tmp_path, monkeypatch):
    (tmp_path / 'xwfake_mod.py').write_text('__version__ = "4.5"\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    import xwfake_mod
    try:
        assert doctor.distribution_version(xwfake_mod, 'xwfake-mod') == '4.5'
    finally:
        del sys.modules['xwfake_mod']
