"""The embedded bundles (vendor/build.py): within their size budgets, holding nothing that
vendor/contents.py leaves out, with xwterm's modules intact but for comments, and a README
whose facts (sizes, login, token, URLs) are the build's and the server's own.

Needs vendor/py36 (``python3 vendor/build.py`` makes it; .ci/leg-py36 runs this file after
building, with XWTERM_REQUIRE_BUNDLE=1 so that it cannot skip).  tests/embedded runs the
server from the unpacked bundles under Python 3.6.
"""

import fnmatch
import importlib.util
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tokenize

import pytest

from serverutil import ROOT

from xwterm import auth
from xwterm.cli import build_parser

sys.path.insert(0, os.path.join(ROOT, 'vendor'))
import contents  # noqa: E402  (vendor/contents.py)

FULL = 'xwterm-embedded-py36.tar.gz'
WS_ONLY = 'xwterm-embedded-py36-ws.tar.gz'
#: The budgets of issue 22, in KiB.
BUDGET_KIB = {FULL: 400, WS_ONLY: 100}

if not os.path.isdir(os.path.join(ROOT, 'vendor', 'py36')):
    if os.environ.get('XWTERM_REQUIRE_BUNDLE') == '1':
        raise RuntimeError('vendor/py36 is missing: run python3 vendor/build.py first')
    pytest.skip('vendor/py36 not built (python3 vendor/build.py)', allow_module_level=True)


@pytest.fixture(scope='module')
def bundles(tmp_path_factory):
    """{name: (bytes, {arcname: bytes})} of freshly built bundles, and the build's output."""
    dist = str(tmp_path_factory.mktemp('dist'))
    result = subprocess.run([sys.executable, os.path.join(ROOT, 'vendor', 'build.py'),
                             '--bundles-only', '--dist', dist],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True, timeout=600)
    assert result.returncode == 0, result.stderr
    built = {}
    for name in (FULL, WS_ONLY):
        with open(os.path.join(dist, name), 'rb') as handle:
            data = handle.read()
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            files = dict((member.name, tar.extractfile(member).read())
                         for member in tar.getmembers() if member.isfile())
        built[name] = (data, files)
    return built, result.stdout


@pytest.mark.parametrize('name', [FULL, WS_ONLY])
def test_bundle_is_within_its_budget_and_says_its_own_size(bundles, name):
    data, files = bundles[0][name]
    assert len(data) < BUDGET_KIB[name] * 1024, len(data)
    readme = files['README-embedded.txt'].decode()
    assert '%s: %d bytes (%.0f KiB)' % (name, len(data), len(data) / 1024.0) in readme
    unpacked = sum(len(blob) for blob in files.values())
    sizes = re.search(r'unpacked (\d+) bytes in (\d+) files', readme)
    assert int(sizes.group(2)) == len(files)
    # README counts itself in the files but not in the bytes it states (it holds them).
    assert int(sizes.group(1)) == unpacked - len(files['README-embedded.txt'])
    assert '%s: %d bytes' % (name, len(data)) in bundles[1]     # the build printed it


@pytest.mark.parametrize('name, ws_only', [(FULL, False), (WS_ONLY, True)])
def test_bundle_holds_nothing_left_out(bundles, name, ws_only):
    files = bundles[0][name][1]
    present = [arcname for arcname in files if contents.left_out(arcname, ws_only)]
    assert not present
    assert ('web/index.html' in files) is not ws_only
    assert ('vendor/py36/aiohttp/__init__.py' in files) is not ws_only
    assert ('vendor/py36/idna.py' in files) is not ws_only
    assert 'vendor/py36/websockets/legacy/server.py' in files
    for pattern, _why in contents.NEVER_ON_A_BOARD:
        if pattern.startswith('xwterm/') and '*' not in pattern:
            assert os.path.exists(os.path.join(ROOT, pattern)), pattern   # rules stay real


@pytest.mark.parametrize('name', [FULL, WS_ONLY])
def test_modules_keep_every_line_and_compile(bundles, name):
    files = bundles[0][name][1]
    stripped = [arcname for arcname in files if arcname.endswith('.py')
                and arcname.startswith(contents.WITHOUT_COMMENTS)]
    assert 'xwterm/cli.py' in stripped
    for arcname in stripped:
        original = os.path.join(ROOT, arcname) if arcname.startswith('xwterm/') else \
            os.path.join(ROOT, 'vendor', arcname[len('vendor/'):])
        with open(original, 'rb') as handle:
            source = handle.read()
        shipped = files[arcname]
        assert shipped.count(b'\n') == source.count(b'\n'), arcname
        compile(shipped, arcname, 'exec')
        comments = [token for token in tokenize.tokenize(io.BytesIO(shipped).readline)
                    if token.type == tokenize.COMMENT and token.start[0] > 1]
        assert not comments, arcname


