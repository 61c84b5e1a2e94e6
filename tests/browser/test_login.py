"""Logging in, in Chromium with the pages' Content-Security-Policy in force: the URL the
server prints leads to a working terminal over WebSocket and over HTTP without leaving
the token in the address bar; a bare visit gets the login form; the original page,
unchanged, works once the browser holds the cookie.

Waits poll with page.evaluate: Playwright's wait_for_function evaluates strings, which
the CSP (rightly) forbids.
"""

import re
import time

import pytest

PRINTED_URL = re.compile(r'^HTTP: +(http://\S+\?token=\S+)$', re.M)
GUARD_S = 30
#: A screen row of the terminal (index.html's window.term, the original page's window.ansi)
#: that is exactly ``text``.
ROW_IS = '(t => t && t.dumpScreen().text.some(row => row.trimEnd() === %r))(window.%s)'


def printed_url(server):
    """The HTTP URL of the banner (with the generated token)."""
    deadline = time.monotonic() + GUARD_S
    while time.monotonic() < deadline:
        found = PRINTED_URL.search(server.output())
        if found:
            return found.group(1)
        time.sleep(0.1)
    raise AssertionError('no token URL in the banner:\n%s' % server.output())


def wait_until(page, expression):
    deadline = time.monotonic() + GUARD_S
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError('never true: %s' % expression)
        time.sleep(0.1)


def type_line(page, text):
    page.keyboard.type(text)
    page.keyboard.press('Enter')


def connected(page, transport):
    wait_until(page, 'window.term && window.term.connectionState === "connected"')
    assert page.evaluate('window.termTransport') == transport


@pytest.mark.parametrize('transport', ['websocket', 'http'])
def test_printed_url_opens_a_working_terminal(start_page_server, open_terminal, transport):
    server = start_page_server(auth=True)
    url = printed_url(server)
    page = open_terminal(url + ('&transport=http' if transport == 'http' else ''),
                         csp=True).page
    connected(page, transport)
    assert page.url == server.url + ('?transport=http' if transport == 'http' else '')
    type_line(page, 'echo login-$((6*7))')
    wait_until(page, ROW_IS % ('login-42', 'term'))
    cookie, = [c for c in page.context.cookies() if c['name'] == 'xwterm_auth']
    assert cookie['httpOnly'] and cookie['sameSite'] == 'Strict'
    assert url.split('?token=')[1] not in cookie['value']


def test_bare_visit_shows_the_login_form(start_page_server, open_terminal):
    server = start_page_server(auth=True)
    token = printed_url(server).split('?token=')[1]
    page = open_terminal(server.url + '?transport=http', csp=True).page
    assert page.locator('input[name=secret]').count() == 1
    assert page.evaluate('window.term === undefined')         # no terminal, no shell
    page.fill('input[name=secret]', 'not-the-token-not-the-token')
    page.click('input[type=submit]')
    page.wait_for_selector('p.problem')
    page.fill('input[name=secret]', token)
    page.click('input[type=submit]')
    connected(page, 'http')
    assert page.url == server.url + '?transport=http'
    type_line(page, 'echo form-$((6*7))')
    wait_until(page, ROW_IS % ('form-42', 'term'))


@pytest.mark.parametrize('mode', ['http', 'websocket'])
def test_original_page_works_after_login(start_page_server, open_terminal, mode):
    server = start_page_server(auth=True)
    login = open_terminal(printed_url(server), csp=True).page
    connected(login, 'websocket')

    def same_browser(page):
        page.context.add_cookies(login.context.cookies())

    page = open_terminal('%soriginal_page.html?mode=%s&ws=%d' % (server.url, mode, server.ws_port),
                         before_load=same_browser, csp=True).page
    wait_until(page, 'window.ansi && window.ansi.driver.getConnectionState()')
    page.evaluate('window.ansi.focus()')
    type_line(page, 'echo original-$((6*7))')
    wait_until(page, ROW_IS % ('original-42', 'ansi'))
