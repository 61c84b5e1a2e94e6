"""A user's --docroot page written like the original AnsiTerm's examples -- an inline
<script> block, a "Start terminal" button with an onclick attribute, a module import of
xwterm.js -- runs in Chromium with the server's Content-Security-Policy in force, while a
handler the page does not carry (injected) stays blocked and our own page keeps its strict
policy.  Waits poll with page.evaluate (Playwright's string predicates are eval, which the
CSP forbids)."""

import os
import shutil
import time
import urllib.request

import pytest

from conftest import REPO, Server

GUARD_S = 30

EXAMPLE_PAGE = '''<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>My terminal</title>
<script type="module">
  import "./xwterm.js";
</script>
<script>
  function startTerminal(transport) {
    window.ansi = new AnsiTerm({ containerId: "myterminal", channelType: transport });
    document.getElementById("state").textContent = "started";
  }
</script>
</head>
<body>
<button id="start" onclick="startTerminal(&quot;http&quot;)">Start terminal</button>
<span id="state">waiting</span>
<div id="myterminal" style="width: 640px; height: 400px"></div>
</body>
</html>
'''


def wait_until(page, expression):
    deadline = time.monotonic() + GUARD_S
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError('never true: %s' % expression)
        time.sleep(0.1)


@pytest.fixture
def example_root(tmp_path):
    root = str(tmp_path / 'site')
    shutil.copytree(os.path.join(REPO, 'web'), root)
    with open(os.path.join(root, 'example.html'), 'w') as handle:
        handle.write(EXAMPLE_PAGE)
    return root


@pytest.fixture
def servers():
    started = []

    def start(*args):
        server = Server(list(args)).start()
        started.append(server)
        return server
    yield start
    for server in started:
        server.stop()


def headers_of(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.headers


def test_original_style_page_runs_with_the_csp_in_force(browser, servers, example_root):
    server = servers('--docroot', example_root, '--no-websocket')
    policy = headers_of(server.url + 'example.html')['Content-Security-Policy']
    assert "'unsafe-hashes'" in policy and "'unsafe-inline'" not in policy
    context = browser.new_context(bypass_csp=False)
    try:
        page = context.new_page()
        violations = []
        page.on('console', lambda message: violations.append(message.text)
                if 'Content Security Policy' in message.text else None)
        page.goto(server.url + 'example.html')
        wait_until(page, 'typeof window.AnsiTerm === "function"')
        page.click('#start')
        wait_until(page, 'document.getElementById("state").textContent === "started"')
        wait_until(page, 'window.ansi && window.ansi.driver.getConnectionState()')
        page.evaluate('window.ansi.focus()')
        page.keyboard.type('echo csp-$((6*7))')
        page.keyboard.press('Enter')
        wait_until(page, 'window.ansi.dumpScreen().text.some(row => row.trimEnd() === "csp-42")')
        assert violations == []
        # a handler the page does not carry is still refused
        page.evaluate('''() => {
          const button = document.createElement('button');
          button.id = 'injected';
          button.setAttribute('onclick', 'window.injectedRan = true');
          document.body.prepend(button);
          button.click();
        }''')
        assert page.evaluate('window.injectedRan === undefined')
        deadline = time.monotonic() + GUARD_S
        while not violations and time.monotonic() < deadline:
            time.sleep(0.1)
        assert violations, 'no CSP report for the injected handler'
    finally:
        context.close()


def test_our_page_keeps_the_strict_policy_and_csp_replaces_the_docroots(servers, example_root):
    ours = servers('--no-websocket')
    policy = headers_of(ours.url)['Content-Security-Policy']
    assert "script-src 'self'" in policy
    assert "'unsafe-hashes'" not in policy and "'unsafe-inline'" not in policy
    custom = servers('--docroot', example_root, '--no-websocket', '--csp',
                     "script-src 'self' 'unsafe-inline'")
    assert headers_of(custom.url + 'example.html')['Content-Security-Policy'] == \
        "script-src 'self' 'unsafe-inline'"
    none = servers('--docroot', example_root, '--no-websocket', '--csp', '')
    assert 'Content-Security-Policy' not in headers_of(none.url + 'example.html')
