"""README and docs/ say only what exists and runs: every link and repository path they
name exists, every command they show names a script and options that exist, the quick
start's server command starts a server that listens, and the library example prints what
its page shows."""

import glob
import os
import re
import shlex
import shutil
import socket
import subprocess
import urllib.request

import pytest

from serverutil import GUARD, ROOT, SERVER_PYTHON, ServerProcess

from xwterm.cli import build_parser

README = os.path.join(ROOT, 'README.md')
PAGES = sorted(glob.glob(os.path.join(ROOT, 'docs', '*.md')))
DOCUMENTS = [README] + PAGES
#: The pages a user finds by name from README (issue 21).
REQUIRED_PAGES = ('protocol', 'sessions', 'security', 'deployment', 'embedding', 'board',
                  'windows', 'ansiterm', 'benchmarks', 'options')
#: Top-level folders of the repository: a backticked word starting with one is a path.
REPO_DIRS = ('xwterm', 'web', 'example', 'tests', 'bench', 'vendor', 'docs', '.ci')
#: What the build or the user makes: named in the docs, absent from a checkout.
GENERATED = ('vendor/py36', 'dist/', '.venv')


def _read(path):
    with open(path, encoding='utf-8') as handle:
        return handle.read()


def _name(path):
    return os.path.relpath(path, ROOT)


def _prose(text):
    """The text outside fenced code blocks."""
    return re.sub(r'^```.*?^```', '', text, flags=re.S | re.M)


def _slug(heading):
    """GitHub's anchor for a heading."""
    text = re.sub(r'[`*]', '', heading.strip().lower())
    text = re.sub(r'[^\w\- ]', '', text)
    return text.replace(' ', '-')


def _anchors(text):
    return {_slug(m) for m in re.findall(r'^#+ (.*)$', _prose(text), re.M)}


def _code_blocks(text, kinds=('sh',)):
    return [body for kind, body in re.findall(r'^```(\w*)\n(.*?)^```', text, re.S | re.M)
            if kind in kinds]


def _command_lines(text):
    """Each shell command of the ``sh`` blocks, comments and continuations joined."""
    for block in _code_blocks(text):
        for line in block.replace('\\\n', ' ').splitlines():
            line = line.split(' #', 1)[0].strip()
            if line and not line.startswith('#'):
                yield line


def test_readme_is_short_and_links_every_page():
    text = _read(README)
    assert len(text.encode('utf-8')) < 20 * 1024
    linked = set(re.findall(r'\]\((docs/[^)#]+)', text))
    for page in REQUIRED_PAGES:
        assert 'docs/%s.md' % page in linked, page
    for path in PAGES:
        assert _name(path) in linked, _name(path)


@pytest.mark.parametrize('path', DOCUMENTS, ids=_name)
def test_links_resolve(path):
    text = _read(path)
    own_anchors = _anchors(text)
    broken = []
    for target in re.findall(r'\]\(([^)\s]+)\)', _prose(text)):
        if re.match(r'[a-z]+:', target):
            continue
        file_part, _, anchor = target.partition('#')
        if file_part:
            resolved = os.path.normpath(os.path.join(os.path.dirname(path), file_part))
            if not resolved.startswith(ROOT + os.sep) or not os.path.exists(resolved):
                broken.append(target)
                continue
            anchors = _anchors(_read(resolved)) if resolved.endswith('.md') else None
        else:
            anchors = own_anchors
        if anchor and anchors is not None and anchor not in anchors:
            broken.append(target)
    assert not broken, broken


@pytest.mark.parametrize('path', DOCUMENTS, ids=_name)
def test_named_repository_paths_exist(path):
    missing = []
    for word in re.findall(r'`([^`\s]+)`', _read(path)):
        word = word.split(':', 1)[0].rstrip('.,;')
        if not word.startswith(tuple(d + '/' for d in REPO_DIRS)) or '*' in word:
            continue
        if word.startswith(GENERATED) or '<' in word or '...' in word:
            continue
        if not os.path.exists(os.path.join(ROOT, word)):
            missing.append(word)
    assert not missing, missing


def _server_options():
    options = set()
    for action in build_parser()._actions:
        options.update(action.option_strings)
    return options


@pytest.mark.parametrize('path', DOCUMENTS, ids=_name)
def test_shown_commands_name_what_exists(path):
    """Scripts of the repository exist; options given to the server are options it has."""
    options = _server_options()
    problems = []
    for line in _command_lines(_read(path)):
        for command in re.split(r'&&|\|\||;', line):
            words = shlex.split(command)
            scripts = [w for w in words if re.match(r'[\w./-]+\.(py|sh)$', w)
                       and w.startswith(tuple(d + '/' for d in REPO_DIRS))]
            for script in scripts:
                if not os.path.isfile(os.path.join(ROOT, script)):
                    problems.append(script)
            runs_server = (any(s.endswith('miniserver.py') for s in scripts)
                           or words[:1] == ['xwterm'] or 'xwterm' in words[2:3])
            if runs_server:
                for word in words:
                    if word.startswith('-') and word.split('=', 1)[0] not in options \
                            and word not in ('-m', '-I', '--'):
                        problems.append('%s in %r' % (word, command))
    assert not problems, problems


def test_every_option_is_in_options_page():
    page = _read(os.path.join(ROOT, 'docs', 'options.md'))
    parser = build_parser()
    missing = [action.option_strings[0] for action in parser._actions
               if action.option_strings and action.help != '==SUPPRESS=='
               and not any('`%s' % name in page for name in action.option_strings)]
    assert not missing, missing


