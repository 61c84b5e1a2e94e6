"""xwterm.vendored: system packages first, the vendored folder only on ImportError.

The fallback is exercised here with a vendored folder made in tmp_path (the
interpreter check is patched to "py36"); the real vendor/py36 under
``python3.6 -I`` is covered by tests/embedded and tests/test_aiohttp6978.py.
"""

import os
import sys

import pytest

from xwterm import vendored


def write(path, text=''):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)


@pytest.fixture
def clean_imports(monkeypatch):
    """Restore sys.path and drop the fake packages afterwards."""
    monkeypatch.setattr(sys, 'path', list(sys.path))
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.startswith('xwfake'):
            del sys.modules[name]


@pytest.fixture
def vendor(tmp_path, monkeypatch, clean_imports):
    """A vendored py36 folder in tmp_path, used as if running on Python 3.6."""
    monkeypatch.setattr(vendored, 'VENDOR_ROOT', str(tmp_path / 'vendor'))
    monkeypatch.setattr(vendored, 'vendor_tag', lambda version_info=None: 'py36')
    return str(tmp_path / 'vendor' / 'py36')


@pytest.fixture
def system(tmp_path, clean_imports):
    """A folder on sys.path standing for the system's site-packages."""
    folder = str(tmp_path / 'site')
    os.makedirs(folder)
    sys.path.insert(0, folder)
    return folder


@pytest.mark.parametrize('version, tag', [
    ((3, 6, 15), 'py36'), ((3, 6, 0), 'py36'), ((3, 7, 0), None),
    ((3, 12, 1), None), ((3, 13, 0), None),
])
def test_vendored_set_only_below_3_7(version, tag):
    assert vendored.vendor_tag(version) == tag


def test_system_package(clean_imports):
    module, origin = vendored.import_optional('json')
    assert module is sys.modules['json']
    assert origin == 'system ' + os.path.abspath(module.__file__)


def test_missing_without_vendored_set(clean_imports):
    if vendored.vendor_tag() is not None:
        pytest.skip('this Python has a vendored set')
    module, origin = vendored.import_optional('xwfake_missing')
    assert module is None
    assert origin == "No module named 'xwfake_missing'"
    assert vendored.attempted()['xwfake_missing'] == (None, origin)


def test_falls_back_to_vendored(vendor):
    write(os.path.join(vendor, 'xwfake_a', '__init__.py'), '__version__ = "1.0"\n')
    module, origin = vendored.import_optional('xwfake_a')
    assert module.__version__ == '1.0'
    assert origin == 'vendored ' + os.path.join(vendor, 'xwfake_a', '__init__.py')
    assert sys.path[-1] == vendor


def test_system_wins_over_vendored(vendor, system):
    write(os.path.join(vendor, 'xwfake_b', '__init__.py'), 'WHERE = "vendored"\n')
    write(os.path.join(system, 'xwfake_b', '__init__.py'), 'WHERE = "system"\n')
    module, origin = vendored.import_optional('xwfake_b')
    assert module.WHERE == 'system'
    assert origin.startswith('system ')
    assert vendor not in sys.path


def test_vendored_dependency_of_system_package(vendor, system, tmp_path):
    # The system package imports a submodule, then a dependency the system
    # lacks: what the failed attempt imported is dropped (the submodule runs
    # again) and the retry finds the dependency in the vendored folder.
    runs = tmp_path / 'runs'
    write(os.path.join(system, 'xwfake_c', '__init__.py'),
          'from . import sub\nimport xwfake_dep\n')
    write(os.path.join(system, 'xwfake_c', 'sub.py'),
          'with open(%r, "a") as f:\n    f.write("run ")\n' % str(runs))
    write(os.path.join(vendor, 'xwfake_dep.py'), '')
    module, origin = vendored.import_optional('xwfake_c')
    assert origin.startswith('system ')
    assert vendored.origin_of(sys.modules['xwfake_dep']).startswith('vendored ')
    assert module.sub is sys.modules['xwfake_c.sub']
    assert runs.read_text() == 'run run '


def test_missing_everywhere(vendor):
    os.makedirs(vendor)
    module, error = vendored.import_optional('xwfake_missing')
    assert module is None
    assert error == "No module named 'xwfake_missing' (vendored set %s tried too)" % vendor
    # The folder stays on the path for the packages found there; a later miss
    # reports the same.
    module, error = vendored.import_optional('xwfake_missing_too')
    assert module is None
    assert error.endswith('(vendored set %s tried too)' % vendor)
    assert sys.path.count(vendor) == 1


def test_vendored_set_not_built(tmp_path, monkeypatch, clean_imports):
    monkeypatch.setattr(vendored, 'VENDOR_ROOT', str(tmp_path))
    monkeypatch.setattr(vendored, 'vendor_tag', lambda version_info=None: 'py36')
    module, error = vendored.import_optional('xwfake_missing')
    assert module is None
    assert error == "No module named 'xwfake_missing' (no vendored py36 set at %s)" % (
        tmp_path / 'py36')


def test_find_optional_locates_without_importing(vendor, system):
    # The server asks before it listens and imports after: finding must not import.
    write(os.path.join(system, 'xwfake_d', '__init__.py'), 'raise ImportError("imported")\n')
    write(os.path.join(vendor, 'xwfake_e', '__init__.py'), 'raise ImportError("imported")\n')
    path, origin = vendored.find_optional('xwfake_d')
    assert path == os.path.join(system, 'xwfake_d', '__init__.py')
    assert origin == 'system ' + path
    path, origin = vendored.find_optional('xwfake_e')
    assert origin == 'vendored ' + os.path.join(vendor, 'xwfake_e', '__init__.py')
    assert sys.path[-1] == vendor
    assert 'xwfake_d' not in sys.modules and 'xwfake_e' not in sys.modules
    assert vendored.attempted()['xwfake_e'] == (path, origin)
    # found but broken: import_optional, called when serving, says why
    module, error = vendored.import_optional('xwfake_d')
    assert module is None and 'imported' in error


def test_find_optional_missing_everywhere(vendor):
    os.makedirs(vendor)
    assert vendored.find_optional('xwfake_missing') == (
        None, "No module named 'xwfake_missing'")