def test_comment_stripping_keeps_code_and_strings():
    source = (b'#!/usr/bin/env python3\n"""Module\ndoc."""\n# a comment\n'
              b'X = "# not a comment"  # trailing\n\n\ndef f():\n    """Doc."""\n'
              b'    return """keep\nthis"""\n')
    shipped = contents.without_comments(source)
    assert shipped == (b'#!/usr/bin/env python3\n""\n\n\nX = "# not a comment"\n\n\n'
                       b'def f():\n    ""\n    return """keep\nthis"""\n')


def test_page_scripts_keep_every_line_and_parse(bundles, tmp_path):
    """The page's scripts lose only whole-line // comments, and node still parses each."""
    files = bundles[0][FULL][1]
    scripts = [arcname for arcname in files if arcname.startswith('web/')
               and arcname.endswith('.js')]
    assert 'web/term/ansiterm.js' in scripts
    node = shutil.which('node')
    for arcname in scripts:
        with open(os.path.join(ROOT, arcname), 'rb') as handle:
            source = handle.read()
        shipped = files[arcname]
        assert shipped.count(b'\n') == source.count(b'\n'), arcname
        kept = [line for line in source.split(b'\n') if not line.strip().startswith(b'//')]
        assert [line for line in shipped.split(b'\n') if line.strip()] == \
            [line for line in kept if line.strip()] or shipped == source, arcname
        if node:
            module = tmp_path / (arcname.replace('/', '_') + '.mjs')
            module.write_bytes(shipped)
            check = subprocess.run([node, '--check', str(module)], stderr=subprocess.PIPE)
            assert check.returncode == 0, (arcname, check.stderr.decode())


def test_script_stripping_leaves_template_literals_alone():
    plain = b'// a comment\nconst a = 1;  // trailing stays\n  // indented\nexport { a };\n'
    assert contents.js_without_comments(plain) == \
        b'\nconst a = 1;  // trailing stays\n\nexport { a };\n'
    template = b'const css = `\n// part of the text\n`;\n// a comment\n'
    assert contents.js_without_comments(template) == template


def _readme(bundles, name):
    return bundles[0][name][1]['README-embedded.txt'].decode()


@pytest.mark.parametrize('name', [FULL, WS_ONLY])
def test_readme_states_the_login_and_the_urls_the_server_prints(bundles, name):
    readme = _readme(bundles, name)
    parser = build_parser()
    assert 'no authentication' not in readme.lower()
    assert 'The login is on by default' in readme
    assert 'ws://BOARD:%d/?token=TOKEN' % parser.get_default('ws') in readme
    assert ('http://BOARD:%d/?token=TOKEN' % parser.get_default('http') in readme) is (
        name == FULL)
    assert auth.TOKEN_ENV in readme and 'at least %d' % auth.MIN_TOKEN_LENGTH in readme
    assert '"Authorization: token TOKEN"' in readme
    assert '--hash-password' in readme and '--password-file' in readme


def test_board_page_states_the_same_facts():
    with open(os.path.join(ROOT, 'docs', 'board.md'), encoding='utf-8') as handle:
        page = handle.read()
    parser = build_parser()
    assert 'no authentication' not in page.lower()
    assert auth.TOKEN_ENV in page
    assert '?token=' in page and 'Authorization: token TOKEN' in page
    assert ':%d/' % parser.get_default('http') in page
    assert ':%d/' % parser.get_default('ws') in page
    for name, budget in BUDGET_KIB.items():
        assert 'under %d KiB' % budget in page, name


def test_idna_stand_in_matches_the_standard_codec():
    # Loaded from its file under another name: the real idna may be imported already.
    spec = importlib.util.spec_from_file_location(
        'idna_stand_in', os.path.join(contents.SHIMS, 'idna.py'))
    idna = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(idna)
    assert idna.encode('bücher.example', uts46=True) == b'xn--bcher-kva.example'
    assert idna.decode(b'xn--bcher-kva.example') == 'bücher.example'
    with pytest.raises(UnicodeError):
        idna.encode('a' * 70 + '.example')


def test_left_out_patterns_each_match_something():
    """A rule that matches nothing (a renamed module) would keep its cost silently."""
    candidates = []
    for top in ('xwterm', 'example'):
        for dirpath, _dirs, names in os.walk(os.path.join(ROOT, top)):
            candidates += [os.path.relpath(os.path.join(dirpath, n), ROOT) for n in names]
    vendored = os.path.join(ROOT, 'vendor', 'py36')
    for dirpath, _dirs, names in os.walk(vendored):
        candidates += ['vendor/py36/' + os.path.relpath(os.path.join(dirpath, n), vendored)
                       for n in names]
    for pattern, why in contents.NEVER_ON_A_BOARD + contents.NEEDS_AIOHTTP:
        assert any(fnmatch.fnmatchcase(c, pattern) for c in candidates), (pattern, why)
