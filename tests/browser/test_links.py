"""Links (issue 22): OSC 8 hyperlinks and URLs written on the screen are underlined under the
pointer and open in a new tab, without an opener, on Ctrl+click; only http, https and mailto;
nothing opens from output alone, a plain click or a script's synthetic click. In Chromium with
real mouse events; the new tabs are real pages of the browser context."""

import pytest

from test_input import CAPTURE_DRIVER, cell_center, local_output, sent

OSC8 = '\x1b]8;;%s\x1b\\%s\x1b]8;;\x1b\\'


@pytest.fixture
def term(module_server, open_terminal):
    term = open_terminal(module_server.url, width=900, height=560)
    term.wait_connected('http')
    term.page.evaluate(CAPTURE_DRIVER)
    term.opened = []
    term.page.context.on('page', lambda page: term.opened.append(page))
    return term


def target(server, name):
    """A URL on the test server: the new tab loads something real (the page's ?config)."""
    return server.url + '?config&link=' + name


def underlines(term):
    """The underline pieces shown: [(left, top, width)] in cells (col, row, cells)."""
    return term.page.evaluate('''() => {
        const t = window.term, w = t._cssCellWidth, h = t._cssCellHeight;
        return [...t.linkLayer.children].map(el => [
            Math.round(parseFloat(el.style.left) / w), Math.floor(parseFloat(el.style.top) / h),
            Math.round(parseFloat(el.style.width) / w)]);
    }''')


def hover(term, col, row):
    term.page.mouse.move(*cell_center(term, col, row))
    term.page.evaluate('new Promise(done => requestAnimationFrame(done))')


def ctrl_click(term, col, row):
    with term.page.context.expect_page() as new_tab:
        term.page.keyboard.down('Control')
        term.page.mouse.click(*cell_center(term, col, row))
        term.page.keyboard.up('Control')
    page = new_tab.value
    page.wait_for_load_state()
    return page


def test_osc8_link_underlined_on_hover_and_opened_without_opener(term, module_server):
    url = target(module_server, 'osc8')
    local_output(term, '\x1bcsee ' + OSC8 % (url, 'the docs') + ' here')
    hover(term, 1, 0)
    assert underlines(term) == []
    hover(term, 6, 0)
    assert underlines(term) == [[4, 0, 8]]
    assert url in term.page.evaluate('window.term.canvas.title')
    page = ctrl_click(term, 6, 0)
    assert page.url == url
    assert page.evaluate('window.opener') is None
    assert term.opened == [page]
    assert sent(term) == ''                      # the click went to the link, not the host


def test_plain_url_in_text_wrapped_over_two_rows(term, module_server):
    url = target(module_server, 'a' * 60)
    columns = term.page.evaluate('window.term.nColumns')
    local_output(term, '\x1bc' + 'x' * (columns - 20) + ' ' + url + '. next')
    start = columns - 19
    hover(term, start + 2, 0)
    pieces = underlines(term)
    assert pieces[0] == [start, 0, columns - start]
    assert pieces[1][:2] == [0, 1] and pieces[1][2] == len(url) - (columns - start)
    page = ctrl_click(term, 3, 1)               # on the second row: the whole URL opens
    assert page.url == url


def test_nothing_opens_without_a_real_ctrl_click(term, module_server):
    bad_links = ''.join(OSC8 % (uri, ' %s ' % name) for name, uri in [
        ('js', 'javascript:alert(1)'), ('file', 'file:///etc/passwd'),
        ('data', 'data:text/html,hi'), ('rel', '/relative')])
    good = target(module_server, 'good')
    # Output alone: a screen full of links (as a replay of a session would bring) opens nothing.
    local_output(term, '\x1bc' + bad_links + '\r\n' + OSC8 % (good, 'GOOD') + '\r\nhttp://127.0.0.1:1/x')
    for col in (1, 8, 15, 22):
        hover(term, col, 0)
        assert underlines(term) == []
        term.page.keyboard.down('Control')
        term.page.mouse.click(*cell_center(term, col, 0))
        term.page.keyboard.up('Control')
    term.page.mouse.click(*cell_center(term, 1, 1))                 # no modifier
    term.page.evaluate('''() => {                                   // a script's click
        const canvas = window.term.canvas, box = canvas.getBoundingClientRect();
        for (const type of ['mousedown', 'mouseup', 'click']) {
            canvas.dispatchEvent(new MouseEvent(type, { bubbles: true, ctrlKey: true, button: 0,
                clientX: box.left + 5, clientY: box.top + box.height / window.term.nLines * 1.5 }));
        }
    }''')
    page = ctrl_click(term, 1, 1)              # the first tab to open is this real click's
    assert page.url == good
    assert term.opened == [page]


def test_mailto_opens_and_mouse_reporting_applications_keep_their_clicks(term):
    local_output(term, '\x1bc\x1b[?1000h\x1b[?1006hmail mailto:someone@example.com now')
    hover(term, 10, 0)
    assert underlines(term) == [[5, 0, len('mailto:someone@example.com')]]
    term.page.keyboard.down('Control')
    term.page.mouse.click(*cell_center(term, 1, 0))    # not on a link: reported to the app
    term.page.keyboard.up('Control')
    assert sent(term) == '\x1b[<16;2;1M\x1b[<16;2;1m'
    opened = term.page.evaluate('''() => {
        window.opened = [];
        window.open = (...args) => { window.opened.push(args); return null; };
    }''')
    assert opened is None
    term.page.keyboard.down('Control')
    term.page.mouse.click(*cell_center(term, 10, 0))
    term.page.keyboard.up('Control')
    assert term.page.evaluate('window.opened') == [
        ['mailto:someone@example.com', '_blank', 'noopener,noreferrer']]
    assert sent(term) == ''


ATTACHED = ('window.term && window.term.connectionState === "connected" && window.term.driver.attachment'
            ' && !window.term.driver.replaying')


def test_replayed_session_shows_links_but_opens_none_until_clicked(start_server, open_terminal):
    """A second tab attached by a share link gets the session's screen replayed, links
    included: it opens nothing until the person at that tab Ctrl+clicks one."""
    server = start_server()
    owner = open_terminal(server.url)
    owner.page.wait_for_function(ATTACHED)
    url = target(server, 'replayed')
    owner.run("printf '\\e]8;;%s\\e\\\\LINKED\\e]8;;\\e\\\\ and http://127.0.0.1:9/plain\\n'" % url)
    owner.wait_line('LINKED and http://127.0.0.1:9/plain')
    guest = open_terminal(owner.page.evaluate('window.termSession.link(false)'))
    opened = []
    guest.page.context.on('page', lambda page: opened.append(page))
    guest.page.wait_for_function(ATTACHED)
    guest.wait_line('LINKED and http://127.0.0.1:9/plain')
    rows = guest.page.evaluate('window.term.dumpScreen().text')
    row = [i for i, text in enumerate(rows) if text.startswith('LINKED')][0]
    hover(guest, 2, row)
    assert underlines(guest) == [[0, row, 6]]
    assert opened == []
    page = ctrl_click(guest, 2, row)
    assert page.url == url and opened == [page]
