"""The on-screen keys (hasSoftKeyboard, hasSoftFKeys) on a phone-sized, touch-enabled page:
they fit 360 px, send what sendKeyByKeyEvent sends, make Ctrl and Alt sticky for the next key
(also one typed on the phone's keyboard), follow application cursor mode and never take the
focus from the terminal's input (the phone keyboard would close)."""

import json
import sys
from urllib.parse import quote

import pytest

from test_compat import KEY_ECHO

# bypass_csp: Playwright's wait_for_function evaluates strings, which the page's
# Content-Security-Policy forbids (tests/browser/test_login.py runs the page under it).
PHONE = {'viewport': {'width': 360, 'height': 740}, 'has_touch': True, 'is_mobile': True,
         'device_scale_factor': 2, 'bypass_csp': True}


@pytest.fixture
def open_phone(browser):
    contexts = []
    errors = []

    def open_(server, mode='capture', **params):
        context = browser.new_context(**PHONE)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30000)
        page.on('pageerror', lambda error: errors.append(str(error)))
        page.goto('%sphone_page.html?mode=%s&params=%s' % (server.url, mode, quote(json.dumps(params))))
        page.wait_for_function('window.ansi !== undefined && window.ansi.driver.getConnectionState()')
        return page

    yield open_
    for context in contexts:
        context.close()
    assert errors == [], 'JavaScript errors in the page: %s' % errors


def sent(page):
    return ''.join(page.evaluate('window.sent.splice(0)'))


def input_has_focus(page):
    return page.evaluate('document.activeElement === window.ansi.input')


def tap(page, selector):
    page.locator('.xwterm-softkeys ' + selector).tap()
    assert input_has_focus(page), 'tapping %s took the focus from the input' % selector


def test_the_keys_fit_a_phone_screen(page_server, open_phone):
    page = open_phone(page_server)
    bar = page.locator('.xwterm-softkeys').bounding_box()
    assert bar['x'] >= 0 and bar['x'] + bar['width'] <= 360
    assert page.evaluate('document.documentElement.scrollWidth') <= 360
    labels = page.evaluate('[...document.querySelectorAll(".xwterm-softkeys button")].map(b => b.textContent)')
    for label in ['Esc', 'Tab', 'Ctrl', 'Alt', '←', '↑', '↓', '→', 'PgUp', 'PgDn', 'Home', 'End',
                  '|', '~', '/', '-'] + ['F%d' % n for n in range(1, 13)]:
        assert label in labels
    # The terminal above keeps its own space: the canvas ends where the keys begin.
    canvas = page.locator('canvas').bounding_box()
    assert canvas['y'] + canvas['height'] <= bar['y'] + 0.5 and canvas['width'] <= 360


@pytest.mark.parametrize('application_cursor', [False, True])
def test_every_key_sends_what_send_key_by_key_event_sends(page_server, open_phone, application_cursor):
    page = open_phone(page_server)
    if application_cursor:
        page.evaluate('window.ansi.write("\\x1b[?1h")')
    keys = page.evaluate('[...document.querySelectorAll(".xwterm-softkeys button[data-key]")].map(b => b.dataset.key)')
    assert len(keys) >= 27
    for key in keys:
        tap(page, '[data-key="%s"]' % key)
        tapped = sent(page)
        page.evaluate('key => window.ansi.sendKeyByKeyEvent({ key, code: key.length > 1 ? key : "" })', key)
        assert tapped == sent(page) and tapped, key
    expected = {'Escape': '\x1b', 'Tab': '\t', 'PageUp': '\x1b[5~', 'PageDown': '\x1b[6~', '|': '|',
                'F1': '\x1bOP', 'F5': '\x1b[15~', 'F12': '\x1b[24~',
                'ArrowUp': '\x1bOA' if application_cursor else '\x1b[A',
                'ArrowLeft': '\x1bOD' if application_cursor else '\x1b[D',
                'Home': '\x1bOH' if application_cursor else '\x1b[H',
                'End': '\x1bOF' if application_cursor else '\x1b[F'}
    for key, data in expected.items():
        tap(page, '[data-key="%s"]' % key)
        assert sent(page) == data, key
    assert page.evaluate('document.querySelector(".xwterm-softkeys").classList.contains("xwterm-softkeys-appcursor")') \
        == application_cursor


def test_ctrl_and_alt_are_sticky_for_the_next_key(page_server, open_phone):
    page = open_phone(page_server)
    tap(page, '[data-modifier="ctrl"]')
    assert page.get_attribute('[data-modifier="ctrl"]', 'aria-pressed') == 'true'
    page.keyboard.insert_text('c')                  # typed on the phone's keyboard
    assert sent(page) == '\x03'
    assert page.get_attribute('[data-modifier="ctrl"]', 'aria-pressed') == 'false'
    page.keyboard.insert_text('c')                  # released: plain again
    assert sent(page) == 'c'
    tap(page, '[data-modifier="alt"]')
    page.keyboard.insert_text('xy')
    assert sent(page) == '\x1bxy'
    tap(page, '[data-modifier="alt"]')
    tap(page, '[data-key="ArrowLeft"]')
    assert sent(page) == '\x1b[1;3D'
    tap(page, '[data-modifier="ctrl"]')
    tap(page, '[data-key="/"]')
    assert sent(page) == '\x1f'
    tap(page, '[data-modifier="ctrl"]')
    page.keyboard.press('l')                        # a hardware keyboard's key
    assert sent(page) == '\x0c'
    tap(page, '[data-modifier="ctrl"]')
    tap(page, '[data-modifier="ctrl"]')             # tapped twice: off again
    page.keyboard.insert_text('d')
    assert sent(page) == 'd'


def test_keys_reach_the_server_from_a_phone(start_page_server, open_phone):
    server = start_page_server('--no-websocket', command=[sys.executable, '-c', KEY_ECHO])
    page = open_phone(server, mode='http')

    def screen_has(text):
        page.wait_for_function(
            'text => window.ansi.dumpScreen().text.some(row => row.trimEnd() === text)', arg=text)

    screen_has('ready')
    tap(page, '[data-key="Tab"]')
    screen_has('got:09')
    tap(page, '[data-modifier="ctrl"]')
    page.keyboard.insert_text('l')
    screen_has('got:0c')
    tap(page, '[data-key="F5"]')
    screen_has('got:1b5b31357e')
    assert input_has_focus(page)


@pytest.mark.parametrize('params, rows', [({'hasSoftKeyboard': False}, 0), ({'hasSoftFKeys': False}, 1)])
def test_the_keys_can_be_left_out(page_server, open_phone, params, rows):
    page = open_phone(page_server, **params)
    assert page.evaluate('document.querySelectorAll(".xwterm-softkeys-row").length') == rows
