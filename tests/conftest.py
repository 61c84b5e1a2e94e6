"""Shared pytest fixtures.  The source tree is importable without installing."""

import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


CHROMIUM_SUITES = ('browser', 'conformance')


def pytest_collection_modifyitems(config, items):
    """Run the Chromium suites last, so that no asyncio test runs while Playwright's
    event loop is open (their browser fixtures are module-scoped and close it)."""
    def uses_chromium(item):
        relative = os.path.relpath(str(item.fspath), os.path.join(ROOT, 'tests'))
        return relative.split(os.sep)[0] in CHROMIUM_SUITES
    items.sort(key=uses_chromium)


@pytest.fixture(scope='session', autouse=True)
def private_state_home(tmp_path_factory):
    """``--self-signed`` keeps its certificate under $XDG_STATE_HOME: the tests' servers
    (subprocesses inherit it) keep theirs in a directory of the test run, never the user's."""
    previous = os.environ.get('XDG_STATE_HOME')
    os.environ['XDG_STATE_HOME'] = str(tmp_path_factory.mktemp('state-home'))
    yield
    if previous is None:
        os.environ.pop('XDG_STATE_HOME', None)
    else:
        os.environ['XDG_STATE_HOME'] = previous


@pytest.fixture
def web_root(tmp_path):
    """A document root with a page, a script, a sub-directory, a dot-file,
    symlinks inside and out, and a secret file beside (not inside) the root."""
    root = tmp_path / 'root'
    (root / 'sub' / 'deeper').mkdir(parents=True)
    (root / 'index.html').write_text('<!doctype html><title>xwterm test</title>')
    (root / 'app.js').write_text('export const answer = 42;\n')
    (root / 'style.css').write_text('body { margin: 0 }\n')
    (root / 'sub' / 'index.html').write_text('sub index')
    (root / 'sub' / 'deeper' / 'data.json').write_text('{"ok": true}')
    (root / '.hidden').write_text('dot-file')
    (tmp_path / 'secret.txt').write_text('TOP-SECRET')
    (root / 'inside-link.js').symlink_to(root / 'app.js')
    (root / 'outside-link.txt').symlink_to(tmp_path / 'secret.txt')
    (root / 'outside-dir').symlink_to(tmp_path)
    return root