def test_docs_stay_inside_the_repository():
    for path in DOCUMENTS:
        assert '../shared' not in _read(path), _name(path)


def test_test_command_is_a_valid_script():
    assert 'bash tests/run.sh' in list(_command_lines(_read(README)))
    result = subprocess.run(['bash', '-n', os.path.join(ROOT, 'tests', 'run.sh')],
                            stderr=subprocess.PIPE, universal_newlines=True, timeout=GUARD)
    assert result.returncode == 0, result.stderr


def _quick_start_server_commands():
    """The commands of README's "Two commands" that start the server."""
    section = _read(README).split('## Two commands', 1)[1].split('\n## ', 1)[0]
    commands = []
    for line in _command_lines(section):
        last = re.split(r'&&', line)[-1].strip()
        if 'miniserver.py' in last:
            commands.append(shlex.split(last))
    return commands


def test_quick_start_has_the_apt_and_the_venv_command():
    commands = _quick_start_server_commands()
    assert [c[0] for c in commands] == ['python3', '.venv/bin/python']
    assert all(c[1:] == ['example/miniserver.py'] for c in commands)


def test_quick_start_server_listens_and_logs_in_with_its_url():
    """README's command, run as it is from the checkout (on free ports instead of 8000 and
    8001, which another test may hold): it listens and its printed URL logs in."""
    command = _quick_start_server_commands()[0]
    argv = [SERVER_PYTHON] + command[1:] + ['--http', '0', '--ws', '0']
    with ServerProcess([], command=argv, auth=True) as server:
        assert server.token
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        with opener.open(server.printed['HTTP'], timeout=GUARD) as response:
            assert response.status == 200
            page = response.read().decode()
        assert '<title>' in page and 'login' not in response.url
        with opener.open(server.urls['HTTP'] + '?config', timeout=GUARD) as response:
            assert b'"version"' in response.read()
        server.signal()
        assert server.wait() == 0


def _reachable(host, port=443):
    try:
        socket.create_connection((host, port), 5).close()
        return True
    except OSError:
        return False


def test_quick_start_apt_packages_exist():
    """The Debian packages the first command installs are packages apt knows."""
    if shutil.which('apt-cache') is None:
        pytest.skip('no apt-cache here')
    section = _read(README).split('## Two commands', 1)[1].split('\n## ', 1)[0]
    line = [l for l in _command_lines(section) if 'apt-get install' in l][0]
    packages = [w for w in shlex.split(line.split('&&')[0]) if w.startswith('python3-')]
    assert packages == ['python3-aiohttp', 'python3-websockets']
    result = subprocess.run(['apt-cache', 'show', '--no-all-versions'] + packages,
                            stdout=subprocess.PIPE, universal_newlines=True, timeout=GUARD)
    assert result.returncode == 0
    assert result.stdout.count('Package: ') == len(packages)


def test_quick_start_venv_command_runs_as_written(tmp_path):
    """README's pip command, exactly as written, in a copy of the checkout's layout: a
    fresh virtual environment, aiohttp and websockets from PyPI, the server listening."""
    if not _reachable('pypi.org'):
        pytest.skip('PyPI is not reachable from here')
    if subprocess.run(['python3', '-c', 'import venv, ensurepip'],
                      stderr=subprocess.DEVNULL, timeout=GUARD).returncode != 0:
        pytest.skip("this python3 has no venv module (README's hint: apt-get install "
                    "python3-venv)")
    for name in ('example', 'xwterm', 'web'):
        os.symlink(os.path.join(ROOT, name), str(tmp_path / name))
    section = _read(README).split('## Two commands', 1)[1].split('\n## ', 1)[0]
    line = [l for l in _command_lines(section) if l.startswith('python3 -m venv .venv')][0]
    setup, _, start = line.rpartition('&&')
    env = {k: v for k, v in os.environ.items() if not k.startswith(('PIP_', 'PYTHON'))}
    result = subprocess.run(['bash', '-c', setup], cwd=str(tmp_path), env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            universal_newlines=True, timeout=600)
    assert result.returncode == 0, result.stdout
    argv = shlex.split(start) + ['--http', '0', '--ws', '0']
    argv[0] = str(tmp_path / argv[0])
    argv[1] = str(tmp_path / argv[1])
    with ServerProcess([], command=argv, auth=True, env=env) as server:
        assert server.token and 'installed' in server.output
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        with opener.open(server.printed['HTTP'], timeout=GUARD) as response:
            assert response.status == 200
        server.signal()
        assert server.wait() == 0


def test_library_example_is_the_file_and_prints_what_the_page_shows():
    page = _read(os.path.join(ROOT, 'docs', 'embedding.md'))
    section = page.split('## Using the library without the servers', 1)[1].split('\n## ')[0]
    blocks = re.findall(r'```(\w*)\n(.*?)```', section, re.S)
    code = [body for kind, body in blocks if kind == 'python'][0]
    shown_output = [body for kind, body in blocks if kind == ''][0]
    command = re.search(r'`(python3 example/session_example\.py)` prints', section).group(1)
    path = os.path.join(ROOT, 'example', 'session_example.py')
    # The page shows the imports without the file's lint markers.
    assert re.sub(r'  # noqa.*', '', _read(path)).endswith(code)
    # From the checkout, nothing installed: the example finds the package itself.
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    result = subprocess.run([SERVER_PYTHON] + command.split()[1:], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True, env=env, timeout=GUARD)
    assert result.returncode == 0, result.stderr
    assert result.stdout.replace('\r\n', '\n') == shown_output
